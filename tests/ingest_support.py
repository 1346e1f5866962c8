"""Helpers for the import tests: a seeded database, table checksums, and small file writers."""
from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

from ecomops import db

ORDERS_HEADER = ["order_id", "order_date", "customer_id", "sku", "product_name", "qty", "unit_price", "status"]
SEED_ROWS = [
    ["S1", "2024-01-05 10:00:00", "c1", "P1", "Mug", "2", "10.00", "completed"],
    ["S1", "2024-01-05 10:00:00", "c1", "P2", "Sleeve", "1", "5.00", "completed"],
    ["S2", "2024-01-06 11:00:00", "c2", "P1", "Mug", "1", "10.00", "cancelled"],
    ["S3", "2024-01-07 12:00:00", "", "P3", "Brush", "3", "4.00", "paid"],
]


def write_csv(path: Path, header: list[str], rows: list[list], delimiter: str = ",", encoding: str = "utf-8",
              newline: str = "\n") -> Path:
    """Write rows as CSV (any encoding) and return the path."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_gz(path: Path, data: bytes) -> Path:
    """Write gzip-compressed bytes."""
    with gzip.open(path, "wb") as handle:
        handle.write(data)
    return path


def seeded_db(tmp_path: Path):
    """Return an in-memory database holding one imported orders file (the 'previous data')."""
    from ecomops.ingest import import_file

    con = db.connect_memory()
    result = import_file(con, write_csv(tmp_path / "seed.csv", ORDERS_HEADER, SEED_ROWS))
    assert result.status == "imported", result.errors
    return con


def checksums(con) -> dict[str, tuple]:
    """Return (row count, order-independent hash) of every table, plus the data version."""
    names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' "
                                       "AND database_name = current_database() ORDER BY 1").fetchall()]
    out = {name: tuple(con.execute(f"SELECT count(*), coalesce(bit_xor(hash(t)), 0) FROM {name} t").fetchone())
           for name in names}
    out["data_version"] = (db.data_version(con),)
    return out


def gmv(con) -> float:
    """Return GMV per METRICS.md (valid orders' lines with quantity > 0)."""
    return con.execute("SELECT coalesce(sum(i.quantity * i.unit_price), 0) FROM order_items i JOIN orders o "
                       "USING (order_id) WHERE o.status IN ('paid', 'shipped', 'completed', 'returned') AND i.quantity > 0").fetchone()[0]
