"""Derived table behind the Traffic pages (migration 300): GMV per day, channel, category, campaign and pre-sale flag.

``traffic_sales_rollup`` holds GMV (METRICS.md) already summed per day and the dimensions the traffic pages filter
or split by, a few hundred rows a day, so GMV over any range is a small scan. Orders and buyers are not in it
(distinct counts do not add up across days): they come from ``orders`` alone. Built by ecomops/derived.py.
"""
from __future__ import annotations

import duckdb

from ecomops import derived


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild traffic_sales_rollup when the source data changed since the last build (no-op otherwise)."""
    derived.ensure(con, derived.TRAFFIC_ROLLUP)


def is_fresh(con: duckdb.DuckDBPyConnection) -> bool:
    """Return True when traffic_sales_rollup matches the current source data."""
    return derived.is_fresh(con, derived.TRAFFIC_ROLLUP)
