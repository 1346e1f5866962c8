"""Core-metric monitoring, the one alert engine: daily series with an expected band that knows the campaign
calendar, the alert rules operators edit, and the root cause of a day's change. Overview ("Needs attention"),
Monitoring, the weekly/monthly review, ``report`` and the scheduled alert deliveries all read ``overview``/``alerts``.

The baseline (``ecomops/ops/baselines.py``, documented there): a normal day against the same weekday of the previous
``weeks`` normal weeks (sale weeks skipped), a pre-sale day against the same point of the last comparable pre-sale, a
sale day and the week after a big sale against the same day of the last comparable campaign (its lift over its own
normal baseline); a 14-day level correction; noise = 1.4826 x MAD of the residuals of the previous 84 normal days;
band = expectation x (1 +/- k x noise) with k = BAND_K. BAND_K and the default rules' thresholds were tuned on
``bench/bench_alerts.py`` (injected drops and spikes, planted events, 90 normal days of the demo); the trailing 30-day
repurchase rate keeps the plain weekday baseline.

Alert rules (table ``alert_rules``, editable on the Monitoring page): a rule (metric, direction, threshold,
window_days, severity) fires on a day when the metric's change against its expectation (window 7 = one week back,
28 = four) is at least ``threshold`` in the rule's direction **and** the day is outside the expected band, so that a
threshold smaller than everyday noise does not page anyone. Each alert is one sentence: metric, day, size (points for
a rate), expected band, what it was compared with and its likely cause (the segment behind the effect).

Segment conversion check: the conversion rules are also evaluated within each channel and each channel x device cell,
so that a collapse inside one segment fires even when the store-level rate stays inside its band (a small store's
daily noise hides a segment holding a fifth of its buyers). A segment's expected buyers = its UV of the day x its
expected conversion (``baselines.expected_counts``: the same baseline rules on the segment's own rate); the observed
buyers fire a rule when the change is at least its threshold and their tail probability under a negative binomial
with the segment's own scatter is below SEGMENT_FALSE_ALERTS_PER_DAY / the number of segment tests of the day (so all
segments together add at most that many false alerts a day if the model holds). Segments expecting fewer than
SEGMENT_MIN_EXPECTED buyers are not tested; a day whose store-level rate already fired that way keeps that alert only
(its likely cause names the segment); per channel and day, the more certain of the channel and its cells is named.

Root cause: GMV = UV x conversion rate x spend per buyer per channel x device cell, for a day and its reference (the
days its baseline compares it with, or the same weekday last week). Each cell's change splits into traffic,
conversion and spend effects that add up exactly to it: the log (LMDI) split when every figure is positive, the
Shapley split of the product when a cell has no buyer or no visitor on one of the days (a ratio without denominator
keeps the other day's value); only sales without any traffic row are left as ``other``. The day's effects are the
sums of the cells', so the segments always add up to the total. Categories and campaigns have no traffic: they are
ranked by their contribution to the GMV change.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Mapping, Sequence

import duckdb
import numpy as np
import pandas as pd
from scipy import stats

from ecomops import config, db, derived, metrics
from ecomops.filters import Filters, sales_slots
from ecomops.i18n import _, N_, fmt, label
from ecomops.ops import baselines, daily_counts

MONITORED = ("uv", "conversion_rate", "spend_per_buyer", "gmv", "repurchase_rate")
METRIC_LABELS = {
    "uv": "UV", "conversion_rate": "Conversion rate", "spend_per_buyer": "Spend per buyer", "gmv": "GMV",
    "repurchase_rate": "Repurchase rate (30-day)",
}
DIRECTIONS = ("down", "up", "both")
SEVERITIES = ("critical", "warning", "info")  # most severe first
BASELINE_WEEKS = 4
BAND_K = 2.5
NOISE_DAYS = 84
NOISE_FLOOR = 0.01
REPURCHASE_WINDOW_DAYS = daily_counts.REPURCHASE_WINDOW_DAYS
RULE_COLUMNS = ["rule_id", "metric", "direction", "threshold", "window_days", "severity", "enabled"]
SEGMENT_METRIC = "conversion_rate"  # the rules checked within each channel and channel x device cell too
SEGMENT_FALSE_ALERTS_PER_DAY = 1 / 300  # what the segment tests may add a day, split over them (Bonferroni)
SEGMENT_MIN_EXPECTED = 5.0  # a segment expecting fewer buyers is not tested (too few to tell a drop from chance)
ALL_DEVICES = ""  # the device of a whole-channel segment

DEFAULT_RULES = (
    # metric, direction, threshold, window_days, severity; None: the conversion drop alert setting in force
    ("conversion_rate", "both", None, 28, "warning"),
    ("conversion_rate", "down", 0.15, 28, "critical"),
    ("gmv", "down", 0.10, 28, "warning"),
    ("gmv", "down", 0.25, 28, "critical"),
    ("uv", "both", 0.10, 28, "warning"),  # a surge outside a campaign is news too (a bot, a viral post)
    ("spend_per_buyer", "both", 0.20, 28, "warning"),  # order values are noisy: a 10-20% day is common
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
    frame = db.query_df(con, *daily_counts.repurchase(con, f, window))
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


def segment_series(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Return day, channel, device, uv, buyers per day x channel x device of f (a missing channel or device is
    'unknown'): what the segment conversion check reads."""
    slots, params = sales_slots(f)
    buyers_sql, buyers_params = daily_counts.order_counts(con, f, "ops/segment_buyers", slots, cells=True)
    frame = db.query_df(con, db.load_sql("ops/monitoring_segment_daily").format(segment_buyers=buyers_sql, **slots),
                        dict(params, **buyers_params))
    frame["day"] = pd.to_datetime(frame["day"])
    frame[["channel", "device"]] = frame[["channel", "device"]].astype(object).fillna("unknown")
    frame[["uv", "buyers"]] = frame[["uv", "buyers"]].astype(float)
    return frame.groupby(["day", "channel", "device"], as_index=False)[["uv", "buyers"]].sum()


# --------------------------------------------------------------------------------------------------------------
# Anomaly detector (pure pandas, unit-tested on synthetic series)


def seasonal_band(values: pd.Series, weeks: int = BASELINE_WEEKS, k: float = BAND_K, noise_days: int = NOISE_DAYS,
                  noise_floor: float = NOISE_FLOOR, min_noise_points: int = 28,
                  calendar: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return value, baseline, change, noise, z, low, high, anomaly, basis, compared_with for a daily series (one row
    per calendar day): ``baselines.expected_band``, the one baseline of every alert (campaign-aware with a calendar).
    """
    return baselines.expected_band(values, calendar, weeks=weeks, k=k, noise_days=noise_days,
                                   noise_floor=noise_floor, min_noise_points=min_noise_points)


def monitor(con: duckdb.DuckDBPyConnection, f: Filters, weeks: int = BASELINE_WEEKS, k: float = BAND_K) -> pd.DataFrame:
    """Return the long frame day, metric, label, value, baseline, low, high, change, z, anomaly for the days of f."""
    return overview(con, f, weeks, k, explain=False)["bands"]


def _bands(series: pd.DataFrame, start: date, weeks: int, k: float,
           calendar: pd.DataFrame | None = None) -> pd.DataFrame:
    daily = series.set_index("day")
    frames = []
    for metric in MONITORED:
        band = seasonal_band(daily[metric], weeks=weeks, k=k, calendar=_calendar_for(metric, calendar))
        band = band[band.index >= pd.Timestamp(start)].reset_index()
        band.insert(1, "metric", metric)
        band.insert(2, "label", label("metric", metric))
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


def _calendar_for(metric: str, calendar: pd.DataFrame | None) -> pd.DataFrame | None:
    """Return the campaign calendar for a day's own metrics; None for the trailing 30-day repurchase rate, which a
    single sale day barely moves (its days are compared with the usual weekday)."""
    return None if metric == "repurchase_rate" else calendar


def _fires(change: pd.Series, direction: str, threshold: float) -> pd.Series:
    if direction == "down":
        return change <= -threshold
    if direction == "up":
        return change >= threshold
    return change.abs() >= threshold


SEGMENT_COLUMNS = ["channel", "device", "uv", "buyers", "expected_buyers", "p_value"]  # empty on store-level alerts
ALERT_COLUMNS = ["day", "metric", "label", "severity", "value", "baseline", "low", "high", "change", "z", "basis",
                 "compared_with", "rule_id", "threshold", "window_days", "direction", "likely_cause", "message",
                 "explanation", *SEGMENT_COLUMNS]


def evaluate_rules(series: pd.DataFrame, rules: pd.DataFrame, start: date, k: float = BAND_K,
                   calendar: pd.DataFrame | None = None, segments: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return the rule hits on days >= start of a daily series frame (day + metric columns), most severe first.

    One row per metric and day (the most severe rule that fired), with the columns of ALERT_COLUMNS; ``message`` is
    the alert in one sentence without its cause (``explain_alerts`` adds it). With ``segments`` (segment_series:
    day, channel, device, uv, buyers) the conversion rules are checked within the segments too (segment_alerts):
    one more row per channel whose conversion fired on a day the store-level rate did not fire the same way.
    """
    indexed = series.set_index("day")
    hits = []
    for rule in rules[rules["enabled"].astype(bool)].itertuples(index=False):
        if rule.metric not in indexed:
            continue
        band = seasonal_band(indexed[rule.metric], weeks=max(1, int(rule.window_days) // 7), k=k,
                             calendar=_calendar_for(rule.metric, calendar))
        band = band[band.index >= pd.Timestamp(start)]
        fired = band[_fires(band["change"], rule.direction, float(rule.threshold)) & band["anomaly"]]
        for day, row in fired.iterrows():
            hits.append({"day": pd.Timestamp(day).date(), "metric": rule.metric, "label": label("metric", rule.metric),
                         "severity": rule.severity, "value": row["value"], "baseline": row["baseline"],
                         "low": row["low"], "high": row["high"], "change": row["change"], "z": row["z"],
                         "basis": row["basis"], "compared_with": row["compared_with"], "rule_id": int(rule.rule_id),
                         "threshold": float(rule.threshold), "window_days": int(rule.window_days),
                         "direction": rule.direction, "likely_cause": "", "explanation": ""})
    frame = pd.DataFrame(hits, columns=[c for c in ALERT_COLUMNS if c not in SEGMENT_COLUMNS + ["message"]])
    if not frame.empty:
        frame = _most_severe(frame).drop_duplicates(["day", "metric"])
    if segments is not None and not segments.empty:
        found = segment_alerts(segments, rules, start, calendar=calendar)
        if not found.empty and not frame.empty:  # the store-level alert of that day and direction says it already
            fired = set(zip(frame["day"], frame["metric"], np.sign(frame["change"])))
            found = found[[key not in fired for key in zip(found["day"], found["metric"], np.sign(found["change"]))]]
        if not found.empty:
            frame = found if frame.empty else pd.concat([frame, found], ignore_index=True)
    if frame.empty:
        return pd.DataFrame(columns=ALERT_COLUMNS)
    frame = frame.reindex(columns=[c for c in ALERT_COLUMNS if c != "message"])
    numbers = ["value", "baseline", "low", "high", "change", "z", "threshold", "uv", "buyers", "expected_buyers",
               "p_value"]
    frame[numbers] = frame[numbers].astype(float)
    frame["rank"] = frame["severity"].map({s: i for i, s in enumerate(SEVERITIES)})
    frame["scope"] = frame["channel"].notna().astype(int)  # store-level first among equals
    frame = frame.sort_values(["rank", "day", "scope"], ascending=[True, False, True], kind="stable")
    frame["message"] = [alert_sentence(row) for row in frame.to_dict("records")]
    return frame[ALERT_COLUMNS].reset_index(drop=True)


def _most_severe(frame: pd.DataFrame) -> pd.DataFrame:
    """Return rule hits ordered most severe first, the higher threshold first within a severity."""
    rank = frame["severity"].map({s: i for i, s in enumerate(SEVERITIES)})
    return frame.assign(_rank=rank).sort_values(["_rank", "threshold"], ascending=[True, False],
                                                kind="stable").drop(columns="_rank")


def _segment_frames(segments: pd.DataFrame):
    """Yield ((channel, device), frame of uv and buyers per day over the whole range) for every channel (device
    ALL_DEVICES) and every channel x device cell of a channel with more than one device."""
    days = pd.date_range(segments["day"].min(), segments["day"].max(), freq="D", name="day")
    for channel, rows in segments.groupby("channel", sort=True):
        yield (channel, ALL_DEVICES), rows.groupby("day")[["uv", "buyers"]].sum().reindex(days, fill_value=0.0)
        if rows["device"].nunique() > 1:
            for device, cell in rows.groupby("device", sort=True):
                yield (channel, device), cell.groupby("day")[["uv", "buyers"]].sum().reindex(days, fill_value=0.0)


def segment_checks(segments: pd.DataFrame, start: date, calendar: pd.DataFrame | None = None,
                   weeks: int = BASELINE_WEEKS) -> pd.DataFrame:
    """Return the segment conversion tests of the days >= start: one row per day and segment expecting at least
    SEGMENT_MIN_EXPECTED buyers, with channel, device (ALL_DEVICES for the whole channel) and the columns of
    ``baselines.expected_counts`` of its buyers out of its UV (expected = expected buyers)."""
    frames = []
    for (channel, device), frame in _segment_frames(segments):
        counts = baselines.expected_counts(frame["buyers"], frame["uv"], calendar, weeks=weeks, noise_days=NOISE_DAYS,
                                           noise_floor=NOISE_FLOOR)
        counts = counts[(counts.index >= pd.Timestamp(start)) & (counts["expected"] >= SEGMENT_MIN_EXPECTED)]
        if not counts.empty:
            frames.append(counts.reset_index().assign(channel=channel, device=device))
    if not frames:
        return pd.DataFrame(columns=["day", "channel", "device", "count", "exposure", "rate", "expected_rate",
                                     "expected", "noise", "dispersion", "p_low", "p_high", "basis", "compared_with"])
    return pd.concat(frames, ignore_index=True)


def segment_alerts(segments: pd.DataFrame, rules: pd.DataFrame, start: date,
                   calendar: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return the conversion rules' hits within segments on days >= start (the columns of ALERT_COLUMNS but
    ``message``), at most one per channel, day and direction: the segment (the whole channel or one of its cells)
    whose buyers are least likely by chance.

    A rule fires in a segment when its buyers moved at least ``threshold`` against the expected buyers in the rule's
    direction and the tail probability (``baselines.expected_counts``) is below SEGMENT_FALSE_ALERTS_PER_DAY divided
    by the day's number of segment tests (segments tested x tails the rules look at).
    """
    chosen = rules[rules["enabled"].astype(bool) & (rules["metric"] == SEGMENT_METRIC)]
    hits = []
    for weeks, group in chosen.groupby(chosen["window_days"].astype(int).map(lambda w: max(1, w // 7))):
        checks = segment_checks(segments, start, calendar, weeks)
        if checks.empty:
            continue
        tails = len({t for d in group["direction"] for t in {"down": ("low",), "up": ("high",)}.get(d, ("low", "high"))})
        limit = SEGMENT_FALSE_ALERTS_PER_DAY / (checks.groupby("day")["channel"].transform("size") * tails)
        change = checks["count"] / checks["expected"] - 1
        for rule in group.itertuples(index=False):
            down = (checks["p_low"] < limit) & (change <= -float(rule.threshold))
            up = (checks["p_high"] < limit) & (change >= float(rule.threshold))
            fired = {"down": down, "up": up}.get(rule.direction, down | up)
            for i in np.flatnonzero(fired.to_numpy()):
                row = checks.iloc[i]
                p = row["p_low"] if change.iloc[i] < 0 else row["p_high"]
                low, high = baselines.count_bounds(np.array([row["expected"]]), np.array([row["dispersion"]]),
                                                   float(limit.iloc[i]))
                hits.append({"day": pd.Timestamp(row["day"]).date(), "metric": SEGMENT_METRIC,
                             "label": label("metric", SEGMENT_METRIC), "severity": rule.severity,
                             "value": row["rate"], "baseline": row["expected_rate"],
                             "low": float(low[0]) / row["exposure"], "high": float(high[0]) / row["exposure"],
                             "change": float(change.iloc[i]),
                             "z": float(stats.norm.isf(p)) * (-1 if change.iloc[i] < 0 else 1),
                             "basis": row["basis"], "compared_with": row["compared_with"], "rule_id": int(rule.rule_id),
                             "threshold": float(rule.threshold), "window_days": int(rule.window_days),
                             "direction": rule.direction, "likely_cause": "", "explanation": "",
                             "channel": row["channel"], "device": row["device"], "uv": row["exposure"],
                             "buyers": row["count"], "expected_buyers": row["expected"], "p_value": float(p)})
    columns = [c for c in ALERT_COLUMNS if c != "message"]
    if not hits:
        return pd.DataFrame(columns=columns)
    frame = _most_severe(pd.DataFrame(hits))
    frame["sign"] = np.sign(frame["change"])
    frame = frame.drop_duplicates(["day", "channel", "device", "sign"])  # the most severe rule of each segment
    frame = frame.sort_values("p_value", kind="stable").drop_duplicates(["day", "channel", "sign"])
    return frame[columns].reset_index(drop=True)


def reference_words(day: date, basis: str, compared_with: str | None = None, window_days: int = 28) -> str:
    """Return what a day was compared with, in words ('the usual Tuesday', 'the same day of D11-2025' ...)."""
    weekday = fmt.weekday(day)
    if basis == "same_campaign":
        return _("the {weekday}s earlier in the same pre-sale", weekday=weekday)
    if basis == "last_presale" and compared_with:
        return _("the same point of the last comparable pre-sale, {campaign}", campaign=str(compared_with))
    if basis == "last_campaign" and compared_with:
        return _("the same day of the last comparable campaign, {campaign}", campaign=str(compared_with))
    if max(1, int(window_days) // 7) == 1:
        return _("the usual {weekday} (last week)", weekday=weekday)
    return _("the usual {weekday}", weekday=weekday)


def _metric_value(metric: str, value: float) -> str:
    return fmt.metric(metric, value)


def _metric_change(metric: str, value: float, baseline: float, relative: float) -> str:
    """Return the size of a move: percentage points for a rate, a relative change otherwise."""
    if metric in RATE_METRICS:
        return fmt.pp(value - baseline)
    return fmt.change(relative)


RATE_METRICS = ("conversion_rate", "repurchase_rate")


def segment_words(channel: str, device: str | None = ALL_DEVICES) -> str:
    """Return a segment's name as shown: the channel, or the channel x device cell."""
    if not device:
        return label("channel", channel)
    return _segment_words(channel, device)


def is_segment_alert(row: Mapping) -> bool:
    """Return True for an alert of the segment conversion check (it names a channel)."""
    channel = row.get("channel")
    return isinstance(channel, str) and bool(channel)


def alert_sentence(row: Mapping, likely_cause: str = "") -> str:
    """Return an alert in one sentence: metric, day, size, expected band, what it was compared with, likely cause
    (a segment alert names its segment, its buyers and visitors and the buyers expected instead)."""
    if is_segment_alert(row):
        return _("{metric} of {segment} {change} on {day}: {buyers} buyers from {uv} visitors, where {expected} were "
                 "expected at {rate} ({reference}).", metric=label("metric", row["metric"]),
                 segment=segment_words(row["channel"], row.get("device")), day=row["day"],
                 change=_metric_change(row["metric"], row["value"], row["baseline"], row["change"]),
                 buyers=fmt.count(row["buyers"]), uv=fmt.count(row["uv"]),
                 expected=fmt.number(row["expected_buyers"], 1), rate=_metric_value(row["metric"], row["baseline"]),
                 reference=reference_words(row["day"], row["basis"], row.get("compared_with"),
                                           int(row.get("window_days") or 28)))
    fields = dict(metric=label("metric", row["metric"]), day=row["day"],
                  change=_metric_change(row["metric"], row["value"], row["baseline"], row["change"]),
                  value=_metric_value(row["metric"], row["value"]), low=_metric_value(row["metric"], row["low"]),
                  high=_metric_value(row["metric"], row["high"]),
                  reference=reference_words(row["day"], row["basis"], row.get("compared_with"),
                                            int(row.get("window_days") or 28)))
    if likely_cause:
        return _("{metric} {change} on {day}: {value} against an expected {low} to {high} ({reference}). "
                 "Likely cause: {cause}.", cause=likely_cause, **fields)
    return _("{metric} {change} on {day}: {value} against an expected {low} to {high} ({reference}).", **fields)


def alerts(con: duckdb.DuckDBPyConnection, f: Filters, k: float = BAND_K) -> pd.DataFrame:
    """Return the alert list for the days of f: the stored rules evaluated on the daily series, most severe first,
    each with its likely cause (the one list Overview, Monitoring, the review, ``report`` and deliveries show)."""
    return overview(con, f, k=k)["alerts"]


def series_start(calendar: pd.DataFrame, first: date, weeks: int = BASELINE_WEEKS) -> date:
    """Return the first day the daily series needs so that every campaign day from ``first`` on can be compared with
    the last comparable campaign (and that campaign with its own normal weeks)."""
    earliest = pd.Timestamp(first)
    events = calendar[(calendar.index >= earliest) & (calendar["phase"] != baselines.NORMAL)]
    for (kind, length), _rows in events.groupby(["kind", "length"]):
        before = calendar[(calendar.index < _rows.index.min()) & (calendar["kind"] == kind)
                          & (calendar["phase"] != baselines.NORMAL)]
        if before.empty:
            continue
        previous = before[before["campaign_id"] == before["campaign_id"].iloc[-1]]
        earliest = min(earliest, previous.index.min() - pd.Timedelta(days=7 * (weeks + baselines.EXTRA_WEEKS)))
    return earliest.date()


CALENDAR_LOOKBACK_DAYS = 400  # far enough to find last year's campaign of the same kind


def overview(con: duckdb.DuckDBPyConnection, f: Filters, weeks: int = BASELINE_WEEKS, k: float = BAND_K,
             explain: bool = True) -> dict[str, pd.DataFrame]:
    """Return {"bands": long frame day, metric, label, value, baseline, low, high, change, z, anomaly, basis,
    "alerts": the rule hits with their likely cause (``explain``), store-level and within segments, "series": the
    daily_series used, "calendar": the campaign calendar} from one daily-series and one segment-series query."""
    rules = alert_rules(con)
    longest = max([int(w) for w in rules["window_days"]] + [7 * weeks])
    first = f.start - timedelta(days=longest + 7 * baselines.EXTRA_WEEKS + NOISE_DAYS)
    calendar = baselines.campaign_calendar(con, first - timedelta(days=CALENDAR_LOOKBACK_DAYS), f.end)
    start = min(first, series_start(calendar, first, weeks))
    series = daily_series(con, f.with_range(start, f.end))
    segments = segment_series(con, f.with_range(start, f.end))
    found = evaluate_rules(series, rules, f.start, k=k, calendar=calendar, segments=segments)
    if explain:
        found = explain_alerts(con, f, found, series, calendar)
    return {"bands": _bands(series, f.start, weeks, k, calendar), "alerts": found, "series": series,
            "calendar": calendar}


def explain_alerts(con: duckdb.DuckDBPyConnection, f: Filters, found: pd.DataFrame, series: pd.DataFrame,
                   calendar: pd.DataFrame | None) -> pd.DataFrame:
    """Return the alerts with their likely cause and root-cause explanation (one set of segment queries per day)."""
    if found.empty:
        return found
    found = found.copy()
    by_day: dict[date, RootCause] = {}
    causes, explanations = [], []
    for row in found.to_dict("records"):
        if row["day"] not in by_day:
            refs = reference_days(row["day"], "usual", BASELINE_WEEKS, calendar)
            trend = series_slice(series, min(refs + [row["day"]]), row["day"])
            by_day[row["day"]] = root_cause(con, f, row["day"], trend=trend, calendar=calendar)
        rc = refocus(by_day[row["day"]], row["metric"])
        if is_segment_alert(row):  # the segment is the cause; its sentence names it
            cause = segment_words(row["channel"], row.get("device"))
        else:
            cause = likely_cause(rc) if row["metric"] != "repurchase_rate" else ""
        causes.append(cause)
        explanations.append(rc.summary)
    found["likely_cause"] = causes
    found["explanation"] = explanations
    found["message"] = [alert_sentence(row) if is_segment_alert(row) else alert_sentence(row, row["likely_cause"])
                        for row in found.to_dict("records")]
    return found


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
EFFECT_LABELS = {"traffic": N_("Traffic (UV)"), "conversion": N_("Conversion rate"), "spend": N_("Spend per buyer")}
FOCUS_BY_METRIC = {"uv": "traffic", "conversion_rate": "conversion", "spend_per_buyer": "spend"}
EFFECT_COLUMNS = ("traffic", "conversion", "spend", "other")


def _log_mean(a: float, b: float) -> float:
    if a == b:
        return a
    return (a - b) / (math.log(a) - math.log(b))


def _factors(uv: float, buyers: float, gmv: float) -> tuple[float, float | None, float | None]:
    """Return (UV, conversion, spend per buyer) of one day; None where the ratio has no denominator."""
    return uv, (buyers / uv if uv > 0 else None), (gmv / buyers if buyers > 0 else None)


def decompose_gmv(before: Mapping[str, float], after: Mapping[str, float]) -> dict[str, float]:
    """Return the GMV change split into traffic, conversion and spend effects (they sum exactly to ``change``).

    ``before``/``after`` hold uv, buyers and gmv. All positive: the log (LMDI) split. A zero anywhere (a segment with
    no buyer or no visitor on one day): the ratio that has no denominator takes the other day's value (a segment that
    loses every buyer keeps its spend per buyer; one that appears is a traffic effect) and the split is the Shapley
    one of the product UV x conversion x spend, which needs no logarithm. Only sales without any traffic on both days
    (untracked visitors) cannot be split: that change is ``other``.
    """
    uv0, b0, g0 = (float(before[k] or 0) for k in ("uv", "buyers", "gmv"))
    uv1, b1, g1 = (float(after[k] or 0) for k in ("uv", "buyers", "gmv"))
    result = {"gmv_before": g0, "gmv_after": g1, "change": g1 - g0, "traffic": 0.0, "conversion": 0.0,
              "spend": 0.0, "other": 0.0}
    if min(uv0, b0, g0, uv1, b1, g1) > 0:
        weight = _log_mean(g1, g0)
        result["traffic"] = weight * math.log(uv1 / uv0)
        result["conversion"] = weight * math.log((b1 / uv1) / (b0 / uv0))
        result["spend"] = weight * math.log((g1 / b1) / (g0 / b0))
        return result
    if (uv0 <= 0 and b0 > 0) or (uv1 <= 0 and b1 > 0) or (b0 <= 0 and g0 > 0) or (b1 <= 0 and g1 > 0):
        result["other"] = g1 - g0  # buyers without visitors (or sales without buyers): no UV x CR x spend identity
        return result
    u0, c0, s0 = _factors(uv0, b0, g0)
    u1, c1, s1 = _factors(uv1, b1, g1)
    c0, c1 = (c0 if c0 is not None else c1), (c1 if c1 is not None else c0)
    s0, s1 = (s0 if s0 is not None else s1), (s1 if s1 is not None else s0)
    c0, c1, s0, s1 = (x if x is not None else 0.0 for x in (c0, c1, s0, s1))
    result["traffic"] = _shapley(u0, u1, c0, c1, s0, s1)
    result["conversion"] = _shapley(c0, c1, u0, u1, s0, s1)
    result["spend"] = _shapley(s0, s1, u0, u1, c0, c1)
    return result


def _shapley(x0: float, x1: float, y0: float, y1: float, z0: float, z1: float) -> float:
    """Return the Shapley effect of x in the product x*y*z moving from (x0, y0, z0) to (x1, y1, z1)."""
    return (x1 - x0) * ((y0 * z0 + y1 * z1) / 3 + (y0 * z1 + y1 * z0) / 6)


def reference_days(day: date, reference: str = "usual", weeks: int = BASELINE_WEEKS,
                   calendar: pd.DataFrame | None = None) -> list[date]:
    """Return the days a day is compared with: as the alerts' baseline ('usual': the same weekday of the previous
    normal weeks, of the same pre-sale, or the same day of the last comparable sale), or last week's weekday."""
    if reference == "last_week":
        return [day - timedelta(days=7)]
    if reference != "usual":
        raise ValueError(f"reference must be 'usual' or 'last_week' (got {reference!r})")
    return baselines.comparable_days(calendar, day, weeks)[0]


_DIMENSIONS = {"category": "r.category", "campaign": "coalesce(c.name, r.campaign_id)"}
_NO_SEGMENT = {"category": N_("Uncategorised"), "campaign": N_("(no campaign)")}


def segment_cells(con: duckdb.DuckDBPyConnection, f: Filters, days: list[date]) -> pd.DataFrame:
    """Return day, channel, device, uv, buyers, gmv per channel x device cell on the given days (the root cause's
    cells): buyers and GMV from the stored daily counts, or from the lines when a category is chosen."""
    scope = f.with_range(min(days), max(days))
    slots, params = sales_slots(scope)
    sales_sql, sales_params = daily_counts.order_counts(con, scope, "ops/segment_sales", slots, cells=True)
    sql = db.load_sql("ops/monitoring_segments").format(segment_sales=sales_sql, **slots)
    return db.query_df(con, sql, dict(params, **sales_params, days=list(days), first=min(days), last=max(days)))


def _gmv_by(con: duckdb.DuckDBPyConnection, f: Filters, days: list[date], dimension: str) -> pd.DataFrame:
    """Return day, segment, gmv per category or campaign on the given days (from the daily rollup)."""
    derived.ensure(con, derived.SALES_ROLLUP)
    slots, params = sales_slots(f.with_range(min(days), max(days)))
    sql = db.load_sql("ops/monitoring_gmv_by").format(dimension=_DIMENSIONS[dimension], **slots)
    frame = db.query_df(con, sql, dict(params, days=list(days), first=min(days), last=max(days)))
    # sales without a category / campaign, named in the reader's language
    frame["segment"] = frame["segment"].astype(object).where(frame["segment"].notna(), _(_NO_SEGMENT[dimension]))
    return frame


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
    effects: dict[str, float]  # gmv_before, gmv_after, change, traffic, conversion, spend, other (sums of cells)
    focus: str  # traffic | conversion | spend
    cells: pd.DataFrame  # channel x device: uv/buyers/gmv _0 _1, effects, share_of_focus
    by_channel: pd.DataFrame
    by_device: pd.DataFrame
    by_category: pd.DataFrame  # segment, gmv_0, gmv_1, gmv_change, share_of_change
    by_campaign: pd.DataFrame
    summary: str
    basis: str = "usual"  # usual | same_campaign | last_campaign
    compared_with: str | None = None

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


def cell_effects(cells: pd.DataFrame) -> pd.DataFrame:
    """Return channel x device cells (uv/buyers/gmv _0 and _1) with their traffic, conversion, spend and other
    effects (each row sums to its GMV change), gmv_change and a segment label."""
    effects = [decompose_gmv({"uv": r.uv_0, "buyers": r.buyers_0, "gmv": r.gmv_0},
                             {"uv": r.uv_1, "buyers": r.buyers_1, "gmv": r.gmv_1}) for r in cells.itertuples()]
    out = cells.copy()
    for key in EFFECT_COLUMNS:
        out[key] = [e[key] for e in effects] if effects else []
    out["gmv_change"] = out["gmv_1"] - out["gmv_0"]
    out["segment"] = [_segment_words(c, d) for c, d in zip(out["channel"], out["device"])]
    return out


def segment_effects(raw: pd.DataFrame, day: date, refs: list[date]) -> pd.DataFrame:
    """Return the channel x device cells of ``raw`` (day, channel, device, uv, buyers, gmv) with the effects of the
    day against the mean of the reference days (cell_effects)."""
    return cell_effects(_before_after(raw, day, refs, ["channel", "device"], ["uv", "buyers", "gmv"]))


def ranking(cells: pd.DataFrame, key: str, focus: str) -> pd.DataFrame:
    """Return the segments by ``key`` (channel or device) ranked by their share of the ``focus`` effect."""
    return _with_shares(cells.groupby(key, as_index=False).sum(numeric_only=True), focus)


def _segment_words(channel: str, device: str) -> str:
    return _("{channel} × {device}", channel=label("channel", channel), device=label("device", device))


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
               metric: str | None = None, weeks: int = BASELINE_WEEKS, trend: pd.DataFrame | None = None,
               calendar: pd.DataFrame | None = None) -> RootCause:
    """Return the root cause of ``day`` against its reference ('usual': the days the alerts' baseline compares it
    with, campaign calendar included; or 'last_week').

    ``metric`` (uv, conversion_rate, spend_per_buyer) picks the effect to explain; default: the largest effect.
    ``trend`` is metrics.daily_trend over a range holding the day and its reference days, when the caller has it.
    """
    if calendar is None:
        calendar = baselines.campaign_calendar(con, day - timedelta(days=CALENDAR_LOOKBACK_DAYS), day)
    refs, basis, compared_with = baselines.comparable_days(calendar, day, weeks)
    if reference == "last_week":
        refs, basis, compared_with = [day - timedelta(days=7)], "last_week", None
    elif reference != "usual":
        raise ValueError(f"reference must be 'usual' or 'last_week' (got {reference!r})")
    days = [day, *refs]
    raw = segment_cells(con, f, days)
    raw["channel"] = raw["channel"].fillna("unknown")
    raw["device"] = raw["device"].fillna("unknown")
    cells = segment_effects(raw, day, refs)
    # Totals: buyers are distinct over the whole day (a customer buying in two channels counts once).
    if trend is None or series_slice(trend.assign(day=pd.to_datetime(trend["day"])), min(days), max(days)) is None:
        trend = metrics.daily_trend(con, f.with_range(min(days), max(days)))
    trend = trend.copy()
    trend["day"] = pd.to_datetime(trend["day"]).dt.date
    trend = trend.set_index("day")
    pick = lambda d, col: float(trend.at[d, col]) if d in trend.index and not pd.isna(trend.at[d, col]) else 0.0  # noqa: E731
    before = {c: sum(pick(d, c) for d in refs) / len(refs) for c in ("uv", "buyers", "gmv")}
    after = {c: pick(day, c) for c in ("uv", "buyers", "gmv")}
    effects = segment_totals(cells, before["gmv"], after["gmv"])
    by_category = _gmv_shares(_before_after(_gmv_by(con, f, days, "category"),
                                            day, refs, ["segment"], ["gmv"]))
    by_campaign = _gmv_shares(_before_after(_gmv_by(con, f, days, "campaign"),
                                            day, refs, ["segment"], ["gmv"]))
    base = RootCause(day, reference, refs, {"before": before, "after": after}, effects, "", cells, cells, cells,
                     by_category, by_campaign, "", basis, compared_with)
    return refocus(base, metric)


def segment_totals(cells: pd.DataFrame, gmv_before: float, gmv_after: float) -> dict[str, float]:
    """Return the day's effects as the sums of the segment effects, so that the segments add up to the total exactly
    (a GMV total that differs from the sum of the segments, which should not happen, is ``other``)."""
    effects = {"gmv_before": gmv_before, "gmv_after": gmv_after, "change": gmv_after - gmv_before}
    for key in EFFECT_COLUMNS:
        effects[key] = float(cells[key].sum()) if not cells.empty else 0.0
    effects["other"] += effects["change"] - float(cells["gmv_change"].sum() if not cells.empty else 0.0)
    return effects


def refocus(rc: RootCause, metric: str | None = None) -> RootCause:
    """Return the root cause explaining another effect (no query: the segment figures are reused)."""
    focus = FOCUS_BY_METRIC.get(metric or "", "") or max(EFFECTS, key=lambda e: abs(rc.effects[e]))
    cells = rc.cells
    result = replace(rc, focus=focus, cells=_with_shares(cells, focus),
                     by_channel=ranking(cells, "channel", focus), by_device=ranking(cells, "device", focus))
    result.summary = describe(result)
    return result


def _reference_of(rc: RootCause) -> str:
    if rc.reference == "last_week":
        return _("last {weekday}", weekday=fmt.weekday(rc.day))
    return reference_words(rc.day, rc.basis, rc.compared_with)


def _effect_size(rc: RootCause, focus: str) -> str | None:
    """Return the focus effect's move: UV and spend per buyer as a relative change, conversion in points."""
    b, a = rc.totals["before"], rc.totals["after"]
    if focus == "conversion":
        if not b["uv"] or not a["uv"]:
            return None
        return fmt.pp(a["buyers"] / a["uv"] - b["buyers"] / b["uv"])
    change = rc.ratios()[focus]
    return None if change is None else fmt.change(change)


def describe(rc: RootCause) -> str:
    """Return the root cause in words, e.g. 'Conversion rate -1.2 pp against the usual Tuesday; 70% of the drop is
    Paid ads × Mobile web. GMV -8.1% (...)'."""
    against = _reference_of(rc)
    e = rc.effects
    if e["gmv_before"] <= 0 and e["gmv_after"] <= 0:
        return _("No sales on {day} nor on {reference}: nothing to explain.", day=rc.day, reference=against)
    focus = rc.focus
    size = _effect_size(rc, focus)
    if size is None:
        return _("GMV {amount} against {reference}; traffic or buyers are missing, so the change cannot be split "
                 "into traffic, conversion and spend.", amount=fmt.money(e["change"], signed=True), reference=against)
    effect = _(EFFECT_LABELS[focus])
    down = e[focus] < 0
    best = _best_explanation(rc)
    if best is None:
        sentence = _("{effect} {size} against {reference}.", effect=effect, size=size, reference=against)
    elif best[0] > 1:
        template = (_("{effect} {size} against {reference}; {segment} alone accounts for more than the whole drop "
                      "({share}): other segments offset part of it.") if down else
                    _("{effect} {size} against {reference}; {segment} alone accounts for more than the whole rise "
                      "({share}): other segments offset part of it."))
        sentence = template.format(effect=effect, size=size, reference=against, segment=best[1],
                                   share=fmt.percent(best[0], 0))
    else:
        template = (_("{effect} {size} against {reference}; {share} of the drop is {segment}.") if down else
                    _("{effect} {size} against {reference}; {share} of the rise is {segment}."))
        sentence = template.format(effect=effect, size=size, reference=against, segment=best[1],
                                   share=fmt.percent(best[0], 0))
    parts = [sentence]
    gmv_change = rc.ratios()["gmv"]
    if gmv_change is not None:
        parts.append(_("GMV {change} ({amount}): traffic {traffic}, conversion {conversion}, spend per buyer "
                       "{spend}.", change=fmt.change(gmv_change), amount=fmt.money(e["change"], signed=True, decimals=0),
                       traffic=fmt.money(e["traffic"], signed=True, decimals=0),
                       conversion=fmt.money(e["conversion"], signed=True, decimals=0),
                       spend=fmt.money(e["spend"], signed=True, decimals=0)))
    for kind, table in (("category", rc.by_category), ("campaign", rc.by_campaign)):
        if table.empty or not e["change"]:
            continue
        top = table.iloc[0]
        share = top["share_of_change"]
        amount = fmt.money(top["gmv_change"], signed=True, decimals=0)
        if kind == "category":
            parts.append(_("Largest category contribution: {segment} {amount} ({share} of the GMV change).",
                           segment=str(top["segment"]), amount=amount, share=fmt.percent(share, 0))
                         if 0 < share <= 1 else
                         _("Largest category contribution: {segment} {amount} (more than the net change; others "
                           "offset it).", segment=str(top["segment"]), amount=amount))
        else:
            parts.append(_("Largest campaign contribution: {segment} {amount} ({share} of the GMV change).",
                           segment=str(top["segment"]), amount=amount, share=fmt.percent(share, 0))
                         if 0 < share <= 1 else
                         _("Largest campaign contribution: {segment} {amount} (more than the net change; others "
                           "offset it).", segment=str(top["segment"]), amount=amount))
    return " ".join(parts)


def _best_explanation(rc: RootCause) -> tuple[float, str] | None:
    """Return (share, words) of the channel x device cell, channel or device that explains most of the focus effect;
    only segments that moved the way the total did are named (a segment whose conversion rose never explains a drop).
    """
    if rc.cells.empty or pd.isna(rc.cells["share_of_focus"].iloc[0]) or rc.cells["share_of_focus"].iloc[0] <= 0:
        return None
    cell = rc.cells.iloc[0]
    if cell["share_of_focus"] >= 0.5:
        return float(cell["share_of_focus"]), str(cell["segment"])
    channel, device = rc.by_channel.iloc[0], rc.by_device.iloc[0]
    if max(channel["share_of_focus"], device["share_of_focus"]) <= 0:
        return None
    if channel["share_of_focus"] >= device["share_of_focus"]:
        return float(channel["share_of_focus"]), _("traffic from {channel}", channel=label("channel", channel["channel"]))
    return float(device["share_of_focus"]), _("{device} traffic", device=label("device", device["device"]))


def likely_cause(rc: RootCause) -> str:
    """Return the alert's likely cause in a few words: the effect and the segment behind most of it."""
    best = _best_explanation(rc)
    effect = _(EFFECT_LABELS[rc.focus])
    if best is None:
        return _("{effect} across all channels", effect=effect)
    return _("{effect} of {segment} ({share} of the effect)", effect=effect, segment=best[1],
             share=fmt.percent(best[0], 0))


def alert_causes(con: duckdb.DuckDBPyConnection, f: Filters, limit: int | None = None) -> pd.DataFrame:
    """Return the alerts of f with their likely cause and root-cause explanation (``limit`` most severe, or all)."""
    return alert_causes_and_series(con, f, limit)[0]


def alert_causes_and_series(con: duckdb.DuckDBPyConnection, f: Filters,
                            limit: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (the alerts of f with their causes, the daily_series behind them) — callers reuse the series instead of
    querying daily figures again (the weekly review)."""
    ov = overview(con, f)
    found = ov["alerts"] if limit is None else ov["alerts"].head(limit)
    return found.reset_index(drop=True), ov["series"]


# --------------------------------------------------------------------------------------------------------------
# Tables as shown (translated headers, values through the display rules)


def alert_table(found: pd.DataFrame) -> pd.DataFrame:
    """Return the alerts as a page shows them: day, severity and the alert sentence (with its likely cause)."""
    return pd.DataFrame({_("Day"): [fmt.date(d) for d in found["day"]],
                         _("Severity"): [label("severity", s) for s in found["severity"]],
                         _("Alert"): [str(m) for m in found["message"]]})


def cells_table(rc: RootCause) -> pd.DataFrame:
    """Return the channel x device cells of a root cause as shown: reference and day figures, effects, share."""
    c = rc.cells
    money = lambda values: [fmt.money(v, decimals=0) for v in values]  # noqa: E731
    signed = lambda values: [fmt.money(v, decimals=0, signed=True) for v in values]  # noqa: E731
    return pd.DataFrame({
        _("Segment"): c["segment"].astype(str).tolist(),
        _("UV (reference)"): [fmt.number(v, 1) for v in c["uv_0"]], _("UV (day)"): [fmt.count(v) for v in c["uv_1"]],
        _("Buyers (reference)"): [fmt.number(v, 1) for v in c["buyers_0"]],
        _("Buyers (day)"): [fmt.count(v) for v in c["buyers_1"]],
        _("GMV (reference)"): money(c["gmv_0"]), _("GMV (day)"): money(c["gmv_1"]),
        _("Traffic effect"): signed(c["traffic"]), _("Conversion effect"): signed(c["conversion"]),
        _("Spend per buyer effect"): signed(c["spend"]),
        _("Share of the effect"): [fmt.percent(v, 0) for v in c["share_of_focus"]],
    })


def labelled_contributions(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """Return a contributions frame whose ``key`` column (channel / device codes) holds the human labels."""
    frame = frame.copy()
    frame[key] = [label(key, v) for v in frame[key]]
    return frame


def change_text(metric: str, value: float | None, previous: float | None) -> str | None:
    """Return a KPI's change against the previous value as shown: percentage points for a rate, a relative change
    otherwise; None when there is nothing to compare."""
    if value is None or previous is None or pd.isna(value) or pd.isna(previous):
        return None
    if metric in RATE_METRICS:
        return fmt.pp(float(value) - float(previous))
    return fmt.change(float(value) / float(previous) - 1) if previous else None
