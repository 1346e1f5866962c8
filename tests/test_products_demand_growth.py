"""Demand growth on hand-built rows placed on the window edges: search growth by keyword and category, the
min-searches and category filters, year-over-year present or not, ties, new demand's thresholds and candidate limit,
category sales growth with the channel and category filters, zero denominators.

End date 2024-03-31: now = 03-04..03-31, previous = 02-05..03-03, a year earlier = 2023-03-06..2023-04-02
(the now window moved 364 days back). The sidebar start date plays no part.
"""
from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from ecomops.filters import Filters
from ecomops.products import demand
from tests.test_products_fixtures import add_order, new_store

END = date(2024, 3, 31)
F = Filters(date(2024, 3, 30), END)  # a 2-day sidebar range: the windows still cover 4 weeks each
NAN = float("nan")


def test_windows():
    w = demand.windows(F)
    assert (w.now.start, w.now.end) == (date(2024, 3, 4), END)
    assert (w.previous.start, w.previous.end) == (date(2024, 2, 5), date(2024, 3, 3))
    assert (w.year_ago.start, w.year_ago.end) == (date(2023, 3, 6), date(2023, 4, 2))


# (day, keyword, category, searches, clicks, orders, gmv)
SEARCHES = [
    ("2024-03-04", "alpha", "Pet", 30, 6, 3, 300.0),        # first day of now
    ("2024-03-03", "alpha", "Pet", 10, 1, 0, 0.0),          # last day of previous
    ("2023-03-06", "alpha", "Pet", 15, 1, 0, 0.0),          # first day of a year earlier (= first day of data)
    ("2024-03-31", "beta", "Pet", 60, 30, 6, 600.0),        # last day of now
    ("2024-02-05", "beta", "Pet", 20, 2, 1, 10.0),          # first day of previous
    ("2023-04-02", "beta", "Pet", 0, 0, 0, 0.0),            # last day a year earlier, no searches
    ("2024-03-20", "gamma", "Pet", 30, 3, 0, 0.0),
    ("2024-02-20", "gamma", "Pet", 10, 1, 0, 0.0),
    ("2024-02-20", "delta", "Home", 40, 4, 1, 50.0),        # previous only: searches now 0
    ("2024-03-10", "epsilon", None, 5, None, None, None),   # new, no category, clicks/orders/GMV unknown
    ("2024-02-04", "zeta", "Home", 999, 9, 9, 9.0),         # the day before previous: outside every window
    ("2023-03-20", "eta", "Sports", 70, 7, 7, 70.0),        # a year earlier only: never listed
]
PRODUCTS = [("P1", "Alpha widget", "Pet", 10.0), ("P2", "Beta gadget", "Pet", 10.0), ("P3", "beta tool", "Pet", 10.0),
            ("P4", "Gamma lamp", "Home", 10.0), ("P5", "Gamma hat", "Home", 10.0), ("P6", "GAMMA ray", "Home", 10.0)]


@pytest.fixture(scope="module")
def searches():  # read-only: built once
    con = new_store(PRODUCTS)
    con.executemany("INSERT INTO search_keywords (day, keyword, category, searches, clicks, orders, gmv) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)", SEARCHES)
    yield con
    con.close()


def test_search_growth_by_keyword(searches):
    table = demand.search_growth(searches, F)
    assert list(table.columns) == ["keyword", "category", "searches", "searches_prev", "searches_yoy", "clicks",
                                   "orders", "gmv", "growth", "yoy_growth", "is_new", "ctr", "conversion"]
    # epsilon is new (leads); beta, alpha and gamma tie at +200%: more searches first (beta 60), then by name
    # (alpha before gamma, both 30); delta fell to 0 (-100%). zeta and eta have no searches now or before.
    assert table["keyword"].tolist() == ["epsilon", "beta", "alpha", "gamma", "delta"]
    rows = table.set_index("keyword")
    assert rows["searches"].tolist() == [5, 60, 30, 30, 0]
    assert rows["searches_prev"].tolist() == [0, 20, 10, 10, 40]
    # growth: epsilon none (nothing before); (60-20)/20 = 2; (30-10)/10 = 2; (30-10)/10 = 2; (0-40)/40 = -1
    assert rows["growth"].tolist() == pytest.approx([NAN, 2.0, 2.0, 2.0, -1.0], nan_ok=True)
    assert rows["is_new"].tolist() == [True, False, False, False, False]
    assert pd.isna(rows.loc["epsilon", "category"]) and rows.loc["beta", "category"] == "Pet"


def test_year_over_year_figures(searches):
    rows = demand.search_growth(searches, F).set_index("keyword")
    # the data starts on 2023-03-06 = the first year-ago day, so year-over-year figures are given:
    # alpha 15 a year ago -> (30-15)/15 = 1.0; beta 0 -> no growth (zero denominator); gamma, delta, epsilon: no rows
    assert rows["searches_yoy"].to_dict() == pytest.approx(
        {"epsilon": NAN, "beta": 0, "alpha": 15, "gamma": NAN, "delta": NAN}, nan_ok=True)
    assert rows["yoy_growth"].to_dict() == pytest.approx(
        {"epsilon": NAN, "beta": NAN, "alpha": 1.0, "gamma": NAN, "delta": NAN}, nan_ok=True)


def test_no_year_over_year_one_day_short(searches):
    # end 03-30: the year-ago window starts 2023-03-05, a day before the data: every year-over-year figure is empty
    table = demand.search_growth(searches, Filters(date(2024, 3, 30), date(2024, 3, 30)))
    assert table["searches_yoy"].isna().all() and table["yoy_growth"].isna().all()
    assert "alpha" in set(table["keyword"])


def test_click_through_and_conversion(searches):
    rows = demand.search_growth(searches, F).set_index("keyword")
    # alpha 6 clicks, 3 orders / 30 searches; beta 30, 6 / 60; epsilon's unknown clicks and orders count as 0;
    # delta has no searches now: no rate (zero denominator)
    assert rows["ctr"].to_dict() == pytest.approx(
        {"epsilon": 0.0, "beta": 0.5, "alpha": 0.2, "gamma": 0.1, "delta": NAN}, nan_ok=True)
    assert rows["conversion"].to_dict() == pytest.approx(
        {"epsilon": 0.0, "beta": 0.1, "alpha": 0.1, "gamma": 0.0, "delta": NAN}, nan_ok=True)
    assert (rows.loc["epsilon", "clicks"], rows.loc["epsilon", "gmv"]) == (0, 0)
    assert rows.loc["beta", "gmv"] == 600.0  # now only: previous 10 and year-ago 0 are not added


def test_search_growth_by_category(searches):
    table = demand.search_growth(searches, F, by="category")
    assert list(table.columns)[:3] == ["category", "searches", "searches_prev"]  # no second category column
    # Uncategorised (epsilon) is new; Pet now 30 + 60 + 30 = 120, before 10 + 20 + 10 = 40 -> +200%, a year ago
    # 15 + 0 = 15 -> (120-15)/15 = 7.0; Home now 0 (zeta is outside), before 40 -> -100%; Sports (eta) not listed
    assert table["category"].tolist() == ["Uncategorised", "Pet", "Home"]
    rows = table.set_index("category")
    assert rows["searches"].tolist() == [5, 120, 0]
    assert rows["growth"].tolist() == pytest.approx([NAN, 2.0, -1.0], nan_ok=True)
    assert rows.loc["Pet", "yoy_growth"] == pytest.approx(7.0)
    assert rows.loc["Pet", "ctr"] == pytest.approx((6 + 30 + 3) / 120)


def test_unknown_grouping_is_refused(searches):
    with pytest.raises(ValueError, match="cannot group"):
        demand.search_growth(searches, F, by="keyword; DROP TABLE search_keywords")


@pytest.mark.parametrize("min_searches, keywords", [
    (0, ["epsilon", "beta", "alpha", "gamma", "delta"]),
    (5, ["epsilon", "beta", "alpha", "gamma"]),    # at least 5 now: epsilon's 5 is enough, delta's 0 is not
    (30, ["beta", "alpha", "gamma"]),              # 30 is enough
    (31, ["beta"]),
    (61, []),
])
def test_min_searches_applies_to_the_last_4_weeks(searches, min_searches, keywords):
    assert demand.search_growth(searches, F, min_searches=min_searches)["keyword"].tolist() == keywords


def test_category_filter_applies_and_channel_filter_does_not(searches):
    home = demand.search_growth(searches, Filters(F.start, F.end, categories=("Home",)))
    assert home["keyword"].tolist() == ["delta"]
    any_channel = demand.search_growth(searches, Filters(F.start, F.end, channels=("no such channel",)))
    assert any_channel["keyword"].tolist() == ["epsilon", "beta", "alpha", "gamma", "delta"]  # search has no channel


def test_matching_products(searches):
    # every word of the keyword in the title or description, case-insensitive (GAMMA ray counts)
    counts = demand.matching_products(searches, ["alpha", "beta", "gamma", "epsilon", "beta tool"])
    assert counts.set_index("keyword")["matching_products"].to_dict() == {
        "alpha": 1, "beta": 2, "gamma": 3, "epsilon": 0, "beta tool": 1}
    assert demand.matching_products(searches, []).empty


@pytest.mark.parametrize("kwargs, keywords", [
    # growing = new or growth >= min_growth: epsilon (new), beta, alpha, gamma (+200%); delta (-100%) never.
    # matching products: epsilon 0, beta 2, alpha 1, gamma 3
    (dict(min_growth=2.0, max_products=2), ["epsilon", "beta", "alpha"]),          # gamma has 3 products
    (dict(min_growth=2.0, max_products=3), ["epsilon", "beta", "alpha", "gamma"]),  # at most 3: inclusive
    (dict(min_growth=2.0001, max_products=3), ["epsilon"]),                        # +200% is under the bar
    (dict(min_growth=2.0, max_products=0), ["epsilon"]),
    # only the 2 fastest candidates (epsilon, beta) are matched: alpha never reaches the match
    (dict(min_growth=2.0, max_products=2, candidates=2), ["epsilon", "beta"]),
    (dict(min_growth=2.0, max_products=1, candidates=2), ["epsilon"]),
    (dict(min_growth=-1.0, max_products=0), ["epsilon", "delta"]),                 # -100% reaches a -1 bar
    (dict(min_growth=2.0, max_products=3, min_searches=30), ["beta", "alpha", "gamma"]),
    (dict(min_growth=2.0, max_products=3, min_searches=1000), []),
])
def test_new_demand(searches, kwargs, keywords):
    kwargs.setdefault("min_searches", 0)
    found = demand.new_demand(searches, F, **kwargs)
    assert list(found.columns) == ["keyword", "category", "searches", "searches_prev", "growth", "is_new", "clicks",
                                   "orders", "conversion", "matching_products"]
    assert found["keyword"].tolist() == keywords


def test_new_demand_row(searches):
    row = demand.new_demand(searches, F, min_growth=2.0, min_searches=0, max_products=2).set_index("keyword")
    assert row.loc["beta"].to_dict() == pytest.approx({
        "category": "Pet", "searches": 60, "searches_prev": 20, "growth": 2.0, "is_new": False, "clicks": 30,
        "orders": 6, "conversion": 0.1, "matching_products": 2})  # 6 orders / 60 searches


# --- category sales growth -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sales():  # read-only: built once
    con = new_store([("K", "Kettle", "Kitchen", 10.0), ("A", "Apron", "Apparel", 5.0), ("T", "Top", "Toys", 100.0),
                     ("G", "Gnome", "Garden", 10.0), ("B", "Balm", "Beauty", 25.0)])
    add_order(con, "K1", date(2024, 3, 4), [("K", 2, 10.0)])                          # now 20
    add_order(con, "K2", date(2024, 3, 31), [("K", 1, 30.0), ("K", -1, 30.0)], channel="paid_ads")  # now 30; -1 no sale
    add_order(con, "K3", date(2024, 3, 3), [("K", 1, 25.0)])                          # previous 25
    add_order(con, "K4", date(2024, 3, 10), [("K", 100, 10.0)], status="cancelled")   # never counts
    add_order(con, "K5", date(2024, 2, 4), [("K", 50, 10.0)])                         # before previous: ignored
    add_order(con, "K6", date(2023, 3, 6), [("K", 1, 25.0)])                          # a year earlier 25
    add_order(con, "A1", date(2024, 3, 10), [("A", 4, 5.0)])                          # now 20, 4 units
    add_order(con, "A2", date(2024, 2, 5), [("A", 2, 10.0)])                          # previous 20, 2 units
    add_order(con, "T1", date(2024, 3, 15), [("T", 1, 100.0)])                        # now only
    add_order(con, "G1", date(2024, 2, 20), [("G", 3, 10.0)])                         # previous only
    add_order(con, "B1", date(2024, 3, 20), [("B", 2, 25.0)])                         # now 50
    add_order(con, "B2", date(2024, 3, 1), [("B", 1, 25.0)])                          # previous 25
    yield con
    con.close()


def test_category_sales_growth(sales):
    table = demand.category_sales_growth(sales, F)
    assert list(table.columns) == ["category", "gmv", "gmv_prev", "gmv_yoy", "units", "units_prev", "growth",
                                   "yoy_growth", "units_growth"]
    # Beauty (50 vs 25) and Kitchen (20 + 30 = 50 vs 25) both +100% with GMV 50: by name. Apparel 20 vs 20: 0.
    # Garden 0 vs 30: -100%. Toys 100 vs nothing: no growth, last.
    assert table["category"].tolist() == ["Beauty", "Kitchen", "Apparel", "Garden", "Toys"]
    rows = table.set_index("category")
    assert rows["gmv"].tolist() == [50, 50, 20, 0, 100]
    assert rows["gmv_prev"].tolist() == [25, 25, 20, 30, 0]
    assert rows["growth"].tolist() == pytest.approx([1.0, 1.0, 0.0, -1.0, NAN], nan_ok=True)
    # units: Beauty 2 vs 1; Kitchen 2 + 1 = 3 vs 1; Apparel 4 vs 2; Garden 0 vs 3; Toys 1 vs 0
    assert rows["units"].tolist() == [2, 3, 4, 0, 1] and rows["units_prev"].tolist() == [1, 1, 2, 3, 0]
    assert rows["units_growth"].tolist() == pytest.approx([1.0, 2.0, 1.0, -1.0, NAN], nan_ok=True)
    # orders reach back to 2023-03-06 = the first year-ago day: Kitchen 25 a year ago -> (50-25)/25 = 1.0;
    # the other categories sold nothing then: no figure
    assert rows.loc["Kitchen", ["gmv_yoy", "yoy_growth"]].tolist() == [25, 1.0]
    assert rows.drop(index="Kitchen")["gmv_yoy"].isna().all()


def test_category_sales_without_year_over_year(sales):
    table = demand.category_sales_growth(sales, Filters(date(2024, 3, 30), date(2024, 3, 30)))
    assert table["gmv_yoy"].isna().all()  # end 03-30: the year-ago window starts 2023-03-05, before any order


def test_category_sales_channel_and_category_filters(sales):
    search_only = demand.category_sales_growth(sales, Filters(F.start, F.end, channels=("search",)))
    kitchen = search_only.set_index("category").loc["Kitchen"]
    assert (kitchen["gmv"], kitchen["gmv_prev"]) == (20, 25)  # K2 came from paid ads
    assert kitchen["growth"] == pytest.approx(-0.2)          # (20-25)/25
    assert search_only["category"].tolist() == ["Beauty", "Apparel", "Kitchen", "Garden", "Toys"]
    chosen = demand.category_sales_growth(sales, Filters(F.start, F.end, categories=("Toys", "Kitchen")))
    assert chosen["category"].tolist() == ["Kitchen", "Toys"]
    assert demand.category_sales_growth(sales, Filters(F.start, F.end, channels=("wecom",))).empty
    assert math.isnan(chosen.set_index("category").loc["Toys", "growth"])
