"""Stored daily counts for the alert engine (derived.DAILY_COUNTS, migration 950): orders, buyers and GMV per day
at store, channel and channel x device level, and the store's trailing-window repurchase counts.

Why: Overview and Monitoring compare every day with months of history (baseline weeks, the noise window, last
year's campaign), so the daily series, the segment conversion check and each alert's root cause used to count
distinct buyers over every order of that history: about 50 s at 100M order lines. A day's counts depend only on
that day's orders, and a day's repurchase counts only on the orders of the window before it, so both are kept up to
date from the days an import touched (ecomops/incremental.py), with the full build as the oracle.

The readers ask here which source answers them: the stored counts when the filters allow (no category; for the
store-level series at most one channel, as buyers are distinct per channel, not across a set of them), else the
orders, as before. Both give the same numbers (tests/test_daily_counts.py); GMV only up to the order in which the
engine adds floats.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import duckdb

from ecomops import db, derived
from ecomops.filters import Filters, order_category, slot

REPURCHASE_WINDOW_DAYS = 30  # the stored window: the repurchase rule's (monitoring.REPURCHASE_WINDOW_DAYS)
STORE, CHANNEL, CELL = 0, 1, 2  # the levels of daily_order_counts


def stored_level(f: Filters, cells: bool = False) -> int | None:
    """Return the level of daily_order_counts that answers f's counts (CELL for per channel x device counts), or
    None when only the orders can (a category chosen, or several channels for store-level buyers)."""
    if f.categories:
        return None
    if cells:
        return CELL
    if not f.channels:
        return STORE
    return CHANNEL if len(f.channels) == 1 else None


def order_counts(con: duckdb.DuckDBPyConnection, f: Filters, raw_sql: str, slots: dict[str, str],
                 cells: bool = False) -> tuple[str, dict[str, Any]]:
    """Return (SQL, extra params) of the daily order counts under f, for a sales query's slot: the stored counts of
    the level that answers them, else ``raw_sql`` (a named query of the same columns over the orders) filled with
    the sales ``slots`` (filters.sales_slots of f, whose params the caller binds)."""
    level = stored_level(f, cells)
    if level is None:
        return db.load_sql(raw_sql).format(**slots), {}
    _ensure(con)
    return db.load_sql("ops/stored_order_counts").format(order_where=slots["order_where"]), {"counts_level": level}


def _ensure(con: duckdb.DuckDBPyConnection) -> None:
    """Bring the stored counts up to date (from the touched days after an import)."""
    derived.ensure(con, derived.DAILY_COUNTS)


def raw_repurchase(f: Filters, window: int) -> tuple[str, dict[str, Any]]:
    """Return (SQL, params) of the trailing-window repurchase counts per day of f computed from the orders
    (ops/monitoring_repurchase.sql)."""
    scan = f.with_range(f.start - timedelta(days=window - 1), f.end)
    order_sql, params = slot(scan, "orders", prefix="scan_")
    category_sql, category_params = order_category(scan, prefix="scan_")
    sql = db.load_sql("ops/monitoring_repurchase").format(order_where=order_sql, order_category=category_sql)
    return sql, dict(params, **category_params, start=f.start, end=f.end, window=window)


def repurchase(con: duckdb.DuckDBPyConnection, f: Filters, window: int) -> tuple[str, dict[str, Any]]:
    """Return (SQL, params) of the repurchase counts per day of f: the stored ones for the whole store's default
    window up to the last stored day, else computed from the orders."""
    if not f.categories and not f.channels and window == REPURCHASE_WINDOW_DAYS:
        _ensure(con)
        last = db.query_one(con, "SELECT max(day) FROM daily_repurchase WHERE window_days = $w", {"w": window})
        # Days before the first stored day have no order in their window (the table starts at the first order).
        if last and last[0] is not None and f.end <= last[0]:
            return db.load_sql("ops/stored_repurchase"), {"start": f.start, "end": f.end, "window": window}
    return raw_repurchase(f, window)


# --- upkeep (derived.DAILY_COUNTS: after its build, and from ecomops/incremental.py) ---------------------------------

def _span(cur: duckdb.DuckDBPyConnection) -> tuple[date | None, date | None]:
    """Return the first and last day with a valid order of a customer."""
    return cur.execute("SELECT min(order_date), max(order_date) FROM valid_orders "
                       "WHERE customer_id IS NOT NULL").fetchone()


def store_repurchase(cur: duckdb.DuckDBPyConnection) -> None:
    """Fill daily_repurchase for every day from the first to the last order day (the full build's Python step)."""
    if not _orders_readable():
        cur.execute("DELETE FROM daily_repurchase")  # the readers compute from the orders (in Spark) instead
        return
    first, last = _span(cur)
    _recompute(cur, first, last, first, last)


def update_repurchase(cur: duckdb.DuckDBPyConnection, first_touched: date, last_touched: date) -> None:
    """Recompute the days of daily_repurchase the touched days can change: from the first touched day to the last
    one plus the window, and any day the data's span gained (a gap before a new first or after a new last day)."""
    first, last = _span(cur)
    stored_first, stored_last = cur.execute("SELECT min(day), max(day) FROM daily_repurchase "
                                            "WHERE window_days = $w", {"w": REPURCHASE_WINDOW_DAYS}).fetchone()
    lo, hi = first_touched, last_touched + timedelta(days=REPURCHASE_WINDOW_DAYS - 1)
    if stored_first is not None:
        lo, hi = min(lo, stored_last + timedelta(days=1)), max(hi, stored_first - timedelta(days=1))
    _recompute(cur, first, last, lo, hi)


def _recompute(cur: duckdb.DuckDBPyConnection, first: date | None, last: date | None, lo: date, hi: date) -> None:
    """Drop the rows outside first..last and rewrite the days lo..hi within it."""
    window = {"w": REPURCHASE_WINDOW_DAYS}
    if first is None:
        cur.execute("DELETE FROM daily_repurchase")
        return
    lo, hi = max(lo, first), min(hi, last)
    cur.execute("DELETE FROM daily_repurchase WHERE window_days = $w AND (day < $first OR day > $last "
                "OR day BETWEEN $lo AND $hi)", dict(window, first=first, last=last, lo=lo, hi=hi))
    if lo > hi:
        return
    sql, params = raw_repurchase(Filters(lo, hi), REPURCHASE_WINDOW_DAYS)
    cur.execute(f"INSERT INTO daily_repurchase (day, window_days, window_buyers, window_repeat_buyers) "
                f"SELECT day, $w, window_buyers, window_repeat_buyers FROM ({sql}) r", dict(params, **window))


def _orders_readable() -> bool:
    """Return True when this process's DuckDB reads the order rows (False for a Spark warehouse it cannot read)."""
    from ecomops.engine import summary  # (lazily: the engine package loads Spark's helpers)

    return summary.raw_rows_local()
