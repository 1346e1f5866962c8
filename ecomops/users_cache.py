"""Derived tables behind the Users pages (migration 600): valid orders with their GMV and an integer customer key.

Why: at 1M customers / 10M order lines, joining order lines and grouping by a text customer id costs seconds per
query. Building one row per valid order (GMV summed once) keyed by a dense integer customer key makes every
lifecycle, RFM, cohort and membership query a scan of a few million narrow rows.

The tables are rebuilt when the source data changes: the fingerprint combines the data version (bumped by every
import), the row counts of orders, order_items, customers and reviews, the last order day (so rows written without
a version bump, as tests and scripts do, are noticed too) and a hash of the build query (so an upgrade rebuilds
them). Updates that keep every count (a status edited in place without a version bump) are not noticed. The build
is one transaction that does not bump the data version.
"""
from __future__ import annotations

import hashlib
import threading

import duckdb
import pandas as pd

from ecomops import db

# Customer keys are dense integers, so grouping by them can use DuckDB's perfect hash aggregation (an array indexed
# by key instead of a hash table): about 4x faster for 1M customers. The default threshold (12 bits) only allows it
# up to 4096 keys; 24 bits covers 16M customers. Set per cursor (session), so nobody else's queries are affected.
PERFECT_HASH_BITS = 24

_build_lock = threading.RLock()


def build_lock() -> threading.RLock:
    """Return the lock that serialises writes to the derived tables within this process."""
    return _build_lock


def _build_hash() -> str:
    # A new version of the build query (an upgrade) must rebuild tables made by the old one.
    return hashlib.sha1(db.load_sql("users_cache_build").encode("utf-8")).hexdigest()[:10]


def fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """Return a fingerprint of the source tables (data version, row counts, last order day) and of the build query."""
    counts = db.query_one(
        con,
        "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM order_items), (SELECT count(*) FROM customers), "
        "(SELECT max(order_date) FROM orders), (SELECT count(*) FROM reviews)",
    )
    return f"{_build_hash()}|{db.data_version(con)}|" + "|".join(str(c) for c in counts)


def is_fresh(con: duckdb.DuckDBPyConnection) -> bool:
    """Return True when the derived tables match the current source data."""
    row = db.query_one(con, "SELECT fingerprint FROM users_cache_state ORDER BY built_at DESC LIMIT 1")
    return row is not None and row[0] == fingerprint(con)


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the derived tables when the source data changed since the last build (no-op otherwise)."""
    if is_fresh(con):
        return
    with _build_lock:
        if is_fresh(con):  # another thread built them while we waited
            return
        stamp = fingerprint(con)
        with db.transaction(con, bump_version=False) as cur:
            cur.execute(f"SET perfect_ht_threshold = {PERFECT_HASH_BITS}")
            for statement in con.extract_statements(db.load_sql("users_cache_build")):
                cur.execute(statement)
            cur.execute("DELETE FROM users_cache_state")
            cur.execute("INSERT INTO users_cache_state (fingerprint) VALUES ($fp)", {"fp": stamp})



def query_df(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> pd.DataFrame:
    """Return the result of one query over the derived tables as a DataFrame (own cursor, perfect hash grouping)."""
    cur = con.cursor()
    try:
        cur.execute(f"SET perfect_ht_threshold = {PERFECT_HASH_BITS}")
        return cur.execute(sql, params or {}).df()
    finally:
        cur.close()
