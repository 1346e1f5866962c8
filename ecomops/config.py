"""Settings: database path and the thresholds of METRICS.md, with documented defaults.

The database path comes from an explicit argument (``--db`` on the command line), else the environment
variable ``ECOMOPS_DB``, else ``data/ecomops.duckdb`` under the project root, so the app and the command line agree.

Thresholds are settings: their defaults are the ``Thresholds`` dataclass below (METRICS.md), a database may override
any of them (table ``settings``, key ``threshold.<name>``), and every page, report and command reads the values in
force through ``thresholds(con)``. The Settings page shows and edits them in one place.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from ecomops.i18n import N_, _, fmt

if TYPE_CHECKING:
    import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "ecomops.duckdb"
# Summary tables are updated from the orders an import or undo touched while those (with every order after the
# earliest touched day, for tables numbered in date order) are at most this share of all orders; a larger change is
# rebuilt in full, which is then about as fast (ecomops/derived.py, bench/bench_incremental.py).
DERIVED_INCREMENTAL_MAX_SHARE = 0.05
DERIVED_INCREMENTAL_MIN_ORDERS = 10_000  # ... or at most this many orders (small stores: any small import)


def incremental_limit(total_orders: int) -> float:
    """Return how many orders an incremental update of the summary tables may rewrite in a store of this size."""
    return max(DERIVED_INCREMENTAL_MAX_SHARE * total_orders, DERIVED_INCREMENTAL_MIN_ORDERS)


# The local file of the Spark engine: the summary tables built in Spark, views on the warehouse, app state. A file of
# its own (never the DuckDB engine's store, whose tables it would replace by views).
DEFAULT_SPARK_CACHE_PATH = PROJECT_ROOT / "data" / "ecomops-spark-cache.duckdb"


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """Return the database path: explicit argument, else $ECOMOPS_DB, else data/ecomops.duckdb (with the Spark
    engine: data/ecomops-spark-cache.duckdb, the local cache of the warehouse's summary tables)."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("ECOMOPS_DB")
    if env:
        return Path(env)
    return DEFAULT_SPARK_CACHE_PATH if engine_name() == "spark" else DEFAULT_DB_PATH


# --- query engine (docs/scaling.md) -----------------------------------------------------------------------------
# ECOMOPS_ENGINE: duckdb (default: everything in the local file) or spark (summary tables built by Spark from the
# warehouse tables, cached in the local file). `--engine` on the command line sets it for the command.
ENGINES = ("duckdb", "spark")
DEFAULT_SPARK_MASTER = "local[*]"
DEFAULT_SPARK_DRIVER_MEMORY = "1g"


class EngineSettingError(ValueError):
    """An engine setting that cannot work (unknown engine, Spark without a warehouse)."""


def engine_name(explicit: str | None = None) -> str:
    """Return the engine to use: explicit argument, else $ECOMOPS_ENGINE, else duckdb."""
    name = (explicit or os.environ.get("ECOMOPS_ENGINE") or "duckdb").strip().lower()
    if name not in ENGINES:
        raise EngineSettingError(f"unknown engine {name!r}: use one of {', '.join(ENGINES)} "
                                 f"(ECOMOPS_ENGINE / --engine)")
    return name


def spark_master() -> str:
    """Return the Spark master: $ECOMOPS_SPARK_MASTER (local[*], spark://host:7077, sc://host:15002), else local[*]."""
    return os.environ.get("ECOMOPS_SPARK_MASTER") or DEFAULT_SPARK_MASTER


def spark_driver_memory() -> str:
    """Return the driver memory of a session started here: $ECOMOPS_SPARK_DRIVER_MEMORY, else 1g."""
    return os.environ.get("ECOMOPS_SPARK_DRIVER_MEMORY") or DEFAULT_SPARK_DRIVER_MEMORY


def warehouse_location(explicit: str | None = None) -> str | None:
    """Return where the warehouse tables are: explicit, else $ECOMOPS_WAREHOUSE (a Parquet directory partitioned by
    date: local path, hdfs://, s3a://; or hive:DBNAME), else None."""
    return explicit or os.environ.get("ECOMOPS_WAREHOUSE") or None


@dataclass(frozen=True)
class Thresholds:
    """Metric thresholds from METRICS.md; every page and test reads them from here."""

    new_days: int = 30  # first valid order within this many days -> "new"
    active_days: int = 90  # recency <= this -> "active"
    dormant_days: int = 180  # active_days < recency <= this -> "dormant"; beyond -> "lost"
    churn_horizon_days: int = 90  # H of the churn label
    abc_window_days: int = 90  # trailing window of the ABC classification
    abc_a_share: float = 0.80
    abc_b_share: float = 0.95
    cover_window_days: int = 28  # trailing window of "average daily units sold" for days of cover
    a_min_cover_days: int = 14  # alert A items under this many days of cover
    c_max_cover_days: int = 90  # alert C items over this many days of cover
    negative_rating_max: int = 2  # rating <= this is a negative review
    negative_rate_target: float = 0.05
    reply_sla_hours: float = 24.0
    backup_restock_hours: float = 72.0
    conversion_drop_alert: float = 0.05  # "needs attention": conversion down >5% vs its 7-day median
    roi_floor: float = 1.0  # channels with ROI below this are flagged


# Customer value (ecomops/users/value.py): BG/NBD + Gamma-Gamma are fitted only when at least this many buyers bought
# on two or more days; with fewer the likelihood is too flat to say anything and the pages say so instead.
CLV_MIN_REPEAT_CUSTOMERS = 20

THRESHOLDS = Thresholds()  # the defaults only; the values in force come from thresholds(con)
DEFAULTS = THRESHOLDS
_KEY_PREFIX = "threshold."


@dataclass(frozen=True)
class ThresholdInfo:
    """How the Settings page shows a threshold: what it means (a message id), its unit and allowed range."""

    label: str  # message ids
    description: str
    unit: str  # "days", "hours", "percent" (stored as a share 0..1, shown x 100), "rating", "ratio"
    low: float  # allowed range, inclusive, in stored units
    high: float


# One entry per Thresholds field, in the dataclass order (the Settings page's order): a short label, what it means,
# its unit and allowed range (stored units).
INFO: dict[str, ThresholdInfo] = {
    "new_days": ThresholdInfo(
        N_("New customer window"), N_("A customer is new while their first valid order is at most this many days "
                                      "old."), "days", 1, 365),
    "active_days": ThresholdInfo(
        N_("Active customer window"), N_("A customer who is not new is active while their last valid order is at "
                                         "most this many days old."), "days", 7, 730),
    "dormant_days": ThresholdInfo(
        N_("Dormant customer window"), N_("Beyond the active window a customer is dormant while their last valid "
                                          "order is at most this many days old, and lost after that."),
        "days", 14, 1460),
    "churn_horizon_days": ThresholdInfo(
        N_("Churn horizon"), N_("The churn model predicts no valid order within this many days; reactivation is "
                                "measured over the same number of days after an outreach."), "days", 7, 365),
    "abc_window_days": ThresholdInfo(
        N_("ABC window"), N_("ABC classes rank SKUs by their GMV over this many days up to the end date."),
        "days", 7, 730),
    "abc_a_share": ThresholdInfo(
        N_("Class A share"), N_("SKUs are class A until their cumulative share of GMV reaches this share."),
        "percent", 0.05, 0.99),
    "abc_b_share": ThresholdInfo(
        N_("Class B share"), N_("After class A, SKUs are class B until their cumulative share of GMV reaches this "
                                "share; the rest are class C."), "percent", 0.06, 0.999),
    "cover_window_days": ThresholdInfo(
        N_("Days-of-cover window"), N_("Days of cover divide units on hand by the average daily units sold over "
                                       "this many days."), "days", 7, 365),
    "a_min_cover_days": ThresholdInfo(
        N_("A-item minimum cover"), N_("An A item with fewer days of cover than this raises a stock-out alert."),
        "days", 1, 365),
    "c_max_cover_days": ThresholdInfo(
        N_("C-item maximum cover"), N_("A C item with more days of cover than this raises an overstock alert."),
        "days", 7, 730),
    "negative_rating_max": ThresholdInfo(
        N_("Negative rating"), N_("A review rated at most this many stars (of 5) is negative."), "rating", 1, 4),
    "negative_rate_target": ThresholdInfo(
        N_("Negative-review rate target"), N_("The share of negative reviews should stay at or under this target."),
        "percent", 0.001, 0.5),
    "reply_sla_hours": ThresholdInfo(
        N_("Reply SLA"), N_("Negative reviews should be answered within this many hours; later is an SLA breach."),
        "hours", 1, 720),
    "backup_restock_hours": ThresholdInfo(
        N_("Backup restock target"), N_("A backup supplier should restock within this many hours."), "hours", 1, 720),
    "conversion_drop_alert": ThresholdInfo(
        N_("Conversion drop alert"), N_("The Overview flags a day whose conversion rate is more than this share "
                                        "below the median of the 7 days before it (GMV and UV: twice this share)."),
        "percent", 0.01, 0.9),
    "roi_floor": ThresholdInfo(
        N_("ROI floor"), N_("Channels, campaigns and audiences whose ROI (attributed GMV / spend) is below this are "
                            "flagged, and the monthly review suggests cutting them."), "ratio", 0.1, 10),
}
_TYPES = {f.name: int if f.type in (int, "int") else float for f in fields(Thresholds)}
# How the Settings page names each unit next to an input (in display units: percent x 100).
UNIT_NAMES = {"days": N_("days"), "hours": N_("hours"), "percent": N_("%"), "rating": N_("stars of 5"),
              "ratio": N_("× spend")}


class SettingError(ValueError):
    """A setting value that is refused, with the reason (in the current language)."""


def _plain(value: float) -> str:
    """Return a number with as few decimals as it needs (at most 2), in the current locale."""
    for decimals in (0, 1, 2):
        if abs(round(value, decimals) - value) < 1e-9:
            break
    return fmt.number(value, decimals)


def display_value(name: str, value: float) -> float:
    """Return a threshold value in the unit the Settings page edits it in (percent x 100)."""
    return round(value * 100, 6) if INFO[name].unit == "percent" else value


def stored_value(name: str, shown: float) -> float:
    """Return the stored value of a threshold edited in its display unit (the inverse of display_value)."""
    return round(shown / 100, 8) if INFO[name].unit == "percent" else shown


def shown(t: Thresholds, name: str) -> str:
    """Return a threshold in force as a sentence shows it: a bare number for days, hours, ratings and ratios
    (the sentence names the unit), a percentage for shares (80%, 5%)."""
    value = getattr(t, name)
    if INFO[name].unit == "percent":
        return _plain(value * 100) + "%"
    return _plain(value)


def label(name: str) -> str:
    """Return the threshold's short name, in the current language."""
    return _(INFO[name].label)


def is_whole(name: str) -> bool:
    """Return True when the threshold holds whole numbers (days, ratings)."""
    return _TYPES[name] is int


def unit_name(name: str) -> str:
    """Return the unit the Settings page edits the threshold in, in the current language (days, hours, %...)."""
    return _(UNIT_NAMES[INFO[name].unit])


def formatted(name: str, value: float) -> str:
    """Return a threshold value with its unit, in the current language (90 days, 24 h, 80%, 1.5)."""
    unit = INFO[name].unit
    if unit == "days":
        return fmt.days(value)
    if unit == "hours":
        return fmt.hours(value, 0 if float(value).is_integer() else 1)
    if unit == "percent":
        return _plain(value * 100) + "%"
    return _plain(value)


def _typed(name: str, value: Any) -> int | float:
    """Return a threshold value as its field's type (int or float)."""
    return int(value) if _TYPES[name] is int else float(value)


def thresholds(con: Any) -> Thresholds:
    """Return the thresholds in force in the database: the defaults with the stored settings applied."""
    cur = con.cursor()
    try:
        rows = cur.execute("SELECT key, value FROM settings WHERE starts_with(key, $p)", {"p": _KEY_PREFIX}).fetchall()
    finally:
        cur.close()
    stored = {key[len(_KEY_PREFIX):]: json.loads(value) for key, value in rows}
    return replace(DEFAULTS, **{name: _typed(name, value) for name, value in stored.items() if name in _TYPES})


def validate_thresholds(values: Mapping[str, Any], base: Thresholds = DEFAULTS) -> Thresholds:
    """Return ``base`` with ``values`` applied (stored units), or raise SettingError naming the first bad value."""
    clean: dict[str, Any] = {}
    for name, value in values.items():
        if name not in _TYPES:
            raise SettingError(_("Unknown setting {name}.", name=repr(name)))
        setting = label(name)
        try:
            number = _TYPES[name](value)
            if isinstance(value, bool) or number != number:  # no True/False, no NaN
                raise ValueError
        except (TypeError, ValueError):
            raise SettingError(_("{setting}: {value} is not a number.", setting=setting, value=repr(value))) from None
        if _TYPES[name] is int and float(value) != number:
            raise SettingError(_("{setting}: enter a whole number, not {value}.", setting=setting,
                                 value=_plain(float(value))))
        low, high = INFO[name].low, INFO[name].high
        if not low <= number <= high:
            raise SettingError(_("{setting}: {value} is outside the allowed range {low} to {high}.", setting=setting,
                                 value=formatted(name, number), low=formatted(name, low), high=formatted(name, high)))
        clean[name] = number
    merged = replace(base, **clean)
    for smaller, larger, message in (
        ("new_days", "active_days", N_("{first} ({a}) must not be longer than {second} ({b}).")),
        ("active_days", "dormant_days", N_("{first} ({a}) must be shorter than {second} ({b}).")),
        ("abc_a_share", "abc_b_share", N_("{first} ({a}) must be less than {second} ({b}).")),
    ):
        a, b = getattr(merged, smaller), getattr(merged, larger)
        if a > b or (a == b and smaller != "new_days"):
            raise SettingError(_(message, first=label(smaller), a=formatted(smaller, a), second=label(larger),
                                 b=formatted(larger, b)))
    return merged


def _store(con: Any, merged: Thresholds, actor: str | None) -> Thresholds:
    from ecomops import db  # db imports this module for the database path

    # Not sales data: the summary tables whose rules use a threshold name it (derived.DerivedTable.thresholds), so
    # only those are rebuilt; every cached page result follows the data version this write bumps.
    with db.transaction(con, sales_data=False) as cur:
        cur.execute("DELETE FROM settings WHERE starts_with(key, $p)", {"p": _KEY_PREFIX})
        for name, value in asdict(merged).items():
            if value != getattr(DEFAULTS, name):
                cur.execute("INSERT INTO settings (key, value, updated_by) VALUES ($k, $v, $who)",
                            {"k": _KEY_PREFIX + name, "v": json.dumps(value), "who": actor})
    return merged


def save_thresholds(con: Any, values: Mapping[str, Any], actor: str | None = None) -> Thresholds:
    """Apply ``values`` (stored units; names not given keep the value in force) after validating the whole set, in
    one transaction; return the thresholds now in force. Nothing is written when a value is refused (SettingError).

    Values equal to the default are not stored, so a later change of a default in code reaches them.
    """
    return _store(con, validate_thresholds(values, thresholds(con)), actor)


def restore_defaults(con: Any, actor: str | None = None) -> Thresholds:
    """Remove every stored threshold (one transaction); return the defaults, now in force."""
    return _store(con, DEFAULTS, actor)


def thresholds_table(con: Any) -> pd.DataFrame:
    """Return one row per threshold, as the Settings page lists them: setting (label), meaning, value in force,
    default, allowed range (formatted with their units), changed (differs from the default), key (field name)."""
    import pandas as pd  # only pages ask for the table

    current = thresholds(con)
    rows = []
    for name, info in INFO.items():
        value, default = getattr(current, name), getattr(DEFAULTS, name)
        rows.append({"setting": label(name), "meaning": _(info.description), "value": formatted(name, value),
                     "default": formatted(name, default),
                     "allowed": _("{low} to {high}", low=formatted(name, info.low), high=formatted(name, info.high)),
                     "changed": value != default, "key": name})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------------ store settings
# The store's own settings that every page needs: its currency and its time zone (keys ``store.currency`` and
# ``store.timezone`` of the ``settings`` table). METRICS.md: "a store has one currency; every money figure is in it
# and is shown with its symbol". The currency is set once — by the first import whose file names one (a currency
# column or unambiguous symbols), or by the user (``import --currency``, the Upload page) — and imports in another
# currency are refused unless the user says how to convert. Times are stored in the store's time zone; values that
# carry an offset (or epoch seconds) are converted to it on import.

DEFAULT_CURRENCY = "CNY"  # the built-in demo store's currency, and what pages showed before stores had one
_CURRENCY_KEY, _TIMEZONE_KEY = "store.currency", "store.timezone"
# Symbol shown before amounts (display rules may choose another form; unknown codes show the code itself).
CURRENCY_SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "BRL": "R$", "INR": "₹",
                    "HKD": "HK$", "TWD": "NT$", "KRW": "₩", "AUD": "A$", "CAD": "C$", "SGD": "S$", "CHF": "CHF",
                    "MXN": "MX$", "RUB": "₽", "TRY": "₺", "PLN": "zł", "SEK": "kr", "VND": "₫", "IDR": "Rp",
                    "THB": "฿", "MYR": "RM", "PHP": "₱", "AED": "AED", "SAR": "SAR", "ZAR": "R", "NZD": "NZ$"}


def _setting(con: Any, key: str) -> str | None:
    cur = con.cursor()
    try:
        row = cur.execute("SELECT value FROM settings WHERE key = $k", {"k": key}).fetchone()
    finally:
        cur.close()
    return json.loads(row[0]) if row else None


def store_currency(con: Any) -> str:
    """Return the store's ISO 4217 currency code (CNY until a currency is set)."""
    return _setting(con, _CURRENCY_KEY) or DEFAULT_CURRENCY


def store_currency_is_set(con: Any) -> bool:
    """Return True once the store's currency was set (by an import or the user)."""
    return _setting(con, _CURRENCY_KEY) is not None


def currency_symbol(code: str) -> str:
    """Return the symbol shown with amounts in ``code`` (the code itself when it has no common symbol)."""
    return CURRENCY_SYMBOLS.get((code or "").upper(), (code or "").upper())


def normalise_currency(code: str) -> str:
    """Return an upper-case three-letter code; ValueError for anything else."""
    text = (code or "").strip().upper()
    if text in ("RMB", "元", "人民币"):
        text = "CNY"
    if not re.fullmatch(r"[A-Z]{3}", text):
        raise ValueError(f"not a currency code: {code!r} (use a three-letter code such as CNY, USD, GBP, EUR)")
    return text


def set_store_currency(cur: Any, code: str) -> None:
    """Set the store's currency (inside the caller's transaction: ``cur`` is its cursor)."""
    _set(cur, _CURRENCY_KEY, normalise_currency(code))


def store_timezone(con: Any) -> str | None:
    """Return the store's IANA time zone (e.g. Asia/Shanghai), or None when times are kept as written."""
    return _setting(con, _TIMEZONE_KEY)


def set_store_timezone(cur: Any, zone: str) -> None:
    """Set the store's time zone (inside the caller's transaction); ValueError for an unknown zone."""
    known = cur.execute("SELECT count(*) FROM pg_timezone_names() WHERE name = $z", {"z": zone}).fetchone()[0]
    if not known:
        raise ValueError(f"unknown time zone {zone!r} (use an IANA name such as Asia/Shanghai or Europe/London)")
    _set(cur, _TIMEZONE_KEY, zone)


def _set(cur: Any, key: str, value: str, actor: str | None = None) -> None:
    cur.execute("INSERT INTO settings (key, value, updated_by) VALUES ($k, $v, $who) ON CONFLICT (key) DO UPDATE "
                "SET value = excluded.value, updated_at = now(), updated_by = excluded.updated_by",
                {"k": key, "v": json.dumps(value), "who": actor})
