"""Helpers for the products tests: tiny hand-built stores written row by row (no tests in this module)."""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Iterable

from ecomops import db


def new_store(products: Iterable[tuple[str, str, str, float]]):
    """Return an in-memory database holding the given (product_id, title, category, price) products."""
    con = db.connect_memory()
    con.executemany("INSERT INTO products (product_id, title, category, price) VALUES (?, ?, ?, ?)", list(products))
    return con


def add_order(con, order_id: str, day: date, items: list[tuple[str, int, float]], customer: str | None = None,
              status: str = "completed", channel: str = "search") -> None:
    """Insert one order with its lines (product_id, quantity, unit_price)."""
    con.execute("INSERT INTO orders (order_id, customer_id, order_ts, order_date, status, channel, device) "
                "VALUES (?, ?, ?, ?, ?, ?, 'app')",
                [order_id, customer, datetime.combine(day, time(12)), day, status, channel])
    con.executemany("INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price) VALUES (?, ?, ?, ?, ?)",
                    [[order_id, n, pid, qty, price] for n, (pid, qty, price) in enumerate(items, start=1)])


def add_stock(con, day: date, product_id: str, on_hand: int, warehouse: str = "main") -> None:
    """Insert one inventory snapshot row."""
    con.execute("INSERT INTO inventory_snapshots (snapshot_date, product_id, on_hand, warehouse) VALUES (?, ?, ?, ?)",
                [day, product_id, on_hand, warehouse])
