"""Test helper: load UCI Online Retail straight into the data model with plain DuckDB SQL (not the import path).

Tests use it to check domain functions against independent SQL over the raw file, without depending on ingest.
"""
from __future__ import annotations

from pathlib import Path

import duckdb

RAW = "read_csv($path, header = true, types = {'InvoiceNo': 'VARCHAR', 'StockCode': 'VARCHAR', 'CustomerID': 'DOUBLE'})"


def load_online_retail(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Fill products, customers, orders and order_items from the raw Online Retail file."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE raw_retail AS SELECT *, row_number() OVER () AS rn FROM {RAW}",
                {"path": str(path)})
    con.execute("""
        INSERT INTO products (product_id, title, category)
        SELECT StockCode, coalesce(max(Description), StockCode), 'Uncategorised' FROM raw_retail GROUP BY StockCode
    """)
    con.execute("""
        INSERT INTO customers (customer_id, country)
        SELECT CAST(CAST(CustomerID AS BIGINT) AS VARCHAR), max(Country) FROM raw_retail
        WHERE CustomerID IS NOT NULL GROUP BY 1
    """)
    con.execute("""
        INSERT INTO orders (order_id, customer_id, order_ts, order_date, status, channel, device)
        SELECT InvoiceNo, CAST(CAST(any_value(CustomerID) AS BIGINT) AS VARCHAR), min(InvoiceDate),
               CAST(min(InvoiceDate) AS DATE),
               CASE WHEN InvoiceNo LIKE 'C%' THEN 'cancelled' ELSE 'completed' END, 'online', 'unknown'
        FROM raw_retail GROUP BY InvoiceNo
    """)
    con.execute("""
        INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price)
        SELECT InvoiceNo, row_number() OVER (PARTITION BY InvoiceNo ORDER BY rn), StockCode, Quantity, UnitPrice
        FROM raw_retail
    """)
    con.execute("DROP TABLE raw_retail")
