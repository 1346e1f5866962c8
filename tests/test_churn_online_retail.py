"""Churn model on real data: UCI Online Retail loaded straight into orders/order_items with DuckDB read_csv.

Cancellations (InvoiceNo starting with C) are stored as status 'cancelled'; CustomerID 17850.0 becomes '17850';
rows without a customer are guest orders. The test reports the out-of-time AUC next to the recency baseline and
asserts the model is not worse than ranking by recency alone.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ecomops import db
from ecomops.users import churn

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "online_retail.csv.gz"


def load_online_retail(con, path: Path = DATA) -> None:
    """Load the raw file into products, customers, orders and order_items (one invoice = one order)."""
    cur = con.cursor()
    cur.execute(
        "CREATE TEMP TABLE raw AS SELECT * FROM read_csv($path, header = true, all_varchar = true)", {"path": str(path)})
    cur.execute("""
        CREATE TEMP TABLE lines AS
        SELECT InvoiceNo AS order_id,
               CASE WHEN CustomerID IS NULL OR trim(CustomerID) = '' THEN NULL
                    ELSE CAST(CAST(CAST(CustomerID AS DOUBLE) AS BIGINT) AS VARCHAR) END AS customer_id,
               CAST(InvoiceDate AS TIMESTAMP) AS order_ts, StockCode AS product_id,
               coalesce(Description, StockCode) AS title, CAST(Quantity AS INTEGER) AS quantity,
               CAST(UnitPrice AS DOUBLE) AS unit_price, Country AS country,
               row_number() OVER (PARTITION BY InvoiceNo) AS line_no
        FROM raw""")
    cur.execute("""
        INSERT INTO products (product_id, title, category, price)
        SELECT product_id, any_value(title), 'Uncategorised', median(unit_price) FROM lines GROUP BY product_id""")
    cur.execute("""
        INSERT INTO customers (customer_id, country)
        SELECT customer_id, any_value(country) FROM lines WHERE customer_id IS NOT NULL GROUP BY customer_id""")
    cur.execute("""
        INSERT INTO orders (order_id, customer_id, order_ts, order_date, status, channel)
        SELECT order_id, any_value(customer_id), min(order_ts), CAST(min(order_ts) AS DATE),
               CASE WHEN order_id LIKE 'C%' THEN 'cancelled' ELSE 'completed' END, 'online'
        FROM lines GROUP BY order_id""")
    cur.execute("""
        INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price)
        SELECT order_id, line_no, product_id, quantity, unit_price FROM lines""")
    cur.execute("DROP TABLE raw")
    cur.execute("DROP TABLE lines")
    cur.close()


@pytest.fixture(scope="module")
def retail_con():
    if not DATA.exists():
        pytest.skip(f"shared data not found at {DATA}")
    con = db.connect_memory()
    load_online_retail(con)
    yield con
    con.close()


def test_loader_matches_raw_file(retail_con):
    """The load keeps every invoice: valid orders and customers agree with plain SQL over the raw file."""
    raw = retail_con.execute(
        "SELECT count(DISTINCT InvoiceNo) FILTER (WHERE NOT InvoiceNo LIKE 'C%'), "
        "count(DISTINCT CustomerID) FILTER (WHERE NOT InvoiceNo LIKE 'C%') "
        "FROM read_csv($p, header = true, all_varchar = true)", {"p": str(DATA)}).fetchone()
    loaded = retail_con.execute(
        "SELECT count(*), count(DISTINCT customer_id) FROM orders WHERE status IN ('paid', 'shipped', 'completed', 'returned')").fetchone()
    assert loaded == raw


def test_model_beats_recency_baseline_on_online_retail(retail_con):
    """Out-of-time backtest at the last invoice day: the model is not worse than ranking by recency."""
    cutoff = churn.last_order_day(retail_con)
    assert cutoff == date(2011, 12, 9)
    result = churn.backtest(retail_con, cutoff, 90, max_iter=150, importance_rows=1000)
    print(f"\nOnline Retail backtest at {cutoff}: model AUC {result.model['auc']:.3f} vs recency baseline "
          f"{result.baseline['auc']:.3f}; PR AUC {result.model['pr_auc']:.3f} vs {result.baseline['pr_auc']:.3f}; "
          f"lift {result.model['lift_top_decile']:.2f} vs {result.baseline['lift_top_decile']:.2f}; "
          f"n_train {result.n_train}, n_test {result.n_test}, churn rate {result.churn_rate:.1%}; dormant slice "
          f"({result.extra['dormant']['customers']} customers) AUC {result.extra['dormant']['model']['auc']:.3f} "
          f"vs {result.extra['dormant']['baseline']['auc']:.3f}")
    assert result.n_test > 2000 and result.n_train > 1000
    assert result.model["auc"] >= result.baseline["auc"]
    assert result.model["auc"] > 0.7
