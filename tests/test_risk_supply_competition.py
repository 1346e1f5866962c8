"""Supply chain and competition on tiny hand-built stores; every expected number is computed by hand."""
from datetime import date

import pytest

from ecomops import db
from ecomops.risk import competition
from ecomops.risk import supply
from ecomops.filters import Filters
from ecomops.i18n import fmt

RANGE = Filters(date(2024, 3, 1), date(2024, 3, 31))


@pytest.fixture
def supply_con():
    con = db.connect_memory()
    con.execute("""
    INSERT INTO products (product_id, title, category, price, cost) VALUES
      ('P1', 'Kettle', 'Kitchen', 100, 40), ('P2', 'Pan', 'Kitchen', 50, 20),
      ('P3', 'Shirt', 'Apparel', 20, 8), ('P4', 'Mug', 'Kitchen', 10, 4);
    INSERT INTO suppliers VALUES ('S1', 'Alpha', 'CN', NULL), ('S2', 'Beta', 'CN', NULL), ('S3', 'Gamma', 'VN', NULL);
    INSERT INTO product_suppliers (product_id, supplier_id, role, lead_time_days) VALUES
      ('P1', 'S1', 'primary', 10), ('P1', 'S2', 'backup', 2),    -- backup 48 h: within 72 h
      ('P2', 'S1', 'primary', 7),                                 -- no backup
      ('P3', 'S2', 'primary', 5), ('P3', 'S3', 'backup', 4);     -- backup 96 h: too slow
    -- P4: no supplier on file
    INSERT INTO orders (order_id, customer_id, order_ts, order_date, status, channel) VALUES
      ('O1', 'A', '2024-03-05 10:00', '2024-03-05', 'completed', 'search'),
      ('O2', 'B', '2024-03-06 10:00', '2024-03-06', 'completed', 'search'),
      ('O3', 'C', '2024-03-07 10:00', '2024-03-07', 'cancelled', 'search'),
      ('O4', 'D', '2024-03-08 10:00', '2024-03-08', 'paid', 'douyin_live');
    INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price) VALUES
      ('O1', 1, 'P1', 6, 100),   -- 600
      ('O2', 1, 'P2', 4, 50),    -- 200
      ('O3', 1, 'P3', 99, 20),   -- cancelled: not GMV
      ('O4', 1, 'P3', 5, 20),    -- 100
      ('O4', 2, 'P4', 10, 10);   -- 100
    """)
    yield con
    con.close()


def test_abc_classes(supply_con):
    # GMV 600, 200, 100, 100 (total 1000). P1: before 0 < 800 -> A; P2: before 600 < 800 -> A;
    # P3 (sorted before P4 on id): before 800 -> B (< 950); P4: before 900 < 950 -> B.
    assert supply.abc_classes(supply_con, RANGE) == {"P1": "A", "P2": "A", "P3": "B", "P4": "B"}


def test_sku_suppliers_backup_and_72h(supply_con):
    skus = supply.sku_suppliers(supply_con, RANGE).set_index("product_id")
    assert skus.loc["P1", "backup_lead_hours"] == 48 and skus.loc["P1", "backup_within_target"] == True  # noqa: E712
    assert skus.loc["P3", "backup_within_target"] == False  # noqa: E712  96 h > 72 h
    assert skus["risk"].to_dict() == {"P1": "ok", "P2": "single supplier: no backup",
                                      "P3": "backup slower than 72 h", "P4": "no supplier on file"}
    assert skus["gmv"].to_dict() == {"P1": 600, "P2": 200, "P3": 100, "P4": 100}


def test_supplier_concentration_and_summary(supply_con):
    conc = supply.supplier_concentration(supply_con, RANGE).set_index("supplier")
    # Alpha: P1 600 + P2 200 = 800; Beta: P3 100; no supplier: P4 100
    assert conc["gmv"].to_dict() == {"Alpha": 800, "Beta": 100, supply.NO_SUPPLIER: 100}
    assert conc.loc["Alpha", "share"] == pytest.approx(0.8)
    s = supply.supply_summary(supply_con, RANGE)
    assert s["skus_without_backup"] == 2                        # P2, P4
    assert s["gmv_share_without_backup"] == pytest.approx(0.3)  # (200 + 100) / 1000
    assert (s["backups_within_target"], s["skus_with_backup"]) == (1, 2)
    assert s["a_single_supplier"] == 1                          # P2 (A, one supplier)
    assert s["hhi"] == pytest.approx(0.8 ** 2 + 0.1 ** 2 + 0.1 ** 2)
    assert supply.a_class_single_supplier(supply_con, RANGE)["product_id"].tolist() == ["P2"]


def test_supply_filters(supply_con):
    live = supply.sku_suppliers(supply_con, Filters(RANGE.start, RANGE.end, channels=("douyin_live",)))
    assert live.set_index("product_id")["gmv"].to_dict() == {"P3": 100, "P4": 100, "P1": 0, "P2": 0}
    apparel = supply.lead_times(supply_con, Filters(RANGE.start, RANGE.end, categories=("Apparel",)))
    assert apparel["lead_hours"].tolist() == [120, 96] and apparel["within_target"].tolist()[1] == False  # noqa: E712


@pytest.fixture
def comp_con():
    con = db.connect_memory()
    con.execute("""
    INSERT INTO products (product_id, title, category, price, cost) VALUES
      ('P1', 'Kettle', 'Kitchen', 100, 40), ('P2', 'Cup', 'Kitchen', 30, 12), ('P3', 'Shirt', 'Apparel', 50, 35);
    INSERT INTO competitor_prices (day, product_id, competitor, price, promotion, is_new_product) VALUES
      ('2024-03-04', 'P1', 'X', 95, NULL, false),
      ('2024-03-11', 'P1', 'X', 85, NULL, false),           -- latest: gap 15% -> undercut, 85 >= 40*1.15 -> move
      ('2024-03-11', 'P1', 'Y', 92, NULL, false),           -- gap 8%: no alert at 10%
      ('2024-03-11', 'P2', 'X', 9.9, '9.9秒杀', false),      -- loss leader
      ('2024-03-11', 'P3', 'Y', 38, '满199减30', true),      -- gap 24% with a promotion; new product
      ('2024-02-20', 'P3', 'X', 10, NULL, false);           -- outside the range
    """)
    yield con
    con.close()


def test_undercut_alerts_and_responses(comp_con):
    alerts = competition.undercut_alerts(comp_con, RANGE, threshold=0.10)
    assert list(zip(alerts["product_id"], alerts["competitor"], alerts["alert"])) == [
        ("P2", "X", "loss leader"), ("P3", "Y", "undercut"), ("P1", "X", "undercut")]
    gaps = alerts.set_index("product_id")["gap"]
    assert gaps["P1"] == pytest.approx(0.15) and gaps["P3"] == pytest.approx(0.24)
    assert gaps["P2"] == pytest.approx(1 - 9.9 / 30)
    responses = alerts.set_index("product_id")["suggested_response"]
    assert responses["P2"].startswith("Loss leader")
    assert responses["P3"].startswith("Time-limited promotion (满199减30)")
    assert responses["P1"].startswith(f"Sustained gap: consider moving to {fmt.money(85)}")
    # at 5% the 8% gap of Y on P1 alerts too
    assert len(competition.undercut_alerts(comp_con, RANGE, threshold=0.05)) == 4


def test_response_below_margin_floor_and_below_cost():
    assert competition.suggested_response(41, 100, 40, None, False).startswith("Their price is below our margin")
    con = db.connect_memory()
    con.execute("INSERT INTO products (product_id, title, category, price, cost) VALUES ('P', 'T', 'Home', 100, 60)")
    con.execute("INSERT INTO competitor_prices (day, product_id, competitor, price) VALUES ('2024-03-02', 'P', 'Z', 55)")
    # 55 is under our cost 60: a loss leader even though it is far above 9.9
    assert competition.undercut_alerts(con, RANGE)["alert"].tolist() == ["loss leader"]


def test_activity_history_summary(comp_con):
    activity = competition.competitor_activity(comp_con, RANGE)
    assert sorted(activity["product_id"]) == ["P2", "P3"]
    history = competition.price_history(comp_con, RANGE, "P1")
    assert history[history["series"] == "X"]["price"].tolist() == [95, 85]
    assert history[history["series"] == "our list price"]["price"].tolist() == [100, 100]
    s = competition.competition_summary(comp_con, RANGE)
    assert s == {"products_watched": 3, "competitors": 2, "undercut_products": 3, "loss_leaders": 1,
                 "promotions": 2, "new_products": 1}
    apparel = competition.undercut_alerts(comp_con, Filters(RANGE.start, RANGE.end, categories=("Apparel",)))
    assert apparel["product_id"].tolist() == ["P3"]
