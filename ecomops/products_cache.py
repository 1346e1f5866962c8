"""Derived table behind the Products pages (migration 200): order lines with their order's day, status and channel.

``products_line_facts`` holds the orders/order_items join once, sorted by order_date (DuckDB's zone maps then skip
all rows outside a date window), with integer order and customer keys for fast distinct counts and the pair
self-join. Built and refreshed by ecomops/derived.py.
"""
from __future__ import annotations

import duckdb

from ecomops import derived


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild products_line_facts when the source data changed since the last build (no-op otherwise)."""
    derived.ensure(con, derived.PRODUCTS_LINES)


def is_fresh(con: duckdb.DuckDBPyConnection) -> bool:
    """Return True when products_line_facts matches the current source data."""
    return derived.is_fresh(con, derived.PRODUCTS_LINES)
