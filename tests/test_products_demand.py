"""Search growth, new demand, category sales growth and niche items on hand-built data (numbers by hand).

End date 2024-03-31: last 4 weeks 03-04..03-31, previous 02-05..03-03, a year earlier 2023-03-06..2023-04-02.
"""
from datetime import date, timedelta

import pytest

from ecomops.products import demand
from ecomops.filters import Filters
from tests.test_products_fixtures import add_order, new_store

F = Filters(date(2024, 3, 1), date(2024, 3, 31))


@pytest.fixture
def store():
    con = new_store([("P1", "Smart Pet Feeder Pro", "Pet", 300), ("P2", "Dog Bed Large", "Pet", 90),
                     ("P3", "dog bed small", "Pet", 60), ("P4", "Cup", "Kitchen", 10)])
    con.execute("""INSERT INTO search_keywords (day, keyword, category, searches, clicks, orders, gmv) VALUES
        ('2024-03-10', 'smart pet feeder', 'Pet', 400, 80, 20, 6000),
        ('2024-02-10', 'smart pet feeder', 'Pet', 100, 10, 2, 600),
        ('2023-03-06', 'smart pet feeder', 'Pet', 50, 5, 1, 300),
        ('2024-03-10', 'dog bed', 'Pet', 100, 10, 5, 450),
        ('2024-02-10', 'dog bed', 'Pet', 200, 20, 8, 720),
        ('2024-03-31', 'yoga mat', 'Sports', 60, 6, 0, 0),
        ('2024-02-04', 'yoga mat', 'Sports', 999, 1, 1, 1)""")  # 02-04 is before the previous window
    add_order(con, "O1", date(2024, 3, 10), [("P4", 10, 10.0)])
    add_order(con, "O2", date(2024, 2, 10), [("P4", 5, 10.0)])
    yield con
    con.close()


def test_keywords_ranked_by_growth(store):
    table = demand.search_growth(store, F)
    assert table["keyword"].tolist() == ["yoga mat", "smart pet feeder", "dog bed"]  # new first, then +300%, -50%
    feeder = table.set_index("keyword").loc["smart pet feeder"]
    assert (feeder["searches"], feeder["searches_prev"], feeder["searches_yoy"]) == (400, 100, 50)
    assert feeder["growth"] == pytest.approx(3.0)
    assert feeder["yoy_growth"] == pytest.approx(7.0)
    assert feeder["ctr"] == pytest.approx(0.2) and feeder["conversion"] == pytest.approx(0.05)
    yoga = table.set_index("keyword").loc["yoga mat"]
    assert bool(yoga["is_new"]) and yoga["searches_prev"] == 0


def test_categories_and_category_filter(store):
    cats = demand.search_growth(store, F, by="category").set_index("category")
    assert cats.loc["Pet", "searches"] == 500 and cats.loc["Pet", "searches_prev"] == 300
    assert cats.loc["Pet", "growth"] == pytest.approx(2 / 3)
    sports = demand.search_growth(store, Filters(F.start, F.end, categories=("Sports",)))
    assert sports["keyword"].tolist() == ["yoga mat"]


def test_no_year_over_year_when_data_is_too_short(store):
    store.execute("DELETE FROM search_keywords WHERE day < '2024-01-01'")
    table = demand.search_growth(store, F)
    assert table["yoy_growth"].isna().all()


def test_new_demand_has_few_matching_products(store):
    counts = demand.matching_products(store, ["smart pet feeder", "dog bed", "yoga mat"]).set_index("keyword")
    assert counts["matching_products"].to_dict() == {"smart pet feeder": 1, "dog bed": 2, "yoga mat": 0}
    found = demand.new_demand(store, F, min_growth=1.0, min_searches=50, max_products=1)
    assert found["keyword"].tolist() == ["yoga mat", "smart pet feeder"]


def test_category_sales_growth(store):
    table = demand.category_sales_growth(store, F).set_index("category")
    assert table.loc["Kitchen", "gmv"] == 100 and table.loc["Kitchen", "gmv_prev"] == 50
    assert table.loc["Kitchen", "growth"] == pytest.approx(1.0)
    assert table["gmv_yoy"].isna().all()  # orders start in 2024


def test_niche_items():
    con = new_store([(f"H{i}", f"Home {i}", "Home", 1) for i in range(1, 6)])
    end = date(2024, 3, 31)
    for week in range(12):
        day = end - timedelta(days=7 * week)
        add_order(con, f"W{week}", day, [("H1", 1, 100.0), ("H2", 5, 10.0), ("H3", 3, 20.0), ("H5", 4, 5.0)])
    add_order(con, "X", end, [("H4", 2, 150.0)])
    f = Filters(date(2024, 3, 1), end)
    # prices 5, 10, 20, 100, 150 -> category 75th percentile 100; units 12, 60, 36, 2, 48 -> median 36.
    # H1 (100, 12 units, 12 of 12 weeks, cv 0) qualifies; H4 (150, 2 units) sold in one week only.
    assert demand.niche_products(con, f)["product_id"].tolist() == ["H1"]
    loose = demand.niche_products(con, f, min_week_share=0.05, max_cv=10)
    assert loose["product_id"].tolist() == ["H4", "H1"]
    h4 = loose.set_index("product_id").loc["H4"]
    assert h4["weekly_cv"] == pytest.approx((4 / 12 - (2 / 12) ** 2) ** 0.5 / (2 / 12))
