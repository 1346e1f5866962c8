"""The demo generator's streamed (chunked) path, forced on a small store: 3,000 customers in 3 chunks of 1,000.

Above ``demo.STREAM_ABOVE`` customers the generator draws and writes the customers chunk by chunk and the store-level
tables once from totals summed over the chunks; here ``chunk_customers`` makes it do so at a size a test can afford,
and the result is checked against a single pass of the same size (a different draw, the same shape).
"""
from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from ecomops import db, demo, derived
from ecomops.__main__ import main
from ecomops.demo import writer

CUSTOMERS = 3000
CHUNK = 1000


def one(con, sql: str, params=None):
    return db.query_one(con, sql, params)[0]


@pytest.fixture(scope="module")
def streamed():
    con = db.connect_memory()
    messages: list[tuple[float, str]] = []
    counts = demo.generate(con, customers=CUSTOMERS, seed=7, chunk_customers=CHUNK,
                           progress=lambda fraction, message: messages.append((fraction, message)))
    yield con, counts, messages
    con.close()


@pytest.fixture(scope="module")
def single_counts():
    con = db.connect_memory()
    try:
        return demo.generate(con, customers=CUSTOMERS, seed=7)
    finally:
        con.close()


def test_ids_are_unique_and_run_on_across_chunks(streamed):
    con, counts, _ = streamed
    assert counts["customers"] == CUSTOMERS
    ids = db.query_one(con, "SELECT count(DISTINCT customer_id), min(customer_id), max(customer_id) FROM customers")
    assert ids == (CUSTOMERS, "C0000001", f"C{CUSTOMERS:07d}")
    n_orders = counts["orders"]
    assert db.query_one(con, "SELECT count(DISTINCT order_id), min(order_id), max(order_id) FROM orders") == (
        n_orders, "O000000001", f"O{n_orders:09d}")
    n_reviews = counts["reviews"]
    assert db.query_one(con, "SELECT count(DISTINCT review_id), max(review_id) FROM reviews") == (
        n_reviews, f"R{n_reviews:08d}")
    assert one(con, "SELECT count(*) - count(DISTINCT (order_id, line_no)) FROM order_items") == 0
    # Orders are numbered by chunk: each chunk's customers hold one consecutive block of order numbers, in time
    # order within it.
    blocks = db.query_df(con, """
        SELECT (CAST(substr(customer_id, 2) AS INTEGER) - 1) // $chunk AS chunk,
               min(order_id) AS first, max(order_id) AS last, count(*) AS n FROM orders
        WHERE customer_id IS NOT NULL GROUP BY 1 ORDER BY 1""", {"chunk": CHUNK})
    assert list(blocks["chunk"]) == [0, 1, 2]
    assert (blocks["last"].iloc[:-1].to_numpy() < blocks["first"].iloc[1:].to_numpy()).all()
    # Time goes back only where a chunk's block starts.
    back = one(con, "SELECT count(*) FROM (SELECT order_ts < lag(order_ts) OVER (ORDER BY order_id) AS back "
                    "FROM orders) WHERE back")
    assert 1 <= back <= 2


def test_referential_integrity(streamed):
    con, _, _ = streamed
    orphans = {
        "items without order": "SELECT count(*) FROM order_items i ANTI JOIN orders o USING (order_id)",
        "orders without lines": "SELECT count(*) FROM orders o ANTI JOIN order_items i USING (order_id)",
        "orders of unknown customer": "SELECT count(*) FROM orders WHERE customer_id IS NOT NULL "
                                      "AND customer_id NOT IN (SELECT customer_id FROM customers)",
        "reviews of a product not in the order": "SELECT count(*) FROM reviews r ANTI JOIN order_items i "
                                                 "USING (order_id, product_id)",
        "reviews by another customer": "SELECT count(*) FROM reviews r JOIN orders o USING (order_id) "
                                       "WHERE r.customer_id IS DISTINCT FROM o.customer_id",
        "outreach to unknown customer": "SELECT count(*) FROM reactivation_outreach r ANTI JOIN customers c "
                                        "USING (customer_id)",
        "surveys of unknown customer": "SELECT count(*) FROM customer_surveys s ANTI JOIN customers c USING (customer_id)",
    }
    assert {name: one(con, sql) for name, sql in orphans.items()} == {name: 0 for name in orphans}


def test_counts_match_a_single_pass_of_the_same_size(streamed, single_counts):
    _, counts, _ = streamed
    assert set(counts) == set(demo.DEMO_TABLES) and list(counts) == list(writer.TABLES)
    for table in ("products", "campaigns", "traffic_daily", "scroll_depth", "ad_spend", "suppliers"):
        assert counts[table] == single_counts[table], table
    # Drawn per customer, order or keyword: a different draw of the same size (run to run spread ~2%).
    for table in ("orders", "order_items", "reviews", "reactivation_outreach", "customer_surveys", "search_keywords",
                  "inventory_snapshots", "product_suppliers", "competitor_prices"):
        assert counts[table] == pytest.approx(single_counts[table], rel=0.10), table


def test_summary_tables_are_built(streamed):
    con, _, _ = streamed
    tables = [t for t in derived.REGISTRY if t is not derived.RISK_REVIEW_LABELS]  # see tests/test_demo.py
    assert {t.name: derived.is_fresh(con, t) for t in tables} == {t.name: True for t in tables}
    assert one(con, "SELECT count(*) FROM users_order_facts") > 0
    assert one(con, "SELECT count(*) FROM products_line_facts") == one(con, "SELECT count(*) FROM order_items")


def test_planted_anomaly_and_outreach(streamed):
    con, _, _ = streamed
    cells = db.query_df(con, """
        WITH b AS (SELECT order_date AS day, count(DISTINCT customer_id) AS buyers FROM orders
                   WHERE status IN ('paid', 'shipped', 'completed', 'returned') AND channel = 'paid_ads'
                     AND device = 'mobile_web' GROUP BY 1)
        SELECT t.day, t.uv, coalesce(b.buyers, 0) AS buyers FROM traffic_daily t LEFT JOIN b USING (day)
        WHERE t.channel = 'paid_ads' AND t.device = 'mobile_web'""")
    cells["day"] = pd.to_datetime(cells["day"]).dt.date
    usual = cells[cells["day"].isin([demo.ANOMALY_DAY - timedelta(weeks=k) for k in range(1, 9)])]
    day = cells[cells["day"] == demo.ANOMALY_DAY].iloc[0]
    assert day["buyers"] / day["uv"] < 0.5 * usual["buyers"].sum() / usual["uv"].sum()
    assert day["uv"] > 1.5 * usual["uv"].median()
    arms = db.query_df(con, "SELECT arm, count(*) AS n, avg(CAST(converted AS DOUBLE)) AS rate "
                            "FROM reactivation_outreach GROUP BY 1").set_index("arm")
    assert set(arms.index) == {"treatment", "control"}
    assert arms["n"].sum() == pytest.approx(CUSTOMERS * 2000 / 20000, rel=0.3)  # each chunk runs its own test
    assert arms.loc["treatment", "rate"] > arms.loc["control", "rate"]


def test_progress_reports_every_chunk_in_order(streamed):
    _, _, messages = streamed
    fractions = [f for f, _ in messages]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    for k in (1, 2, 3):
        assert any(m.startswith(f"chunk {k}/3 ") and m.endswith("order history") for _, m in messages), k
    assert any(m == "traffic and funnel" for _, m in messages)


def test_same_seed_same_streamed_store():
    def sums(con):
        return {t: one(con, f"SELECT sum(hash({t})) FROM {t}") for t in ("customers", "orders", "order_items", "reviews")}

    first, again = db.connect_memory(), db.connect_memory()
    try:
        demo.generate(first, customers=400, seed=3, chunk_customers=150)
        demo.generate(again, customers=400, seed=3, chunk_customers=150)
        assert sums(first) == sums(again)
    finally:
        first.close()
        again.close()


def test_a_failed_streamed_build_leaves_the_tables_empty(monkeypatch):
    real_insert = writer.insert
    calls = []

    def failing(con, cat, cal, frames, reviews_before=0):
        calls.append(sorted(frames))
        if len(calls) == 3:  # products and campaigns, chunk 1, then chunk 2 fails
            raise RuntimeError("disk full")
        return real_insert(con, cat, cal, frames, reviews_before)

    monkeypatch.setattr(writer, "insert", failing)
    con = db.connect_memory()
    try:
        with pytest.raises(RuntimeError, match="disk full"):
            demo.generate(con, customers=300, seed=1, chunk_customers=100)
        assert {t: one(con, f"SELECT count(*) FROM {t}") for t in demo.DEMO_TABLES} == {t: 0 for t in demo.DEMO_TABLES}
    finally:
        con.close()


def test_command_streams_and_prints_time_and_peak_memory(tmp_path, capsys):
    path = tmp_path / "demo.duckdb"
    try:
        assert main(["demo", "--db", str(path), "--customers", "300", "--chunk-customers", "100", "--no-models"]) == 0
        out = capsys.readouterr().out
        assert "Time: " in out and "Peak memory" in out
        assert one(db.connect(path), "SELECT count(DISTINCT customer_id) FROM customers") == 300
        assert main(["demo", "--db", str(path), "--customers", "300", "--chunk-customers", "50", "--force"]) == 2
        assert "--chunk-customers" in capsys.readouterr().err
    finally:
        db.close(path)
