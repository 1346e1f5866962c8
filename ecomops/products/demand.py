"""Rising demand: keywords and categories by search growth, new-demand queries, category sales growth, niche items.

Windows, all ending on the sidebar's end date: "last 4 weeks" = the 28 days to the end date, "previous 4 weeks" =
the 28 days before, "a year earlier" = the same 28 days 52 weeks (364 days, same weekdays) before — only when the
data reaches back that far, else year-over-year figures are None. Search data has no channel, so only the category
filter applies to it; sales figures use the channel and category filters.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from ecomops import db, derived
from ecomops.filters import Filters, slot, where
from ecomops.i18n import _, fmt
from ecomops.products import Window, shifted, trailing

GROWTH_DAYS = 28
YEAR_DAYS = 364
# Grouping expressions for the search query (identifiers come only from this whitelist).
_SEARCH_GROUPS = {"keyword": "k.keyword", "category": "coalesce(k.category, 'Uncategorised')"}


@dataclass(frozen=True)
class DemandWindows:
    """The three windows compared on the demand page."""

    now: Window
    previous: Window
    year_ago: Window

    def caption(self) -> str:
        """Return the sentence naming the windows, in the current language."""
        return _("Last 4 weeks {now} vs previous 4 weeks {previous}, and vs the same weeks a year earlier {year_ago} "
                 "when the data reaches back that far.", now=self.now.label(),
                 previous=fmt.date_range(self.previous.start, self.previous.end),
                 year_ago=fmt.date_range(self.year_ago.start, self.year_ago.end))


def windows(f: Filters) -> DemandWindows:
    """Return the last-4-weeks, previous-4-weeks and year-earlier windows ending on the sidebar end date."""
    now = trailing(f.end, GROWTH_DAYS)
    return DemandWindows(now, shifted(now, GROWTH_DAYS), shifted(now, YEAR_DAYS))


def _window_params(w: DemandWindows) -> dict[str, date]:
    return {"now_start": w.now.start, "end": w.now.end, "prev_start": w.previous.start, "prev_end": w.previous.end,
            "yoy_start": w.year_ago.start, "yoy_end": w.year_ago.end}


def _search_growth_sql(f: Filters, by: str, min_searches: int) -> tuple[str, dict[str, object]]:
    """Return the search-growth query grouped by ``by`` ("keyword" or "category") and its parameters."""
    if by not in _SEARCH_GROUPS:
        raise ValueError(f"cannot group search demand by {by!r}")
    keyword_sql, params = where(f, category_col="k.category")
    params.update(_window_params(windows(f)))
    params["min_searches"] = min_searches
    sql = db.load_sql("products/search_growth").format(
        group_expr=_SEARCH_GROUPS[by], key_name=by, category_column=", category" if by == "keyword" else "",
        keyword_where=keyword_sql)
    return sql, params


def search_growth(con: duckdb.DuckDBPyConnection, f: Filters, by: str = "keyword",
                  min_searches: int = 0) -> pd.DataFrame:
    """Return keywords (or categories) with searches now/previous/a year ago, growth, YoY growth, CTR, conversion.

    Sorted by growth (fastest first; queries new this period, with no previous searches, lead). Conversion here is
    orders / searches, CTR clicks / searches. ``min_searches`` applies to the last 4 weeks. One query
    (products_search_growth.sql) computes, filters and sorts it all.
    """
    sql, params = _search_growth_sql(f, by, min_searches)
    return db.query_df(con, sql, params)


def matching_products(con: duckdb.DuckDBPyConnection, keywords: list[str]) -> pd.DataFrame:
    """Return, per keyword, how many catalogue products match it (every word of it in the title or description)."""
    if not keywords:
        return pd.DataFrame(columns=["keyword", "matching_products"])
    sql = db.load_sql("products/keyword_matches").format(keywords="SELECT DISTINCT unnest($keywords) AS keyword")
    return db.query_df(con, sql, {"keywords": list(keywords)})


def new_demand(con: duckdb.DuckDBPyConnection, f: Filters, min_growth: float = 1.0, min_searches: int = 50,
               max_products: int = 2, candidates: int = 200) -> pd.DataFrame:
    """Return fast-growing queries (growth >= min_growth, or new) with few matching products: unmet demand.

    Only the ``candidates`` fastest-growing queries are matched against the catalogue (a bound on the text join).
    One query (products_new_demand.sql over products_search_growth.sql); the matching rule is
    :func:`matching_products`'.
    """
    growth_sql, params = _search_growth_sql(f, "keyword", min_searches)
    params.update(min_growth=min_growth, candidates=candidates, max_products=max_products)
    matches = db.load_sql("products/keyword_matches").format(keywords="SELECT keyword FROM growing")
    sql = db.load_sql("products/new_demand").format(search_growth=growth_sql, keyword_matches=matches)
    return db.query_df(con, sql, params)


def category_sales_growth(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Return per category GMV and units in the last 4 weeks vs the previous 4 and a year earlier, fastest first."""
    w = windows(f)
    derived.ensure(con, derived.PRODUCTS_LINES)
    order_sql, params = slot(f, "lines", dates=False, categories=False)
    category_sql, cat_params = slot(f, "lines", dates=False, channels=False)
    params.update(cat_params)
    params.update(_window_params(w))
    sql = db.load_sql("products/category_sales").format(order_where=order_sql, category_where=category_sql)
    return db.query_df(con, sql, params)


NICHE_WEEKS = 12


def niche_products(con: duckdb.DuckDBPyConnection, f: Filters, weeks: int = NICHE_WEEKS, min_week_share: float = 0.75,
                   max_cv: float = 0.5) -> pd.DataFrame:
    """Return niche items: price in their category's top quarter, low volume, selling steadily week after week.

    Over the ``weeks`` weeks to the end date: sold in at least ``min_week_share`` of the weeks, coefficient of
    variation of weekly units at most the category median (or at most ``max_cv``), units at most the category
    median (categories of 4+ products sold).
    """
    window = trailing(f.end, 7 * weeks)
    derived.ensure(con, derived.PRODUCTS_LINES)
    order_sql, params = slot(f, "lines", dates=False, categories=False)
    category_sql, cat_params = slot(f, "lines", dates=False, channels=False)
    params.update(cat_params)
    params.update(start=window.start, end=window.end, weeks=float(weeks), min_weeks=math.ceil(min_week_share * weeks),
                  max_cv=max_cv)
    sql = db.load_sql("products/niche").format(order_where=order_sql, category_where=category_sql)
    return db.query_df(con, sql, params)


def niche_caption(f: Filters, weeks: int = NICHE_WEEKS) -> str:
    """Return the sentence naming the niche window and rule, in the current language."""
    window = trailing(f.end, 7 * weeks)
    return _("Over {window}: price in the top quarter of its category, units at most the category median, sold in at "
             "least 3 of every 4 weeks, weekly units no more variable than the category's typical product.",
             window=window.label())
