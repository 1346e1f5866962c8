"""Traffic area: channels and ROI, ads, search keywords, campaigns, the funnel and scroll depth.

This module holds what the traffic modules share: which tables are present and the upload each needs (the pages'
empty states), the trend grain and a safe ratio (the SQL filter slots are ``ecomops.filters.sales_slots``). The
domain lives in ``channels`` (channels, GMV share, the monthly ROI review), ``ads``, ``search``,
``campaigns`` and ``funnel``.
"""
from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from ecomops import db
from ecomops.filters import Filters
from ecomops.i18n import N_, _

GRAINS = ("day", "week", "month")

# Tables each traffic view needs, with the sentence naming the upload that fills them (the pages' empty states).
UPLOAD_HINTS = {
    "orders": N_("No orders data yet: upload an orders export on Data → Upload."),
    "traffic_daily": N_("No traffic daily data yet: upload a daily traffic export (UV by day, channel and device) on "
                        "Data → Upload."),
    "traffic_sessions": N_("No traffic sessions data yet: upload a session-level traffic export (e.g. the UCI Online "
                           "Shoppers Intention CSV) on Data → Upload."),
    "ad_spend": N_("No ad spend data yet: upload an ad spend export (spend, clicks and attributed GMV by day, "
                   "channel, campaign and audience) on Data → Upload."),
    "search_keywords": N_("No search keywords data yet: upload a search keyword export (searches, clicks, orders and "
                          "GMV by day and keyword) on Data → Upload."),
    "campaigns": N_("No campaigns data yet: upload a campaign calendar (name, kind, start, end, pre-sale start) on "
                    "Data → Upload."),
    "scroll_depth": N_("No scroll depth data yet: upload a scroll-depth export (detail-page visitors reaching each "
                       "screen, by day and device) on Data → Upload."),
}


def upload_hint(table: str) -> str:
    """Return the empty-state sentence naming the upload that fills ``table``, in the current language."""
    return _(UPLOAD_HINTS[table])


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


