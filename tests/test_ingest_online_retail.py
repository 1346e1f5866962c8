"""The whole UCI Online Retail file imported through the command line matches independent SQL over the raw gz file:
valid orders, GMV, buyers and cancellations (METRICS.md), plus the rows the import rejected."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from ecomops import db
from ecomops.filters import Filters

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# Independent reading of the raw file: DuckDB's own type detection, no ecomops code.
INDEPENDENT = """
WITH raw AS (
    SELECT * FROM read_csv($path, header = true, types = {'InvoiceNo': 'VARCHAR', 'StockCode': 'VARCHAR',
                                                           'CustomerID': 'DOUBLE'})
),
bad_invoices AS (  -- an invoice with a line of negative price or zero quantity is rejected whole
    SELECT DISTINCT InvoiceNo FROM raw WHERE UnitPrice < 0 OR Quantity = 0
),
kept AS (SELECT * FROM raw WHERE InvoiceNo NOT IN (SELECT InvoiceNo FROM bad_invoices))
SELECT
    (SELECT count(*) FROM raw)                                                            AS lines,
    (SELECT count(*) FROM raw WHERE InvoiceNo IN (SELECT InvoiceNo FROM bad_invoices))     AS rejected_lines,
    (SELECT count(DISTINCT InvoiceNo) FROM kept WHERE InvoiceNo NOT LIKE 'C%')             AS valid_orders,
    (SELECT count(DISTINCT InvoiceNo) FROM kept WHERE InvoiceNo LIKE 'C%')                 AS cancellations,
    (SELECT sum(Quantity * UnitPrice) FROM kept WHERE InvoiceNo NOT LIKE 'C%' AND Quantity > 0) AS gmv,
    (SELECT count(DISTINCT CustomerID) FROM kept WHERE InvoiceNo NOT LIKE 'C%' AND CustomerID IS NOT NULL) AS buyers
"""


@pytest.mark.slow
def test_online_retail_cli_import_matches_independent_sql(shared_data: Path, tmp_path: Path) -> None:
    raw_path = shared_data / "online_retail.csv.gz"
    expected = duckdb.connect().execute(INDEPENDENT, {"path": str(raw_path)}).fetchone()
    lines, rejected_lines, valid_orders, cancellations, gmv, buyers = expected
    assert lines == 541_909 and rejected_lines > 0

    db_path = tmp_path / "retail.duckdb"  # does not exist yet: the command creates it with its schema
    # A UK retailer's export names no currency: the user says it once (--currency).
    refused = subprocess.run([sys.executable, "-m", "ecomops", "import", str(raw_path), "--db", str(db_path), "--json",
                              "--currency", "GBP"],
                             cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600)
    assert refused.returncode == 1, refused.stderr
    summary = json.loads(refused.stdout)
    assert summary["rows_imported"] == 0 and summary["rows_rejected"] == rejected_lines and summary["import_id"] is None

    done = subprocess.run([sys.executable, "-m", "ecomops", "import", str(raw_path), "--db", str(db_path), "--json",
                           "--skip-invalid", "--currency", "GBP"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert set(summary) >= {"kind", "rows_read", "rows_imported", "rows_rejected", "import_id", "errors"}
    assert (summary["kind"], summary["rows_read"], summary["rows_imported"], summary["rows_rejected"]) == (
        "orders", lines, lines - rejected_lines, rejected_lines)
    assert summary["errors"] and "negative" in summary["errors"][0]

    con = db.connect(db_path)
    try:
        got = con.execute("""
            SELECT count(*) FILTER (WHERE status IN ('paid', 'shipped', 'completed', 'returned')), count(*) FILTER (WHERE status = 'cancelled'),
                   count(DISTINCT customer_id) FILTER (WHERE status IN ('paid', 'shipped', 'completed', 'returned'))
            FROM orders""").fetchone()
        assert got == (valid_orders, cancellations, buyers)
        got_gmv = con.execute("""
            SELECT sum(i.quantity * i.unit_price) FROM order_items i JOIN orders o USING (order_id)
            WHERE o.status IN ('paid', 'shipped', 'completed', 'returned') AND i.quantity > 0""").fetchone()[0]
        assert got_gmv == pytest.approx(gmv, rel=1e-9)
        assert con.execute("SELECT count(*) FROM order_items").fetchone()[0] == lines - rejected_lines
        # CustomerID 17850.0 is stored as '17850'; the product's own KPI function agrees with the raw file.
        assert con.execute("SELECT count(*) FROM customers WHERE customer_id = '17850'").fetchone()[0] == 1
        from ecomops import metrics

        kpis = metrics.kpis(con, Filters(date(2010, 12, 1), date(2011, 12, 9)))
        assert kpis["orders"] == valid_orders and kpis["buyers"] == buyers
        assert kpis["gmv"] == pytest.approx(gmv, rel=1e-9)
    finally:
        db.close(db_path)
