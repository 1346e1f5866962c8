"""Incremental updates of the summary tables (derived.DerivedTable.incremental), run by ``derived.ensure`` on the
build's cursor inside its transaction, with temp table ``derived_touched`` holding every version (before and after)
of each order the pending imports and undos touched: order_id, order_date, customer_id.

Each returns None when the table is up to date, or the reason it declined; the full rebuild then runs in the same
transaction (it replaces whatever the update had written). Why each one is exact:

- daily_sales_rollup: a day's rows depend only on that day's sale lines: the touched days are recomputed.
- daily_order_counts: the same, per day; daily_repurchase: a day's window counts depend on the orders of the window
  ending on it, so the touched days and the window after them are recomputed (plus any day the span gained).
- products_line_facts: order numbers count orders in (order_date, order_id) order, so every order on or after the
  earliest touched day is renumbered and its lines rewritten (a day's import at the end of the history rewrites
  that day only); product keys are ranks of product ids, so the update declines when a new or vanished product
  would move another one's key; customer keys are kept across rebuilds (products_customer_keys).
- users_*: customer keys are kept across rebuilds; a customer's rows depend only on their own orders and reviews,
  so the touched customers' rows are recomputed (an order's GMV and categories only for the touched orders: the
  others' lines did not change). The RFM scores rank every buyer as of the last order day: the touched buyers'
  totals are grouped again and the day's cut-offs computed over every buyer's; the scores follow when read (the
  view users_rfm_scores, ecomops/users/rfm.py update_latest_rfm).
"""
from __future__ import annotations

import re

import duckdb

from ecomops import config, db
from ecomops.ops import daily_counts
from ecomops.users import rfm


def _run(cur: duckdb.DuckDBPyConnection, name: str, params: dict | None = None) -> None:
    """Run the statements of a named query file, each with the parameters it names."""
    for statement in cur.extract_statements(db.load_sql(name)):
        # A parameter only a comment names is not bound (DuckDB rejects an unused one).
        code = re.sub(r"--[^\n]*", "", statement.query)
        used = {k: v for k, v in (params or {}).items() if re.search(rf"\${k}\b", code)}
        cur.execute(statement, used) if used else cur.execute(statement)


def _too_large(cur: duckdb.DuckDBPyConnection, scoped_orders: str) -> str | None:
    """Return why the update declines when the orders it would rewrite exceed the incremental share, else None."""
    scoped, total = cur.execute(f"SELECT ({scoped_orders}), (SELECT count(*) FROM orders)").fetchone()
    if scoped > config.incremental_limit(total):
        return f"{scoped:,} of {total:,} orders to rewrite"
    return None


def _touched_days(cur: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """Return the days of the touched orders as query parameters ($days, in $first..$last), or {} when none: as
    constants, a filter on them reaches the orders scan (zone maps), where an IN over a subquery did not."""
    days = [r[0] for r in cur.execute("SELECT DISTINCT order_date FROM derived_touched WHERE order_date IS NOT NULL "
                                      "ORDER BY 1").fetchall()]
    return {"days": days, "first": days[0], "last": days[-1]} if days else {}


def _recompute_touched_days(cur: duckdb.DuckDBPyConnection, update_sql: str) -> tuple[str | None, dict]:
    """Run a per-day update query over the touched days; return (why a full rebuild is better, or None; the days
    as query parameters, {} when none)."""
    reason = _too_large(cur, "SELECT count(*) FROM orders WHERE order_date IN (SELECT order_date FROM derived_touched)")
    if reason:
        return reason, {}
    days = _touched_days(cur)
    if days:
        _run(cur, update_sql, days)
    return None, days


def update_sales_rollup(cur: duckdb.DuckDBPyConnection) -> str | None:
    """Recompute the touched days of daily_sales_rollup; return None, or why a full rebuild is better."""
    return _recompute_touched_days(cur, "daily_sales_rollup_update")[0]


def update_daily_counts(cur: duckdb.DuckDBPyConnection) -> str | None:
    """Recompute the touched days of daily_order_counts and the days of daily_repurchase they can change; return
    None, or why a full rebuild is better."""
    reason, days = _recompute_touched_days(cur, "ops/daily_counts_update")
    if days:
        daily_counts.update_repurchase(cur, days["first"], days["last"])
    return reason


def update_products_lines(cur: duckdb.DuckDBPyConnection) -> str | None:
    """Rewrite the lines of products_line_facts from the earliest touched day on; return None, or why not."""
    from_day = cur.execute("SELECT min(order_date) FROM derived_touched").fetchone()[0]
    if from_day is None:
        return "no order day touched"
    reason = _too_large(cur, f"SELECT count(*) FROM orders WHERE order_date >= DATE '{from_day.isoformat()}'")
    if reason:
        return reason
    cur.execute("CREATE OR REPLACE TEMP TABLE derived_product_keys AS "
                "SELECT product_id, CAST(row_number() OVER (ORDER BY product_id) AS INTEGER) AS product_key "
                "FROM (SELECT DISTINCT product_id FROM order_items) p")
    moved = cur.execute("""
        SELECT count(*) FROM (SELECT DISTINCT product_id, product_key FROM products_line_facts
                              WHERE order_date < $from_day) f
        JOIN derived_product_keys n USING (product_id) WHERE n.product_key <> f.product_key""",
                        {"from_day": from_day}).fetchone()[0]
    if moved:
        return f"{moved} product key(s) would move (a product id new or gone amid the others)"
    to_day = cur.execute("SELECT max(order_date) FROM orders").fetchone()[0]
    _run(cur, "products/line_facts_update", dict(_touched_days(cur), from_day=from_day, to_day=to_day or from_day))
    cur.execute("DROP TABLE derived_product_keys")
    return None


def update_users_orders(cur: duckdb.DuckDBPyConnection) -> str | None:
    """Recompute the touched customers' rows of the users_* tables; return None, or why a full rebuild is better."""
    # The rows to rewrite: the touched customers' valid orders so far (their rows, by integer key: no orders scan).
    reason = _too_large(cur, "SELECT count(*) FROM users_order_facts f JOIN users_customer_keys k ON k.ckey = f.ckey "
                             "JOIN (SELECT DISTINCT customer_id FROM derived_touched) t ON t.customer_id = k.customer_id")
    if reason:
        return reason
    changed = cur.execute("""
        WITH now AS (SELECT category, CAST(least(row_number() OVER (ORDER BY category) - 1, 63) AS INTEGER) AS bit
                     FROM (SELECT coalesce(category, 'Uncategorised') AS category FROM products
                           UNION SELECT 'Uncategorised'))
        SELECT count(*) FROM now FULL JOIN users_category_bits b USING (category)
        WHERE now.bit IS DISTINCT FROM b.bit""").fetchone()[0]
    if changed:
        return "the product categories changed"
    days = _touched_days(cur)
    if days:
        _run(cur, "users/order_facts_update", days)
        rfm.update_latest_rfm(cur, "users_rfm_touched")
        cur.execute("DROP TABLE users_rfm_touched")
    return None
