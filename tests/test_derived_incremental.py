"""Incremental upkeep of the summary tables (ecomops/derived.py, ecomops/incremental.py): after imports and undos of
orders, every summary table updated from the touched orders equals a full rebuild, row for row (order-insensitive;
doubles rounded to 1e-6, as a sum's last bits depend on the order DuckDB adds in), on the tiny fixture and on
UCI Online Retail imported in daily pieces, including the undo of a middle import."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ecomops import db, derived
from ecomops.ingest import import_file, undo_import
from tests.conftest import make_tiny_db
from tests.ingest_support import ORDERS_HEADER, write_csv

INCREMENTAL = [t for t in derived.REGISTRY if t.incremental]


def _rounded(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """Return a SELECT of the table with its doubles rounded to 6 decimals."""
    cols = con.execute(f"DESCRIBE {table}").fetchall()
    return "SELECT " + ", ".join(f"round({c[0]}, 6) AS {c[0]}" if c[1] == "DOUBLE" else c[0] for c in cols) + \
        f" FROM {table}"


def _modes(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    return {name: (mode, reason) for name, mode, reason, _s, _at in derived.last_updates(con)}


def _update_and_compare(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    """Bring every summary table up to date, check each output equals a full rebuild (the same multiset of rows);
    return how each was updated."""
    derived.refresh_all(con)
    modes = _modes(con)
    outputs = [name for table in INCREMENTAL for name in table.tables]
    for name in outputs:
        con.execute(f"CREATE OR REPLACE TEMP TABLE updated_{name} AS {_rounded(con, name)}")
    for table in INCREMENTAL:
        derived.rebuild(con, table)
    for table in INCREMENTAL:
        for name in table.tables:
            rebuilt = _rounded(con, name)
            counts = con.execute(f"SELECT (SELECT count(*) FROM updated_{name}), (SELECT count(*) FROM {name}), "
                                 f"(SELECT count(*) FROM ({rebuilt} EXCEPT ALL SELECT * FROM updated_{name})), "
                                 f"(SELECT count(*) FROM (SELECT * FROM updated_{name} EXCEPT ALL {rebuilt}))"
                                 ).fetchone()
            assert counts[0] == counts[1] and counts[2:] == (0, 0), (name, counts, modes[table.name])
            con.execute(f"DROP TABLE updated_{name}")
    assert derived.refresh_all(con) == []  # the rebuild left every table fresh
    return modes


def _import(con, tmp_path: Path, name: str, rows: list[list]) -> int:
    result = import_file(con, write_csv(tmp_path / name, ORDERS_HEADER, rows), kind="orders")
    assert result.status == "imported", result.errors
    return result.import_id


@pytest.fixture
def tiny(tmp_path: Path):
    con = make_tiny_db()
    derived.refresh_all(con)
    yield con
    con.close()


def test_tiny_imports_and_undo_update_incrementally_and_equal_a_rebuild(tiny, tmp_path: Path) -> None:
    con = tiny
    lines = con.execute("SELECT count(*) FROM products_line_facts").fetchone()[0]
    # A new day: a known customer, a new one whose id sorts amid the others ('AB'), a guest and a cancelled order.
    first = _import(con, tmp_path, "d1.csv", [
        ["N1", "2024-03-06 10:00:00", "A", "P1", "Cup", "2", "10.00", "completed"],
        ["N1", "2024-03-06 10:00:00", "A", "P3", "Shirt", "1", "20.00", "completed"],
        ["N2", "2024-03-06 11:00:00", "AB", "P2", "Sleeve", "3", "5.00", "paid"],
        ["N3", "2024-03-06 12:00:00", "", "P2", "Sleeve", "1", "5.00", "completed"],
        ["N4", "2024-03-06 13:00:00", "B", "P1", "Cup", "1", "10.00", "cancelled"],
    ])
    modes = _update_and_compare(con)
    assert {modes[t.name][0] for t in INCREMENTAL} == {"incremental"}, modes
    assert con.execute("SELECT count(*) FROM products_line_facts").fetchone()[0] == lines + 5
    # GMV of the new day in the rollup: 2x10 + 20 + 3x5 + 5 (the cancelled order does not count).
    assert con.execute("SELECT sum(gmv) FROM daily_sales_rollup WHERE day = DATE '2024-03-06'").fetchone()[0] == 60
    # AB is keyed after every existing customer (keys are kept, new ones come last), with its first order.
    ab = con.execute("SELECT ckey, first_order_date FROM users_customer_keys WHERE customer_id = 'AB'").fetchone()
    assert ab[0] == con.execute("SELECT max(ckey) FROM users_customer_keys").fetchone()[0]
    assert str(ab[1]) == "2024-03-06"

    # The next day, plus a corrected earlier order of A (N1 now one cup): A's previous/next order dates move.
    second = _import(con, tmp_path, "d2.csv", [
        ["N5", "2024-03-07 09:00:00", "A", "P2", "Sleeve", "1", "5.00", "completed"],
        ["N6", "2024-03-07 10:00:00", "E", "P3", "Shirt", "2", "20.00", "completed"],
        ["N1", "2024-03-06 10:00:00", "A", "P1", "Cup", "1", "10.00", "completed"],
    ])
    modes = _update_and_compare(con)
    assert {modes[t.name][0] for t in INCREMENTAL} == {"incremental"}, modes
    assert con.execute("SELECT next_order_date FROM users_order_facts WHERE order_id = 'N1'").fetchone()[0].day == 7

    third = _import(con, tmp_path, "d3.csv", [
        ["N7", "2024-03-08 09:00:00", "B", "P1", "Cup", "4", "10.00", "completed"],
    ])
    _update_and_compare(con)

    # Undo the middle import: N1 gets its two lines back, N5 and N6 go, E is no longer a buyer.
    undo_import(con, second)
    modes = _update_and_compare(con)
    assert modes["daily_sales_rollup"][0] == "incremental" and modes["users_order_facts"][0] == "incremental", modes
    assert con.execute("SELECT count(*) FROM products_line_facts WHERE order_id = 'N1'").fetchone()[0] == 2
    assert con.execute("SELECT count(*) FROM users_customer_keys WHERE customer_id = 'E'").fetchone()[0] == 0
    undo_import(con, third)
    undo_import(con, first)
    _update_and_compare(con)
    assert con.execute("SELECT count(*) FROM products_line_facts").fetchone()[0] == lines


def test_review_rows_follow_a_key_that_comes_goes_and_changes_hands(tmp_path: Path) -> None:
    """A reviewer with no key (no customer row, no order) gets one with their first order, and their rated reviews
    with it; when the undo of that order and another reviewer's first order are taken in together, the freed key
    (the last one) passes to the other reviewer, with their reviews instead."""
    con = make_tiny_db()
    con.execute("INSERT INTO reviews (review_id, product_id, customer_id, rating, created_ts) VALUES "
                "('RV1', 'P1', 'Z1', 4, TIMESTAMP '2024-03-01 09:00'), ('RV2', 'P2', 'Z1', NULL, "
                "TIMESTAMP '2024-03-02 09:00'), ('RV3', 'P2', 'Z2', 2, TIMESTAMP '2024-03-03 09:00'), "
                "('RV4', 'P1', 'Z2', 5, TIMESTAMP '2024-03-04 09:00')")
    derived.refresh_all(con)
    first = _import(con, tmp_path, "z1.csv", [["N1", "2024-03-06 10:00:00", "Z1", "P1", "Cup", "1", "10.00",
                                               "completed"]])
    modes = _update_and_compare(con)
    assert modes["users_order_facts"][0] == "incremental", modes
    key, reviews = con.execute("SELECT k.ckey, count(r.ckey) FROM users_customer_keys k LEFT JOIN users_review_facts r "
                               "USING (ckey) WHERE k.customer_id = 'Z1' GROUP BY ALL").fetchone()
    assert reviews == 1 and key == con.execute("SELECT max(ckey) FROM users_customer_keys").fetchone()[0]
    undo_import(con, first)
    _import(con, tmp_path, "z2.csv", [["N2", "2024-03-07 10:00:00", "Z2", "P2", "Sleeve", "1", "5.00", "completed"]])
    modes = _update_and_compare(con)
    assert modes["users_order_facts"][0] == "incremental", modes
    assert con.execute("SELECT k.customer_id, count(*) FROM users_customer_keys k JOIN users_review_facts r "
                       "USING (ckey) WHERE k.ckey = $key GROUP BY ALL", {"key": key}).fetchall() == [("Z2", 2)]
    assert con.execute("SELECT count(*) FROM users_customer_keys WHERE customer_id = 'Z1'").fetchone()[0] == 0
    con.close()


def test_a_new_product_amid_the_others_falls_back_to_a_full_rebuild(tiny, tmp_path: Path) -> None:
    """Product keys are ranks of product ids: a product 'P0' would move every key, so the rebuild runs."""
    _import(tiny, tmp_path, "p.csv", [["N1", "2024-03-06 10:00:00", "A", "P0", "Spoon", "1", "3.00", "completed"]])
    modes = _update_and_compare(tiny)
    assert modes["products_line_facts"][0] == "full" and "product key" in modes["products_line_facts"][1]
    assert modes["daily_sales_rollup"][0] == "incremental"


def test_unrecorded_writes_and_other_kinds_fall_back_to_a_full_rebuild(tiny, tmp_path: Path) -> None:
    # Rows written without an import (a script): the counts no longer chain, so the next import rebuilds.
    with db.transaction(tiny, sales_data=False) as cur:
        cur.execute("INSERT INTO orders (order_id, customer_id, order_ts, order_date, status, channel, device) "
                    "VALUES ('X1', 'A', TIMESTAMP '2024-03-06 08:00', DATE '2024-03-06', 'completed', 'search', 'app')")
    _import(tiny, tmp_path, "d.csv", [["N1", "2024-03-06 10:00:00", "A", "P1", "Cup", "1", "10.00", "completed"]])
    modes = _update_and_compare(tiny)
    assert {modes[t.name][0] for t in INCREMENTAL} == {"full"}, modes
    # A products import (a rename) is not an orders change: rebuilt in full.
    result = import_file(tiny, write_csv(tmp_path / "p.csv", ["sku", "title", "category"], [["P1", "Mug", "Home"]]),
                         kind="products")
    assert result.status == "imported"
    modes = _update_and_compare(tiny)
    assert modes["daily_sales_rollup"] == ("full", "a change beyond orders, or too many orders")


def test_the_comparison_catches_an_update_that_missed_rows(tiny, tmp_path: Path, monkeypatch) -> None:
    """The oracle check is not vacuous: an update that claims success without writing fails it."""
    from ecomops import incremental

    monkeypatch.setattr(incremental, "update_sales_rollup", lambda cur: None)
    _import(tiny, tmp_path, "d.csv", [["N1", "2024-03-06 10:00:00", "A", "P1", "Cup", "1", "10.00", "completed"]])
    with pytest.raises(AssertionError, match="daily_sales_rollup"):
        _update_and_compare(tiny)


@pytest.mark.slow
def test_online_retail_in_daily_pieces_equals_a_rebuild(shared_data: Path, tmp_path: Path) -> None:
    """Online Retail up to 2011-11-30 in one piece, then each December day as its own import (the way a store
    imports yesterday's orders), then the undo of a middle day: every table equals a full rebuild each time."""
    raw = shared_data / "online_retail.csv.gz"
    con = db.connect_memory()
    source = ("read_csv($path, header = true, types = {'InvoiceNo': 'VARCHAR', 'StockCode': 'VARCHAR', "
              "'CustomerID': 'VARCHAR'})")
    split = duckdb.connect()
    split.execute(f"CREATE TABLE raw AS SELECT * FROM {source}", {"path": str(raw)})
    days = [r[0] for r in split.execute("SELECT DISTINCT CAST(InvoiceDate AS DATE) AS d FROM raw "
                                        "WHERE InvoiceDate >= DATE '2011-12-01' ORDER BY d").fetchall()]
    base = tmp_path / "base.csv"
    split.execute(f"COPY (SELECT * FROM raw WHERE InvoiceDate < DATE '2011-12-01') TO '{base}' (HEADER)")
    result = import_file(con, base, accept_valid=True, currency="GBP")
    assert result.status == "imported" and result.kind == "orders", result.errors
    derived.refresh_all(con)
    imports, modes_seen = [], []
    for day in days:
        piece = tmp_path / f"{day}.csv"
        split.execute(f"COPY (SELECT * FROM raw WHERE CAST(InvoiceDate AS DATE) = DATE '{day}') TO '{piece}' (HEADER)")
        result = import_file(con, piece, accept_valid=True, currency="GBP")
        assert result.status == "imported", result.errors
        imports.append(result.import_id)
        modes_seen.append(_update_and_compare(con))
    assert len(days) == 8
    for name in ("daily_sales_rollup", "users_order_facts", "products_line_facts"):
        assert any(m[name][0] == "incremental" for m in modes_seen), (name, modes_seen)
    assert all(m["daily_sales_rollup"][0] == "incremental" for m in modes_seen), modes_seen
    undo_import(con, imports[3])
    modes = _update_and_compare(con)
    assert modes["users_order_facts"][0] == "incremental", modes
    con.close()


def test_a_page_after_an_import_says_its_figures_include_it(demo_db_path: Path, tmp_path: Path,
                                                           monkeypatch) -> None:
    """The first page view after an import updates its summary table from the imported orders and says so."""
    import shutil

    from streamlit.testing.v1 import AppTest

    from tests.conftest import PROJECT_ROOT

    path = tmp_path / "store.duckdb"
    shutil.copy(demo_db_path, path)
    con = db.connect(path)
    derived.refresh_all(con)
    customer, product, day = con.execute("SELECT min(customer_id), min(product_id), max(order_date) "
                                         "FROM order_lines").fetchone()
    _import(con, tmp_path, "day.csv", [["NEW-1", f"{day} 10:00:00", customer, product, "x", "2", "7.50",
                                        "completed"]])
    assert not derived.is_fresh(con, derived.PRODUCTS_LINES)
    monkeypatch.setenv("ECOMOPS_DB", str(path))
    monkeypatch.chdir(PROJECT_ROOT)
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("pages/products.py").run()
    assert not at.exception
    captions = [c.value for c in at.caption]
    assert any(c.startswith("Summary tables updated from the imported orders in") for c in captions), captions
    assert derived.is_fresh(con, derived.PRODUCTS_LINES)
    assert con.execute("SELECT gmv FROM products_line_facts WHERE order_id = 'NEW-1'").fetchone()[0] == 15
    db.close(path)


def test_rfm_totals_of_other_dates_and_of_an_upgraded_store_follow_an_update(tiny, tmp_path: Path) -> None:
    """The RFM totals (migration 970): a later reference date scores the whole history's totals with cut-offs of its
    own, an earlier one stores its own totals, and an update keeps the last order day's only, equal to a rebuild;
    a store upgraded to 970 (its users tables built, no totals stored) is scored in full by its first update."""
    from datetime import date

    from ecomops.users import rfm

    con = tiny
    buyers = con.execute("SELECT count(*) FROM users_rfm_totals").fetchone()[0]
    assert buyers == 3 and con.execute("SELECT as_of::VARCHAR, totals_as_of FROM users_rfm_cutoffs").fetchall() == [
        ("2024-03-05", None)]
    rfm.ensure_rfm(con, date(2024, 3, 20))  # later: cut-offs only, over the same totals
    assert con.execute("SELECT count(*) FROM users_rfm_totals").fetchone()[0] == buyers
    rfm.ensure_rfm(con, date(2024, 3, 4))  # earlier: its own totals (A's order of 03-05 is not in them)
    earlier = "SELECT count(*) FROM users_rfm_totals WHERE totals_as_of = DATE '2024-03-04'"
    assert con.execute(earlier).fetchone()[0] == 3
    # A (tiny store) ordered on 03-04 and 03-05: 15 days before 03-20; one order as of 03-04, that day.
    a = con.execute("SELECT as_of::VARCHAR, recency_days, frequency FROM users_rfm_scores r "
                    "JOIN users_customer_keys k USING (ckey) WHERE k.customer_id = 'A' ORDER BY 1").fetchall()
    assert a == [("2024-03-04", 0, 1), ("2024-03-05", 0, 2), ("2024-03-20", 15, 2)]

    _import(con, tmp_path, "d1.csv", [["N1", "2024-03-06 10:00:00", "A", "P1", "Cup", "2", "10.00", "completed"],
                                      ["N2", "2024-03-06 11:00:00", "AB", "P2", "Sleeve", "3", "5.00", "paid"]])
    assert _update_and_compare(con)["users_order_facts"][0] == "incremental"
    assert con.execute("SELECT as_of::VARCHAR, totals_as_of FROM users_rfm_cutoffs").fetchall() == [
        ("2024-03-06", None)]
    assert con.execute("SELECT count(*) FROM users_rfm_scores").fetchone()[0] == buyers + 1
    assert con.execute("SELECT sum(customers) FROM users_rfm_cells").fetchone()[0] == buyers + 1

    for table in ("users_rfm_totals", "users_rfm_cutoffs", "users_rfm_cells"):  # as 970 leaves an older store
        con.execute(f"DELETE FROM {table}")
    _import(con, tmp_path, "d2.csv", [["N3", "2024-03-07 10:00:00", "B", "P1", "Cup", "1", "10.00", "completed"]])
    assert _update_and_compare(con)["users_order_facts"][0] == "incremental"
    assert con.execute("SELECT count(*), min(as_of)::VARCHAR FROM users_rfm_scores").fetchone() == (buyers + 1,
                                                                                                    "2024-03-07")
