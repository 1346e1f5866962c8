"""Campaigns: the calendar, lift against a baseline of comparable days, pre-sale share of big sales, and the
average effect of member days and flash sales.

**Baseline of comparable days** (for each campaign): the ``BASELINE_DAYS`` (28) days before the campaign starts —
before the pre-sale start for big sales, so pre-sale days never count as "normal" — keeping only days that

- hold data (between the first and last order day of the database),
- are not inside any site-wide event: a big sale (pre-sale included), flash sale or member day (campaigns of kind
  "other", e.g. a month-long outreach to dormant customers, do not remove days: they would swallow the baseline),
- are of the same day type as the campaign days: weekend days for a weekend campaign, weekdays for a weekday one
  (mixed campaigns take any day). When fewer than ``MIN_BASELINE_DAYS`` (3) such days remain, all remaining days
  are used and the row says so (``baseline_rule`` = "any day").

**Lift** = campaign value / baseline value − 1, where the value is the average per day for GMV, orders, buyers and
UV (summed daily UV), and buyers / UV over the days for conversion. Big sales are measured on their sale days
(start .. end); their pre-sale days get their own ``presale_gmv_lift``. The filters' channels and categories apply
to orders; a campaign is listed when its window (pre-sale included) overlaps the date range, and is measured over
its whole window even where that runs past the range.

A campaign whose days fall inside another site-wide event as big or bigger (a member day during a big sale or its
pre-sale, say; big sale > flash sale > member day) is marked in ``overlaps``; the averages per kind leave such campaigns out, since their lift belongs to the bigger event.

**Pre-sale share of GMV** (big sales): GMV of pre-sale orders / GMV of all orders of the campaign (tagged with its
campaign id, or untagged and dated inside its window).
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from ecomops import db, derived, metrics
from ecomops.filters import Filters, order_category, sales_slots, slot
from ecomops.i18n import label
from ecomops.traffic import safe_ratio

BASELINE_DAYS = 28
MIN_BASELINE_DAYS = 3
SITE_WIDE_KINDS = ("big_sale", "flash_sale", "member_day")
EVENT_RANK = {"member_day": 1, "flash_sale": 2, "big_sale": 3}  # an event overlaps another of equal or higher rank
LIFT_METRICS = ("gmv", "orders", "buyers", "uv", "conversion_rate")
CALENDAR_COLUMNS = ["campaign_id", "name", "kind", "presale_start", "start_date", "end_date", "days"]


def campaign_calendar(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Return the campaigns whose window (pre-sale included) overlaps the range, in start order."""
    frame = db.query_df(con, db.load_sql("traffic/campaign_calendar"), {"start": f.start, "end": f.end})
    return frame[CALENDAR_COLUMNS]


def _days(start: date, end: date) -> pd.DatetimeIndex:
    return pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="D")


def _event_days(events: pd.DataFrame) -> dict[pd.Timestamp, list[tuple[str, str]]]:
    """Return {day: [(campaign id, kind)]} for every day inside a site-wide event window (pre-sale included)."""
    days: dict[pd.Timestamp, list[tuple[str, str]]] = {}
    for row in events[events["kind"].isin(SITE_WIDE_KINDS)].itertuples():
        first = row.presale_start if pd.notna(row.presale_start) else row.start_date
        for day in _days(first, row.end_date):
            days.setdefault(day, []).append((row.campaign_id, row.kind))
    return days


class _DailyArrays:
    """The daily series as arrays by day, for the per-day averages of many sets of days (no DataFrame per set)."""

    def __init__(self, daily: pd.DataFrame) -> None:
        daily = daily.assign(day=pd.to_datetime(daily["day"])).set_index("day").sort_index()
        self.position = {day: i for i, day in enumerate(daily.index)}
        self.columns = {m: daily[m].to_numpy() for m in ("gmv", "orders", "buyers", "uv")}

    def values(self, days: list[pd.Timestamp]) -> dict[str, float | None]:
        """Return per-day averages of GMV, orders, buyers, UV and the pooled conversion (buyers / UV) of some days.

        The same arithmetic as pandas' Series.mean / Series.sum over those rows (sum in float64, then / count).
        """
        rows = np.array(sorted({self.position[d] for d in days if d in self.position}), dtype=np.int64)
        if not len(rows):
            return {m: None for m in LIFT_METRICS}
        out: dict[str, float | None] = {m: float(self.columns[m][rows].sum(dtype=np.float64) / len(rows))
                                        for m in ("gmv", "orders", "buyers")}
        uv = self.columns["uv"][rows].astype(np.float64)
        has_uv = ~np.isnan(uv)
        out["uv"] = float(uv[has_uv].sum() / has_uv.sum()) if has_uv.any() else None
        out["conversion_rate"] = (safe_ratio(self.columns["buyers"][rows][has_uv].sum(), uv[has_uv].sum())
                                  if has_uv.any() else None)
        return out


def campaign_lift(daily: pd.DataFrame, campaigns: pd.DataFrame, events: pd.DataFrame,
                  data_start: date, data_end: date) -> pd.DataFrame:
    """Return one row per campaign: campaign and baseline values, lift per metric and the baseline used.

    ``daily``: one row per day with gmv, orders, buyers, uv (NaN when no traffic); ``campaigns``: the rows to
    measure; ``events``: all campaigns near them (for the excluded days). Rule in the module docstring.
    """
    arrays = _DailyArrays(daily)
    excluded = _event_days(events)
    lo, hi = pd.Timestamp(data_start), pd.Timestamp(data_end)
    rows: list[dict[str, Any]] = []
    for c in campaigns.itertuples():
        sale_days = [d for d in _days(c.start_date, c.end_date) if lo <= d <= hi]
        anchor = pd.Timestamp(c.presale_start if pd.notna(c.presale_start) else c.start_date)
        candidates = [d for d in _days(anchor - timedelta(days=BASELINE_DAYS), anchor - timedelta(days=1))
                      if lo <= d <= hi and d not in excluded]
        rank = EVENT_RANK.get(c.kind, 0)
        overlaps = sorted({other for d in _days(c.start_date, c.end_date) for other, kind in excluded.get(d, [])
                           if other != c.campaign_id and EVENT_RANK[kind] >= rank})
        weekend = {d.weekday() >= 5 for d in sale_days}
        rule = "any day"
        if len(weekend) == 1:
            is_weekend = weekend.pop()
            same_type = [d for d in candidates if (d.weekday() >= 5) == is_weekend]
            if len(same_type) >= MIN_BASELINE_DAYS:
                candidates, rule = same_type, "weekend days" if is_weekend else "weekdays"
        campaign_vals = arrays.values(sale_days)
        base_vals = arrays.values(candidates)
        row: dict[str, Any] = {
            "campaign_id": c.campaign_id, "name": c.name, "kind": c.kind, "start_date": c.start_date,
            "end_date": c.end_date, "campaign_days": len(sale_days), "baseline_days": len(candidates),
            "baseline_rule": rule, "overlaps": ", ".join(overlaps),
            "baseline_from": min(candidates).date() if candidates else None,
            "baseline_to": max(candidates).date() if candidates else None,
        }
        for m in LIFT_METRICS:
            value, base = campaign_vals[m], base_vals[m]
            row[m] = value
            row[f"baseline_{m}"] = base
            row[f"{m}_lift"] = value / base - 1 if value is not None and base else None
        presale_lift = None
        if pd.notna(c.presale_start):
            pre_days = [d for d in _days(c.presale_start, pd.Timestamp(c.start_date) - timedelta(days=1))
                        if lo <= d <= hi]
            pre = arrays.values(pre_days)["gmv"]
            presale_lift = pre / base_vals["gmv"] - 1 if pre is not None and base_vals["gmv"] else None
        row["presale_gmv_lift"] = presale_lift
        rows.append(row)
    columns = ["campaign_id", "name", "kind", "start_date", "end_date", "campaign_days", "baseline_days",
               "baseline_rule", "overlaps", "baseline_from", "baseline_to"]
    for m in LIFT_METRICS:
        columns += [m, f"baseline_{m}", f"{m}_lift"]
    columns.append("presale_gmv_lift")
    return pd.DataFrame(rows, columns=columns)


def effects_by_kind(lift: pd.DataFrame) -> pd.DataFrame:
    """Return the average lift per campaign kind (member days, flash sales, ...) over campaigns without overlaps.

    Columns: kind, label (the kind's label in the current language), events (campaigns averaged), then the mean
    lift of each metric.
    """
    lift = lift[lift["overlaps"].fillna("") == ""] if "overlaps" in lift else lift
    columns = [f"{m}_lift" for m in LIFT_METRICS]
    if lift.empty:
        return pd.DataFrame(columns=["kind", "label", "events", *columns])
    numeric = lift[["kind", "campaign_id"]].assign(**{c: pd.to_numeric(lift[c], errors="coerce") for c in columns})
    # plain groupby count and means (the same figures as named aggregation, which costs ~10 ms more per call)
    by_kind = numeric.groupby("kind")
    out = by_kind[columns].mean()
    out.insert(0, "events", by_kind["campaign_id"].count())
    out = out.reset_index()
    out.insert(1, "label", [label("campaign_kind", kind) for kind in out["kind"]])
    return out


def _daily_series(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    slots, params = sales_slots(f)
    params.update(spine_start=f.start, spine_end=f.end)
    return db.query_df(con, db.load_sql("traffic/daily_series").format(**slots), params)


def daily_series(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Return one row per day of the range: gmv, orders, buyers, uv (NaN without traffic), conversion_rate; the
    figures of ``metrics.daily_trend`` from a cheaper query (no distinct count over order lines)."""
    derived.ensure(con, derived.SALES_ROLLUP)
    return _daily_series(con, f)


def _presale_share(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    nodate_sql, params = slot(f, "orders", dates=False)
    category_sql, category_params = order_category(f)
    rollup_sql, rollup_params = slot(f, "rollup", dates=False)
    params.update(category_params)
    params.update(rollup_params)
    params.update(start=f.start, end=f.end)
    sql = db.load_sql("traffic/presale").format(order_where_nodate=nodate_sql, order_category=category_sql,
                                                 rollup_where_nodate=rollup_sql)
    frame = db.query_df(con, sql, params)
    for col in ("orders", "presale_orders"):
        frame[col] = frame[col].astype("int64")
    frame["presale_share"] = safe_ratio(frame["presale_gmv"], frame["gmv"])
    return frame


def presale_share(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Return the big sales overlapping the range with GMV, pre-sale GMV, pre-sale share and orders."""
    derived.ensure(con, derived.SALES_ROLLUP)
    return _presale_share(con, f)


def campaign_overview(con: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, Any]:
    """Return {"calendar", "lift", "by_kind", "presale", "daily"} for the campaigns overlapping the range.

    ``daily`` is the daily GMV series over the range (for the calendar chart); the lift is measured per the module
    docstring. Four queries: the campaigns in the range, the campaigns near them, the daily series, the pre-sale
    split (the rollup they read is checked once).
    """
    derived.ensure(con, derived.SALES_ROLLUP)
    calendar = campaign_calendar(con, f)
    span = metrics.data_range(con)
    if calendar.empty or span.empty:
        empty_lift = campaign_lift(pd.DataFrame(columns=["day", *LIFT_METRICS[:-1]]), calendar.head(0),
                                   calendar.head(0), span.start, span.end)
        return {"calendar": calendar, "lift": empty_lift, "by_kind": effects_by_kind(empty_lift),
                "presale": _presale_share(con, f) if not calendar.empty else pd.DataFrame(),
                "daily": _daily_series(con, f)}
    first_window = calendar["presale_start"].fillna(calendar["start_date"]).min()
    lo = max(min(pd.Timestamp(first_window).date() - timedelta(days=BASELINE_DAYS), f.start), span.start)
    hi = max(min(max(pd.Timestamp(calendar["end_date"].max()).date(), f.end), span.end), lo)
    events = db.query_df(con, """
        SELECT campaign_id, kind, presale_start, start_date, end_date FROM campaigns
        WHERE coalesce(presale_start, start_date) <= $hi AND end_date >= $lo
    """, {"lo": lo, "hi": hi})
    daily = _daily_series(con, f.with_range(lo, hi))
    lift = campaign_lift(daily, calendar, events, span.start, span.end)
    in_range = daily["day"].between(pd.Timestamp(f.start), pd.Timestamp(f.end)).to_numpy()
    return {"calendar": calendar, "lift": lift, "by_kind": effects_by_kind(lift),
            "presale": _presale_share(con, f), "daily": daily[in_range].reset_index(drop=True)}
