"""Ads: spend, impressions, clicks, CTR, CPC, attributed GMV and ROI by campaign, audience, channel and over time
(METRICS.md: ROI = attributed GMV / ad spend; ROI below the floor is flagged), and the best and worst audiences."""
from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from ecomops import config, db
from ecomops.filters import Filters, slot
from ecomops.traffic import _check_grain, grain_for

BEST_WORST_MIN_SPEND_SHARE = 0.02  # audiences under 2% of spend are too small to call best or worst


AD_COLUMNS = ["key", "spend", "spend_share", "impressions", "clicks", "ctr", "cpc", "attributed_gmv", "roi",
              "roi_flag"]


def ads_overview(con: duckdb.DuckDBPyConnection, f: Filters, grain: str | None = None) -> dict[str, Any]:
    """Return ad performance from one query: {"total": dict, "campaign"/"audience"/"channel"/"trend": DataFrames}.

    Each frame has key, spend, spend_share, impressions, clicks, ctr (clicks / impressions), cpc (spend / clicks),
    attributed_gmv, roi (attributed GMV / spend) and roi_flag (ROI below the floor in force); frames are sorted by spend, the trend by
    bucket (``key`` is then the bucket's first day). The measures come computed from the query (traffic_ads.sql).
    """
    grain = _check_grain(grain or grain_for(f))
    ads_sql, params = slot(f, "ads")
    raw = db.query_df(con, db.load_sql("traffic/ads").format(grain=grain, ads_where=ads_sql),
                      dict(params, roi_floor=config.thresholds(con).roi_floor))
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
