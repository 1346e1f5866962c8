"""Derived tables behind the Users pages (migration 600): valid orders with their GMV and an integer customer key.

Why: at 1M customers / 10M order lines, joining order lines and grouping by a text customer id costs seconds per
query. One row per valid order (GMV summed once) keyed by a dense integer customer key makes every lifecycle, RFM,
cohort and membership query a scan of a few million narrow rows. Built and refreshed by ecomops/derived.py
(fingerprint of the build query, data version, source row counts); queries over them run with perfect-hash grouping.
"""
from __future__ import annotations

import threading

import duckdb
import pandas as pd

from ecomops import db, derived

PERFECT_HASH = derived.PERFECT_HASH


def build_lock() -> threading.RLock:
    """Return the lock that serialises writes to the derived tables within this process."""
    return derived.build_lock()


def is_fresh(con: duckdb.DuckDBPyConnection) -> bool:
    """Return True when the derived tables match the current source data."""
    return derived.is_fresh(con, derived.USERS_ORDERS)


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the derived tables when the source data changed since the last build (no-op otherwise)."""
    derived.ensure(con, derived.USERS_ORDERS)


def query_df(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> pd.DataFrame:
    """Return the result of one query over the derived tables as a DataFrame (own cursor, perfect hash grouping)."""
    return db.query_df(con, sql, params, settings=(PERFECT_HASH,))
