"""A file large enough for DuckDB's parallel CSV reader (many buffers and row groups): row numbers, first values in
file order and line numbers must still follow the file exactly (the import numbers rows from a table's rowids)."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ecomops import db
from ecomops.ingest import import_file

LINES = 1_000_000  # ~70 MB: several reader buffers and ~10 row groups
BAD_LINES = (3, 499_999, 987_654)  # 0-based line indexes given quantity 0


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory) -> Path:
    """Orders of 4 lines each; only an order's first line names the customer (as Shopify exports do)."""
    path = tmp_path_factory.mktemp("large") / "orders.csv"
    bad = ", ".join(str(i) for i in BAD_LINES)
    duckdb.connect().execute(f"""
        COPY (SELECT 'L' || lpad(CAST(i // 4 AS VARCHAR), 7, '0') AS order_id,
                     TIMESTAMP '2024-01-01' + INTERVAL (i // 4) MINUTE AS order_date,
                     CASE WHEN i % 4 = 0 THEN 'cust' || (i // 4 % 5000) END AS customer_id,
                     'SKU' || (i % 4) AS sku,
                     CASE WHEN i IN ({bad}) THEN 0 ELSE 1 + i % 3 END AS qty,
                     CAST(i % 4 + 1 AS DOUBLE) AS unit_price
              FROM range({LINES}) t(i) ORDER BY i)
        TO '{path}' (HEADER)""")
    return path


def test_rows_are_numbered_as_in_the_file(big_csv: Path) -> None:
    con = db.connect_memory()
    result = import_file(con, big_csv, dry_run=True)
    zero = [p for p in result.problems if "is 0" in p.message]
    assert len(zero) == 1 and zero[0].rows == 3
    # Spreadsheet rows: header = row 1, line i = row i + 2.
    assert [e["row"] for e in zero[0].examples] == [i + 2 for i in BAD_LINES]
    assert all(e["value"] == "0" for e in zero[0].examples)
    # Every other line of those orders is rejected with them, naming the bad row.
    assert result.rows_rejected == 3 * 4


def test_lines_and_first_values_follow_the_file(big_csv: Path) -> None:
    con = db.connect_memory()
    result = import_file(con, big_csv, accept_valid=True)
    assert result.status == "imported"
    assert result.inserted["orders"] == LINES // 4 - 3
    assert result.inserted["order_items"] == LINES - 12
    # line_no = position in the file within the order: SKU0 is always line 1, SKU3 line 4.
    wrong = con.execute("SELECT count(*) FROM order_items "
                        "WHERE line_no <> CAST(substr(product_id, 4) AS INTEGER) + 1").fetchone()[0]
    assert wrong == 0
    # The customer named on each order's first line (later lines are blank) reaches every order.
    missing, mismatched = con.execute("""
        SELECT count(*) FILTER (WHERE customer_id IS NULL),
               count(*) FILTER (WHERE customer_id <> 'cust' || (CAST(substr(order_id, 2) AS BIGINT) % 5000))
        FROM orders""").fetchone()
    assert (missing, mismatched) == (0, 0)
    assert con.execute("SELECT count(*) - count(DISTINCT order_id) FROM orders").fetchone()[0] == 0
