"""ABC classes, days of cover, turnover days, alerts and the replenishment list on a hand-built store.

The store (end date 2024-03-31; ABC window 2024-01-02..03-31; cover window 03-04..03-31; sidebar range 03-02..03-31):
GMV in the ABC window K1 500, K2 300, K3 100, K4 60, K5 40 (total 1000), K6 stock only, K7 sold only before the window.
"""
import math
from datetime import date

import pytest

from ecomops.products import inventory
from ecomops.filters import Filters
from tests.test_products_fixtures import add_order, add_stock, new_store

F = Filters(date(2024, 3, 2), date(2024, 3, 31))


@pytest.fixture
def store():
    con = new_store([("K1", "Cup", "Kitchen", 10), ("K2", "Pan", "Kitchen", 20), ("K3", "Shirt", "Apparel", 5),
                     ("K4", "Sock", "Apparel", 6), ("K5", "Sleeve", "Kitchen", 4), ("K6", "Brush", "Kitchen", 3),
                     ("K7", "Old", "Kitchen", 1)])
    add_order(con, "O1", date(2024, 3, 10), [("K1", 28, 10.0)], "a")
    add_order(con, "O2", date(2024, 2, 1), [("K1", 22, 10.0)], "b")
    add_order(con, "O3", date(2024, 3, 20), [("K2", 14, 20.0)], "a")
    add_order(con, "O4", date(2024, 1, 15), [("K2", 1, 20.0)], "c")
    add_order(con, "O5", date(2024, 3, 25), [("K3", 20, 5.0)], "d")
    add_order(con, "O6", date(2024, 2, 10), [("K4", 10, 6.0)], "e")
    add_order(con, "O7", date(2024, 3, 30), [("K5", 10, 4.0), ("K1", -3, 10.0)], "f")  # the -3 return is no sale
    add_order(con, "O8", date(2024, 3, 30), [("K5", 100, 4.0)], "g", status="cancelled")  # never counts
    add_order(con, "O9", date(2023, 12, 1), [("K7", 5, 1.0)], "h")  # before the ABC window
    add_stock(con, date(2024, 3, 1), "K1", 40)  # before the sidebar range: not in the turnover average
    add_stock(con, date(2024, 3, 15), "K1", 30)
    add_stock(con, date(2024, 3, 31), "K1", 5)
    add_stock(con, date(2024, 3, 31), "K1", 5, warehouse="south")  # summed over warehouses: 10
    add_stock(con, date(2024, 4, 5), "K1", 999)  # after the end date: ignored
    for pid, units in (("K2", 20), ("K3", 0), ("K4", 30), ("K5", 200), ("K6", 50)):
        add_stock(con, date(2024, 3, 31), pid, units)
    con.execute("INSERT INTO product_suppliers (product_id, supplier_id, role, lead_time_days) VALUES "
                "('K1', 'S1', 'primary', 7), ('K1', 'S2', 'backup', 3), ('K3', 'S2', 'backup', 10)")
    yield con
    con.close()


def test_abc_classes_by_hand(store):
    abc = inventory.abc_table(store, F).set_index("product_id")
    # K7 sold only before the window and holds no stock: not a SKU of this classification
    assert sorted(abc.index) == ["K1", "K2", "K3", "K4", "K5", "K6"]
    assert abc["gmv"].to_dict() == {"K1": 500, "K2": 300, "K3": 100, "K4": 60, "K5": 40, "K6": 0}
    # GMV before each SKU: 0, 500, 800, 900, 960. K2 brings the cumulative share to exactly 80%: still A.
    assert abc["abc_class"].to_dict() == {"K1": "A", "K2": "A", "K3": "B", "K4": "B", "K5": "C", "K6": "C"}
    assert abc.loc["K3", "cum_share"] == pytest.approx(0.9)
    assert abc.loc["K1", "action"] == inventory.ACTIONS["A"]


def test_days_of_cover_and_turnover_by_hand(store):
    abc = inventory.abc_table(store, F).set_index("product_id")
    assert abc.loc["K1", "on_hand"] == 10  # 5 main + 5 south on 03-31; the 04-05 snapshot is after the end
    assert abc.loc["K1", "daily_units"] == pytest.approx(28 / 28)
    assert abc.loc["K1", "days_of_cover"] == pytest.approx(10.0)
    assert abc.loc["K2", "days_of_cover"] == pytest.approx(20 / (14 / 28))  # 40
    assert abc.loc["K3", "days_of_cover"] == 0
    assert math.isinf(abc.loc["K4", "days_of_cover"])  # stock, no sales in the 28 days
    assert abc.loc["K5", "days_of_cover"] == pytest.approx(200 / (10 / 28))  # 560
    # Turnover K1: average on hand over snapshots in 03-02..03-31 = (30 + 10) / 2 = 20; 28 units over 30 days
    assert abc.loc["K1", "turnover_days"] == pytest.approx(20 / (28 / 30))


def test_alerts_use_the_n_days_setting(store):
    abc = inventory.abc_table(store, F)
    alerts = inventory.stock_alerts(abc, 14, 90, 28)
    assert sorted(zip(alerts["product_id"], alerts["alert"])) == [
        ("K1", "Stock-out risk"), ("K5", "Overstock"), ("K6", "Overstock")]
    wider = inventory.stock_alerts(abc, 45, 90, 28)
    assert sorted(wider.loc[wider["alert"] == "Stock-out risk", "product_id"]) == ["K1", "K2"]


def test_replenishment_quantities_by_hand(store):
    abc = inventory.abc_table(store, F)
    plan = inventory.replenishment_list(abc, inventory.lead_times(store)).set_index("product_id")
    # K3 (B, backup lead 10): ceil(20/28 * (10 + 14)) - 0 = 18; K1 (A, primary lead 7, not the backup's 3):
    # ceil(1.0 * (7 + 28)) - 10 = 25; K2 (A, default lead 14): ceil(0.5 * 42) - 20 = 1; K5 has plenty.
    assert plan["suggested_qty"].to_dict() == {"K3": 18, "K1": 25, "K2": 1}
    assert plan.loc["K2", "lead_time_known"] == False  # noqa: E712 (numpy bool)
    assert list(plan.index) == ["K3", "K1", "K2"]  # lowest cover first


def test_category_filter_and_summary(store):
    abc = inventory.abc_table(store, Filters(F.start, F.end, categories=("Apparel",))).set_index("product_id")
    assert sorted(abc.index) == ["K3", "K4"]
    assert abc["abc_class"].to_dict() == {"K3": "A", "K4": "A"}  # 0 and 100 before, both under 0.8 x 160
    summary = inventory.class_summary(inventory.abc_table(store, F)).set_index("abc_class")
    assert summary["skus"].to_dict() == {"A": 2, "B": 2, "C": 2}
    assert summary.loc["A", "gmv_share"] == pytest.approx(0.8)


def test_orders_only_store_still_classifies(store):
    store.execute("DELETE FROM inventory_snapshots")
    abc = inventory.abc_table(store, F)
    assert sorted(abc["product_id"]) == ["K1", "K2", "K3", "K4", "K5"]
    assert abc["on_hand"].isna().all() and abc["days_of_cover"].isna().all()
    assert inventory.stock_alerts(abc, 14, 90, 28).empty
    assert inventory.replenishment_list(abc, inventory.lead_times(store)).empty
    assert inventory.pareto_curve(abc)["cum_share"].iloc[-1] == pytest.approx(1.0)
