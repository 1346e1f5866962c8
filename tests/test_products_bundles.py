"""Pair statistics, lift matrix and bundle suggestions on a hand-built store (every number computed by hand).

Valid orders in 2024-03 (by content): B1 {X,Y}=15, B2 {X,Y,Z}=35, B3 {X}=10, B4 {Y,Z}=25, B5 {X,X,Y}=25,
B6 {Z, W returned}=20, B9 {X,Z}=30 (wecom). 7 orders, GMV 160. X in 5 orders, Y in 4, Z in 4.
"""
from datetime import date

import pandas as pd
import pytest

from ecomops.products import bundles
from ecomops.filters import Filters
from tests.test_products_fixtures import add_order, new_store

MARCH = Filters(date(2024, 3, 1), date(2024, 3, 31))


@pytest.fixture
def store():
    con = new_store([("X", "Cup", "Kitchen", 10), ("Y", "Sleeve", "Kitchen", 5), ("Z", "Brush", "Home", 20),
                     ("W", "Lid", "Kitchen", 2)])
    d = date(2024, 3, 10)
    add_order(con, "B1", d, [("X", 1, 10.0), ("Y", 1, 5.0)])
    add_order(con, "B2", d, [("X", 1, 10.0), ("Y", 1, 5.0), ("Z", 1, 20.0)])
    add_order(con, "B3", d, [("X", 1, 10.0)])
    add_order(con, "B4", d, [("Y", 1, 5.0), ("Z", 1, 20.0)])
    add_order(con, "B5", d, [("X", 1, 10.0), ("X", 1, 10.0), ("Y", 1, 5.0)])  # X twice: one order with X
    add_order(con, "B6", d, [("Z", 1, 20.0), ("W", -1, 2.0)])  # a returned line is no purchase
    add_order(con, "B7", d, [("X", 1, 10.0), ("Y", 1, 5.0)], status="cancelled")
    add_order(con, "B8", date(2024, 2, 15), [("X", 1, 10.0), ("Y", 1, 5.0)])  # outside the range
    add_order(con, "B9", d, [("X", 1, 10.0), ("Z", 1, 20.0)], channel="wecom")
    yield con
    con.close()


def test_support_confidence_lift_by_hand(store):
    table = bundles.pairs(store, MARCH, min_product_orders=1, min_pair_orders=2).set_index(["product_a", "product_b"])
    assert sorted(table.index) == [("X", "Y"), ("X", "Z"), ("Y", "Z")]
    xy = table.loc[("X", "Y")]
    assert (xy["pair_orders"], xy["orders_a"], xy["orders_b"], xy["n_orders"]) == (3, 5, 4, 7)
    assert xy["support"] == pytest.approx(3 / 7)
    assert xy["confidence_a_to_b"] == pytest.approx(3 / 5)
    assert xy["confidence_b_to_a"] == pytest.approx(3 / 4)
    assert xy["lift"] == pytest.approx(1.05)  # (3/5) / (4/7)
    assert table.loc[("X", "Z"), "lift"] == pytest.approx(0.7)  # 2*7 / (5*4)
    assert table.loc[("Y", "Z"), "lift"] == pytest.approx(0.875)  # 2*7 / (4*4)
    # AOV of B1, B2, B5 = (15 + 35 + 25) / 3 = 25; other orders (160 - 75) / 4 = 21.25
    assert xy["aov_with_pair"] == pytest.approx(25.0)
    assert xy["aov_without_pair"] == pytest.approx(21.25)
    assert table.index[0] == ("X", "Y")  # most frequent pair first


def test_minimum_counts_are_settings(store):
    assert bundles.pairs(store, MARCH, min_product_orders=1, min_pair_orders=3)[["product_a", "product_b"]] \
        .values.tolist() == [["X", "Y"]]
    assert bundles.pairs(store, MARCH, min_product_orders=5, min_pair_orders=1).empty  # only X has 5 orders


def test_channel_and_category_filters(store):
    search = bundles.pairs(store, Filters(MARCH.start, MARCH.end, channels=("search",)), 1, 1)
    xy = search.set_index(["product_a", "product_b"]).loc[("X", "Y")]
    assert (xy["n_orders"], xy["orders_a"]) == (6, 4)
    assert xy["lift"] == pytest.approx(3 * 6 / (4 * 4))
    kitchen = bundles.pairs(store, Filters(MARCH.start, MARCH.end, categories=("Kitchen",)), 1, 1)
    # only X and Y are Kitchen products bought: orders holding one = B1, B2, B3, B4, B5, B9 -> 6
    assert kitchen[["product_a", "product_b"]].values.tolist() == [["X", "Y"]]
    assert kitchen["n_orders"].iloc[0] == 6


def test_matrix_and_suggestions(store):
    table = bundles.pairs(store, MARCH, 1, 2)
    matrix = bundles.pair_matrix(table, top=3)
    assert len(matrix) == 9
    cell = matrix[(matrix["x"] == "Cup (X)") & (matrix["y"] == "Sleeve (Y)")]
    assert cell["lift"].iloc[0] == pytest.approx(1.05)
    assert matrix[matrix["x"] == matrix["y"]]["lift"].isna().all()
    abc = pd.DataFrame({"product_id": ["X", "Y", "Z"], "abc_class": ["A", "C", "A"]})
    ideas = bundles.bundle_suggestions(table, abc)
    # only X–Y has lift > 1: slow mover Y with partner X; 3 of X's 5 orders already hold Y
    assert ideas[["slow_mover", "partner"]].values.tolist() == [["Y", "X"]]
    assert ideas["attach_rate"].iloc[0] == pytest.approx(0.6)


def test_bulk_orders_and_long_ranges_are_bounded(store):
    # max_basket=2 leaves out B2 (3 products): 6 orders; X in B1, B3, B5, B9 (4); Y in B1, B4, B5 (3); X-Y twice
    capped = bundles.pairs(store, MARCH, 1, 1, max_basket=2).set_index(["product_a", "product_b"])
    xy = capped.loc[("X", "Y")]
    assert (xy["pair_orders"], xy["orders_a"], xy["orders_b"], xy["n_orders"], xy["bulk_orders"]) == (2, 4, 3, 6, 1)
    assert xy["lift"] == pytest.approx(2 * 6 / (4 * 3))
    # a year-long range is cut to its last 92 days; with max_days=None it is not
    year = Filters(date(2023, 4, 1), date(2024, 3, 31))
    assert bundles.pair_window(year).start == date(2023, 12, 31)
    assert bundles.pair_window(year, None) == year
    cut = bundles.pairs(store, Filters(date(2023, 3, 1), date(2024, 3, 31)), 1, 1, max_days=31)
    assert cut["n_orders"].iloc[0] == 7  # only March: B8 (February) is outside the last 31 days
