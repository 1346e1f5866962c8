"""Upsert, the imports log and undo: an undo removes exactly what an import added and restores what it replaced."""
from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest

from ecomops import db
from ecomops.ingest import UndoRefused, import_file, list_imports, undo_import
from tests.ingest_support import ORDERS_HEADER, checksums, gmv, seeded_db, write_csv

H = ORDERS_HEADER


def test_undo_of_new_rows_restores_the_database_exactly(tmp_path: Path) -> None:
    con = seeded_db(tmp_path)
    before = checksums(con)
    result = import_file(con, write_csv(tmp_path / "new.csv", H, [
        ["N1", "2024-02-01", "c9", "P9", "Kettle", "1", "30", "paid"],
        ["N1", "2024-02-01", "c9", "P1", "Mug", "1", "10", "paid"]]))
    assert result.inserted == {"orders": 1, "order_items": 2, "customers": 1, "products": 1}
    version = db.data_version(con)
    undone = undo_import(con, result.import_id)
    assert undone.removed == {"order_items": 2, "orders": 1, "customers": 1, "products": 1}
    assert db.data_version(con) == version + 1
    after = checksums(con)
    changed = {t for t in after if after[t] != before[t]}
    # Only the log (status 'undone'), the empty backup tables, the data version and the summary tables' record of
    # the changes (what their incremental update reads) differ.
    assert changed <= {"imports", "meta", "data_version", "import_backup_orders", "import_backup_order_items",
                       "import_backup_products", "import_backup_customers", "derived_change_sets",
                       "derived_changed_orders"}
    assert list_imports(con).set_index("import_id").loc[result.import_id, "status"] == "undone"


def test_overlapping_file_upserts_and_undo_restores_the_replaced_orders(tmp_path: Path) -> None:
    con = seeded_db(tmp_path)
    before = checksums(con)
    gmv_before = gmv(con)
    # S1 comes again with one line at a new price; S4 is new.
    result = import_file(con, write_csv(tmp_path / "overlap.csv", H, [
        ["S1", "2024-01-05 10:00:00", "c1", "P1", "Mug", "1", "99.00", "returned"],
        ["S4", "2024-01-08 09:00:00", "c1", "P2", "Sleeve", "2", "5.00", "paid"]]))
    assert result.status == "imported" and result.existing_keys == 1
    assert result.updated["orders"] == 1 and result.updated["order_items"] == 2
    # One row per order id (kept by the loader: orders has no key index, see migration 700).
    assert con.execute("SELECT status FROM orders WHERE order_id = 'S1'").fetchall() == [("returned",)]
    assert con.execute("SELECT count(*), sum(unit_price) FROM order_items WHERE order_id = 'S1'").fetchone() == (1, 99.0)
    assert gmv(con) == pytest.approx(99.0 + 10.0 + 12.0)
    undo_import(con, result.import_id)
    assert gmv(con) == pytest.approx(gmv_before)
    after = checksums(con)
    for table in ("orders", "order_items", "customers", "products"):
        assert after[table] == before[table], table


def test_blank_cells_do_not_erase_known_values(tmp_path: Path) -> None:
    con = db.connect_memory()
    import_file(con, write_csv(tmp_path / "p1.csv", ["sku", "title", "category", "price", "cost"],
                               [["A", "Cup", "Kitchen", "10", "4"]]))
    result = import_file(con, write_csv(tmp_path / "p2.csv", ["sku", "title", "price"], [["A", "Cup v2", ""]]))
    assert result.updated == {"products": 1}
    assert con.execute("SELECT title, category, price, cost FROM products").fetchone() == ("Cup v2", "Kitchen", 10.0, 4.0)
    undo_import(con, result.import_id)
    assert con.execute("SELECT title, category, price, cost FROM products").fetchone() == ("Cup", "Kitchen", 10.0, 4.0)


def test_undo_is_refused_while_a_later_import_replaced_its_rows(tmp_path: Path) -> None:
    con = db.connect_memory()
    first = import_file(con, write_csv(tmp_path / "a.csv", ["sku", "title"], [["A", "Cup"], ["B", "Lid"]]))
    second = import_file(con, write_csv(tmp_path / "b.csv", ["sku", "title"], [["A", "Cup v2"]]))
    with pytest.raises(UndoRefused, match=rf"#{second.import_id}"):
        undo_import(con, first.import_id)
    undo_import(con, second.import_id)
    assert con.execute("SELECT title FROM products WHERE product_id = 'A'").fetchone() == ("Cup",)
    undo_import(con, first.import_id)
    assert con.execute("SELECT count(*) FROM products").fetchone() == (0,)
    with pytest.raises(UndoRefused, match="already undone"):
        undo_import(con, first.import_id)
    with pytest.raises(UndoRefused, match="no import #999"):
        undo_import(con, 999)


def test_placeholder_products_stay_while_other_imports_use_them(tmp_path: Path) -> None:
    con = db.connect_memory()
    first = import_file(con, write_csv(tmp_path / "o1.csv", H, [["A1", "2024-01-01", "c1", "P7", "Fan", "1", "5", "paid"]]))
    import_file(con, write_csv(tmp_path / "o2.csv", H, [["A2", "2024-01-02", "c1", "P7", "Fan", "1", "5", "paid"]]))
    undo_import(con, first.import_id)
    assert con.execute("SELECT order_id FROM orders").fetchall() == [("A2",)]
    assert con.execute("SELECT product_id FROM products").fetchall() == [("P7",)]
    assert con.execute("SELECT customer_id FROM customers").fetchall() == [("c1",)]


def test_imports_log_records_who_what_when(tmp_path: Path) -> None:
    con = seeded_db(tmp_path)
    result = import_file(con, write_csv(tmp_path / "log.csv", H, [["L1", "2024-01-01", "", "P1", "Mug", "1", "5", "paid"],
                                                                  ["L2", "2024-01-01", "", "P1", "Mug", "0", "5", "paid"]]),
                         accept_valid=True, imported_by="tester")
    row = list_imports(con).set_index("import_id").loc[result.import_id]
    assert (row.kind, row.file_name, row.rows_read, row.rows_loaded, row.rows_rejected, row.imported_by,
            row.status) == ("orders", "log.csv", 2, 1, 1, "tester", "done")
    assert row.file_hash == hashlib.sha256((tmp_path / "log.csv").read_bytes()).hexdigest() == result.file_hash


@pytest.mark.parametrize("compressed", [False, True])
def test_the_file_hash_is_its_sha256_and_a_second_upload_is_recognised(tmp_path: Path, compressed: bool) -> None:
    """The hash is computed on a second thread while DuckDB reads the file: it is still the SHA-256 of the bytes
    uploaded (the .gz itself when compressed), and the same file again is 'already imported', nothing written."""
    con = db.connect_memory()
    path = write_csv(tmp_path / "h.csv", H, [["H1", "2024-01-01", "c1", "P1", "Mug", "1", "5", "paid"]])
    if compressed:
        gz = tmp_path / "h.csv.gz"
        gz.write_bytes(gzip.compress(path.read_bytes()))
        path = gz
    first = import_file(con, path)
    assert first.status == "imported" and first.file_hash == hashlib.sha256(path.read_bytes()).hexdigest()
    before = con.execute("SELECT count(*) FROM orders").fetchone()
    again = import_file(con, path)
    assert (again.status, again.previous_import["import_id"], again.file_hash) == (
        "already_imported", first.import_id, first.file_hash)
    assert con.execute("SELECT count(*) FROM orders").fetchone() == before
    assert con.execute("SELECT count(*) FROM imports").fetchone() == (1,)
