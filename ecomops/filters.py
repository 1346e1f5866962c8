"""The shared filter object and the one place that turns it into ``(where_sql, params)``.

Every page and command filters by the same date range (inclusive), channels and categories. Queries take the SQL
fragment and bind the values as named parameters; column names are checked against a whitelist.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

# Columns a filter may be applied to (qualified names are allowed: alias.column).
_FILTERABLE = {
    "order_date", "day", "snapshot_date", "response_date", "sent_date", "created_ts", "order_ts",
    "channel", "category",
}
_IDENT = re.compile(r"^(?:[a-z_][a-z0-9_]*\.)?([a-z_][a-z0-9_]*)$")


def _column(name: str) -> str:
    match = _IDENT.match(name)
    if not match or match.group(1) not in _FILTERABLE:
        raise ValueError(f"column {name!r} is not filterable")
    return name


@dataclass(frozen=True)
class Filters:
    """Date range (inclusive), channels and categories chosen in the sidebar; empty tuples mean "all"."""

    start: date
    end: date
    channels: tuple[str, ...] = field(default_factory=tuple)
    categories: tuple[str, ...] = field(default_factory=tuple)

    @property
    def days(self) -> int:
        """Return the number of days in the range."""
        return (self.end - self.start).days + 1

    def previous(self) -> "Filters":
        """Return the same filters over the previous period of equal length."""
        return replace(self, start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1))

    def with_range(self, start: date, end: date) -> "Filters":
        """Return the same filters over another date range."""
        return replace(self, start=start, end=end)


def where(
    f: Filters,
    *,
    date_col: str | None = None,
    channel_col: str | None = None,
    category_col: str | None = None,
    prefix: str = "",
) -> tuple[str, dict[str, Any]]:
    """Return ``(sql, params)``: a boolean SQL fragment for the filters and its named parameters.

    ``prefix`` keeps parameter names apart when one query filters two periods. A timestamp ``date_col`` is
    compared by calendar day. Pass only the columns the table has (traffic has no category, say).
    """
    clauses: list[str] = ["TRUE"]
    params: dict[str, Any] = {}
    # Every column named is checked, chosen or not: a wrong name must fail in tests, not when a user picks a channel.
    for name in (channel_col, category_col):
        if name:
            _column(name)
    if date_col:
        col = _column(date_col)
        if col.endswith("_ts"):
            col = f"CAST({col} AS DATE)"
        clauses.append(f"{col} BETWEEN ${prefix}start AND ${prefix}end")
        params[f"{prefix}start"] = f.start
        params[f"{prefix}end"] = f.end
    if channel_col and f.channels:
        clauses.append(f"list_contains(${prefix}channels, {_column(channel_col)})")
        params[f"{prefix}channels"] = list(f.channels)
    if category_col and f.categories:
        clauses.append(f"list_contains(${prefix}categories, {_column(category_col)})")
        params[f"{prefix}categories"] = list(f.categories)
    return " AND ".join(clauses), params


def default_filters(data_start: date, data_end: date, days: int = 30) -> Filters:
    """Return the default view: the last ``days`` days of the data (not of the wall clock)."""
    start = max(data_start, data_end - timedelta(days=days - 1))
    return Filters(start=start, end=data_end)
