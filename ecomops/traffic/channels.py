"""Traffic channels: UV, buyers, conversion, GMV, spend, ROI and GMV share per channel, and the monthly ROI review.

Definitions follow METRICS.md: UV is *summed daily UV* from ``traffic_daily``; conversion rate = buyers / UV;
ROI = attributed GMV / ad spend (from ``ad_spend``); a channel with ROI below the ``roi_floor`` setting (1.0 by
default; the value in force, config.thresholds) is flagged. A buyer who bought through two channels counts as a buyer of each. The category filter narrows orders
(GMV, orders, buyers) only: traffic and ad spend carry no category.

Monthly ROI review rule (one action per channel, from its ROI in the review month and the month before):

- **cut**: ROI in the review month below the floor: the channel spends more than it brings back.
- **grow**: ROI at or above ``ROI_GROW`` (3.0) and not down more than ``ROI_FALL_WATCH`` (10%) on the month before.
- **watch**: everything else: ROI between the floor and 3.0, or 3.0 and above but falling more than 10%.

"""
from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pandas as pd

from ecomops import config, db, derived
from ecomops.filters import Filters, sales_slots, slot
from ecomops.i18n import _, fmt
from ecomops.traffic import _check_grain, grain_for, safe_ratio

ROI_GROW = 3.0  # ROI at or above this (and holding) -> "grow"
ROI_FALL_WATCH = 0.10  # a month-over-month ROI fall larger than this turns "grow" into "watch"


CHANNEL_COLUMNS = ["channel", "uv", "buyers", "orders", "conversion_rate", "gmv", "gmv_share", "spend",
                   "attributed_gmv", "roi", "roi_flag"]


def _channel_measures(frame: pd.DataFrame, roi_floor: float) -> pd.DataFrame:
    """Add conversion rate, ROI and its flag (ROI below ``roi_floor``) to rows holding uv, buyers, gmv, spend,
    attributed_gmv."""
    frame = frame.copy()
    frame["conversion_rate"] = safe_ratio(frame["buyers"], frame["uv"])
    frame["roi"] = safe_ratio(frame["attributed_gmv"], frame["spend"])
    frame["roi_flag"] = frame["roi"] < roi_floor
    return frame


def channel_overview(con: duckdb.DuckDBPyConnection, f: Filters, grain: str | None = None) -> dict[str, pd.DataFrame]:
    """Return {"channels": per channel, "trend": per bucket and channel, "per_bucket": all channels per bucket,
    "total": dict, "grain"} from one query.

    Columns: channel, uv, buyers, orders, conversion_rate, gmv, gmv_share, spend, attributed_gmv, roi, roi_flag
    (True when ROI is below the floor in force); the trend adds ``bucket`` and its GMV share is the channel's share of that bucket's GMV.
    ``total`` holds the same measures over all channels (buyers distinct, so not the sum of the channels' buyers).
    """
    grain = _check_grain(grain or grain_for(f))
    derived.ensure(con, derived.SALES_ROLLUP)
    slots, params = sales_slots(f)
    sql = db.load_sql("traffic/channels").format(grain=grain, **slots)
    raw = db.query_df(con, sql, params)
    for col in ("uv", "buyers", "orders", "gmv", "spend", "attributed_gmv"):
        raw[col] = pd.to_numeric(raw[col], errors="coerce").astype("float64")
    for col in ("buyers", "orders", "gmv"):
        raw[col] = raw[col].fillna(0.0)
    raw = _channel_measures(raw, config.thresholds(con).roi_floor)

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
    """Return the channels whose ROI is below the floor (``roi_flag``), worst first."""
    hits = channels[channels["roi_flag"].fillna(False).astype(bool)].sort_values("roi")
    return hits["channel"].tolist()


# ---------------------------------------------------------------------------------------------------------------
# Monthly ROI review
# ---------------------------------------------------------------------------------------------------------------

def review_action(roi: float | None, previous_roi: float | None, roi_floor: float,
                  period: str = "month") -> tuple[str, str]:
    """Return (action, reason) for a channel from its ROI this period and the one before (``period``: month or week)
    and the ROI floor (rule in the module doc); the reason is written in the reader's language."""
    if roi is None or pd.isna(roi):
        return "—", (_("no ad spend this month") if period == "month" else _("no ad spend this week"))
    change = None if previous_roi is None or pd.isna(previous_roi) or previous_roi == 0 else roi / previous_roi - 1
    if change is None:
        trend = ""
    elif period == "month":
        trend = _(" ({change} on last month)", change=fmt.change(change, 0))
    else:
        trend = _(" ({change} on the previous week)", change=fmt.change(change, 0))
    value, floor, grow = fmt.number(roi, 2), fmt.number(roi_floor, 2), fmt.number(ROI_GROW, 2)
    if roi < roi_floor:
        return "cut", _("ROI {roi} < {floor}: spend brings back less than it costs{trend}", roi=value, floor=floor,
                        trend=trend)
    if roi >= ROI_GROW:
        if change is not None and change < -ROI_FALL_WATCH:
            return "watch", (_("ROI {roi} is high but fell {fall} on last month", roi=value,
                               fall=fmt.percent(-change, 0)) if period == "month" else
                             _("ROI {roi} is high but fell {fall} on the previous week", roi=value,
                               fall=fmt.percent(-change, 0)))
        return "grow", _("ROI {roi} ≥ {grow} and holding{trend}", roi=value, grow=grow, trend=trend)
    return "watch", _("ROI {roi} between {floor} and {grow}{trend}", roi=value, floor=floor, grow=grow, trend=trend)


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
    ads_sql, params = slot(review, "ads")
    params["this_month"] = this_month
    frame = db.query_df(con, db.load_sql("traffic/roi_review").format(ads_where=ads_sql), params)
    columns = ["channel", "month", "spend", "attributed_gmv", "roi", "previous_spend", "previous_roi", "roi_change",
               "action", "reason"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame["month"] = f"{this_month:%Y-%m}"
    frame["roi"] = safe_ratio(frame["attributed_gmv"], frame["spend"])
    frame["previous_roi"] = safe_ratio(frame["previous_attributed_gmv"], frame["previous_spend"])
    frame["roi_change"] = safe_ratio(frame["roi"], frame["previous_roi"]) - 1
    floor = config.thresholds(con).roi_floor
    actions = [review_action(r, p, floor) for r, p in zip(frame["roi"], frame["previous_roi"])]
    frame["action"] = [action for action, _reason in actions]
    frame["reason"] = [reason for _action, reason in actions]
    order = {"cut": 0, "watch": 1, "grow": 2, "—": 3}
    frame = frame.assign(_o=frame["action"].map(order)).sort_values(["_o", "roi"]).drop(columns="_o")
    return frame[columns].reset_index(drop=True)
