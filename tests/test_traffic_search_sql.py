"""The search page's figures, now computed by its queries, equal the previous pandas definitions on the demo database.

The reference below is the previous code verbatim: the previous keyword and trend queries with their pandas
post-processing (ratios, growth, the core / long-tail summary, the trend's totals), compared for several filters.
"""
from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from ecomops import db, metrics
from ecomops.traffic import search
from ecomops.filters import Filters, default_filters, where
from ecomops.traffic import _check_grain, grain_for, safe_ratio

OLD_KEYWORDS_SQL = r"""
WITH cur AS (
    SELECT s.keyword, max(s.category) AS category, sum(s.searches) AS searches, sum(s.clicks) AS clicks,
           sum(s.orders) AS orders, sum(s.gmv) AS gmv
    FROM search_keywords s WHERE {cur_where}
    GROUP BY s.keyword
),
prev AS (
    SELECT s.keyword, sum(s.searches) AS previous_searches
    FROM search_keywords s WHERE {prev_where}
    GROUP BY s.keyword
),
measured AS (
    SELECT cur.*, prev.previous_searches,
           searches / nullif(sum(searches) OVER (), 0) AS search_share,
           CAST(len(regexp_extract_all(regexp_replace(cur.keyword, '\p{{Han}}', ' ', 'g'), '[\p{{L}}\p{{N}}]+'))
                + ceil(length(regexp_replace(cur.keyword, '[^\p{{Han}}]', '', 'g')) / 2) AS INTEGER) AS words
    FROM cur LEFT JOIN prev ON prev.keyword = cur.keyword
)
SELECT keyword, category,
       CASE WHEN words <= $core_max_words AND search_share >= $core_min_share THEN 'core' ELSE 'long-tail' END AS kind,
       words, searches, search_share, clicks, orders, gmv, previous_searches
FROM measured
ORDER BY searches DESC, keyword
"""

OLD_TREND_SQL = """
WITH kw AS (
    SELECT CASE WHEN s.day >= $current_start THEN date_trunc('{grain}', s.day) END AS bucket,
           CASE WHEN s.day >= $current_start THEN 'current' ELSE 'previous' END AS period,
           s.searches, list_contains($core, s.keyword) AS is_core
    FROM search_keywords s WHERE {kw_where}
),
kw_agg AS (
    SELECT bucket, period, grouping(bucket) AS g,
           sum(searches) FILTER (WHERE is_core) AS core_searches,
           sum(searches) FILTER (WHERE NOT is_core) AS long_tail_searches
    FROM kw GROUP BY GROUPING SETS ((bucket), (period))
),
uv AS (
    SELECT CASE WHEN t.day >= $current_start THEN date_trunc('{grain}', t.day) END AS bucket,
           CASE WHEN t.day >= $current_start THEN 'current' ELSE 'previous' END AS period, t.uv
    FROM traffic_daily t WHERE t.channel = 'search' AND {uv_where}
),
uv_agg AS (
    SELECT bucket, period, grouping(bucket) AS g, sum(uv) AS search_uv
    FROM uv GROUP BY GROUPING SETS ((bucket), (period))
),
both_sides AS (
    SELECT bucket, period, g, core_searches, long_tail_searches, NULL::HUGEINT AS search_uv FROM kw_agg
    UNION ALL
    SELECT bucket, period, g, NULL, NULL, search_uv FROM uv_agg
)
SELECT CAST(bucket AS DATE) AS bucket, period,
       sum(core_searches) AS core_searches, sum(long_tail_searches) AS long_tail_searches,
       sum(search_uv) AS search_uv
FROM both_sides
-- rows of the (bucket) set whose bucket is NULL hold the previous range: its totals come from the (period) set
WHERE NOT (g = 0 AND bucket IS NULL)
GROUP BY bucket, period
ORDER BY bucket NULLS FIRST, period
"""


def old_keyword_table(con, f):
    cur_sql, params = where(f, date_col="s.day", category_col="s.category")
    prev_sql, prev_params = where(f.previous(), date_col="s.day", category_col="s.category", prefix="prev_")
    params.update(prev_params)
    params.update(core_max_words=search.CORE_MAX_WORDS, core_min_share=search.CORE_MIN_SHARE)
    frame = db.query_df(con, OLD_KEYWORDS_SQL.format(cur_where=cur_sql, prev_where=prev_sql), params)
    for col in ("searches", "clicks", "orders", "gmv", "previous_searches"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    frame["ctr"] = safe_ratio(frame["clicks"], frame["searches"])
    frame["conversion_rate"] = safe_ratio(frame["orders"], frame["searches"])
    frame["growth"] = safe_ratio(frame["searches"], frame["previous_searches"]) - 1
    return frame[search.KEYWORD_COLUMNS]


def old_kind_summary(keywords):
    grouped = keywords.groupby("kind", as_index=False).agg(
        keywords=("keyword", "count"), searches=("searches", "sum"), clicks=("clicks", "sum"),
        orders=("orders", "sum"), gmv=("gmv", "sum"))
    total = grouped["searches"].sum()
    grouped["search_share"] = grouped["searches"] / total if total else 0.0
    grouped["ctr"] = safe_ratio(grouped["clicks"], grouped["searches"])
    grouped["conversion_rate"] = safe_ratio(grouped["orders"], grouped["searches"])
    return grouped


def old_search_trend(con, f, core_keywords=()):
    grain = _check_grain(grain_for(f))
    span = f.with_range(f.previous().start, f.end)
    kw_sql, params = where(span, date_col="s.day", category_col="s.category")
    uv_sql, uv_params = where(span, date_col="t.day")
    params.update(uv_params)
    params.update(current_start=f.start, core=list(core_keywords))
    raw = db.query_df(con, OLD_TREND_SQL.format(grain=grain, kw_where=kw_sql, uv_where=uv_sql), params)
    for col in ("core_searches", "long_tail_searches", "search_uv"):
        raw[col] = pd.to_numeric(raw[col], errors="coerce").astype("float64")
    raw["searches"] = raw[["core_searches", "long_tail_searches"]].sum(axis=1, min_count=1)
    trend = raw[raw["bucket"].notna()].drop(columns="period").copy()
    trend["bucket"] = pd.to_datetime(trend["bucket"])
    trend = trend.sort_values("bucket").reset_index(drop=True)
    totals = {}
    by_period = raw[raw["bucket"].isna()].set_index("period")
    for col in ("search_uv", "searches", "core_searches", "long_tail_searches"):
        now = by_period[col].get("current") if "current" in by_period.index else None
        before = by_period[col].get("previous") if "previous" in by_period.index else None
        now = None if now is None or pd.isna(now) else float(now)
        before = None if before is None or pd.isna(before) else float(before)
        totals[col] = now
        totals[f"previous_{col}"] = before
        totals[f"{col}_change"] = now / before - 1 if now is not None and before else None
    return trend, totals


@pytest.fixture(scope="module")
def demo(demo_db_path):
    con = db.connect(demo_db_path)
    span = metrics.data_range(con)
    return con, {
        "default": default_filters(span.start, span.end),
        "first_days": Filters(span.start, span.start + timedelta(days=20)),  # no previous range: growth empty
        "pets": Filters(span.end - timedelta(days=90), span.end, categories=("Pet", "Sports")),
        "all": Filters(span.start, span.end),
    }


@pytest.mark.parametrize("name", ["default", "first_days", "pets", "all"])
def test_search_overview_equals_the_pandas_definition(demo, name):
    con, views = demo
    f = views[name]
    new = search.search_overview(con, f)
    keywords = old_keyword_table(con, f)
    assert not keywords.empty
    pd.testing.assert_frame_equal(new["keywords"], keywords, check_exact=True)
    pd.testing.assert_frame_equal(new["kinds"], old_kind_summary(keywords), check_exact=True)
    pd.testing.assert_frame_equal(new["rising"], search.rising_keywords(keywords), check_exact=True)
    trend, totals = old_search_trend(con, f, tuple(keywords.loc[keywords["kind"] == "core", "keyword"]))
    assert not trend.empty
    pd.testing.assert_frame_equal(new["trend"], trend, check_exact=True)
    assert new["totals"] == totals


def test_growth_is_present_and_missing_where_expected(demo):
    con, views = demo
    assert search.search_overview(con, views["default"])["keywords"]["growth"].notna().any()
    assert search.search_overview(con, views["first_days"])["keywords"]["growth"].isna().all()
