"""The demand page's growth figures, computed in SQL, equal the previous pandas definitions on the demo database.

The reference functions below are the pandas post-processing the SQL replaced (kept verbatim, over the previous
aggregate queries), compared row by row for several filters — including one that keeps year-over-year figures and
one that drops them.
"""
from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from ecomops import db, derived, metrics
from ecomops.products import demand
from ecomops.filters import Filters, where
from ecomops.filters import slot

OLD_SEARCH_SQL = """
WITH k AS (
    SELECT {group_expr} AS key, k.category, k.day, k.searches, k.clicks, k.orders, k.gmv
    FROM search_keywords k
    WHERE {keyword_where}
      AND (k.day BETWEEN $prev_start AND $end OR k.day BETWEEN $yoy_start AND $yoy_end)
)
SELECT key,
       max(category)                                                             AS category,
       coalesce(sum(searches) FILTER (WHERE day >= $now_start), 0)              AS searches,
       coalesce(sum(searches) FILTER (WHERE day BETWEEN $prev_start AND $prev_end), 0) AS searches_prev,
       sum(searches) FILTER (WHERE day BETWEEN $yoy_start AND $yoy_end)         AS searches_yoy,
       coalesce(sum(clicks) FILTER (WHERE day >= $now_start), 0)                AS clicks,
       coalesce(sum(orders) FILTER (WHERE day >= $now_start), 0)                AS orders,
       coalesce(sum(gmv) FILTER (WHERE day >= $now_start), 0)                   AS gmv
FROM k
GROUP BY key
"""

OLD_CATEGORY_SQL = """
WITH lines AS (
    SELECT l.category, l.order_date, l.quantity, l.quantity * l.unit_price AS gmv
    FROM products_line_facts l
    WHERE l.status IN ('paid', 'shipped', 'completed', 'returned') AND l.quantity > 0
      AND (l.order_date BETWEEN $prev_start AND $end OR l.order_date BETWEEN $yoy_start AND $yoy_end)
      AND {order_where} AND {category_where}
)
SELECT category,
       coalesce(sum(gmv) FILTER (WHERE order_date >= $now_start), 0)                      AS gmv,
       coalesce(sum(gmv) FILTER (WHERE order_date BETWEEN $prev_start AND $prev_end), 0)  AS gmv_prev,
       sum(gmv) FILTER (WHERE order_date BETWEEN $yoy_start AND $yoy_end)                 AS gmv_yoy,
       coalesce(sum(quantity) FILTER (WHERE order_date >= $now_start), 0)                 AS units,
       coalesce(sum(quantity) FILTER (WHERE order_date BETWEEN $prev_start AND $prev_end), 0) AS units_prev
FROM lines
GROUP BY category
"""


def _rate(num, den):
    num, den = num.astype(float), den.astype(float)
    return (num / den.where(den > 0)).astype(float)


def _reaches_back(con, sql, day):
    first = db.query_one(con, sql)[0]
    return first is not None and first <= day


def _params(f):
    w = demand.windows(f)
    return w, {"now_start": w.now.start, "end": w.now.end, "prev_start": w.previous.start,
               "prev_end": w.previous.end, "yoy_start": w.year_ago.start, "yoy_end": w.year_ago.end}


def old_search_growth(con, f, by="keyword", min_searches=0):
    w, windows = _params(f)
    keyword_sql, params = where(f, category_col="k.category")
    params.update(windows)
    group = {"keyword": "k.keyword", "category": "coalesce(k.category, 'Uncategorised')"}[by]
    frame = db.query_df(con, OLD_SEARCH_SQL.format(group_expr=group, keyword_where=keyword_sql), params)
    if by == "category":
        frame = frame.drop(columns="category")
    frame = frame.rename(columns={"key": by})
    if not _reaches_back(con, "SELECT min(day) FROM search_keywords", w.year_ago.start):
        frame["searches_yoy"] = np.nan
    frame["growth"] = _rate(frame["searches"] - frame["searches_prev"], frame["searches_prev"])
    frame["yoy_growth"] = _rate(frame["searches"] - frame["searches_yoy"], frame["searches_yoy"])
    frame["is_new"] = (frame["searches_prev"] == 0) & (frame["searches"] > 0)
    frame["ctr"] = _rate(frame["clicks"], frame["searches"])
    frame["conversion"] = _rate(frame["orders"], frame["searches"])
    frame = frame[(frame["searches"] >= min_searches) & ((frame["searches"] > 0) | (frame["searches_prev"] > 0))]
    frame = frame.assign(_rank=frame["growth"].fillna(math.inf).where(frame["is_new"], frame["growth"]))
    # the old sort left ties in the query's (arbitrary) order; the key breaks them now
    return frame.sort_values(["_rank", "searches", by], ascending=[False, False, True], na_position="last") \
        .drop(columns="_rank").reset_index(drop=True)


def old_new_demand(con, f, min_growth=1.0, min_searches=50, max_products=2, candidates=200):
    growing = old_search_growth(con, f, "keyword", min_searches=min_searches)
    growing = growing[growing["is_new"] | (growing["growth"] >= min_growth)].head(candidates)
    counts = demand.matching_products(con, growing["keyword"].tolist())
    out = growing.merge(counts, on="keyword", how="left")
    out = out[out["matching_products"] <= max_products]
    cols = ["keyword", "category", "searches", "searches_prev", "growth", "is_new", "clicks", "orders",
            "conversion", "matching_products"]
    return out[cols].reset_index(drop=True)


def old_category_sales_growth(con, f):
    w, windows = _params(f)
    derived.ensure(con, derived.PRODUCTS_LINES)
    order_sql, params = slot(f, "lines", dates=False, categories=False)
    category_sql, cat_params = slot(f, "lines", dates=False, channels=False)
    params.update(cat_params)
    params.update(windows)
    frame = db.query_df(con, OLD_CATEGORY_SQL.format(order_where=order_sql, category_where=category_sql), params)
    if not _reaches_back(con, "SELECT min(order_date) FROM orders", w.year_ago.start):
        frame["gmv_yoy"] = np.nan
    frame["growth"] = _rate(frame["gmv"] - frame["gmv_prev"], frame["gmv_prev"])
    frame["yoy_growth"] = _rate(frame["gmv"] - frame["gmv_yoy"], frame["gmv_yoy"])
    frame["units_growth"] = _rate(frame["units"] - frame["units_prev"], frame["units_prev"])
    return frame.sort_values(["growth", "gmv", "category"], ascending=[False, False, True],
                             na_position="last").reset_index(drop=True)


@pytest.fixture(scope="module")
def demo(demo_db_path):
    con = db.connect(demo_db_path)
    span = metrics.data_range(con)
    late = Filters(span.end - timedelta(days=29), span.end)  # a year of data before it: year-over-year figures
    early = Filters(span.start, span.start + timedelta(days=40))  # nothing a year before: no year-over-year
    narrow = Filters(late.start, late.end, channels=("search", "douyin_live"), categories=("Pet", "Beauty"))
    return con, {"late": late, "early": early, "narrow": narrow}


def _same(new: pd.DataFrame, old: pd.DataFrame) -> None:
    assert not old.empty
    pd.testing.assert_frame_equal(new.reset_index(drop=True), old, check_dtype=False, check_exact=False,
                                  rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", ["late", "early", "narrow"])
@pytest.mark.parametrize("by,min_searches", [("keyword", 0), ("keyword", 50), ("category", 0)])
def test_search_growth_equals_the_pandas_definition(demo, name, by, min_searches):
    con, views = demo
    _same(demand.search_growth(con, views[name], by, min_searches=min_searches),
          old_search_growth(con, views[name], by, min_searches=min_searches))


def test_year_over_year_present_on_the_late_view(demo):
    con, views = demo
    assert demand.search_growth(con, views["late"])["yoy_growth"].notna().any()
    assert demand.search_growth(con, views["early"])["yoy_growth"].isna().all()


@pytest.mark.parametrize("name", ["late", "early", "narrow"])
@pytest.mark.parametrize("min_growth,max_products", [(1.0, 2), (0.0, 1000), (0.2, 5)])
def test_new_demand_equals_the_pandas_definition(demo, name, min_growth, max_products):
    con, views = demo
    new = demand.new_demand(con, views[name], min_growth=min_growth, min_searches=0, max_products=max_products)
    old = old_new_demand(con, views[name], min_growth=min_growth, min_searches=0, max_products=max_products)
    if old.empty:
        assert new.empty
    else:
        _same(new, old)


@pytest.mark.parametrize("name", ["late", "early", "narrow"])
def test_category_sales_growth_equals_the_pandas_definition(demo, name):
    con, views = demo
    _same(demand.category_sales_growth(con, views[name]), old_category_sales_growth(con, views[name]))


@pytest.mark.parametrize("name", ["late", "early", "narrow"])
def test_abc_cover_and_action_equal_the_pandas_definition(demo, name):
    """Days of cover (+inf with stock and no sales) and the action per class, now from SQL, as pandas derived them."""
    from ecomops.products import inventory

    con, views = demo
    abc = inventory.abc_table(con, views[name])
    assert list(abc.columns) == inventory.ABC_COLUMNS
    on_hand, daily = abc["on_hand"].astype(float), abc["daily_units"].astype(float)
    expected = (on_hand / daily.where(daily != 0)).mask(on_hand.notna() & (on_hand > 0) & (daily == 0), math.inf)
    assert np.isinf(expected).any() and np.isfinite(expected).any()
    pd.testing.assert_series_equal(abc["days_of_cover"].astype(float), expected, check_names=False)
    pd.testing.assert_series_equal(abc["action"], abc["abc_class"].map(inventory.ACTIONS), check_names=False,
                                   check_dtype=False)
