"""The warehouse layout of the data model, its export from a DuckDB store, and its check against the model.

Layout: one directory per table, named as in docs/data-model.md, holding Parquet files; tables with an event date
are partitioned by it Hive-style (``orders/order_date=2024-03-04/data_0.parquet``), so a date filter reads only its
days' files (Spark prunes partitions; so do Hive, Trino and DuckDB itself).

- Order lines have no date of their own: ``order_items`` is partitioned by its order's ``order_date``, an extra
  column beside the model's (lines whose order is missing go to the default partition, NULL). Every query filtering
  orders by date reads the lines of the same days, so this is what lets a date range skip the other days' lines:
  partitioning lines by order_id (hash buckets) would skip nothing for a date range, and unpartitioned lines mean
  reading all of them for every page.
- Event tables are partitioned by their event day: orders (order_date), order_items (order_date of the order),
  traffic_daily, scroll_depth, ad_spend, search_keywords, competitor_prices (day), inventory_snapshots
  (snapshot_date). Dimension and small tables (customers, products, campaigns, reviews, surveys, ...) are one
  directory of plain files: a day's partition of them would hold a handful of rows.
- The app-state tables (the import log, saved mappings, alert rules, the model registry, the compliance word list)
  stay in the local DuckDB file: the team's pipelines do not write them, ecomops does.
- ``import_id`` (which upload wrote a row) is ecomops' own bookkeeping: exported, but not required by the check.

The model (tables, columns, types) is read from the migrations themselves (``ecomops/sql/migrations/*.sql`` applied
to an empty in-memory database), so the check cannot drift from the schema the app uses.
"""
from __future__ import annotations

import json
import shutil
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

import duckdb

from ecomops import db

# Tables that stay in the local DuckDB file (app state written by ecomops itself), never in the warehouse.
LOCAL_TABLES = ("imports", "mapping_presets", "alert_rules", "model_registry", "banned_words")
WAREHOUSE_TABLES = tuple(t for t in db.TABLES if t not in LOCAL_TABLES)
# The date column each event table is partitioned by (order_items: its order's date, an added column).
PARTITION_BY = {
    "orders": "order_date",
    "order_items": "order_date",
    "traffic_daily": "day",
    "scroll_depth": "day",
    "ad_spend": "day",
    "search_keywords": "day",
    "competitor_prices": "day",
    "inventory_snapshots": "snapshot_date",
}
OPTIONAL_COLUMNS = frozenset({"import_id"})
LOAD_FILE = "_ecomops_load.json"

# Spark's simpleString types that hold each model type without changing a query's result.
ACCEPTED_TYPES = {
    "VARCHAR": {"string"},
    "JSON": {"string"},
    "INTEGER": {"tinyint", "smallint", "int"},
    "BIGINT": {"tinyint", "smallint", "int", "bigint"},
    "UBIGINT": {"decimal(20,0)"},
    "DOUBLE": {"double", "float"},
    "DATE": {"date"},
    "TIMESTAMP": {"timestamp", "timestamp_ntz"},
    "BOOLEAN": {"boolean"},
}


@lru_cache(maxsize=1)
def model() -> dict[str, list[tuple[str, str]]]:
    """Return {table: [(column, DuckDB type), ...]} of every data table, from the migrations applied to an empty
    in-memory database."""
    con = db.connect_memory()
    try:
        rows = con.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position").fetchall()
    finally:
        con.close()
    found: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in rows:
        found.setdefault(table, []).append((column, kind))
    return found


def _copy_sql(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """Return the SELECT that exports one table (order lines with their order's date)."""
    # The model's columns for the warehouse tables; any other table (a summary table, rebuilt with more columns
    # than its migration created) as it is now.
    columns = ", ".join(f'i."{c}"' for c, _ in model()[table]) if table in WAREHOUSE_TABLES else "i.*"
    if table == "order_items":
        return (f"SELECT {columns}, o.order_date FROM order_items i LEFT JOIN "
                f"(SELECT order_id, any_value(order_date) AS order_date FROM orders GROUP BY order_id) o "
                f"USING (order_id)")
    return f"SELECT {columns} FROM {table} i"


def export_table(con: duckdb.DuckDBPyConnection, table: str, target: Path) -> int:
    """Write one table as Parquet under ``target/<table>`` (partitioned by its date when it has one); return rows."""
    if table not in model() and table not in _existing_tables(con):
        raise ValueError(f"unknown table {table!r}")
    out = target / table
    out.mkdir(parents=True, exist_ok=True)
    query = _copy_sql(con, table)
    rows = int(con.execute(f"SELECT count(*) FROM ({query})").fetchone()[0])
    part = PARTITION_BY.get(table)
    path = str(out).replace("'", "''")
    if part and rows:
        con.execute(f"COPY ({query}) TO '{path}' (FORMAT parquet, PARTITION_BY ({part}), OVERWRITE_OR_IGNORE, "
                    f"COMPRESSION zstd)")
    else:
        # An empty table is one empty file (with its columns): a partitioned copy of no rows writes nothing, and a
        # missing directory would read as a missing table.
        con.execute(f"COPY ({query}) TO '{path}/data_0.parquet' (FORMAT parquet, COMPRESSION zstd)")
    return rows


def _existing_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def export(con: duckdb.DuckDBPyConnection, to: str | Path, tables: tuple[str, ...] = WAREHOUSE_TABLES,
           force: bool = False, progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Write the tables of a DuckDB store as a Parquet warehouse directory; return rows per table.

    Written into a sibling temporary directory, then moved into place: a failed export leaves ``to`` as it was.
    ``to`` must not exist or be empty, unless ``force`` (then it is replaced).
    """
    target = Path(to)
    if target.exists() and any(target.iterdir()) and not force:
        raise ValueError(f"{target} is not empty: choose another directory or pass --force to replace it")
    staging = target.parent / f".{target.name}.export-{uuid.uuid4().hex[:8]}"
    counts: dict[str, int] = {}
    try:
        for table in tables:
            counts[table] = export_table(con, table, staging)
            if progress:
                progress(table, counts[table])
        load = {"load_id": uuid.uuid4().hex, "exported_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "sales_version": db.sales_version(con), "tables": counts,
                "partitioned_by": {t: PARTITION_BY[t] for t in tables if t in PARTITION_BY}}
        (staging / LOAD_FILE).write_text(json.dumps(load, indent=1), encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return counts


@dataclass(frozen=True)
class Problem:
    """One difference between a warehouse and the data model."""

    table: str
    column: str | None
    message: str


def check_schemas(actual: dict[str, dict[str, str] | None], tables: tuple[str, ...] = WAREHOUSE_TABLES,
                  where: Callable[[str], str] = lambda t: t) -> list[Problem]:
    """Return the problems of a warehouse given {table: {column: Spark type} or None when missing}."""
    problems: list[Problem] = []
    for table in tables:
        columns = actual.get(table)
        if columns is None:
            problems.append(Problem(table, None, f"missing table {table} (expected at {where(table)})"))
            continue
        for column, kind in model()[table]:
            if column not in columns:
                if column not in OPTIONAL_COLUMNS:
                    problems.append(Problem(table, column, f"{table}: missing column {column} ({kind})"))
                continue
            found = columns[column]
            if found not in ACCEPTED_TYPES.get(kind, {kind.lower()}):
                problems.append(Problem(table, column,
                                        f"{table}.{column}: type {found}, the model says {kind} "
                                        f"(accepted: {', '.join(sorted(ACCEPTED_TYPES.get(kind, {kind.lower()})))})"))
    return problems


def spark_schemas(engine, tables: tuple[str, ...] = WAREHOUSE_TABLES) -> dict[str, dict[str, str] | None]:
    """Return {table: {column: Spark simpleString type}} as the Spark engine sees the warehouse (None: missing)."""
    from ecomops.engine import EngineError

    found: dict[str, dict[str, str] | None] = {}
    for table in tables:
        try:
            schema = engine.read_table(table).schema
        except EngineError:
            found[table] = None
            continue
        found[table] = {field.name: field.dataType.simpleString() for field in schema.fields}
    return found


def check(engine, tables: tuple[str, ...] = WAREHOUSE_TABLES) -> list[Problem]:
    """Return the problems of the warehouse a Spark engine reads (missing tables, missing columns, wrong types)."""
    where = (lambda t: f"{engine.warehouse} table {t}") if engine.is_hive() else engine.table_path
    return check_schemas(spark_schemas(engine, tables), tables, where)
