"""Products area: shared helpers for demand, ABC inventory, bundles and the weekly product review.

The domain lives in four modules (one per page): ``products_demand``, ``products_inventory``, ``products_bundles``
and ``products_review``. This module holds what they share: which optional uploads are present, the message that
names the missing upload and the time windows (queries filter through ``ecomops.filters.slot``: "lines" for
products_line_facts, "products" for the category of a product).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb

from ecomops import db
from ecomops.i18n import N_, _, fmt

# The upload each optional table comes from, as the pages name it (Data -> Upload).
UPLOAD_HINTS = {
    "orders": N_("No orders in this range yet: upload an orders export on Data → Upload, or widen the date range."),
    "search_keywords": N_("No search keyword data yet: upload a search keywords export (day, keyword, searches, …) "
                          "on Data → Upload."),
    "inventory_snapshots": N_("No inventory data yet: upload an inventory snapshot (date, product, on hand) on "
                              "Data → Upload."),
    "product_suppliers": N_("No supplier lead times yet: upload the product–supplier list on Data → Upload; a "
                            "default lead time is used meanwhile."),
    "reviews": N_("No reviews yet: upload a reviews export on Data → Upload."),
}
OPTIONAL_TABLES = ("search_keywords", "inventory_snapshots", "product_suppliers", "reviews")


def upload_hint(table: str) -> str:
    """Return the hint for a missing table (which file brings it), in the current language."""
    return _(UPLOAD_HINTS[table])


def available(con: duckdb.DuckDBPyConnection) -> dict[str, bool]:
    """Return, per optional products table (and orders), whether it holds any rows."""
    return {table: bool(db.table_exists_with_rows(con, table)) for table in ("orders", *OPTIONAL_TABLES)}


@dataclass(frozen=True)
class Window:
    """An inclusive date window with a label for the page."""

    start: date
    end: date

    @property
    def days(self) -> int:
        """Return the number of days in the window."""
        return (self.end - self.start).days + 1

    def label(self) -> str:
        """Return the window as 'YYYY-MM-DD – YYYY-MM-DD (N days)', in the current language."""
        return _("{period} ({days} days)", period=fmt.date_range(self.start, self.end), days=fmt.count(self.days))


def trailing(end: date, days: int) -> Window:
    """Return the ``days``-day window ending on ``end`` (inclusive)."""
    return Window(end - timedelta(days=days - 1), end)


def shifted(window: Window, days: int) -> Window:
    """Return the window moved ``days`` days earlier."""
    return Window(window.start - timedelta(days=days), window.end - timedelta(days=days))


def growth(now: float | None, before: float | None) -> float | None:
    """Return the relative change now vs before (None when before is zero or missing)."""
    if now is None or before is None or before == 0:
        return None
    return float(now) / float(before) - 1.0
