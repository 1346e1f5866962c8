"""The typed-read shortcut: number and date columns whose first rows are plain are read typed by DuckDB. A later
value it cannot read must fall back to the text path with the same outcome (errors, row numbers, values)."""
from __future__ import annotations

from pathlib import Path

import pytest

from ecomops import db
from ecomops.ingest import import_file, validate
from tests.ingest_support import ORDERS_HEADER, write_csv

PLAIN_LINES = 2500  # more than the 2,000 rows the shortcut looks at


def _plain_rows(n: int = PLAIN_LINES) -> list[list[str]]:
    return [[f"T{i // 2:05d}", f"2024-03-{1 + i % 28:02d} 10:{i % 60:02d}:00", f"c{(i // 2) % 97}", f"P{i % 13}",
             f"Item {i % 13}", str(1 + i % 3), f"{5 + i % 40}.{i % 100:02d}", "paid"] for i in range(n)]


def _import(tmp_path: Path, rows: list[list[str]], name: str, shortcut: bool, monkeypatch, **kw):
    """Import ``rows`` with or without the shortcut; return (result, columns read typed, database)."""
    seen = {}
    original = validate._plain_columns

    def spy(staged, plan, types):
        seen.update(original(staged, plan, types) if shortcut else {})
        return dict(seen)

    monkeypatch.setattr(validate, "_plain_columns", spy)
    con = db.connect_memory()
    result = import_file(con, write_csv(tmp_path / name, ORDERS_HEADER, rows), **kw)
    return result, seen, con


def _tables(con) -> dict:
    return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
            for t in ("orders", "order_items", "customers", "products")}


def test_plain_file_is_read_typed_and_equals_the_text_path(tmp_path: Path, monkeypatch) -> None:
    fast, typed, fast_con = _import(tmp_path, _plain_rows(), "plain.csv", True, monkeypatch)
    assert set(typed) == {"c1", "c5", "c6"}  # order_date, qty, unit_price
    slow, none, slow_con = _import(tmp_path, _plain_rows(), "plain2.csv", False, monkeypatch)
    assert none == {}
    assert fast.status == slow.status == "imported"
    assert fast.inserted == slow.inserted == {"orders": 1250, "order_items": 2500, "customers": 97, "products": 13}
    fast_tables, slow_tables = _tables(fast_con), _tables(slow_con)
    # Same rows apart from the import id column's value (each database numbers its own imports from 1).
    assert fast_tables == slow_tables


@pytest.mark.parametrize("bad_value, field, message", [
    ("12,5", "unit_price", "not an amount"),      # a decimal comma after the sampled rows: 12.5 would be wrong
    ("inf", "unit_price", "not an amount"),       # DuckDB reads inf as a number: still no amount
    ("", "quantity", "missing"),                  # a blank cell in a typed column
    ("2.0", "quantity", None),                    # whole number written with a decimal: read as 2 by the text path
    ("05/03/2024", "order_ts", None),             # another date format: the text path reads it
])
def test_a_late_unusual_value_gives_the_text_path_outcome(tmp_path: Path, monkeypatch, bad_value, field,
                                                          message) -> None:
    rows = _plain_rows()
    column = {"unit_price": 6, "quantity": 5, "order_ts": 1}[field]
    late = 2300  # beyond the sampled rows; spreadsheet row = index + 2
    rows[late][column] = bad_value
    if field == "order_ts":
        rows[late + 1][column] = bad_value  # both lines of the order
    fast, typed, fast_con = _import(tmp_path, rows, "late.csv", True, monkeypatch, accept_valid=True)
    slow, _none, slow_con = _import(tmp_path, rows, "late2.csv", False, monkeypatch, accept_valid=True)
    assert typed  # the shortcut was tried (the first rows are plain)
    assert [(p.field, p.message, p.rows, p.examples) for p in fast.problems] == \
           [(p.field, p.message, p.rows, p.examples) for p in slow.problems]
    if message:
        own = [p for p in fast.problems if p.field.startswith(field) and p.message == message]
        assert len(own) == 1 and own[0].examples == [{"row": late + 2, "value": bad_value}]
    else:
        assert fast.problems == []
    assert _tables(fast_con) == _tables(slow_con)
