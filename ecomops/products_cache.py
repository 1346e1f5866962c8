"""Derived table behind the Products pages (migration 200): order lines with their order's day, status and channel.

Why: at ~10M order lines every products query joined order_items to orders on a text key and then filtered by
date, which costs a full scan and a string hash join (1-2 s each). ``products_line_facts`` holds the joined lines
once, sorted by order_date (DuckDB's zone maps then skip all rows outside a date window), with integer order and
customer keys for fast distinct counts and the pair self-join.

Rebuilt when the source changes: the fingerprint combines the data version (bumped by every import) with row counts
and the last order day of orders, order_items and products, so rows written without a version bump (tests, scripts)
are noticed too. The build is one transaction that does not bump the data version.
"""
from __future__ import annotations

import threading

import duckdb

from ecomops import db

_build_lock = threading.RLock()


# Bump when the shape of products_line_facts changes, so existing databases rebuild it.
BUILD_VERSION = 2


def fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """Return a fingerprint of the build and the source tables: data version, row counts and the last order day."""
    counts = db.query_one(con, "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM order_items), "
                               "(SELECT count(*) FROM products), (SELECT max(order_date) FROM orders)")
    return f"v{BUILD_VERSION}|{db.data_version(con)}|{counts[0]}|{counts[1]}|{counts[2]}|{counts[3]}"


def is_fresh(con: duckdb.DuckDBPyConnection) -> bool:
    """Return True when products_line_facts matches the current source data."""
    row = db.query_one(con, "SELECT fingerprint FROM products_cache_state ORDER BY built_at DESC LIMIT 1")
    return row is not None and row[0] == fingerprint(con)


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild products_line_facts when the source data changed since the last build (no-op otherwise)."""
    if is_fresh(con):
        return
    with _build_lock:
        if is_fresh(con):  # another thread built it while we waited
            return
        stamp = fingerprint(con)
        with db.transaction(con, bump_version=False) as cur:
            for statement in con.extract_statements(db.load_sql("products_cache_build")):
                cur.execute(statement)
            cur.execute("DELETE FROM products_cache_state")
            cur.execute("INSERT INTO products_cache_state (fingerprint) VALUES ($fp)", {"fp": stamp})
