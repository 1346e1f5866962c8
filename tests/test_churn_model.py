"""Churn model on a hand-built history: features and labels computed by hand, no feature reads past its cutoff,
refusal on thin history, and the uplift arithmetic of the reactivation test."""
from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from ecomops import db
from ecomops.users import churn
from ecomops.users import targeting

T = date(2024, 6, 30)
H = 90


def build_history():
    """Return an in-memory store; the figures for cutoff 2024-06-30 are worked out in the tests below.

    A: gold member, orders 2024-01-10 (P1 2x10, discount 5), 2024-03-10 (P3 1x20), 2024-06-01 (P1 1x10 + P2 1x5,
       returned), a cancelled order 2024-06-15 and a later order 2024-08-01 (after the cutoff) -> returns.
    B: one order 2024-02-01 (P3 1x20), nothing after -> churns, dormant (recency 150).
    C: first order 2024-07-10, after the cutoff -> not in the feature set at all.
    """
    con = db.connect_memory()
    con.execute("""
        INSERT INTO products (product_id, title, category, price) VALUES
          ('P1', 'Cup', 'Kitchen', 10), ('P2', 'Sleeve', 'Kitchen', 5), ('P3', 'Shirt', 'Apparel', 20),
          ('P4', 'Brush', 'Kitchen', 8);
        INSERT INTO customers (customer_id, signup_date, channel, membership_tier) VALUES
          ('A', DATE '2023-12-01', 'search', 'gold'), ('B', DATE '2024-01-20', 'paid_ads', 'none'),
          ('C', DATE '2024-07-01', 'wecom', 'none');
        INSERT INTO orders (order_id, customer_id, order_ts, order_date, status, channel, discount) VALUES
          ('A1', 'A', TIMESTAMP '2024-01-10 10:00', DATE '2024-01-10', 'completed', 'search', 5),
          ('A2', 'A', TIMESTAMP '2024-03-10 10:00', DATE '2024-03-10', 'completed', 'wecom', 0),
          ('A3', 'A', TIMESTAMP '2024-06-01 10:00', DATE '2024-06-01', 'returned', 'search', 0),
          ('A4', 'A', TIMESTAMP '2024-06-15 10:00', DATE '2024-06-15', 'cancelled', 'search', 0),
          ('A5', 'A', TIMESTAMP '2024-08-01 10:00', DATE '2024-08-01', 'completed', 'search', 0),
          ('B1', 'B', TIMESTAMP '2024-02-01 10:00', DATE '2024-02-01', 'completed', 'paid_ads', 0),
          ('C1', 'C', TIMESTAMP '2024-07-10 10:00', DATE '2024-07-10', 'completed', 'wecom', 0);
        INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price) VALUES
          ('A1', 1, 'P1', 2, 10), ('A2', 1, 'P3', 1, 20), ('A3', 1, 'P1', 1, 10), ('A3', 2, 'P2', 1, 5),
          ('A4', 1, 'P1', 5, 10), ('A5', 1, 'P4', 1, 8), ('B1', 1, 'P3', 1, 20), ('C1', 1, 'P2', 3, 5);
        INSERT INTO reviews (review_id, product_id, customer_id, order_id, rating, created_ts) VALUES
          ('R1', 'P3', 'A', 'A2', 2, TIMESTAMP '2024-03-12 09:00'),
          ('R2', 'P4', 'A', 'A5', 5, TIMESTAMP '2024-08-05 09:00');
    """)
    return con


@pytest.fixture
def history():
    con = build_history()
    yield con
    con.close()


def test_features_by_hand(history):
    frame = churn.features(history, T).set_index("customer_id")
    assert list(frame.index) == ["A", "B"]  # C's first order is after the cutoff
    a = frame.loc["A"]
    assert a["recency_days"] == 29  # 2024-06-01 -> 2024-06-30
    assert a["frequency"] == 3  # the cancelled order does not count
    assert a["monetary"] == pytest.approx(55.0)  # 20 + 20 + 15
    assert a["avg_order_value"] == pytest.approx(55 / 3)
    assert a["tenure_days"] == 172  # 2024-01-10 -> 2024-06-30
    assert a["account_age_days"] == 212  # signup 2023-12-01
    assert a["gap_mean"] == pytest.approx(71.5)  # gaps 60 and 83 days
    assert a["gap_median"] == pytest.approx(71.5)
    assert a["gap_max"] == 83
    assert a["gap_std"] == pytest.approx(math.sqrt(((60 - 71.5) ** 2 + (83 - 71.5) ** 2) / 1))
    assert a["recency_gap_ratio"] == pytest.approx(29 / 71.5)
    assert a["orders_last_90"] == 1  # (2024-04-01, 2024-06-30]: A3
    assert a["orders_prev_90"] == 2  # (2024-01-02, 2024-04-01]: A1, A2
    assert a["order_trend_90"] == -1
    assert a["spend_trend_90"] == pytest.approx(15 - 40)
    assert a["category_breadth"] == 2 and a["units"] == 5
    assert a["discount_share"] == pytest.approx(1 / 3)
    assert a["return_share"] == pytest.approx(1 / 3)
    assert a["cancelled_orders"] == 1
    assert a["channel_count"] == 2 and a["main_channel"] == "search"
    assert a["reviews"] == 1 and a["avg_rating"] == 2 and a["negative_reviews"] == 1  # R2 is after the cutoff
    assert a["membership_tier"] == "gold" and a["signup_channel"] == "search"
    b = frame.loc["B"]
    assert b["recency_days"] == 150 and b["frequency"] == 1 and b["monetary"] == 20
    assert pd.isna(b["gap_mean"]) and pd.isna(b["recency_gap_ratio"]) and pd.isna(b["avg_rating"])
    assert b["orders_prev_90"] == 1 and b["reviews"] == 0


def test_the_median_gap_is_the_middle_gap_or_the_mean_of_the_middle_two(history):
    # A's purchase days at the cutoff 2024-08-31: 01-10, 03-10, 06-01 (returned: valid), 08-01 -> gaps 60, 83, 61.
    # Odd count: the middle one, 61 (not the mean 68 nor the second gap 83); with a fourth day, the mean of two.
    late = date(2024, 8, 31)
    assert churn.features(history, late).set_index("customer_id").loc["A", "gap_median"] == 61
    history.execute("INSERT INTO orders (order_id, customer_id, order_ts, order_date, status, channel, discount) "
                    "VALUES ('A6', 'A', TIMESTAMP '2024-08-21 10:00', DATE '2024-08-21', 'paid', 'search', 0)")
    history.execute("INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price) "
                    "VALUES ('A6', 1, 'P1', 1, 10)")
    a = churn.features(history, late).set_index("customer_id").loc["A"]  # gaps 60, 83, 61, 20
    assert a["gap_median"] == 60.5 and a["gap_max"] == 83 and a["purchase_days"] == 5


def test_the_median_gap_equals_duckdbs_median_on_the_demo_store(demo_db_path):
    con = db.connect(demo_db_path)
    try:
        cutoff = churn.last_order_day(con)
        got = churn.features(con, cutoff).set_index("customer_id")["gap_median"]
        want = con.execute("""
            SELECT customer_id, median(gap) AS gap_median FROM (
                SELECT customer_id, date_diff('day', lag(order_date) OVER (PARTITION BY customer_id
                                                                           ORDER BY order_date), order_date) AS gap
                FROM (SELECT DISTINCT customer_id, order_date FROM valid_orders
                      WHERE customer_id IS NOT NULL AND order_date <= $d))
            GROUP BY customer_id""", {"d": cutoff}).df().set_index("customer_id")["gap_median"]
        assert len(got) == len(want) > 1000 and got.notna().sum() > 500
        pd.testing.assert_series_equal(got.sort_index(), want.sort_index().astype(float), check_names=False)
    finally:
        db.close(demo_db_path)


def test_labels_by_hand(history):
    labels = churn.labelled(history, T, H).set_index("customer_id")["churned"].to_dict()
    assert labels == {"A": 0, "B": 1}  # A orders on 2024-08-01, inside (T, T + 90]
    # With a 30-day horizon A's next order (32 days later) falls outside: A churns too.
    assert churn.labelled(history, T, 30).set_index("customer_id")["churned"].to_dict() == {"A": 1, "B": 1}
    # An order exactly on T + H counts as a return; one on T does not (it is history).
    history.execute("INSERT INTO orders (order_id, customer_id, order_ts, order_date, status) VALUES "
                    "('B2', 'B', TIMESTAMP '2024-09-28 10:00', DATE '2024-09-28', 'paid')")
    assert churn.labelled(history, T, H).set_index("customer_id")["churned"]["B"] == 0


def test_recency_scope_keeps_the_same_rows(history):
    scoped = churn.features(history, T, 90, 180)
    assert scoped["customer_id"].tolist() == ["B"]
    pd.testing.assert_frame_equal(scoped, churn.features(history, T).iloc[[1]].reset_index(drop=True))


def test_no_feature_reads_past_its_cutoff(history):
    """Adding, moving and cancelling orders and reviews after the cutoff leaves every feature unchanged."""
    before = churn.features(history, T)
    history.execute("""
        INSERT INTO orders (order_id, customer_id, order_ts, order_date, status, channel, discount) VALUES
          ('F1', 'B', TIMESTAMP '2024-07-01 00:00', DATE '2024-07-01', 'completed', 'wecom', 50),
          ('F2', 'A', TIMESTAMP '2025-01-01 10:00', DATE '2025-01-01', 'returned', 'direct', 3),
          ('F3', 'A', TIMESTAMP '2024-07-02 10:00', DATE '2024-07-02', 'cancelled', 'direct', 0);
        INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price) VALUES
          ('F1', 1, 'P4', 9, 99), ('F2', 1, 'P2', 4, 5), ('F3', 1, 'P1', 1, 10);
        INSERT INTO reviews (review_id, product_id, customer_id, rating, created_ts) VALUES
          ('F4', 'P4', 'B', 1, TIMESTAMP '2024-07-01 00:00');
        UPDATE orders SET order_date = DATE '2024-12-24', order_ts = TIMESTAMP '2024-12-24 10:00' WHERE order_id = 'A5';
        UPDATE orders SET order_date = DATE '2024-07-01', order_ts = TIMESTAMP '2024-07-01 00:00' WHERE order_id = 'C1';
        UPDATE customers SET signup_date = DATE '2024-12-01' WHERE customer_id = 'C';
    """)
    after = churn.features(history, T)
    pd.testing.assert_frame_equal(before, after)
    # ...while the same change before the cutoff does move the features (the test can fail).
    history.execute("UPDATE orders SET order_date = DATE '2024-06-30' WHERE order_id = 'F1'")
    assert churn.features(history, T).set_index("customer_id").loc["B", "recency_days"] == 0


def test_refuses_thin_history(history):
    with pytest.raises(churn.InsufficientHistoryError, match="customers have a repeat order"):
        churn.check_history(history, T, H, horizons_needed=1)
    with pytest.raises(churn.InsufficientHistoryError, match="2 horizons"):
        churn.check_history(history, T, H, horizons_needed=2)  # 172 days of orders < 180
    with pytest.raises(churn.InsufficientHistoryError):
        churn.train(history, T, H)
    with pytest.raises(churn.InsufficientHistoryError, match="No customer orders"):
        churn.check_history(db.connect_memory(), T, H, horizons_needed=2)


def test_refuses_below_200_repeat_customers():
    """199 repeat customers over a long span is refused; 200 is accepted."""
    con = db.connect_memory()
    con.execute("""
        INSERT INTO orders (order_id, customer_id, order_ts, order_date, status)
        SELECT 'O' || i || '_' || k, 'C' || i, CAST(DATE '2023-01-01' + CAST(k * 200 AS INTEGER) AS TIMESTAMP),
               DATE '2023-01-01' + CAST(k * 200 AS INTEGER), 'completed'
        FROM range(199) t(i), range(2) u(k)""")
    with pytest.raises(churn.InsufficientHistoryError, match="only 199 customers"):
        churn.check_history(con, date(2024, 6, 30), 90, 2)
    con.execute("INSERT INTO orders (order_id, customer_id, order_ts, order_date, status) VALUES "
                "('X1', 'X', TIMESTAMP '2024-01-01', DATE '2024-01-01', 'paid'), "
                "('X2', 'X', TIMESTAMP '2024-02-01', DATE '2024-02-01', 'paid')")
    churn.check_history(con, date(2024, 6, 30), 90, 2)


def test_lift_and_calibration_by_hand():
    y = [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]  # base rate 3/20
    score = list(range(20, 0, -1))  # the two first rows get the top decile (2 rows)
    assert churn.top_decile_lift(y, score) == pytest.approx(1.0 / (3 / 20))
    table = churn.calibration_table([0, 1, 1, 1], [0.1, 0.2, 0.8, 0.9], bins=2)
    assert table["customers"].tolist() == [2, 2]
    assert table["predicted"].tolist() == pytest.approx([0.15, 0.85])
    assert table["observed"].tolist() == pytest.approx([0.5, 1.0])


def test_recommendations_exclude_bought_products(history):
    # On 2024-06-30 B (dormant, Apparel buyer) gets the Apparel/overall best sellers it has not bought.
    recs = targeting.recommendations(history, T, per_customer=2).set_index("customer_id")
    assert list(recs.index) == ["B"]
    assert recs.loc["B", "top_category"] == "Apparel"
    # Sellers of the last 90 days: P1 (1 unit, A3), P2 (1 unit); B bought only P3 -> P1, P2 by units then id.
    assert recs.loc["B", "recommended_ids"] == "P1 | P2"


def test_a_product_on_both_best_seller_lists_is_recommended_once(history):
    # D (dormant, a Kitchen buyer) on 2024-06-30: P1 and P2 are the Kitchen best sellers of the last 90 days and the
    # overall ones too; with room for three, each is named once.
    history.execute("INSERT INTO customers (customer_id, signup_date, channel, membership_tier) "
                    "VALUES ('D', DATE '2024-01-01', 'search', 'none')")
    history.execute("INSERT INTO orders (order_id, customer_id, order_ts, order_date, status, channel, discount) "
                    "VALUES ('D1', 'D', TIMESTAMP '2024-02-15 10:00', DATE '2024-02-15', 'completed', 'search', 0)")
    history.execute("INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price) "
                    "VALUES ('D1', 1, 'P4', 1, 8)")
    recs = targeting.recommendations(history, T, per_customer=3).set_index("customer_id")
    assert recs.loc["D", "top_category"] == "Kitchen" and recs.loc["D", "recommended_ids"] == "P1 | P2"
    assert recs.loc["B", "recommended_ids"] == "P1 | P2"


def test_recommendations_name_each_product_once_in_best_rank_order(demo_db_path):
    """A best seller of the customer's top category is usually an overall best seller too: it is named once, at its
    category rank (the category's sellers come before the overall ones)."""
    con = db.connect(demo_db_path)
    try:
        recs = targeting.recommendations(con, churn.last_order_day(con), per_customer=3)
        sellers = con.execute("""
            SELECT i.product_id, coalesce(p.category, 'Uncategorised') AS category, sum(i.quantity) AS units
            FROM sale_lines i LEFT JOIN products p USING (product_id)
            WHERE i.order_date > $d - 90 AND i.order_date <= $d GROUP BY ALL""",
                              {"d": churn.last_order_day(con)}).df()
    finally:
        db.close(demo_db_path)
    ids = recs["recommended_ids"].str.split(" | ", regex=False)
    assert len(recs) > 100 and (ids.str.len() == 3).mean() > 0.9
    assert all(len(set(row)) == len(row) for row in ids)
    overall = set(sellers.sort_values(["units", "product_id"], ascending=[False, True])["product_id"].head(8))
    by_category = sellers.sort_values(["units", "product_id"], ascending=[False, True]).groupby("category")
    shared = 0
    for category, row in zip(recs["top_category"], ids):
        best = list(by_category.get_group(category)["product_id"].head(8)) if category in by_category.groups else []
        in_category = [p for p in row if p in best]
        assert row[:len(in_category)] == in_category  # the category's sellers first, in their order
        shared += bool(set(in_category) & overall)
    assert shared > 50  # the case at stake: products on both lists


def test_arms_are_seeded_and_sized():
    ids = [f"C{i}" for i in range(200)]
    first = targeting.assign_arms(ids, 0.1, seed=3)
    assert (first["arm"] == "control").sum() == 20
    pd.testing.assert_frame_equal(first, targeting.assign_arms(list(reversed(ids)), 0.1, seed=3))
    assert not first.equals(targeting.assign_arms(ids, 0.1, seed=4))


def test_outreach_results_by_hand(history):
    """10 treated (3 came back within 90 days) vs 10 controls (1 came back): uplift 20 points."""
    sent = date(2024, 3, 1)
    rows = [(f"T{i}", "treatment") for i in range(10)] + [(f"K{i}", "control") for i in range(10)]
    history.executemany("INSERT INTO reactivation_outreach (customer_id, sent_date, arm) VALUES (?, ?, ?)",
                        [(cid, sent, arm) for cid, arm in rows])
    back = [("T0", "2024-03-05"), ("T1", "2024-05-30"), ("T2", "2024-04-01"), ("T3", "2024-06-15"),  # T3: too late
            ("T4", "2024-03-01"),  # on the sent date itself: not after it
            ("K0", "2024-04-10")]
    for i, (cid, day) in enumerate(back):
        history.execute("INSERT INTO orders (order_id, customer_id, order_ts, order_date, status) "
                        "VALUES ($id, $c, CAST($d AS TIMESTAMP), CAST($d AS DATE), 'completed')",
                        {"id": f"R{i}", "c": cid, "d": day})
    history.execute("INSERT INTO orders (order_id, customer_id, order_ts, order_date, status) VALUES "
                    "('RX', 'K1', TIMESTAMP '2024-03-10', DATE '2024-03-10', 'cancelled')")  # cancelled: no
    result = targeting.reactivation_results(history, window_days=90).iloc[0]
    assert (result["treatment_customers"], result["control_customers"]) == (10, 10)
    assert result["treatment_rate"] == pytest.approx(0.3) and result["control_rate"] == pytest.approx(0.1)
    se = math.sqrt(0.3 * 0.7 / 10 + 0.1 * 0.9 / 10)
    assert result["uplift"] == pytest.approx(0.2)
    assert (result["ci_low"], result["ci_high"]) == pytest.approx((0.2 - 1.96 * se, 0.2 + 1.96 * se))


def test_record_outreach_writes_one_transaction(history):
    targets = pd.DataFrame({"customer_id": [f"C{i}" for i in range(50)], "p_return": 0.5})
    version = db.data_version(history)
    assigned = targeting.record_outreach(history, targets, date(2024, 7, 1), 0.2, seed=1, offer="gift")
    stored = history.execute("SELECT arm, count(*) FROM reactivation_outreach GROUP BY arm ORDER BY arm").fetchall()
    assert stored == [("control", 10), ("treatment", 40)]
    assert db.data_version(history) == version + 1
    export = targeting.export_frame(assigned)
    assert len(export) == 40 and "arm" not in export.columns  # the control group is never in the contact list


def test_features_above_the_limit_are_a_hash_sample_of_the_same_rows(demo_db_path, tmp_path, monkeypatch):
    import shutil

    from ecomops import metrics

    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_path, path)
    con = db.connect(path)
    cutoff = metrics.data_range(con).end
    everyone = churn.features(con, cutoff).set_index("customer_id")
    monkeypatch.setattr(churn, "MAX_FEATURE_ROWS", 600)
    sampled = churn.features(con, cutoff, sample_rows=500).set_index("customer_id")
    # About 612 of the customers (2% over), the same every time, each with exactly its unsampled features.
    assert len(everyone) > 1500 and 500 <= len(sampled) <= 730, len(sampled)
    assert sampled.index.equals(churn.features(con, cutoff, sample_rows=500)["customer_id"].pipe(pd.Index))
    pd.testing.assert_frame_equal(sampled, everyone.loc[sampled.index])
    monkeypatch.setattr(churn, "MAX_FEATURE_ROWS", 1_000_000)
    assert len(churn.features(con, cutoff, sample_rows=500)) == len(everyone)  # under the limit: everyone
    con.close()
