"""The filter slots of the named queries (filters.slot, order_category, sales_slots): filters in -> exact SQL fragment
and parameters out, one table of cases (as datasette tests its filters), and the category rule on a tiny database."""
from __future__ import annotations

from datetime import date

import pytest

from ecomops import db
from ecomops.filters import SLOTS, Filters, order_category, sales_slots, slot

D1, D2 = date(2024, 3, 1), date(2024, 3, 31)
ALL = Filters(D1, D2)
PICKED = Filters(D1, D2, channels=("search", "wecom"), categories=("Pet",))
DATES = {"start": D1, "end": D2}
CHANNELS = {"channels": ["search", "wecom"]}
CATEGORIES = {"categories": ["Pet"]}
IN_CHANNELS = "list_contains($channels, {}.channel)"
IN_CATEGORIES = "list_contains($categories, {}.category)"

SLOT_CASES = [
    # (filters, table, options, sql, params)
    (ALL, "orders", {}, "TRUE AND o.order_date BETWEEN $start AND $end", DATES),
    (PICKED, "orders", {}, "TRUE AND o.order_date BETWEEN $start AND $end AND " + IN_CHANNELS.format("o"),
     {**DATES, **CHANNELS}),
    (PICKED, "orders", {"dates": False}, "TRUE AND " + IN_CHANNELS.format("o"), CHANNELS),
    (PICKED, "orders", {"channels": False}, "TRUE AND o.order_date BETWEEN $start AND $end", DATES),
    (PICKED, "orders", {"prefix": "cur_"},
     "TRUE AND o.order_date BETWEEN $cur_start AND $cur_end AND list_contains($cur_channels, o.channel)",
     {"cur_start": D1, "cur_end": D2, "cur_channels": ["search", "wecom"]}),
    (ALL, "products", {}, "TRUE", {}),
    (PICKED, "products", {}, "TRUE AND " + IN_CATEGORIES.format("p"), CATEGORIES),
    (PICKED, "products", {"prefix": "cat_"}, "TRUE AND list_contains($cat_categories, p.category)",
     {"cat_categories": ["Pet"]}),
    (PICKED, "lines", {}, "TRUE AND l.order_date BETWEEN $start AND $end AND " + IN_CHANNELS.format("l")
     + " AND " + IN_CATEGORIES.format("l"), {**DATES, **CHANNELS, **CATEGORIES}),
    (PICKED, "lines", {"dates": False, "categories": False}, "TRUE AND " + IN_CHANNELS.format("l"), CHANNELS),
    (PICKED, "lines", {"dates": False, "channels": False}, "TRUE AND " + IN_CATEGORIES.format("l"), CATEGORIES),
    (PICKED, "rollup", {}, "TRUE AND r.day BETWEEN $start AND $end AND " + IN_CHANNELS.format("r") + " AND "
     + IN_CATEGORIES.format("r"), {**DATES, **CHANNELS, **CATEGORIES}),
    (PICKED, "rollup", {"dates": False}, "TRUE AND " + IN_CHANNELS.format("r") + " AND " + IN_CATEGORIES.format("r"),
     {**CHANNELS, **CATEGORIES}),
    (PICKED, "traffic", {}, "TRUE AND t.day BETWEEN $start AND $end AND " + IN_CHANNELS.format("t"),
     {**DATES, **CHANNELS}),
    (PICKED, "traffic", {"channels": False}, "TRUE AND t.day BETWEEN $start AND $end", DATES),
    (PICKED, "ads", {}, "TRUE AND a.day BETWEEN $start AND $end AND " + IN_CHANNELS.format("a"),
     {**DATES, **CHANNELS}),
    (PICKED, "search", {}, "TRUE AND s.day BETWEEN $start AND $end AND " + IN_CATEGORIES.format("s"),
     {**DATES, **CATEGORIES}),  # search keywords have no channel
    (PICKED, "sessions", {}, "TRUE AND s.day BETWEEN $start AND $end AND " + IN_CHANNELS.format("s"),
     {**DATES, **CHANNELS}),  # sessions have no category
]


@pytest.mark.parametrize("f, table, options, sql, params", SLOT_CASES,
                         ids=[f"{c[1]}-{i}" for i, c in enumerate(SLOT_CASES)])
def test_slot(f, table, options, sql, params):
    assert slot(f, table, **options) == (sql, params)


def test_every_table_has_a_case_and_unknown_tables_fail():
    assert {case[1] for case in SLOT_CASES} == set(SLOTS)
    with pytest.raises(KeyError):
        slot(ALL, "customers")


IN_PET = ("o.order_id IN (SELECT i.order_id FROM order_items i WHERE i.product_id IN "
              "(SELECT p.product_id FROM products p WHERE TRUE AND list_contains($categories, p.category)))")


@pytest.mark.parametrize("f, prefix, sql, params", [
    (ALL, "", "TRUE", {}),
    (Filters(D1, D2, channels=("search",)), "", "TRUE", {}),  # only a category filter needs the lines
    (PICKED, "", IN_PET, CATEGORIES),
    (PICKED, "scan_", IN_PET.replace("$categories", "$scan_categories"), {"scan_categories": ["Pet"]}),
])
def test_order_category(f, prefix, sql, params):
    assert order_category(f, prefix) == (sql, params)


def test_sales_slots_fill_every_slot_of_the_sales_queries():
    slots, params = sales_slots(PICKED)
    assert slots == {
        "order_where": slot(PICKED, "orders")[0], "category_where": slot(PICKED, "products")[0],
        "order_category": IN_PET, "rollup_where": slot(PICKED, "rollup")[0],
        "traffic_where": slot(PICKED, "traffic")[0], "ads_where": slot(PICKED, "ads")[0],
    }
    assert params == {**DATES, **CHANNELS, **CATEGORIES}
    slots, params = sales_slots(ALL, prefix="p_")
    assert slots["order_category"] == "TRUE" and slots["category_where"] == "TRUE"
    assert params == {"p_start": D1, "p_end": D2}


def test_order_category_keeps_orders_with_a_line_of_the_category():
    """Orders 1 (Pet + Toys), 2 (Toys only), 3 (Pet, but cancelled: the filter does not judge validity)."""
    con = db.connect_memory()
    con.execute("INSERT INTO products (product_id, title, category, price) VALUES "
                "('P1', 'bowl', 'Pet', 10), ('T1', 'ball', 'Toys', 5)")
    con.execute("INSERT INTO orders (order_id, customer_id, order_ts, order_date, channel, status) VALUES "
                "('1', 'c1', '2024-03-02', '2024-03-02', 'search', 'paid'), "
                "('2', 'c2', '2024-03-03', '2024-03-03', 'search', 'paid'), "
                "('3', 'c3', '2024-03-04', '2024-03-04', 'wecom', 'cancelled')")
    con.execute("INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price) VALUES "
                "('1', 1, 'P1', 1, 10), ('1', 2, 'T1', 2, 5), ('2', 1, 'T1', 1, 5), ('3', 1, 'P1', 1, 10)")
    for f, expected in ((ALL, ["1", "2", "3"]), (PICKED, ["1", "3"]),
                        (Filters(D1, D2, categories=("Toys",)), ["1", "2"])):
        sql, params = order_category(f)
        got = db.query_df(con, f"SELECT o.order_id FROM orders o WHERE {sql} ORDER BY 1", params)
        assert got["order_id"].tolist() == expected
