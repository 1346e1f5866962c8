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
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "ecomops.duckdb"


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """Return the database path: explicit argument, else $ECOMOPS_DB, else data/ecomops.duckdb."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("ECOMOPS_DB")
    if env:
        return Path(env)
    return DEFAULT_DB_PATH


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


THRESHOLDS = Thresholds()  # the defaults; the values in force come from thresholds(con)
DEFAULTS = THRESHOLDS
_KEY_PREFIX = "threshold."
# Allowed range per threshold (inclusive): a setting outside it is refused with the range in the message.
LIMITS: dict[str, tuple[float, float]] = {
    "new_days": (1, 365), "active_days": (7, 730), "dormant_days": (14, 1460), "churn_horizon_days": (7, 365),
    "abc_window_days": (7, 730), "abc_a_share": (0.05, 0.99), "abc_b_share": (0.06, 0.999),
    "cover_window_days": (7, 365), "a_min_cover_days": (1, 365), "c_max_cover_days": (7, 730),
    "negative_rating_max": (1, 4), "negative_rate_target": (0.001, 0.5), "reply_sla_hours": (1, 720),
    "backup_restock_hours": (1, 720), "conversion_drop_alert": (0.01, 0.9), "roi_floor": (0.1, 10),
}


class SettingError(ValueError):
    """A setting value that is refused, with the reason."""


def thresholds(con: Any) -> Thresholds:
    """Return the thresholds in force in the database: the defaults with the stored settings applied."""
    cur = con.cursor()
    try:
        rows = cur.execute("SELECT key, value FROM settings WHERE starts_with(key, $p)", {"p": _KEY_PREFIX}).fetchall()
    finally:
        cur.close()
    known = {f.name: f.type for f in fields(Thresholds)}
    stored = {key[len(_KEY_PREFIX):]: json.loads(value) for key, value in rows}
    return replace(DEFAULTS, **{name: value for name, value in stored.items() if name in known})


def validate_thresholds(values: Mapping[str, Any]) -> Thresholds:
    """Return the thresholds with ``values`` applied, or raise SettingError naming the first bad value."""
    types = {f.name: int if f.type in (int, "int") else float for f in fields(Thresholds)}
    clean: dict[str, Any] = {}
    for name, value in values.items():
        if name not in types:
            raise SettingError(f"unknown threshold {name!r}")
        try:
            number = types[name](value)
        except (TypeError, ValueError):
            raise SettingError(f"{name} must be a number, not {value!r}") from None
        if types[name] is int and float(value) != number:
            raise SettingError(f"{name} must be a whole number, not {value!r}")
        low, high = LIMITS[name]
        if not low <= number <= high:
            raise SettingError(f"{name} must lie between {low:g} and {high:g}, not {number:g}")
        clean[name] = number
    merged = replace(DEFAULTS, **clean)
    if not merged.active_days < merged.dormant_days:
        raise SettingError("active_days must be less than dormant_days")
    if not merged.new_days <= merged.active_days:
        raise SettingError("new_days must not exceed active_days")
    if not merged.abc_a_share < merged.abc_b_share:
        raise SettingError("abc_a_share must be less than abc_b_share")
    return merged


def save_thresholds(con: Any, values: Mapping[str, Any], actor: str | None = None) -> Thresholds:
    """Store the complete set of thresholds (values equal to the default are removed); return what is in force.

    One transaction, which bumps the data and sales versions: cached page results and the summary tables whose
    rules use a threshold (lifecycle windows, churn scores) follow at once.
    """
    from ecomops import db  # db imports this module for the database path

    merged = validate_thresholds(values)
    with db.transaction(con) as cur:
        cur.execute("DELETE FROM settings WHERE starts_with(key, $p)", {"p": _KEY_PREFIX})
        for name, value in asdict(merged).items():
            if value != getattr(DEFAULTS, name):
                cur.execute("INSERT INTO settings (key, value, updated_by) VALUES ($k, $v, $who)",
                            {"k": _KEY_PREFIX + name, "v": json.dumps(value), "who": actor})
    return merged



def thresholds_table(con: Any) -> pd.DataFrame:
    """Return one row per threshold: name, value in force, default."""
    import pandas as pd  # only pages ask for the table

    current = thresholds(con)
    return pd.DataFrame([{"setting": f.name, "value": getattr(current, f.name), "default": getattr(DEFAULTS, f.name)}
                         for f in fields(Thresholds)])
