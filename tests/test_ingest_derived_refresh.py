"""Which summary (derived) tables an import or undo leaves stale: only writes of the tables they are built from.

At 1M customers, rebuilding every derived table after importing one row of ad spend took 27 s (the churn scores
alone 18 s); an import or undo now moves the sales version (part of every fingerprint) only when it wrote a table
some derived table is built from.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ecomops import db, derived
from ecomops.ingest import import_file, undo_import
from tests.ingest_support import write_csv

ALL = {t.name for t in derived.REGISTRY}


@pytest.fixture
def con(demo_db_path: Path, tmp_path: Path):
    path = tmp_path / "copy.duckdb"
    shutil.copy(demo_db_path, path)
    connection = db.connect(path)
    derived.refresh_all(connection)
    yield connection
    db.close(path)


def _stale(con) -> set[str]:
    return {t.name for t in derived.REGISTRY if not derived.is_fresh(con, t)}


def test_ad_spend_import_and_undo_leave_every_summary_table_fresh(con, tmp_path: Path) -> None:
    assert _stale(con) == set()
    versions = db.data_version(con), db.sales_version(con)
    result = import_file(con, write_csv(tmp_path / "ads.csv", ["day", "channel", "campaign", "audience", "spend",
                                                                "impressions", "clicks", "attributed_gmv"],
                                        [["2026-11-20", "paid_ads", "c1", "a1", "100", "1000", "50", "300"]]),
                         kind="ad_spend")
    assert result.status == "imported"
    assert (db.data_version(con), db.sales_version(con)) == (versions[0] + 1, versions[1])  # pages still refresh
    assert _stale(con) == set() and derived.refresh_all(con) == []
    undo_import(con, result.import_id)
    assert db.sales_version(con) == versions[1] and derived.refresh_all(con) == []


def test_placeholder_products_make_the_summary_tables_stale(con, tmp_path: Path) -> None:
    """An inventory file naming only known products writes no order data; one naming an unknown product adds a
    placeholder product, and the summary tables follow."""
    known = con.execute("SELECT min(product_id) FROM products").fetchone()[0]
    sales = db.sales_version(con)
    known_only = import_file(con, write_csv(tmp_path / "inv1.csv", ["snapshot_date", "sku", "on_hand"],
                                            [["2026-11-20", known, "5"]]), kind="inventory")
    assert known_only.status == "imported" and db.sales_version(con) == sales and _stale(con) == set()
    result = import_file(con, write_csv(tmp_path / "inv2.csv", ["snapshot_date", "sku", "on_hand"],
                                        [["2026-11-20", "NEW-SKU-1", "5"]]), kind="inventory")
    assert result.status == "imported" and result.inserted.get("products") == 1
    assert db.sales_version(con) == sales + 1
    assert _stale(con) == ALL and set(derived.refresh_all(con)) == ALL


def test_an_updated_product_makes_every_summary_table_stale(con, tmp_path: Path) -> None:
    """Replacing a product's title keeps the row counts: the sales version moves, every table is rebuilt."""
    known = con.execute("SELECT min(product_id) FROM products").fetchone()[0]
    sales = db.sales_version(con)
    result = import_file(con, write_csv(tmp_path / "p.csv", ["sku", "title"], [[known, "Renamed product"]]),
                         kind="products")
    assert result.status == "imported" and result.updated.get("products") == 1
    assert db.sales_version(con) == sales + 1
    assert _stale(con) == ALL and set(derived.refresh_all(con)) == ALL
    undo_import(con, result.import_id)
    assert db.sales_version(con) == sales + 2 and _stale(con) == ALL


def test_new_orders_of_known_customers_and_products_move_the_sales_version(con, tmp_path: Path) -> None:
    """Inserted and updated counts are read separately: a file of only new orders (0 updated, no new customer or
    product) still counts as order data written."""
    customer, product = con.execute("SELECT min(customer_id), min(product_id) FROM orders JOIN order_items "
                                    "USING (order_id)").fetchone()
    sales = db.sales_version(con)
    result = import_file(con, write_csv(tmp_path / "o.csv", ["order_id", "order_date", "customer_id", "sku", "qty",
                                                             "unit_price", "status"],
                                        [["NEW-1", "2026-11-20", customer, product, "1", "5", "paid"]]), kind="orders")
    assert result.status == "imported"
    assert (result.inserted["orders"], result.updated.get("orders"), result.inserted["customers"],
            result.inserted["products"]) == (1, 0, 0, 0)
    assert db.sales_version(con) == sales + 1 and _stale(con) == ALL
