"""Derived table behind the Traffic pages (migration 300): GMV per day, channel, category, campaign and pre-sale flag.

Why: GMV needs order lines joined to their orders; at ~10M lines that join costs 0.5-2 s per query and grows with
the date range (a year: several seconds). ``traffic_sales_rollup`` holds GMV already summed per day and the only
dimensions the traffic pages filter or split by, a few hundred rows a day, so GMV over any range is a small scan.
Orders and buyers are not in it (distinct counts do not add up across days): they come from ``orders`` alone.

Rebuilt when the source changes, like the Products cache: the fingerprint combines the data version (bumped by
every import) with row counts and the last order day of orders, order_items and products, so rows written without
a version bump (tests, scripts) are noticed too. The build is one transaction that does not bump the data version.
"""
from __future__ import annotations

import threading

import duckdb

from ecomops import db

_build_lock = threading.RLock()
BUILD_VERSION = 1  # bump when the shape of traffic_sales_rollup changes, so existing databases rebuild it


def fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """Return a fingerprint of the build and the source tables: data version, row counts and the last order day."""
    counts = db.query_one(con, "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM order_items), "
                               "(SELECT count(*) FROM products), (SELECT max(order_date) FROM orders)")
    return f"v{BUILD_VERSION}|{db.data_version(con)}|{counts[0]}|{counts[1]}|{counts[2]}|{counts[3]}"


def is_fresh(con: duckdb.DuckDBPyConnection) -> bool:
    """Return True when traffic_sales_rollup matches the current source data."""
    row = db.query_one(con, "SELECT fingerprint FROM traffic_rollup_state ORDER BY built_at DESC LIMIT 1")
    return row is not None and row[0] == fingerprint(con)


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild traffic_sales_rollup when the source data changed since the last build (no-op otherwise)."""
    if is_fresh(con):
        return
    with _build_lock:
        if is_fresh(con):  # another thread built it while we waited
            return
        stamp = fingerprint(con)
        with db.transaction(con, bump_version=False) as cur:
            for statement in con.extract_statements(db.load_sql("traffic_rollup_build")):
                cur.execute(statement)
            cur.execute("DELETE FROM traffic_rollup_state")
            cur.execute("INSERT INTO traffic_rollup_state (fingerprint) VALUES ($fp)", {"fp": stamp})
