"""Inventory's class summary, stock alerts and replenishment list on hand-written ABC tables (every edge: no stock
data, zero stock, no sales, +inf cover, thresholds met exactly, float products that are whole numbers), and the
days of cover and action of abc_table on a tiny store."""
from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from ecomops import config
from ecomops.filters import Filters
from ecomops.products import inventory
from ecomops.products.inventory import ACTIONS, ALERT_COLUMNS
from tests.test_products_fixtures import add_order, add_stock, new_store

INF, NAN = math.inf, float("nan")


def abc_frame(rows: list[tuple]) -> pd.DataFrame:
    """Return an abc_table-shaped frame from (product_id, class, gmv, units, on_hand, daily_units, days_of_cover)."""
    frame = pd.DataFrame(rows, columns=["product_id", "abc_class", "gmv", "units", "on_hand", "daily_units",
                                        "days_of_cover"])
    frame.insert(1, "title", "Item " + frame["product_id"])
    frame.insert(2, "category", "Home")
    frame["gmv_rank"] = np.arange(1, len(frame) + 1)
    frame["action"] = frame["abc_class"].map(ACTIONS)
    return frame


# --- class_summary ----------------------------------------------------------------------------------------------

def test_class_summary():
    abc = abc_frame([
        ("A1", "A", 600.0, 60, 30.0, 2.0, 15.0),
        ("A2", "A", 200.0, 10, 0.0, 1.0, 0.0),
        ("B1", "B", 150.0, 15, NAN, 0.5, NAN),    # no inventory data
        ("C1", "C", 50.0, 5, 100.0, 0.0, INF),    # stock, no sales
        ("C2", "C", 0.0, 0, 20.0, 0.0, INF),
    ])
    summary = inventory.class_summary(abc)
    assert summary["abc_class"].tolist() == ["A", "B", "C"]
    assert summary["skus"].tolist() == [2, 1, 2]
    assert summary["gmv"].tolist() == [800.0, 150.0, 50.0]           # 600 + 200; 150; 50 + 0
    assert summary["gmv_share"].tolist() == pytest.approx([0.8, 0.15, 0.05])  # of 1000
    assert summary["units"].tolist() == [70, 15, 5]
    # on hand: 30 + 0; B has no stock data at all (None, not 0); 100 + 20
    on_hand = summary["on_hand"].tolist()
    assert on_hand[0] == 30.0 and pd.isna(on_hand[1]) and on_hand[2] == 120.0
    # median cover over finite values only: A median(15, 0) = 7.5; B only NaN, C only +inf: none
    cover = summary["median_days_of_cover"].tolist()
    assert cover[0] == 7.5 and pd.isna(cover[1]) and pd.isna(cover[2])
    assert summary["action"].tolist() == [ACTIONS["A"], ACTIONS["B"], ACTIONS["C"]]


def test_class_summary_without_gmv_or_rows():
    no_sales = inventory.class_summary(abc_frame([("C1", "C", 0.0, 0, 5.0, 0.0, INF)]))
    assert no_sales["gmv_share"].tolist() == [0.0, 0.0, 0.0]  # zero total: shares 0, not NaN
    assert no_sales["skus"].tolist() == [0, 0, 1]
    empty = inventory.class_summary(abc_frame([]))
    assert empty["skus"].tolist() == [0, 0, 0] and empty["gmv"].tolist() == [0.0, 0.0, 0.0]
    assert empty["units"].tolist() == [0, 0, 0]


# --- stock_alerts -----------------------------------------------------------------------------------------------

ALERT_ABC = abc_frame([
    ("A1", "A", 500.0, 50, 30.0, 2.0, 15.0),    # 15 days >= 14: fine
    ("A2", "A", 300.0, 30, 0.0, 1.0, 0.0),      # nothing left
    ("A3", "A", 200.0, 20, 7.0, 2.0, 3.5),      # 3.5 < 14
    ("A4", "A", 100.0, 10, NAN, 1.0, NAN),      # no stock data: no alert
    ("A5", "A", 90.0, 9, 14.0, 1.0, 14.0),      # exactly 14: not under
    ("B1", "B", 80.0, 8, 1.0, 1.0, 1.0),        # B items never alert
    ("C1", "C", 20.0, 0, 100.0, 0.0, INF),      # stock and no sales in 28 days
    ("C2", "C", 10.0, 3, 200.0, 1.661, 120.4),  # 120.4 > 90
    ("C3", "C", 5.0, 2, 50.0, 0.556, 90.0),     # exactly 90: not over
])


def test_stock_alerts_with_the_default_thresholds():
    defaults = config.DEFAULTS
    assert (defaults.a_min_cover_days, defaults.c_max_cover_days, defaults.cover_window_days) == (14, 90, 28)
    alerts = inventory.stock_alerts(ALERT_ABC, 14, 90, 28)
    assert list(alerts.columns) == ALERT_COLUMNS
    assert list(zip(alerts["alert"], alerts["product_id"])) == [
        ("Out of stock", "A2"), ("Stock-out risk", "A3"), ("Overstock", "C1"), ("Overstock", "C2")]
    assert alerts["message"].tolist() == [
        "A item with 0.0 days of cover (< 14)", "A item with 3.5 days of cover (< 14)",
        "C item with no sales in 28 days (> 90)", "C item with 120 days of cover (> 90)"]
    assert alerts["action"].tolist() == [ACTIONS["A"], ACTIONS["A"], ACTIONS["C"], ACTIONS["C"]]
    assert alerts["on_hand"].tolist() == [0.0, 7.0, 100.0, 200.0] and alerts["title"].tolist()[0] == "Item A2"


def test_stock_alerts_with_other_thresholds():
    alerts = inventory.stock_alerts(ALERT_ABC, a_min_cover_days=15.5, c_max_cover_days=200, cover_window_days=28)
    # A1 (15) and A5 (14) are now under 15.5; C2's 120 days are under 200, C1's +inf is still over
    assert list(zip(alerts["alert"], alerts["product_id"])) == [
        ("Stock-out risk", "A1"), ("Out of stock", "A2"), ("Stock-out risk", "A3"), ("Stock-out risk", "A5"),
        ("Overstock", "C1")]
    assert alerts["message"].tolist()[0] == "A item with 15.0 days of cover (< 15.5)"
    assert alerts["message"].tolist()[-1] == "C item with no sales in 28 days (> 200)"


def test_stock_alerts_of_only_one_kind_and_none():
    only_low = inventory.stock_alerts(ALERT_ABC, a_min_cover_days=14, c_max_cover_days=INF, cover_window_days=28)
    assert set(only_low["alert"]) == {"Out of stock", "Stock-out risk"} and list(only_low.columns) == ALERT_COLUMNS
    none = inventory.stock_alerts(ALERT_ABC, a_min_cover_days=0, c_max_cover_days=INF, cover_window_days=28)
    assert none.empty and list(none.columns) == ALERT_COLUMNS


# --- replenishment_list -----------------------------------------------------------------------------------------

REPLENISH_ABC = abc_frame([
    # (product, class, gmv, units, on hand, daily units, days of cover); gmv_rank = row number
    ("R1", "A", 900.0, 90, 10.0, 1.0, 10.0),
    ("R2", "A", 800.0, 80, 20.0, 0.5, 40.0),
    ("R3", "A", 700.0, 70, 0.0, 1.0, 0.0),
    ("R4", "B", 300.0, 30, 0.0, 18 / 28, 0.0),  # 18 units in the 28-day cover window
    ("R5", "B", 200.0, 20, 1.0, 0.5, 2.0),
    ("R6", "B", 100.0, 10, 3.0, 0.0, INF),    # no sales: nothing to reorder
    ("R7", "C", 50.0, 5, 5.0, 0.2, 25.0),
    ("R8", "C", 40.0, 4, NAN, 2.0, NAN),      # on hand unknown: left out
])
# R2 has no known lead time, R7's is missing (NaN): both take the default
LEADS = pd.DataFrame({"product_id": ["R1", "R3", "R4", "R5", "R7"], "lead_time_days": [7.0, 3.0, 28.0, 1.0, NAN]})


def test_replenishment_list():
    plan = inventory.replenishment_list(REPLENISH_ABC, LEADS)
    assert list(plan.columns) == ["product_id", "title", "category", "abc_class", "on_hand", "daily_units",
                                  "days_of_cover", "lead_time_days", "lead_time_known", "target_days",
                                  "suggested_qty", "action"]
    # target days = lead time + 28 (A) / 14 (B) / 7 (C); quantity = ceil(daily units x target days) - on hand:
    # R3 3 + 28 = 31 -> 31 - 0 = 31;  R4 28 + 14 = 42 -> 18 / 28 x 42 = 27.000000000000004 in floats: 27, not 28
    # R5 1 + 14 = 15 -> ceil(7.5) - 1 = 7;  R1 7 + 28 = 35 -> 35 - 10 = 25;  R2 14 (default) + 28 = 42 -> 21 - 20 = 1
    # R7 14 (default) + 7 = 21 -> ceil(4.2) - 5 = 0: nothing to order
    # order: lowest cover first, ties (R3, R4 at 0 days) by GMV rank
    assert plan["product_id"].tolist() == ["R3", "R4", "R5", "R1", "R2"]
    assert plan["lead_time_days"].tolist() == [3.0, 28.0, 1.0, 7.0, 14.0]
    assert plan["lead_time_known"].tolist() == [True, True, True, True, False]
    assert plan["target_days"].tolist() == [31.0, 42.0, 15.0, 35.0, 42.0]
    assert plan["suggested_qty"].tolist() == [31, 27, 7, 25, 1]
    assert plan["suggested_qty"].dtype.kind == "i" and plan["lead_time_known"].dtype == bool


def test_replenishment_with_another_default_lead_time_and_extra_days():
    no_lead = inventory.replenishment_list(REPLENISH_ABC, LEADS, default_lead_time_days=0.0)
    # R2: 0 + 28 = 28 -> 14 - 20 < 0; R7: 0 + 7 -> ceil(1.4) - 5 < 0: both drop out, the others keep their leads
    assert no_lead["product_id"].tolist() == ["R3", "R4", "R5", "R1"]
    lean = inventory.replenishment_list(REPLENISH_ABC, LEADS, target_extra_days={"A": 0, "B": 0, "C": 0})
    # lead time only: R3 3 -> 3; R4 28 -> 18 / 28 x 28 = 18; R5 1 -> ceil(0.5) - 1 = 0; R1 7 -> 7 - 10 < 0;
    # R2 14 -> 7 - 20 < 0; R7 14 -> ceil(2.8) - 5 < 0
    assert lean.set_index("product_id")["suggested_qty"].to_dict() == {"R3": 3, "R4": 18}


def test_replenishment_when_nothing_is_due():
    stocked = REPLENISH_ABC.assign(on_hand=1000.0)
    plan = inventory.replenishment_list(stocked, LEADS)
    assert plan.empty and "suggested_qty" in plan.columns
    no_leads = inventory.replenishment_list(REPLENISH_ABC, LEADS.head(0))
    assert not no_leads["lead_time_known"].any() and set(no_leads["lead_time_days"]) == {14.0}


# --- abc_table: days of cover and action per class --------------------------------------------------------------

def test_days_of_cover_and_action_per_class():
    # end 03-31: ABC window 2024-01-02..03-31, cover window 03-04..03-31 (28 days)
    con = new_store([("X1", "Cup", "Home", 10.0), ("X2", "Pan", "Home", 10.0), ("X3", "Pot", "Home", 10.0),
                     ("X4", "Jar", "Home", 10.0)])
    add_order(con, "O1", date(2024, 3, 10), [("X1", 80, 10.0)])   # 800, in the cover window
    add_order(con, "O2", date(2024, 2, 1), [("X2", 15, 10.0)])    # 150, before the cover window
    add_order(con, "O3", date(2024, 2, 1), [("X3", 5, 10.0)])     # 50, no snapshot at all
    add_stock(con, date(2024, 3, 31), "X1", 40)
    add_stock(con, date(2024, 3, 31), "X2", 0)
    add_stock(con, date(2024, 3, 31), "X4", 3)                    # stock, never sold
    abc = inventory.abc_table(con, Filters(date(2024, 3, 1), date(2024, 3, 31))).set_index("product_id")
    # GMV before each SKU: X1 0 (< 80% of 1000: A), X2 800 (not < 800: B), X3 950 (not < 950: C), X4 sold nothing: C
    assert abc["abc_class"].to_dict() == {"X1": "A", "X2": "B", "X3": "C", "X4": "C"}
    assert abc["action"].to_dict() == {"X1": ACTIONS["A"], "X2": ACTIONS["B"], "X3": ACTIONS["C"],
                                       "X4": ACTIONS["C"]}
    # X1: 40 / (80 / 28) = 14 days; X2: 0 on hand, no recent sales -> none; X3: no stock data -> none;
    # X4: 3 on hand and no sales -> +inf
    cover = abc["days_of_cover"]
    assert cover["X1"] == pytest.approx(14.0) and math.isnan(cover["X2"]) and math.isnan(cover["X3"])
    assert cover["X4"] == INF
    assert abc.loc["X1", "daily_units"] == pytest.approx(80 / 28) and abc.loc["X4", "daily_units"] == 0
    con.close()
