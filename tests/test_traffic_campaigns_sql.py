"""The campaigns page's figures equal the previous code on the demo database after the daily series moved into SQL
(its day spine, zero fill and conversion rate), the lift averages became array sums and the averages per kind
plain groupby means.

The reference below is the previous code verbatim (query and pandas), compared for several filters.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
import pytest

from ecomops import db, metrics
from ecomops.traffic import campaigns as traffic_campaigns
from ecomops.filters import Filters, default_filters
from ecomops.filters import sales_slots
from ecomops.traffic import safe_ratio

OLD_DAILY_SQL = """
WITH counts AS (
    SELECT o.order_date AS day, count(*) AS orders, count(DISTINCT o.customer_id) AS buyers
    FROM orders o
    WHERE o.status IN ('paid', 'shipped', 'completed', 'returned') AND {order_where} AND {order_category}
    GROUP BY ALL
),
gmv AS (
    SELECT r.day, sum(r.gmv) AS gmv FROM daily_sales_rollup r WHERE {rollup_where} GROUP BY ALL
),
traffic AS (
    SELECT t.day, sum(t.uv) AS uv FROM traffic_daily t WHERE {traffic_where} GROUP BY ALL
)
SELECT coalesce(c.day, g.day, t.day) AS day, coalesce(g.gmv, 0) AS gmv, coalesce(c.orders, 0) AS orders,
       coalesce(c.buyers, 0) AS buyers, t.uv
FROM counts c
FULL JOIN gmv g ON g.day = c.day
FULL JOIN traffic t ON t.day = coalesce(c.day, g.day)
ORDER BY 1
"""


def old_daily_series(con, f):
    slots, params = sales_slots(f)
    sql = OLD_DAILY_SQL.format(order_where=slots["order_where"], order_category=slots["order_category"],
                               rollup_where=slots["rollup_where"], traffic_where=slots["traffic_where"])
    frame = db.query_df(con, sql, params)
    frame["day"] = pd.to_datetime(frame["day"])
    days = pd.DataFrame({"day": pd.date_range(pd.Timestamp(f.start), pd.Timestamp(f.end), freq="D")})
    out = days.merge(frame, on="day", how="left")
    for col in ("gmv", "orders", "buyers"):
        out[col] = out[col].fillna(0)
    out["uv"] = pd.to_numeric(out["uv"], errors="coerce").astype("float64")
    out["conversion_rate"] = safe_ratio(out["buyers"], out["uv"])
    return out


def old_values(daily: pd.DataFrame) -> dict[str, float | None]:
    """Return per-day averages of GMV, orders, buyers, UV and the pooled conversion (buyers / UV) of some days."""
    if daily.empty:
        return {m: None for m in traffic_campaigns.LIFT_METRICS}
    out: dict[str, float | None] = {m: float(daily[m].mean()) for m in ("gmv", "orders", "buyers")}
    uv = daily["uv"].dropna()
    out["uv"] = float(uv.mean()) if len(uv) else None
    with_uv = daily[daily["uv"].notna()]
    out["conversion_rate"] = safe_ratio(with_uv["buyers"].sum(), with_uv["uv"].sum()) if len(with_uv) else None
    return out


def old_campaign_lift(daily: pd.DataFrame, campaigns: pd.DataFrame, events: pd.DataFrame,
                  data_start: date, data_end: date) -> pd.DataFrame:
    """Return one row per campaign: campaign and baseline values, lift per metric and the baseline used.

    ``daily``: one row per day with gmv, orders, buyers, uv (NaN when no traffic); ``campaigns``: the rows to
    measure; ``events``: all campaigns near them (for the excluded days). Rule in the module docstring.
    """
    daily = daily.assign(day=pd.to_datetime(daily["day"])).set_index("day").sort_index()
    excluded = traffic_campaigns._event_days(events)
    lo, hi = pd.Timestamp(data_start), pd.Timestamp(data_end)
    rows: list[dict[str, Any]] = []
    for c in campaigns.itertuples():
        sale_days = [d for d in traffic_campaigns._days(c.start_date, c.end_date) if lo <= d <= hi]
        anchor = pd.Timestamp(c.presale_start if pd.notna(c.presale_start) else c.start_date)
        candidates = [d for d in traffic_campaigns._days(anchor - timedelta(days=traffic_campaigns.BASELINE_DAYS), anchor - timedelta(days=1))
                      if lo <= d <= hi and d not in excluded]
        rank = traffic_campaigns.EVENT_RANK.get(c.kind, 0)
        overlaps = sorted({other for d in traffic_campaigns._days(c.start_date, c.end_date) for other, kind in excluded.get(d, [])
                           if other != c.campaign_id and traffic_campaigns.EVENT_RANK[kind] >= rank})
        weekend = {d.weekday() >= 5 for d in sale_days}
        rule = "any day"
        if len(weekend) == 1:
            is_weekend = weekend.pop()
            same_type = [d for d in candidates if (d.weekday() >= 5) == is_weekend]
            if len(same_type) >= traffic_campaigns.MIN_BASELINE_DAYS:
                candidates, rule = same_type, "weekend days" if is_weekend else "weekdays"
        campaign_vals = old_values(daily.loc[daily.index.isin(sale_days)])
        base_vals = old_values(daily.loc[daily.index.isin(candidates)])
        row: dict[str, Any] = {
            "campaign_id": c.campaign_id, "name": c.name, "kind": c.kind, "start_date": c.start_date,
            "end_date": c.end_date, "campaign_days": len(sale_days), "baseline_days": len(candidates),
            "baseline_rule": rule, "overlaps": ", ".join(overlaps),
            "baseline_from": min(candidates).date() if candidates else None,
            "baseline_to": max(candidates).date() if candidates else None,
        }
        for m in traffic_campaigns.LIFT_METRICS:
            value, base = campaign_vals[m], base_vals[m]
            row[m] = value
            row[f"baseline_{m}"] = base
            row[f"{m}_lift"] = value / base - 1 if value is not None and base else None
        presale_lift = None
        if pd.notna(c.presale_start):
            pre_days = [d for d in traffic_campaigns._days(c.presale_start, pd.Timestamp(c.start_date) - timedelta(days=1))
                        if lo <= d <= hi]
            pre = old_values(daily.loc[daily.index.isin(pre_days)])["gmv"]
            presale_lift = pre / base_vals["gmv"] - 1 if pre is not None and base_vals["gmv"] else None
        row["presale_gmv_lift"] = presale_lift
        rows.append(row)
    columns = ["campaign_id", "name", "kind", "start_date", "end_date", "campaign_days", "baseline_days",
               "baseline_rule", "overlaps", "baseline_from", "baseline_to"]
    for m in traffic_campaigns.LIFT_METRICS:
        columns += [m, f"baseline_{m}", f"{m}_lift"]
    columns.append("presale_gmv_lift")
    return pd.DataFrame(rows, columns=columns)


def old_effects_by_kind(lift):
    lift = lift[lift["overlaps"].fillna("") == ""] if "overlaps" in lift else lift
    numeric = lift.assign(**{f"{m}_lift": pd.to_numeric(lift[f"{m}_lift"], errors="coerce") for m in traffic_campaigns.LIFT_METRICS})
    out = numeric.groupby("kind", as_index=False).agg(
        events=("campaign_id", "count"), **{f"{m}_lift": (f"{m}_lift", "mean") for m in traffic_campaigns.LIFT_METRICS})
    out.insert(1, "label", out["kind"].map(traffic_campaigns.KIND_LABELS).fillna(out["kind"]))
    return out


def old_overview(con, f):
    calendar = traffic_campaigns.campaign_calendar(con, f)
    span = metrics.data_range(con)
    first_window = calendar["presale_start"].fillna(calendar["start_date"]).min()
    lo = max(min(pd.Timestamp(first_window).date() - timedelta(days=traffic_campaigns.BASELINE_DAYS), f.start), span.start)
    hi = max(min(max(pd.Timestamp(calendar["end_date"].max()).date(), f.end), span.end), lo)
    events = db.query_df(con, """
        SELECT campaign_id, kind, presale_start, start_date, end_date FROM campaigns
        WHERE coalesce(presale_start, start_date) <= $hi AND end_date >= $lo
    """, {"lo": lo, "hi": hi})
    daily = old_daily_series(con, f.with_range(lo, hi))
    lift = old_campaign_lift(daily, calendar, events, span.start, span.end)
    in_range = pd.to_datetime(daily["day"]).between(pd.Timestamp(f.start), pd.Timestamp(f.end))
    return {"lift": lift, "by_kind": old_effects_by_kind(lift), "daily": daily[in_range.to_numpy()].reset_index(drop=True)}


@pytest.fixture(scope="module")
def demo(demo_db_path):
    con = db.connect(demo_db_path)
    span = metrics.data_range(con)
    return con, {
        "default": default_filters(span.start, span.end),
        "all": Filters(span.start, span.end),
        "channels": Filters(span.start, span.end, channels=("douyin_live", "search"), categories=("Beauty",)),
        "before_data": Filters(span.start - timedelta(days=60), span.start + timedelta(days=30)),  # empty days
    }


@pytest.mark.parametrize("name", ["default", "all", "channels", "before_data"])
def test_campaign_overview_equals_the_previous_code(demo, name):
    con, views = demo
    new, old = traffic_campaigns.campaign_overview(con, views[name]), None
    if new["calendar"].empty:
        pytest.skip("no campaign in this view")
    old = old_overview(con, views[name])
    pd.testing.assert_frame_equal(new["daily"], old["daily"], check_dtype=False, check_exact=True)
    pd.testing.assert_frame_equal(new["lift"], old["lift"], check_exact=True)
    pd.testing.assert_frame_equal(new["by_kind"], old["by_kind"], check_exact=True)
    assert len(new["lift"]) and len(new["by_kind"]) and new["daily"]["uv"].notna().any()


def test_the_daily_series_fills_days_without_data(demo):
    con, views = demo
    f = views["before_data"]
    new, old = traffic_campaigns.daily_series(con, f), old_daily_series(con, f)
    assert len(new) == f.days and (new["gmv"] == 0).any() and new["uv"].isna().any()
    pd.testing.assert_frame_equal(new, old, check_dtype=False, check_exact=True)
