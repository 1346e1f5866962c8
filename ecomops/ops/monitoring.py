"""Core-metric monitoring: daily series with a weekday-aware expected band, anomaly flags, operator alert rules,
and the root cause of a day's change (traffic / conversion / spend-per-buyer effects, then the segments behind them).

The baseline (documented here because every alert depends on it)
-----------------------------------------------------------------
E-commerce metrics have a strong weekly rhythm (weekends differ from Tuesdays), so a day is compared with *the same
weekday* of the previous ``weeks`` weeks (default 4):

* **baseline** = median of the metric on d-7, d-14, ..., d-7*weeks (at least 2 of them present);
* **relative residual** r = value / baseline - 1;
* **noise** = 1.4826 * MAD of the residuals of the previous ``noise_days`` days (default 84, at least 28 values;
  floor 1%) -- a robust standard deviation of "how far a normal day lands from its weekday baseline";
* **expected band** = baseline * (1 +/- k * noise), k = 4 by default; a day outside the band is an **anomaly**.

Median and MAD are robust: one bad Tuesday neither drags the next Tuesdays' baseline nor widens the band much.

Alert rules (table ``alert_rules``, editable on the Monitoring page): a rule (metric, direction, threshold,
window_days, severity) fires on a day when the metric's change against its weekday baseline over ``window_days``
days (window 7 = same weekday last week; 28 = median of the last 4 same weekdays) is at least ``threshold`` in the
rule's direction **and** the day is outside the expected band, so that a threshold smaller than everyday noise does
not page anyone.

Root cause: GMV = UV x conversion rate x spend per buyer (METRICS.md) for a day and for its reference (the mean of
the same weekday over the previous 4 weeks, "the usual Tuesday", or the same weekday last week). The log (LMDI)
decomposition splits the change into three effects that add up exactly to it:
``effect_x = L(G1, G0) * ln(x1 / x0)`` with the logarithmic mean ``L(a, b) = (a - b) / (ln a - ln b)``.
The same split per channel x device cell (GMV is additive across cells) says which traffic explains the effect;
categories and campaigns have no traffic, so they are ranked by their contribution to the GMV change.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Mapping, Sequence

import duckdb
import numpy as np
import pandas as pd

from ecomops import config, db, derived, metrics
from ecomops.filters import Filters, order_category, sales_slots, slot

MONITORED = ("uv", "conversion_rate", "spend_per_buyer", "gmv", "repurchase_rate")
METRIC_LABELS = {
    "uv": "UV", "conversion_rate": "Conversion rate", "spend_per_buyer": "Spend per buyer", "gmv": "GMV",
    "repurchase_rate": "Repurchase rate (30-day)",
}
DIRECTIONS = ("down", "up", "both")
SEVERITIES = ("critical", "warning", "info")  # most severe first
BASELINE_WEEKS = 4
BAND_K = 4.0
NOISE_DAYS = 84
NOISE_FLOOR = 0.01
REPURCHASE_WINDOW_DAYS = 30
RULE_COLUMNS = ["rule_id", "metric", "direction", "threshold", "window_days", "severity", "enabled"]

DEFAULT_RULES = (
    # metric, direction, threshold, window_days, severity; None: the conversion drop alert setting in force
    ("conversion_rate", "down", None, 28, "warning"),
    ("conversion_rate", "down", 0.15, 28, "critical"),
    ("gmv", "down", 0.10, 28, "warning"),
    ("gmv", "down", 0.25, 28, "critical"),
    ("uv", "down", 0.10, 28, "warning"),  # surges (campaigns) are rarely a problem; edit to "both" to see them
    ("spend_per_buyer", "both", 0.10, 28, "warning"),
    ("repurchase_rate", "down", 0.10, 28, "warning"),
)


# --------------------------------------------------------------------------------------------------------------
# Daily series


def lookback_days(weeks: int = BASELINE_WEEKS, noise_days: int = NOISE_DAYS) -> int:
    """Return how many days before the range the band needs (baseline weeks plus the noise window)."""
    return 7 * weeks + noise_days


def repurchase_series(con: duckdb.DuckDBPyConnection, f: Filters,
                      window: int = REPURCHASE_WINDOW_DAYS) -> pd.DataFrame:
    """Return day, window_buyers, window_repeat_buyers, repurchase_rate (trailing ``window`` days) per day of f."""
    scan = f.with_range(f.start - timedelta(days=window - 1), f.end)
    order_sql, params = slot(scan, "orders", prefix="scan_")
    category_sql, category_params = order_category(scan, prefix="scan_")
    sql = db.load_sql("ops/monitoring_repurchase").format(order_where=order_sql, order_category=category_sql)
    frame = db.query_df(con, sql, dict(params, **category_params, start=f.start, end=f.end, window=window))
    frame["day"] = pd.to_datetime(frame["day"])
    return frame


def daily_series(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Return one row per day of f: gmv, orders, buyers, uv, conversion_rate, spend_per_buyer, repurchase_rate."""
    trend = metrics.daily_trend(con, f)
    trend["day"] = pd.to_datetime(trend["day"])
    repurchase = repurchase_series(con, f)
    frame = trend.merge(repurchase[["day", "repurchase_rate"]], on="day", how="left")
    for col in ("gmv", "uv", "conversion_rate", "spend_per_buyer", "repurchase_rate"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    return frame


# --------------------------------------------------------------------------------------------------------------
# Anomaly detector (pure pandas, unit-tested on synthetic series)


def _mad_scale(values: np.ndarray) -> float:
    values = values[~np.isnan(values)]
    if len(values) == 0:
        return float("nan")
    return float(1.4826 * np.median(np.abs(values - np.median(values))))


def seasonal_band(values: pd.Series, weeks: int = BASELINE_WEEKS, k: float = BAND_K, noise_days: int = NOISE_DAYS,
                  noise_floor: float = NOISE_FLOOR, min_noise_points: int = 28) -> pd.DataFrame:
    """Return value, baseline, change, noise, z, low, high, anomaly for a daily series (one row per calendar day).

    ``values`` must be indexed by consecutive days; see the module docstring for the method.
    """
    values = values.astype(float)
    lags = pd.concat([values.shift(7 * j) for j in range(1, weeks + 1)], axis=1)
    enough = lags.notna().sum(axis=1) >= min(2, weeks)
    baseline = lags.median(axis=1, skipna=True).where(enough)
    baseline = baseline.where(baseline > 0)
    change = values / baseline - 1
    history = change.shift(1).rolling(noise_days, min_periods=min_noise_points)
    # A trend makes the lagged baseline run behind by a steady amount: centre on the usual residual.
    centre = history.median()
    noise = history.apply(_mad_scale, raw=True).clip(lower=noise_floor)
    z = (change - centre) / noise
    low = baseline * (1 + centre - k * noise)
    high = baseline * (1 + centre + k * noise)
    anomaly = (z.abs() > k).fillna(False) & values.notna()
    return pd.DataFrame({"value": values, "baseline": baseline, "change": change, "noise": noise, "z": z,
                         "low": low.clip(lower=0), "high": high, "anomaly": anomaly.astype(bool)}, index=values.index)


def monitor(con: duckdb.DuckDBPyConnection, f: Filters, weeks: int = BASELINE_WEEKS, k: float = BAND_K) -> pd.DataFrame:
    """Return the long frame day, metric, label, value, baseline, low, high, change, z, anomaly for the days of f."""
    extended = f.with_range(f.start - timedelta(days=lookback_days(weeks)), f.end)
    return _bands(daily_series(con, extended), f.start, weeks, k)


def _bands(series: pd.DataFrame, start: date, weeks: int, k: float) -> pd.DataFrame:
    daily = series.set_index("day")
    frames = []
    for metric in MONITORED:
        band = seasonal_band(daily[metric], weeks=weeks, k=k)
        band = band[band.index >= pd.Timestamp(start)].reset_index()
        band.insert(1, "metric", metric)
        band.insert(2, "label", METRIC_LABELS[metric])
        frames.append(band)
    return pd.concat(frames, ignore_index=True)


def anomalies(con: duckdb.DuckDBPyConnection, f: Filters, weeks: int = BASELINE_WEEKS, k: float = BAND_K) -> pd.DataFrame:
    """Return the anomalous metric-days of f (outside the expected band), largest |z| first, with a severity."""
    bands = monitor(con, f, weeks, k)
    hits = bands[bands["anomaly"]].copy()
    hits["severity"] = np.where(hits["z"].abs() >= 2 * k, "critical", "warning")
    return hits.reindex(hits["z"].abs().sort_values(ascending=False).index).reset_index(drop=True)


# --------------------------------------------------------------------------------------------------------------
# Alert rules


def alert_rules(con: duckdb.DuckDBPyConnection, seed: bool = True) -> pd.DataFrame:
    """Return the alert rules (seeding the documented defaults when the table is empty)."""
    if seed:
        seed_default_rules(con)
    return db.query_df(con, f"SELECT {', '.join(RULE_COLUMNS)} FROM alert_rules ORDER BY rule_id")


_INSERT_RULE = (f"INSERT INTO alert_rules ({', '.join(RULE_COLUMNS)}) "
                f"VALUES ({', '.join('$' + column for column in RULE_COLUMNS)})")


def seed_default_rules(con: duckdb.DuckDBPyConnection) -> bool:
    """Insert DEFAULT_RULES when alert_rules is empty; return True when it did."""
    if db.query_one(con, "SELECT count(*) FROM alert_rules")[0]:
        return False
    with db.transaction(con, sales_data=False) as cur:
        if cur.execute("SELECT count(*) FROM alert_rules").fetchone()[0]:  # someone else seeded meanwhile
            return False
        setting = config.thresholds(con).conversion_drop_alert
        for rule_id, (metric, direction, threshold, window, severity) in enumerate(DEFAULT_RULES, start=1):
            cur.execute(_INSERT_RULE, {"rule_id": rule_id, "metric": metric, "direction": direction,
                                       "threshold": setting if threshold is None else threshold,
                                       "window_days": window, "severity": severity, "enabled": True})
    return True


def validate_rules(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the rules cleaned for storage; raise ValueError naming the first invalid row."""
    rows = []
    for number, row in enumerate(frame.to_dict("records"), start=1):
        if all(pd.isna(row.get(col)) for col in ("metric", "threshold")):
            continue  # an empty row the editor added
        metric = str(row.get("metric") or "").strip()
        direction = str(row.get("direction") or "down").strip()
        severity = str(row.get("severity") or "warning").strip()
        if metric not in MONITORED:
            raise ValueError(f"rule {number}: metric must be one of {', '.join(MONITORED)} (got {metric!r})")
        if direction not in DIRECTIONS:
            raise ValueError(f"rule {number}: direction must be one of {', '.join(DIRECTIONS)} (got {direction!r})")
        if severity not in SEVERITIES:
            raise ValueError(f"rule {number}: severity must be one of {', '.join(SEVERITIES)} (got {severity!r})")
        try:
            threshold = float(row.get("threshold"))
            window = int(row.get("window_days") if not pd.isna(row.get("window_days")) else 28)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"rule {number}: threshold and window must be numbers") from exc
        if not 0 < threshold < 10:
            raise ValueError(f"rule {number}: threshold is a relative change, e.g. 0.05 for 5% (got {threshold})")
        if not 7 <= window <= 91:
            raise ValueError(f"rule {number}: window must be 7 to 91 days (got {window})")
        enabled = row.get("enabled")
        rows.append({"rule_id": number, "metric": metric, "direction": direction, "threshold": threshold,
                     "window_days": window, "severity": severity,
                     "enabled": True if enabled is None or pd.isna(enabled) else bool(enabled)})
    return pd.DataFrame(rows, columns=RULE_COLUMNS)


def save_alert_rules(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> int:
    """Replace the stored alert rules by the validated ones (one transaction); return how many were saved."""
    rules = validate_rules(frame)
    with db.transaction(con, sales_data=False) as cur:
        cur.execute("DELETE FROM alert_rules")
        for row in rules.itertuples(index=False):
            cur.execute(_INSERT_RULE, row._asdict())
    return len(rules)


def _fires(change: pd.Series, direction: str, threshold: float) -> pd.Series:
    if direction == "down":
        return change <= -threshold
    if direction == "up":
        return change >= threshold
    return change.abs() >= threshold


def evaluate_rules(series: pd.DataFrame, rules: pd.DataFrame, start: date, k: float = BAND_K) -> pd.DataFrame:
    """Return the rule hits on days >= start of a daily series frame (day + metric columns), most severe first.

    One row per metric and day (the most severe rule that fired): day, metric, label, severity, value, baseline,
    change, z, rule_id, threshold, window_days, message.
    """
    indexed = series.set_index("day")
    hits = []
    for rule in rules[rules["enabled"].astype(bool)].itertuples(index=False):
        if rule.metric not in indexed:
            continue
        band = seasonal_band(indexed[rule.metric], weeks=max(1, int(rule.window_days) // 7), k=k)
        band = band[band.index >= pd.Timestamp(start)]
        fired = band[_fires(band["change"], rule.direction, float(rule.threshold)) & band["anomaly"]]
        for day, row in fired.iterrows():
            hits.append({"day": pd.Timestamp(day).date(), "metric": rule.metric, "label": METRIC_LABELS[rule.metric],
                         "severity": rule.severity, "value": row["value"], "baseline": row["baseline"],
                         "change": row["change"], "z": row["z"], "rule_id": int(rule.rule_id),
                         "threshold": float(rule.threshold), "window_days": int(rule.window_days),
                         "direction": rule.direction})
    columns = ["day", "metric", "label", "severity", "value", "baseline", "change", "z", "rule_id", "threshold",
               "window_days", "message"]
    if not hits:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(hits)
    frame["rank"] = frame["severity"].map({s: i for i, s in enumerate(SEVERITIES)})
    frame = frame.sort_values(["rank", "threshold"], ascending=[True, False])
    frame = frame.drop_duplicates(["day", "metric"]).sort_values(["rank", "day"], ascending=[True, False])
    frame["message"] = [
        f"{label} {change:+.1%} on {pd.Timestamp(day):%a %Y-%m-%d} vs {_reference_words(day, window)} "
        f"(rule: {direction} {threshold:.0%}, {window}-day window)"
        for label, change, day, window, threshold, direction in zip(
            frame["label"], frame["change"], frame["day"], frame["window_days"], frame["threshold"],
            frame["direction"])
    ]
    return frame[columns].reset_index(drop=True)


def _reference_words(day: date, window_days: int) -> str:
    weekday = f"{pd.Timestamp(day):%A}"
    weeks = max(1, int(window_days) // 7)
    return f"the same {weekday} last week" if weeks == 1 else f"the usual {weekday} (median of {weeks} weeks)"


def alerts(con: duckdb.DuckDBPyConnection, f: Filters, k: float = BAND_K) -> pd.DataFrame:
    """Return the alert list for the days of f: the stored rules evaluated on the daily series, most severe first."""
    return overview(con, f, k=k)["alerts"]


def overview(con: duckdb.DuckDBPyConnection, f: Filters, weeks: int = BASELINE_WEEKS,
             k: float = BAND_K) -> dict[str, pd.DataFrame]:
    """Return {"bands": long frame as monitor(), "alerts": as alerts(), "series": the daily_series it used (from
    the baseline's first day to f.end)} from one daily-series query."""
    rules = alert_rules(con)
    longest = max([int(w) for w in rules["window_days"]] + [7 * weeks])
    series = daily_series(con, f.with_range(f.start - timedelta(days=longest + NOISE_DAYS), f.end))
    return {"bands": _bands(series, f.start, weeks, k), "alerts": evaluate_rules(series, rules, f.start, k=k),
            "series": series}


def series_slice(series: pd.DataFrame, start: date, end: date) -> pd.DataFrame | None:
    """Return the rows of a daily_series for start..end with metrics.daily_trend's columns, or None when the series
    does not cover that range (the caller then queries it). Daily figures do not depend on the range asked for, so
    a slice of a longer series equals the query over the shorter range."""
    if series.empty or pd.Timestamp(start) < series["day"].min() or pd.Timestamp(end) > series["day"].max():
        return None
    rows = series[(series["day"] >= pd.Timestamp(start)) & (series["day"] <= pd.Timestamp(end))]
    return rows[DAILY_TREND_COLUMNS].reset_index(drop=True)


DAILY_TREND_COLUMNS = ["day", "gmv", "orders", "buyers", "uv", "conversion_rate", "spend_per_buyer"]


# --------------------------------------------------------------------------------------------------------------
# Root cause: GMV = UV x conversion x spend per buyer


EFFECTS = ("traffic", "conversion", "spend")
EFFECT_LABELS = {"traffic": "Traffic (UV)", "conversion": "Conversion rate", "spend": "Spend per buyer"}
FOCUS_BY_METRIC = {"uv": "traffic", "conversion_rate": "conversion", "spend_per_buyer": "spend"}


def _log_mean(a: float, b: float) -> float:
    if a == b:
        return a
    return (a - b) / (math.log(a) - math.log(b))


def decompose_gmv(before: Mapping[str, float], after: Mapping[str, float]) -> dict[str, float]:
    """Return the GMV change split into traffic, conversion and spend effects (they sum exactly to ``change``).

    ``before``/``after`` hold uv, buyers and gmv. Where a factor is zero (no traffic, no buyer) the identity has no
    logarithm: the whole change is returned as ``other``.
    """
    uv0, b0, g0 = (float(before[k] or 0) for k in ("uv", "buyers", "gmv"))
    uv1, b1, g1 = (float(after[k] or 0) for k in ("uv", "buyers", "gmv"))
    result = {"gmv_before": g0, "gmv_after": g1, "change": g1 - g0, "traffic": 0.0, "conversion": 0.0,
              "spend": 0.0, "other": 0.0}
    if min(uv0, b0, g0, uv1, b1, g1) <= 0:
        result["other"] = g1 - g0
        return result
    weight = _log_mean(g1, g0)
    result["traffic"] = weight * math.log(uv1 / uv0)
    result["conversion"] = weight * math.log((b1 / uv1) / (b0 / uv0))
    result["spend"] = weight * math.log((g1 / b1) / (g0 / b0))
    return result


def reference_days(day: date, reference: str = "usual", weeks: int = BASELINE_WEEKS) -> list[date]:
    """Return the days a day is compared with: the same weekday of the previous ``weeks`` weeks, or last week's."""
    if reference == "last_week":
        return [day - timedelta(days=7)]
    if reference != "usual":
        raise ValueError(f"reference must be 'usual' or 'last_week' (got {reference!r})")
    return [day - timedelta(days=7 * j) for j in range(1, weeks + 1)]


_DIMENSIONS = {
    "category": "coalesce(r.category, 'Uncategorised')",
    "campaign": "coalesce(c.name, r.campaign_id, '(no campaign)')",
}


def _segment_query(con: duckdb.DuckDBPyConnection, f: Filters, days: list[date], name: str,
                   dimension: str | None = None) -> pd.DataFrame:
    derived.ensure(con, derived.SALES_ROLLUP)
    slots, params = sales_slots(f.with_range(min(days), max(days)))
    dimension_sql = _DIMENSIONS[dimension] if dimension is not None else ""
    sql = db.load_sql(name).format(dimension=dimension_sql, **slots)
    return db.query_df(con, sql, dict(params, days=list(days), first=min(days), last=max(days)))


def _before_after(frame: pd.DataFrame, day: date, refs: list[date], keys: list[str], values: list[str]) -> pd.DataFrame:
    """Return per segment the day's values (``*_1``) and the mean over the reference days (``*_0``)."""
    frame = frame.copy()
    frame["day"] = pd.to_datetime(frame["day"]).dt.date
    after = frame[frame["day"] == day].groupby(keys)[values].sum()
    before = frame[frame["day"].isin(refs)].groupby(keys)[values].sum() / len(refs)
    joined = before.add_suffix("_0").join(after.add_suffix("_1"), how="outer").fillna(0.0)
    return joined.reset_index()


@dataclass
class RootCause:
    """The root cause of one day's change against its reference."""

    day: date
    reference: str
    reference_days: list[date]
    totals: dict[str, dict[str, float]]  # {"before": {uv, buyers, gmv}, "after": {...}}
    effects: dict[str, float]  # gmv_before, gmv_after, change, traffic, conversion, spend, other
    focus: str  # traffic | conversion | spend
    cells: pd.DataFrame  # channel x device: uv/buyers/gmv _0 _1, effects, share_of_focus
    by_channel: pd.DataFrame
    by_device: pd.DataFrame
    by_category: pd.DataFrame  # segment, gmv_0, gmv_1, gmv_change, share_of_change
    by_campaign: pd.DataFrame
    summary: str

    def ratios(self) -> dict[str, float | None]:
        """Return the relative change of UV, conversion rate, spend per buyer and GMV against the reference."""
        b, a = self.totals["before"], self.totals["after"]

        def rel(x1: float | None, x0: float | None) -> float | None:
            return None if x1 is None or not x0 else x1 / x0 - 1

        cr0 = b["buyers"] / b["uv"] if b["uv"] else None
        cr1 = a["buyers"] / a["uv"] if a["uv"] else None
        s0 = b["gmv"] / b["buyers"] if b["buyers"] else None
        s1 = a["gmv"] / a["buyers"] if a["buyers"] else None
        return {"traffic": rel(a["uv"], b["uv"]), "conversion": rel(cr1, cr0), "spend": rel(s1, s0),
                "gmv": rel(a["gmv"], b["gmv"])}


def _cell_effects(cells: pd.DataFrame) -> pd.DataFrame:
    effects = [decompose_gmv({"uv": r.uv_0, "buyers": r.buyers_0, "gmv": r.gmv_0},
                             {"uv": r.uv_1, "buyers": r.buyers_1, "gmv": r.gmv_1}) for r in cells.itertuples()]
    out = cells.copy()
    for key in ("traffic", "conversion", "spend", "other"):
        out[key] = [e[key] for e in effects]
    out["gmv_change"] = out["gmv_1"] - out["gmv_0"]
    out["segment"] = out["channel"] + " × " + out["device"]  # the label charts and tables show
    return out


def _with_shares(frame: pd.DataFrame, focus: str) -> pd.DataFrame:
    total = frame[focus].sum()
    frame = frame.copy()
    frame["share_of_focus"] = frame[focus] / total if total else np.nan
    change_total = frame["gmv_change"].sum()
    frame["share_of_gmv_change"] = frame["gmv_change"] / change_total if change_total else np.nan
    # Rank by contribution in the direction of the effect (a segment moving the other way ranks last).
    sign = 1.0 if total >= 0 else -1.0
    return frame.sort_values(focus, key=lambda s: -sign * s).reset_index(drop=True)


def _gmv_shares(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.rename(columns={"gmv_0": "gmv_before", "gmv_1": "gmv_after"}).copy()
    frame["gmv_change"] = frame["gmv_after"] - frame["gmv_before"]
    total = frame["gmv_change"].sum()
    frame["share_of_change"] = frame["gmv_change"] / total if total else np.nan
    sign = 1.0 if total >= 0 else -1.0
    return frame.sort_values("gmv_change", key=lambda s: -sign * s).reset_index(drop=True)


def _money(value: float) -> str:
    return f"{'+' if value >= 0 else '−'}¥{abs(value):,.0f}"


def _words(name: str) -> str:
    return {"mobile_web": "mobile web", "pc": "PC", "app": "app"}.get(name, str(name).replace("_", " "))


def root_cause_days(alerts_frame: pd.DataFrame, bands: pd.DataFrame) -> tuple[list[date], list[date]]:
    """Return (the alert days in alert order, every day to explain: alert days first, then the others newest first)."""
    alert_days = list(dict.fromkeys(alerts_frame["day"].tolist()))
    others = sorted({d.date() for d in pd.to_datetime(bands["day"])} - set(alert_days), reverse=True)
    return alert_days, alert_days + others


def alert_focus(alerts_frame: pd.DataFrame, day: date, options: Sequence[str]) -> str:
    """Return the metric the first alert of ``day`` names when it is one of ``options``, else "auto"."""
    named = alerts_frame.loc[alerts_frame["day"] == day, "metric"]
    return named.iloc[0] if not named.empty and named.iloc[0] in options else "auto"


def root_cause(con: duckdb.DuckDBPyConnection, f: Filters, day: date, reference: str = "usual",
               metric: str | None = None, weeks: int = BASELINE_WEEKS, trend: pd.DataFrame | None = None) -> RootCause:
    """Return the root cause of ``day`` against its reference ('usual' weekday mean of ``weeks`` weeks, or 'last_week').

    ``metric`` (uv, conversion_rate, spend_per_buyer) picks the effect to explain; default: the largest effect.
    ``trend`` is metrics.daily_trend over a range holding the day and its reference days, when the caller has it.
    """
    refs = reference_days(day, reference, weeks)
    days = [day, *refs]
    raw = _segment_query(con, f, days, "ops/monitoring_segments")
    raw["channel"] = raw["channel"].fillna("unknown")
    raw["device"] = raw["device"].fillna("unknown")
    cells = _before_after(raw, day, refs, ["channel", "device"], ["uv", "buyers", "gmv"])
    # Totals: buyers are distinct over the whole day (a customer buying in two channels counts once).
    trend = metrics.daily_trend(con, f.with_range(min(days), max(days))) if trend is None else trend.copy()
    trend["day"] = pd.to_datetime(trend["day"]).dt.date
    trend = trend.set_index("day")
    pick = lambda d, col: float(trend.at[d, col]) if d in trend.index and not pd.isna(trend.at[d, col]) else 0.0  # noqa: E731
    before = {c: sum(pick(d, c) for d in refs) / len(refs) for c in ("uv", "buyers", "gmv")}
    after = {c: pick(day, c) for c in ("uv", "buyers", "gmv")}
    effects = decompose_gmv(before, after)
    cells = _cell_effects(cells)
    by_category = _gmv_shares(_before_after(_segment_query(con, f, days, "ops/monitoring_gmv_by", "category"),
                                            day, refs, ["segment"], ["gmv"]))
    by_campaign = _gmv_shares(_before_after(_segment_query(con, f, days, "ops/monitoring_gmv_by", "campaign"),
                                            day, refs, ["segment"], ["gmv"]))
    base = RootCause(day, reference, refs, {"before": before, "after": after}, effects, "", cells, cells, cells,
                     by_category, by_campaign, "")
    return refocus(base, metric)


def refocus(rc: RootCause, metric: str | None = None) -> RootCause:
    """Return the root cause explaining another effect (no query: the segment figures are reused)."""
    focus = FOCUS_BY_METRIC.get(metric or "", "") or max(EFFECTS, key=lambda e: abs(rc.effects[e]))
    cells = rc.cells
    result = replace(rc, focus=focus, cells=_with_shares(cells, focus),
                     by_channel=_with_shares(cells.groupby("channel", as_index=False).sum(numeric_only=True), focus),
                     by_device=_with_shares(cells.groupby("device", as_index=False).sum(numeric_only=True), focus))
    result.summary = describe(result)
    return result


def describe(rc: RootCause) -> str:
    """Return the root cause in words, e.g. 'Conversion rate fell 6.1% vs the usual Tuesday; 70% of the drop is ...'."""
    weekday = f"{pd.Timestamp(rc.day):%A}"
    against = f"the usual {weekday}" if rc.reference == "usual" else f"last {weekday}"
    ratios = rc.ratios()
    if rc.effects["gmv_before"] <= 0 and rc.effects["gmv_after"] <= 0:
        return f"No sales on {rc.day:%Y-%m-%d} nor on {against}: nothing to explain."
    focus = rc.focus
    change = ratios[focus]
    if change is None:
        return (f"GMV {rc.effects['change']:+,.0f} vs {against}; traffic or buyers are missing, so the change "
                f"cannot be split into traffic, conversion and spend.")
    verb = "fell" if change < 0 else "rose"
    noun = "drop" if change < 0 else "rise"
    sentence = f"{EFFECT_LABELS[focus]} {verb} {abs(change):.1%} vs {against}"
    best = _best_explanation(rc)
    if best and best[0] > 1:
        sentence += f"; {best[1]} alone accounts for more than the whole {noun} ({best[0]:.0%}; other traffic offset it)"
    elif best:
        sentence += f"; {best[0]:.0%} of the {noun} is {best[1]}"
    e = rc.effects
    gmv_change = ratios["gmv"]
    if gmv_change is not None:
        sentence += (f". GMV {gmv_change:+.1%} ({_money(e['change'])}): traffic {_money(e['traffic'])}, "
                     f"conversion {_money(e['conversion'])}, spend per buyer {_money(e['spend'])}.")
    else:
        sentence += "."
    for label, table in (("category", rc.by_category), ("campaign", rc.by_campaign)):
        if table.empty or not e["change"]:
            continue
        top = table.iloc[0]
        share = top["share_of_change"]
        how = (f"{share:.0%} of the GMV change" if 0 < share <= 1 else "more than the net change; others offset it")
        sentence += f" Largest {label} contribution: {top['segment']} {_money(top['gmv_change'])} ({how})."
    return sentence


def _best_explanation(rc: RootCause) -> tuple[float, str] | None:
    """Return (share, words) of the channel x device cell, channel or device that explains most of the focus effect."""
    if rc.cells.empty or pd.isna(rc.cells["share_of_focus"].iloc[0]):
        return None
    cell = rc.cells.iloc[0]
    if cell["share_of_focus"] >= 0.5:
        return float(cell["share_of_focus"]), f"{_words(cell['device'])} traffic from {_words(cell['channel'])}"
    channel, device = rc.by_channel.iloc[0], rc.by_device.iloc[0]
    if channel["share_of_focus"] >= device["share_of_focus"]:
        return float(channel["share_of_focus"]), f"traffic from {_words(channel['channel'])}"
    return float(device["share_of_focus"]), f"{_words(device['device'])} traffic"


def alert_causes(con: duckdb.DuckDBPyConnection, f: Filters, limit: int = 10) -> pd.DataFrame:
    """Return the alerts of f with their root cause in words (the ``limit`` most severe alerts)."""
    return alert_causes_and_series(con, f, limit)[0]


def alert_causes_and_series(con: duckdb.DuckDBPyConnection, f: Filters,
                            limit: int = 10) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (alert_causes, the daily_series behind the alerts) — callers reuse the series instead of querying
    daily figures again (the weekly review)."""
    ov = overview(con, f)
    found = ov["alerts"].head(limit).copy()
    causes, by_day = [], {}
    # One daily series covering every alert day and its reference days, instead of one per alert day: the alerts'
    # own series when it covers them (it starts a baseline before f), else one query.
    needed = [d for day in set(found["day"]) for d in (day, *reference_days(day, "usual", BASELINE_WEEKS))]
    trend = None
    if needed:
        trend = series_slice(ov["series"], min(needed), max(needed))
        if trend is None:
            trend = metrics.daily_trend(con, f.with_range(min(needed), max(needed)))
    for row in found.itertuples(index=False):
        if row.day not in by_day:  # one set of segment queries per day, refocused per alert
            by_day[row.day] = root_cause(con, f, row.day, trend=trend)
        causes.append(refocus(by_day[row.day], row.metric).summary)
    found["cause"] = causes
    return found, ov["series"]
