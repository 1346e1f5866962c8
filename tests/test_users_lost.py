"""Lost customers: behaviour profile, last-order categories, survey reasons and win-back on a hand-built store."""
from __future__ import annotations

from datetime import date

import pytest

from ecomops import db
from ecomops.users import lost as users_lost
from ecomops.filters import Filters
from tests.test_users import add_customer, add_order, add_products

d = date
JUNE = Filters(d(2024, 6, 1), d(2024, 6, 30))


@pytest.fixture
def lost_con():
    con = db.connect_memory()
    add_products(con)  # P1 Kitchen, P2 Apparel
    for cid in ("L1", "L2", "A1", "A2", "D1"):
        add_customer(con, cid, d(2023, 1, 1))
    add_order(con, "L1", d(2023, 10, 1), 10, discount=5)                           # lost, discounted
    add_order(con, "L1", d(2023, 11, 1), 20, status="returned", product_id="P2")   # lost: last order returned
    add_order(con, "L2", d(2023, 9, 1), 30)                                         # lost
    add_order(con, "A1", d(2024, 5, 1), 10)
    add_order(con, "A1", d(2024, 6, 1), 10)                                         # active
    add_order(con, "A2", d(2024, 4, 15), 10, discount=3)                            # active, discounted
    add_order(con, "D1", d(2024, 2, 1), 10)                                         # dormant
    con.execute("INSERT INTO reviews (review_id, customer_id, rating, created_ts) VALUES "
                "('R1', 'L1', 1, TIMESTAMP '2023-11-05 10:00'), ('R2', 'A1', 5, TIMESTAMP '2024-06-02 10:00'), "
                "('R3', 'A2', 2, TIMESTAMP '2024-07-02 10:00')")                    # R3 after the date
    con.execute("INSERT INTO customer_surveys (customer_id, response_date, reason) VALUES "
                "('L1', DATE '2024-01-10', 'price'), ('L2', DATE '2024-02-01', 'shipping'), "
                "('D1', DATE '2024-03-01', 'price'), ('X9', DATE '2024-03-01', 'quality'), "
                "('A1', DATE '2024-07-10', 'price')")                               # A1's answer is after the date
    yield con
    con.close()


def test_behaviour_profile_lost_vs_active(lost_con):
    profile = users_lost.behaviour_profile(lost_con, JUNE).set_index("segment")
    lost, active = profile.loc["lost"], profile.loc["active"]
    assert (lost["customers"], active["customers"], profile.loc["dormant", "customers"]) == (2, 2, 1)
    assert lost["orders_per_customer"] == pytest.approx(1.5) and lost["aov"] == pytest.approx(20.0)
    assert lost["discount_order_share"] == pytest.approx(1 / 3) and active["discount_order_share"] == pytest.approx(1 / 3)
    assert lost["return_share"] == pytest.approx(1 / 3) and active["return_share"] == 0
    assert lost["last_order_returned_share"] == pytest.approx(0.5)
    assert lost["negative_review_share"] == pytest.approx(0.5) and active["negative_review_share"] == 0
    assert profile.loc["new", "customers"] == 0
    findings = users_lost.profile_findings(profile.reset_index())
    assert any("returned orders: 33.3%; active customers never did" in s for s in findings)
    assert any("negative review: 50.0%" in s for s in findings)
    assert not any("discount" in s for s in findings)  # same share: no finding
    table = users_lost.profile_table(profile.reset_index())
    assert list(table.columns) == ["Measure", "Lost", "Dormant", "Active", "New"]
    shown = table.set_index("Measure")
    assert shown.loc["Orders returned", "Lost"] == "33.3%" and shown.loc["Average order value", "Lost"] == "CN¥20.00"
    assert shown.loc["Customers", "New"] == "0" and shown.loc["Orders per customer", "New"] == "—"


def test_last_order_categories(lost_con):
    cats = users_lost.last_categories(lost_con, JUNE).set_index("category")
    # lost: L1's last order is Apparel, L2's Kitchen; active: A1 and A2 last bought Kitchen
    assert cats.loc["Apparel", "lost_share"] == 0.5 and cats.loc["Apparel", "active_share"] == 0
    assert cats.loc["Kitchen", "lost_share"] == 0.5 and cats.loc["Kitchen", "active_share"] == 1.0
    assert cats.index[0] == "Apparel"  # most over-represented among lost customers first


def test_survey_reasons(lost_con):
    reasons = users_lost.survey_reasons(lost_con, JUNE)
    assert reasons[["reason", "lost", "dormant", "responses"]].values.tolist() == [
        ["price", 1, 1, 2], ["shipping", 1, 0, 1], ["quality", 0, 0, 1]]
    assert reasons["share_of_lost"].tolist() == [0.5, 0.5, 0.0]


def test_winback(lost_con):
    add_order(lost_con, "W1", d(2023, 8, 1))
    add_order(lost_con, "W1", d(2024, 6, 15))   # lost on 05-31, back in June
    table = users_lost.winback(lost_con, JUNE).set_index("segment")
    assert (table.loc["lost", "customers"], table.loc["lost", "came_back"]) == (3, 1)
    assert table.loc["lost", "rate"] == pytest.approx(1 / 3)
    assert (table.loc["dormant", "customers"], table.loc["dormant", "came_back"]) == (1, 0)


def test_last_categories_with_many_categories_and_multi_line_orders():
    """Beyond 64 categories the rest share one bit and show as 'Other categories'; every line's category counts."""
    con = db.connect_memory()
    con.execute("INSERT INTO products (product_id, title, category) "
                "SELECT 'Q' || i, 'item', 'Cat' || lpad(CAST(i AS VARCHAR), 2, '0') FROM range(70) t(i)")
    add_order(con, "L", d(2023, 1, 1), product_id="Q0")
    oid = add_order(con, "L", d(2023, 5, 1), product_id="Q0")                     # last order: Cat00 + Cat69
    con.execute("INSERT INTO order_items VALUES (?, 2, 'Q69', 1, 5.0, NULL), (?, 3, 'Q5', -1, 5.0, NULL)", [oid, oid])
    add_order(con, "A", d(2024, 6, 1), product_id="Q5")
    add_order(con, "A", d(2024, 1, 1), product_id="Q1")                           # older: not the last order
    cats = users_lost.last_categories(con, JUNE).set_index("category")
    assert cats["lost_share"].to_dict() == {"Cat00": 1.0, "Other categories": 1.0, "Cat05": 0.0}
    assert cats["active_share"].to_dict() == {"Cat00": 0.0, "Other categories": 0.0, "Cat05": 1.0}


def test_winback_on_the_demo_equals_grouping_every_order(demo_users):
    """The chain-read win-back (each buyer at their last order before the range) against every order grouped."""
    from datetime import timedelta

    from ecomops import config

    con = demo_users
    end = con.execute("SELECT max(order_date) FROM users_order_facts").fetchone()[0]
    t = config.thresholds(con)
    for f in (Filters(end - timedelta(days=29), end), Filters(end - timedelta(days=200), end - timedelta(days=150))):
        got = users_lost.winback(con, f).set_index("segment")
        # states on the day before the range: recency there > low and <= high, i.e. from the start low + 2 .. high + 1
        for segment, low, high in (("lost", t.dormant_days, None), ("dormant", t.active_days, t.dormant_days)):
            expected = con.execute("""
                SELECT count(*), count(*) FILTER (WHERE back) FROM (
                    SELECT max(order_date) FILTER (WHERE order_date < $start) AS last_before,
                           bool_or(order_date BETWEEN $start AND $end) AS back
                    FROM users_order_facts WHERE ckey IS NOT NULL GROUP BY ckey)
                WHERE date_diff('day', last_before, $start) BETWEEN $low AND coalesce($high, 100000)""",
                {"start": f.start, "end": f.end, "low": low + 2, "high": high and high + 1}).fetchone()
            assert expected[1] > 0
            assert (got.loc[segment, "customers"], got.loc[segment, "came_back"]) == expected
