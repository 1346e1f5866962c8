"""Supply-chain risk: SKUs without a backup supplier, supplier concentration, lead times vs the 72-hour backup
target, and A-class items exposed to a single supplier. Every function returns a DataFrame or a dict.

Definitions:
- **Backup**: a ``product_suppliers`` row with role ``backup``; a SKU "has a backup" when it has at least one.
- **Backup within target**: the fastest backup's lead time (days x 24) <= the ``backup_restock_hours`` setting (72 h
  by default, the playbook's "backup restocks within 72 hours").
- **Supplier concentration**: each SKU's GMV in the sidebar period (valid orders, METRICS.md) is attributed to its
  primary supplier; share = supplier GMV / total GMV. The Herfindahl index (sum of squared shares, 0..1) sums it up.
  SKUs with no supplier on file are grouped as "(no supplier on file)".
- **A-class**: ABC per METRICS.md over the trailing ABC window (the ``abc_window_days`` setting) ending on the sidebar's end date (category filter
  applied, channels not: supply serves every channel), by the one rule of ``sql/abc_classes.sql`` (as on the
  Products pages); exposed = A items with < 2 suppliers.
"""
from __future__ import annotations

from datetime import timedelta

import duckdb
import pandas as pd

from ecomops import config, db, derived, metrics
from ecomops.filters import Filters, slot
from ecomops.i18n import N_, _, fmt, pgettext

NO_SUPPLIER = N_("(no supplier on file)")  # the group of SKUs without a supplier (shown in the current language)


def sku_suppliers(con: duckdb.DuckDBPyConnection, f: Filters, target_hours: float | None = None,
                  at_risk_only: bool = False) -> pd.DataFrame:
    """Return one row per SKU: period GMV, suppliers, backup, lead times, the check against the backup restock
    target (default: the setting in force), ABC class and risk."""
    target_hours = target_hours or config.thresholds(con).backup_restock_hours
    derived.ensure(con, derived.PRODUCTS_LINES)
    order_sql, params = slot(f, "orders")
    category_sql, cat_params = slot(f, "products")
    params.update(cat_params)
    frame = db.query_df(con, db.load_sql("risk/supply_skus").format(order_where=order_sql,
                                                                   category_where=category_sql), params)
    frame["has_backup"] = frame["backups"] > 0
    frame["backup_within_target"] = frame["backup_lead_hours"].le(target_hours).where(frame["has_backup"])
    frame["abc_class"] = frame["product_id"].map(abc_classes(con, f)).fillna("C")
    frame["risk"] = [_risk(r.suppliers, r.has_backup, r.backup_within_target, target_hours)
                     for r in frame.itertuples(index=False)]
    ok = pgettext("supply_risk", "ok")
    return frame[frame["risk"] != ok].reset_index(drop=True) if at_risk_only else frame


def abc_classes(con: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, str]:
    """Return {product_id: 'A'|'B'|'C'} over the trailing ABC window ending on the filters' end date (METRICS.md)."""
    derived.ensure(con, derived.PRODUCTS_LINES)
    category_sql, params = slot(f, "products")
    t = config.thresholds(con)
    params.update(abc_start=f.end - timedelta(days=t.abc_window_days - 1), end=f.end,
                  a_share=t.abc_a_share, b_share=t.abc_b_share)
    sql = db.load_sql("risk/supply_abc").format(category_where=category_sql, abc_classes=metrics.abc_classes_sql("skus"))
    abc = db.query_df(con, sql, params)
    return dict(zip(abc["product_id"], abc["abc_class"]))


def _risk(suppliers: int, has_backup: bool, within: object, target_hours: float) -> str:
    """Return a SKU's supply risk in the current language ("ok" when none)."""
    if suppliers == 0:
        return pgettext("supply_risk", "no supplier on file")
    if not has_backup:
        return pgettext("supply_risk", "single supplier: no backup")
    if within is False:
        return pgettext("supply_risk", "backup slower than {target}", target=fmt.hours(target_hours, 0))
    return pgettext("supply_risk", "ok")


def supplier_concentration(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Return GMV per primary supplier with its share, SKUs and SKUs without backup, largest first."""
    return _concentration(sku_suppliers(con, f))


def _concentration(skus: pd.DataFrame) -> pd.DataFrame:
    skus = skus.copy()
    skus["supplier"] = skus["primary_supplier_name"].fillna(skus["primary_supplier"]).fillna(_(NO_SUPPLIER))
    table = skus.groupby("supplier", as_index=False).agg(
        gmv=("gmv", "sum"), skus=("product_id", "count"),
        skus_without_backup=("has_backup", lambda s: int((~s).sum())))
    total = table["gmv"].sum()
    table["share"] = table["gmv"] / total if total else 0.0
    return table.sort_values(["gmv", "supplier"], ascending=[False, True], ignore_index=True)


def lead_times(con: duckdb.DuckDBPyConnection, f: Filters, target_hours: float | None = None) -> pd.DataFrame:
    """Return one row per product-supplier link with its lead time in hours and, for backups, the check against
    the backup restock target (default: the setting in force)."""
    target_hours = target_hours or config.thresholds(con).backup_restock_hours
    category_sql, params = slot(f, "products")
    frame = db.query_df(con, db.load_sql("risk/supply_lead_times").format(category_where=category_sql), params)
    frame["within_target"] = frame["lead_hours"].le(target_hours).where(frame["role"] == "backup")
    return frame


def a_class_single_supplier(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Return A-class SKUs with fewer than two suppliers (the ones a supplier failure would hurt most)."""
    skus = sku_suppliers(con, f)
    exposed = skus[(skus["abc_class"] == "A") & (skus["suppliers"] < 2)]
    return exposed[["product_id", "title", "category", "gmv", "primary_supplier", "primary_supplier_name",
                    "primary_lead_hours", "risk"]].reset_index(drop=True)


def supply_summary(con: duckdb.DuckDBPyConnection, f: Filters, target_hours: float | None = None) -> dict:
    """Return the headline numbers of the supply page."""
    skus = sku_suppliers(con, f, target_hours)
    conc = _concentration(skus)  # the same SKU rows: one query, not two
    total_gmv = skus["gmv"].sum()
    with_backup = skus[skus["has_backup"]]
    return {
        "skus": int(len(skus)),
        "skus_with_suppliers": int((skus["suppliers"] > 0).sum()),
        "skus_without_backup": int((~skus["has_backup"]).sum()),
        "gmv_share_without_backup": float(skus.loc[~skus["has_backup"], "gmv"].sum() / total_gmv) if total_gmv else None,
        "backups_within_target": int(with_backup["backup_within_target"].eq(True).sum()),
        "skus_with_backup": int(len(with_backup)),
        "a_single_supplier": int(((skus["abc_class"] == "A") & (skus["suppliers"] < 2)).sum()),
        "top_supplier": conc["supplier"].iloc[0] if len(conc) and total_gmv else None,
        "top_supplier_share": float(conc["share"].iloc[0]) if len(conc) and total_gmv else None,
        "hhi": float((conc["share"] ** 2).sum()) if total_gmv else None,
    }
