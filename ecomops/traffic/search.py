"""On-site search: keyword table (searches, clicks, CTR, orders, conversion, GMV, growth), core vs long-tail words,
and the organic search traffic trend.

Core vs long-tail rule (the page shows it too): a keyword is **core** when it is short — at most
``CORE_MAX_WORDS`` (2) word units — *and* carries at least ``CORE_MIN_SHARE`` (0.5%) of all searches in the range;
every other keyword is **long-tail** (a longer, more specific query such as "non-slip yoga mat for beginners", or a
rare one). Word units count Latin/number words, plus one unit per 2 Chinese characters (Chinese has no spaces and
most Chinese words are two characters): "yoga mat" = 2, "瑜伽垫" = 2 (core when frequent), "防滑瑜伽垫初学者" = 4
(long-tail). The class is computed over the chosen range and category filter.

Measures: CTR = clicks / searches; conversion = orders / searches (share of searches ending in an order);
growth = searches in the range / searches in the previous range of equal length − 1 (empty when the keyword had no
searches before: it is "new"). Organic search traffic = UV of the ``search`` channel in ``traffic_daily`` (summed
daily UV). The channel filter does not apply here (search data has no channel); the category filter does.
"""
from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from ecomops import db
from ecomops.filters import Filters, slot
from ecomops.i18n import _, fmt
from ecomops.traffic import _check_grain, grain_for, safe_ratio

CORE_MAX_WORDS = 2
CORE_MIN_SHARE = 0.005
RISING_MIN_SEARCHES = 20  # a keyword needs this many searches in the range to appear among the risers

KEYWORD_COLUMNS = ["keyword", "category", "kind", "words", "searches", "search_share", "clicks", "ctr", "orders",
                   "conversion_rate", "gmv", "previous_searches", "growth"]


def rule_text() -> str:
    """Return the core vs long-tail rule as the page states it, in the current language."""
    return _("Core = at most {words} word units (Latin words; every 2 Chinese characters count as one) and at least "
             "{share} of all searches in the range. Everything else is long-tail.",
             words=fmt.count(CORE_MAX_WORDS), share=fmt.percent(CORE_MIN_SHARE))


def keyword_table(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Return one row per keyword searched in the range, most searched first (columns: KEYWORD_COLUMNS)."""
    cur_sql, params = slot(f, "search")
    prev_sql, prev_params = slot(f.previous(), "search", prefix="prev_")
    params.update(prev_params)
    params.update(core_max_words=CORE_MAX_WORDS, core_min_share=CORE_MIN_SHARE)
    sql = db.load_sql("traffic/keywords").format(cur_where=cur_sql, prev_where=prev_sql)
    return db.query_df(con, sql, params)  # ratios and growth computed by the query


def kind_summary(keywords: pd.DataFrame) -> pd.DataFrame:
    """Return core vs long-tail totals: keywords, searches, share of searches, clicks, orders, GMV, CTR, conversion."""
    # plain groupby sums (the same sums as named aggregation, which costs ~5 ms more in argument handling)
    by_kind = keywords.groupby("kind", sort=True)
    grouped = by_kind[["searches", "clicks", "orders", "gmv"]].sum()
    grouped.insert(0, "keywords", by_kind["keyword"].count())
    grouped = grouped.reset_index()
    total = grouped["searches"].sum()
    grouped["search_share"] = grouped["searches"] / total if total else 0.0
    grouped["ctr"] = safe_ratio(grouped["clicks"], grouped["searches"])
    grouped["conversion_rate"] = safe_ratio(grouped["orders"], grouped["searches"])
    return grouped


def rising_keywords(keywords: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """Return the ``n`` fastest-growing keywords with at least RISING_MIN_SEARCHES searches (new ones excluded)."""
    eligible = keywords[(keywords["searches"] >= RISING_MIN_SEARCHES) & keywords["growth"].notna()]
    return eligible.sort_values("growth", ascending=False).head(n).reset_index(drop=True)


def search_trend(con: duckdb.DuckDBPyConnection, f: Filters, core_keywords: tuple[str, ...] = (),
                 grain: str | None = None) -> dict[str, Any]:
    """Return {"trend": per bucket search UV and core / long-tail searches, "totals": period totals and changes}.

    ``totals`` holds search_uv, searches, core_searches, long_tail_searches for the range, the previous range and the
    relative change (None when undefined). ``core_keywords``: the core keywords of :func:`keyword_table`.
    """
    grain = _check_grain(grain or grain_for(f))
    span = f.with_range(f.previous().start, f.end)
    kw_sql, params = slot(span, "search")
    uv_sql, uv_params = slot(span, "traffic", channels=False)
    params.update(uv_params)
    params.update(current_start=f.start, core=list(core_keywords))
    sql = db.load_sql("traffic/search_trend").format(grain=grain, kw_where=kw_sql, uv_where=uv_sql)
    raw = db.query_df(con, sql, params)  # period totals first (bucket NULL), then the buckets in order
    is_total = raw["bucket"].isna().to_numpy()
    trend = raw.loc[~is_total, ["bucket", "core_searches", "long_tail_searches", "search_uv", "searches"]]
    trend = trend.reset_index(drop=True)
    trend["bucket"] = pd.to_datetime(trend["bucket"])
    by_period = {row["period"]: row for row in raw.loc[is_total].to_dict("records")}
    totals: dict[str, Any] = {}
    for col in ("search_uv", "searches", "core_searches", "long_tail_searches"):
        now = by_period.get("current", {}).get(col)
        before = by_period.get("previous", {}).get(col)
        now = None if now is None or pd.isna(now) else float(now)
        before = None if before is None or pd.isna(before) else float(before)
        totals[col] = now
        totals[f"previous_{col}"] = before
        totals[f"{col}_change"] = now / before - 1 if now is not None and before else None
    return {"trend": trend, "totals": totals, "grain": grain}


def search_overview(con: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, Any]:
    """Return everything the search page shows: keyword table, core/long-tail summary, risers, trend and totals."""
    keywords = keyword_table(con, f)
    core = tuple(keywords.loc[keywords["kind"] == "core", "keyword"])
    trend = search_trend(con, f, core)
    return {"keywords": keywords, "kinds": kind_summary(keywords), "rising": rising_keywords(keywords),
            "trend": trend["trend"], "totals": trend["totals"], "grain": trend["grain"]}


def keywords_of_kind(keywords: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Return the keyword rows of one class ("core" or "long-tail"); any other value returns them all."""
    return keywords[keywords["kind"] == kind] if kind in ("core", "long-tail") else keywords
