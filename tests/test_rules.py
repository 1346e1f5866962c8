"""The business rules defined once: the valid order, the sale line and its GMV (views of migration 870), and the ABC
class (sql/abc_classes.sql) as Inventory, Supply and the demo generator use it. Expected values by hand."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from ecomops import db, metrics
from ecomops.filters import Filters


def test_valid_orders_are_the_real_sales(tiny_con):
    # tests/fixtures_tiny.sql: O1, O2, O3, O5 completed, O6 returned (valid); O4 cancelled.
    valid = db.query_df(tiny_con, "SELECT order_id FROM valid_orders ORDER BY order_id")["order_id"].tolist()
    assert valid == ["O1", "O2", "O3", "O5", "O6"]
    flags = dict(db.query_df(tiny_con, "SELECT order_id, is_valid FROM orders_classified").itertuples(index=False))
    assert flags == {"O1": True, "O2": True, "O3": True, "O4": False, "O5": True, "O6": True}


def test_unpaid_and_unknown_statuses_are_not_sales():
    con = db.connect_memory()
    con.execute("""
        INSERT INTO orders (order_id, customer_id, order_ts, order_date, status) VALUES
          ('a', 'X', TIMESTAMP '2024-01-01 10:00', DATE '2024-01-01', 'paid'),
          ('b', 'X', TIMESTAMP '2024-01-01 10:00', DATE '2024-01-01', 'shipped'),
          ('c', 'X', TIMESTAMP '2024-01-01 10:00', DATE '2024-01-01', 'unpaid'),
          ('d', 'X', TIMESTAMP '2024-01-01 10:00', DATE '2024-01-01', 'cancelled')
    """)
    assert db.query_one(con, "SELECT count(*) FROM valid_orders")[0] == 2


def test_sale_lines_and_gmv(tiny_con):
    # Sale lines: O1 (2x10, 1x5), O2 (1x20), O3 (1x10; its -1 line is not a sale), O5 (3x5), O6 (2x20).
    rows = db.query_df(tiny_con, "SELECT order_id, line_no, gmv FROM sale_lines ORDER BY order_id, line_no")
    assert list(rows.itertuples(index=False, name=None)) == [
        ("O1", 1, 20.0), ("O1", 2, 5.0), ("O2", 1, 20.0), ("O3", 1, 10.0), ("O5", 1, 15.0), ("O6", 1, 40.0)]
    # Every line is in order_lines; lines that are no sale carry gmv 0, so sum(gmv) is GMV over any set of lines.
    total, lines, cancelled_gmv, negative_gmv = db.query_one(tiny_con, """
        SELECT sum(gmv), count(*), sum(gmv) FILTER (WHERE order_id = 'O4'),
               sum(gmv) FILTER (WHERE quantity < 0) FROM order_lines""")
    assert (total, lines, cancelled_gmv, negative_gmv) == (110.0, 8, 0.0, 0.0)


# ABC by hand: GMV 50, 30, 10, 6, 4, 0 (total 100). Before-share 0 -> A, 0.50 -> A, 0.80 -> B (not under 80%),
# 0.90 -> B, 0.96 -> C; no sales -> C.
ABC_GMV = {"S1": 50.0, "S2": 30.0, "S3": 10.0, "S4": 6.0, "S5": 4.0, "S6": 0.0}
ABC_EXPECTED = {"S1": "A", "S2": "A", "S3": "B", "S4": "B", "S5": "C", "S6": "C"}


def test_abc_rule_on_a_frame():
    con = db.connect_memory()
    frame = pd.DataFrame({"product_id": list(ABC_GMV), "gmv": list(ABC_GMV.values())})
    assert dict(zip(frame["product_id"], metrics.abc_class_of(con, frame))) == ABC_EXPECTED


@pytest.fixture
def abc_store():
    """A store whose SKUs sold exactly ABC_GMV over the 90 days to 2024-06-30 (S6 only in stock)."""
    con = db.connect_memory()
    for pid in ABC_GMV:
        con.execute("INSERT INTO products (product_id, title, category, price) VALUES (?, ?, 'Home', 1.0)", [pid, pid])
    for n, (pid, gmv) in enumerate(ABC_GMV.items()):
        if gmv:
            con.execute("INSERT INTO orders (order_id, customer_id, order_ts, order_date, status) VALUES "
                        "(?, 'C1', TIMESTAMP '2024-06-01 10:00', DATE '2024-06-01', 'completed')", [f"O{n}"])
            con.execute("INSERT INTO order_items VALUES (?, 1, ?, 1, ?, NULL)", [f"O{n}", pid, gmv])
    con.execute("INSERT INTO inventory_snapshots (snapshot_date, product_id, on_hand) VALUES "
                "(DATE '2024-06-30', 'S6', 10)")
    yield con
    con.close()


def test_inventory_supply_and_demo_share_one_abc_rule(abc_store):
    from ecomops.products import inventory as products_inventory
    from ecomops.risk import supply

    f = Filters(date(2024, 6, 1), date(2024, 6, 30))
    inventory = products_inventory.abc_table(abc_store, f)
    assert dict(zip(inventory["product_id"], inventory["abc_class"])) == ABC_EXPECTED
    assert supply.abc_classes(abc_store, f) == ABC_EXPECTED
