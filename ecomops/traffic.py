"""Traffic: channels (UV, buyers, conversion, GMV, spend, ROI, GMV share), the monthly ROI review, and ads.

Definitions follow METRICS.md: UV is *summed daily UV* from ``traffic_daily``; conversion rate = buyers / UV;
ROI = attributed GMV / ad spend (from ``ad_spend``); a channel with ROI below ``THRESHOLDS.roi_floor`` (1.0) is
flagged. A buyer who bought through two channels counts as a buyer of each. The category filter narrows orders
(GMV, orders, buyers) only: traffic and ad spend carry no category.

Monthly ROI review rule (one action per channel, from its ROI in the review month and the month before):

- **cut**: ROI in the review month below the floor (1.0): the channel spends more than it brings back.
- **grow**: ROI at or above ``ROI_GROW`` (3.0) and not down more than ``ROI_FALL_WATCH`` (10%) on the month before.
- **watch**: everything else: ROI between 1.0 and 3.0, or 3.0 and above but falling more than 10%.

Search keywords live in :mod:`ecomops.traffic_search`, campaigns in :mod:`ecomops.traffic_campaigns`, the funnel and
scroll depth in :mod:`ecomops.traffic_funnel`.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import duckdb
import pandas as pd

from ecomops import db, traffic_rollup
from ecomops.config import THRESHOLDS
from ecomops.filters import Filters, where

ROI_GROW = 3.0  # ROI at or above this (and holding) -> "grow"
ROI_FALL_WATCH = 0.10  # a month-over-month ROI fall larger than this turns "grow" into "watch"
BEST_WORST_MIN_SPEND_SHARE = 0.02  # audiences under 2% of spend are too small to call best or worst
GRAINS = ("day", "week", "month")

# Tables each traffic view needs, with the upload that fills them (for the pages' empty states).
UPLOAD_HINTS = {
    "orders": "an orders export",
    "traffic_daily": "a daily traffic export (UV by day, channel and device)",
    "traffic_sessions": "a session-level traffic export (e.g. the UCI Online Shoppers Intention CSV)",
    "ad_spend": "an ad spend export (spend, clicks and attributed GMV by day, channel, campaign and audience)",
    "search_keywords": "a search keyword export (searches, clicks, orders and GMV by day and keyword)",
    "campaigns": "a campaign calendar (name, kind, start, end, pre-sale start)",
    "scroll_depth": "a scroll-depth export (detail-page visitors reaching each screen, by day and device)",
}


def upload_hint(table: str) -> str:
    """Return the empty-state sentence naming the upload that fills ``table``."""
    return f"No {table.replace('_', ' ')} data yet: upload {UPLOAD_HINTS[table]} on Data → Upload."


def availability(con: duckdb.DuckDBPyConnection) -> dict[str, bool]:
    """Return, for every table the traffic pages read, whether it holds any row (one round trip)."""
    tables = list(UPLOAD_HINTS)
    sql = "SELECT " + ", ".join(f"EXISTS (SELECT 1 FROM {t})" for t in tables)  # names from the whitelist above
    row = db.query_one(con, sql)
    return dict(zip(tables, (bool(v) for v in row)))


def grain_for(f: Filters) -> str:
    """Return the time bucket for trends over the range: day up to ~2 months, week up to ~1 year, else month."""
    if f.days <= 62:
        return "day"
    if f.days <= 366:
        return "week"
    return "month"


def _check_grain(grain: str) -> str:
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {GRAINS}, got {grain!r}")
    return grain


def safe_ratio(num: Any, den: Any) -> Any:
    """Return num / den elementwise, NaN where the denominator is 0 or missing (Series or scalars)."""
    if isinstance(num, pd.Series) or isinstance(den, pd.Series):
        num_s = pd.to_numeric(num, errors="coerce").astype("float64")
        den_s = pd.to_numeric(den, errors="coerce").astype("float64")
        return num_s / den_s.where(den_s != 0)
    if num is None or den is None or pd.isna(num) or pd.isna(den) or den == 0:
        return None
    return float(num) / float(den)


def order_parts(f: Filters, prefix: str = "") -> tuple[dict[str, str], dict[str, Any]]:
    """Return the SQL slots filtering orders (o), order lines (i) by category, the GMV rollup (r), traffic (t) and
    ads (a), with their params.

    ``order_category`` keeps orders holding a line of the chosen categories (a semi-join; plain TRUE without a
    category filter, which spares a scan of the order lines). GMV comes from the rollup (:mod:`traffic_rollup`).
    """
    order_sql, params = where(f, date_col="o.order_date", channel_col="o.channel", prefix=prefix)
    category_sql, p2 = where(f, category_col="p.category", prefix=prefix)
    traffic_sql, p3 = where(f, date_col="t.day", channel_col="t.channel", prefix=prefix)
    ads_sql, p4 = where(f, date_col="a.day", channel_col="a.channel", prefix=prefix)
    rollup_sql, p5 = where(f, date_col="r.day", channel_col="r.channel", category_col="r.category", prefix=prefix)
    for extra in (p2, p3, p4, p5):
        params.update(extra)
    slots = {
        "order_where": order_sql,
        "order_category": (f"o.order_id IN (SELECT i.order_id FROM order_items i WHERE i.product_id IN "
                           f"(SELECT p.product_id FROM products p WHERE {category_sql}))" if f.categories else "TRUE"),
        "rollup_where": rollup_sql,
        "traffic_where": traffic_sql,
        "ads_where": ads_sql,
    }
    return slots, params


# ---------------------------------------------------------------------------------------------------------------
# Channels
# ---------------------------------------------------------------------------------------------------------------

CHANNEL_COLUMNS = ["channel", "uv", "buyers", "orders", "conversion_rate", "gmv", "gmv_share", "spend",
                   "attributed_gmv", "roi", "roi_flag"]


def _channel_measures(frame: pd.DataFrame) -> pd.DataFrame:
    """Add conversion rate, ROI and its flag to rows holding uv, buyers, gmv, spend, attributed_gmv."""
    frame = frame.copy()
    frame["conversion_rate"] = safe_ratio(frame["buyers"], frame["uv"])
    frame["roi"] = safe_ratio(frame["attributed_gmv"], frame["spend"])
    frame["roi_flag"] = frame["roi"] < THRESHOLDS.roi_floor
    return frame


def channel_overview(con: duckdb.DuckDBPyConnection, f: Filters, grain: str | None = None) -> dict[str, pd.DataFrame]:
    """Return {"channels": per channel, "trend": per bucket and channel, "per_bucket": all channels per bucket,
    "total": dict, "grain"} from one query.

    Columns: channel, uv, buyers, orders, conversion_rate, gmv, gmv_share, spend, attributed_gmv, roi, roi_flag
    (True when ROI < 1); the trend adds ``bucket`` and its GMV share is the channel's share of that bucket's GMV.
    ``total`` holds the same measures over all channels (buyers distinct, so not the sum of the channels' buyers).
    """
    grain = _check_grain(grain or grain_for(f))
    traffic_rollup.ensure(con)
    slots, params = order_parts(f)
    sql = db.load_sql("traffic_channels").format(grain=grain, **slots)
    raw = db.query_df(con, sql, params)
    for col in ("uv", "buyers", "orders", "gmv", "spend", "attributed_gmv"):
        raw[col] = pd.to_numeric(raw[col], errors="coerce").astype("float64")
    for col in ("buyers", "orders", "gmv"):
        raw[col] = raw[col].fillna(0.0)
    raw = _channel_measures(raw)

    grand = raw[raw["bucket"].isna() & raw["channel"].isna()]
    total = {c: (None if grand.empty or pd.isna(grand[c].iloc[0]) else float(grand[c].iloc[0]))
             for c in ("uv", "buyers", "orders", "gmv", "spend", "attributed_gmv", "conversion_rate", "roi")}
    per_bucket = raw[raw["bucket"].notna() & raw["channel"].isna()].drop(columns="channel")
    per_bucket = per_bucket.assign(bucket=pd.to_datetime(per_bucket["bucket"])).sort_values("bucket")
    raw = raw[raw["channel"].notna()]

    totals = raw[raw["bucket"].isna()].drop(columns="bucket")
    total_gmv = totals["gmv"].sum()
    totals["gmv_share"] = totals["gmv"] / total_gmv if total_gmv else 0.0
    totals = totals.sort_values("gmv", ascending=False)[CHANNEL_COLUMNS].reset_index(drop=True)

    trend = raw[raw["bucket"].notna()].copy()
    trend["bucket"] = pd.to_datetime(trend["bucket"])
    bucket_gmv = trend.groupby("bucket")["gmv"].transform("sum")
    trend["gmv_share"] = safe_ratio(trend["gmv"], bucket_gmv)
    trend = trend.sort_values(["bucket", "channel"])[["bucket"] + CHANNEL_COLUMNS].reset_index(drop=True)
    return {"channels": totals, "trend": trend, "per_bucket": per_bucket.reset_index(drop=True), "total": total,
            "grain": grain}


def flagged_channels(channels: pd.DataFrame) -> list[str]:
    """Return the channels whose ROI is below the floor (ROI < 1), worst first."""
    hits = channels[channels["roi_flag"].fillna(False).astype(bool)].sort_values("roi")
    return hits["channel"].tolist()


# ---------------------------------------------------------------------------------------------------------------
# Monthly ROI review
# ---------------------------------------------------------------------------------------------------------------

def review_action(roi: float | None, previous_roi: float | None) -> tuple[str, str]:
    """Return (action, reason) for a channel from its ROI this month and last month (rule in the module doc)."""
    if roi is None or pd.isna(roi):
        return "—", "no ad spend this month"
    change = None if previous_roi is None or pd.isna(previous_roi) or previous_roi == 0 else roi / previous_roi - 1
    trend = "" if change is None else f" ({change:+.0%} on last month)"
    if roi < THRESHOLDS.roi_floor:
        return "cut", f"ROI {roi:.2f} < {THRESHOLDS.roi_floor:g}: spend brings back less than it costs{trend}"
    if roi >= ROI_GROW:
        if change is not None and change < -ROI_FALL_WATCH:
            return "watch", f"ROI {roi:.2f} is high but fell {change:.0%} on last month"
        return "grow", f"ROI {roi:.2f} ≥ {ROI_GROW:g} and holding{trend}"
    return "watch", f"ROI {roi:.2f} between {THRESHOLDS.roi_floor:g} and {ROI_GROW:g}{trend}"


def month_start(day: date) -> date:
    """Return the first day of the month holding ``day``."""
    return day.replace(day=1)


def roi_review(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Return the month-over-month ROI review: one row per channel with spend, ROI, change and action.

    The review month is the calendar month holding the end of the range (partial when the range ends mid-month),
    compared with the full month before it. Columns: channel, month, spend, attributed_gmv, roi, previous_spend,
    previous_roi, roi_change, action, reason. Channels with spend in either month are listed, "cut" first.
    """
    this_month = month_start(f.end)
    last_month = month_start(this_month - timedelta(days=1))
    review = f.with_range(last_month, f.end)
    ads_sql, params = where(review, date_col="a.day", channel_col="a.channel")
    params["this_month"] = this_month
    frame = db.query_df(con, f"""
        SELECT a.channel,
               sum(a.spend) FILTER (WHERE a.day >= $this_month) AS spend,
               sum(a.attributed_gmv) FILTER (WHERE a.day >= $this_month) AS attributed_gmv,
               sum(a.spend) FILTER (WHERE a.day < $this_month) AS previous_spend,
               sum(a.attributed_gmv) FILTER (WHERE a.day < $this_month) AS previous_attributed_gmv
        FROM ad_spend a WHERE {ads_sql}
        GROUP BY a.channel ORDER BY a.channel
    """, params)
    columns = ["channel", "month", "spend", "attributed_gmv", "roi", "previous_spend", "previous_roi", "roi_change",
               "action", "reason"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame["month"] = f"{this_month:%Y-%m}"
    frame["roi"] = safe_ratio(frame["attributed_gmv"], frame["spend"])
    frame["previous_roi"] = safe_ratio(frame["previous_attributed_gmv"], frame["previous_spend"])
    frame["roi_change"] = safe_ratio(frame["roi"], frame["previous_roi"]) - 1
    actions = [review_action(r, p) for r, p in zip(frame["roi"], frame["previous_roi"])]
    frame["action"] = [a for a, _ in actions]
    frame["reason"] = [r for _, r in actions]
    order = {"cut": 0, "watch": 1, "grow": 2, "—": 3}
    frame = frame.assign(_o=frame["action"].map(order)).sort_values(["_o", "roi"]).drop(columns="_o")
    return frame[columns].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------------------------
# Ads
# ---------------------------------------------------------------------------------------------------------------

AD_COLUMNS = ["key", "spend", "spend_share", "impressions", "clicks", "ctr", "cpc", "attributed_gmv", "roi",
              "roi_flag"]


def ads_overview(con: duckdb.DuckDBPyConnection, f: Filters, grain: str | None = None) -> dict[str, Any]:
    """Return ad performance from one query: {"total": dict, "campaign"/"audience"/"channel"/"trend": DataFrames}.

    Each frame has key, spend, spend_share, impressions, clicks, ctr (clicks / impressions), cpc (spend / clicks),
    attributed_gmv, roi (attributed GMV / spend) and roi_flag (ROI < 1); frames are sorted by spend, the trend by
    bucket (``key`` is then the bucket's first day). The measures come computed from the query (traffic_ads.sql).
    """
    grain = _check_grain(grain or grain_for(f))
    ads_sql, params = where(f, date_col="a.day", channel_col="a.channel")
    raw = db.query_df(con, db.load_sql("traffic_ads").format(grain=grain, ads_where=ads_sql),
                      dict(params, roi_floor=THRESHOLDS.roi_floor))
    total_row = raw[raw["dimension"] == "total"]
    total_spend = float(total_row["spend"].iloc[0]) if not total_row.empty and pd.notna(total_row["spend"].iloc[0]) else 0.0
    result: dict[str, Any] = {"grain": grain}
    for dim in ("campaign", "audience", "channel", "bucket"):
        part = raw.loc[raw["dimension"] == dim, AD_COLUMNS]
        if dim == "bucket":
            part = part.assign(key=pd.to_datetime(part["key"]))
            result["trend"] = part.sort_values("key").reset_index(drop=True)
        else:
            result[dim] = part.sort_values("spend", ascending=False).reset_index(drop=True)
    result["total"] = (total_row[AD_COLUMNS].iloc[0].to_dict() if not total_row.empty and total_spend
                       else {c: None for c in AD_COLUMNS})
    return result


def best_worst_audiences(audiences: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """Return the ``n`` best and ``n`` worst audiences by ROI among those with at least 2% of the spend.

    Small audiences are left out because a few lucky orders would put them on top. Columns: rank ("best"/"worst"),
    then the ad columns; with fewer than 2n eligible audiences the two lists split them without overlap.
    """
    eligible = audiences[(audiences["spend_share"] >= BEST_WORST_MIN_SPEND_SHARE) & audiences["roi"].notna()]
    eligible = eligible.sort_values("roi", ascending=False)
    k = min(n, len(eligible) // 2) if len(eligible) < 2 * n else n
    best = eligible.head(k).assign(rank="best")
    worst = eligible.tail(k).iloc[::-1].assign(rank="worst") if k else eligible.head(0).assign(rank="worst")
    return pd.concat([best, worst], ignore_index=True)[["rank"] + AD_COLUMNS]
