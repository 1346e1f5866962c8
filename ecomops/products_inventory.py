"""ABC inventory (METRICS.md): class per SKU, Pareto curve, on hand, days of cover, turnover days, alerts, replenishment.

Windows, all ending on the sidebar's end date: ABC over the trailing ``abc_window_days`` (90), days of cover over
the trailing ``cover_window_days`` (28), turnover days over the sidebar date range. On hand is each SKU's latest
snapshot on or before the end date, summed over warehouses. The channel filter is not applied (stock serves every
channel); the category filter is.

ABC rule: SKUs sorted by GMV descending; a SKU is A while the GMV of the SKUs before it is under 80% of the total
(so the SKU that carries the cumulative share to 80% is still A), B while under 95%, C otherwise — including
every SKU with stock but no sales in the window.
"""
from __future__ import annotations

import math
import duckdb
import numpy as np
import pandas as pd

from ecomops import db, products_cache
from ecomops.config import THRESHOLDS
from ecomops.filters import Filters
from ecomops.products import sales_where, trailing

ACTIONS = {
    "A": "Stock deep: keep regional warehouses full",
    "B": "Replenish weekly",
    "C": "Clear: bundle with a strong seller or discount",
}
# Days of stock to hold beyond the supplier lead time, per class (A stocked deep, B weekly cycle, C minimal).
TARGET_EXTRA_DAYS = {"A": 28, "B": 14, "C": 7}
DEFAULT_LEAD_TIME_DAYS = 14.0

ABC_COLUMNS = [
    "product_id", "title", "category", "price", "gmv", "units", "share", "cum_share", "gmv_rank", "abc_class",
    "on_hand", "snapshot_date", "daily_units", "days_of_cover", "avg_on_hand", "period_daily_units", "turnover_days",
    "action",
]


def abc_table(con: duckdb.DuckDBPyConnection, f: Filters, window_days: int = THRESHOLDS.abc_window_days,
              a_share: float = THRESHOLDS.abc_a_share, b_share: float = THRESHOLDS.abc_b_share) -> pd.DataFrame:
    """Return one row per SKU (sold in the ABC window or in stock): GMV, class, on hand, cover, turnover, action.

    ``days_of_cover`` is +inf for a SKU with stock and no sales in the cover window; NaN without inventory data.
    """
    products_cache.ensure(con)
    abc = trailing(f.end, window_days)
    cover = trailing(f.end, THRESHOLDS.cover_window_days)
    category_sql, params = sales_where(f, channel=False)
    params.update(
        first_day=min(abc.start, cover.start, f.start), end=f.end, abc_start=abc.start, cover_start=cover.start,
        period_start=f.start, cover_days=float(cover.days), period_days=float(f.days),
        a_share=a_share, b_share=b_share, action_a=ACTIONS["A"], action_b=ACTIONS["B"], action_c=ACTIONS["C"],
    )
    sql = db.load_sql("products_abc").format(category_where=category_sql)
    return db.query_df(con, sql, params)  # columns: ABC_COLUMNS


def class_summary(abc: pd.DataFrame) -> pd.DataFrame:
    """Return one row per class: SKUs, GMV, GMV share, units, on hand, median days of cover, suggested action."""
    rows = []
    total = abc["gmv"].sum()
    for cls in ("A", "B", "C"):
        part = abc[abc["abc_class"] == cls]
        cover = part["days_of_cover"].replace(math.inf, np.nan).dropna()
        rows.append({
            "abc_class": cls, "skus": len(part), "gmv": float(part["gmv"].sum()),
            "gmv_share": float(part["gmv"].sum() / total) if total else 0.0, "units": int(part["units"].sum()),
            "on_hand": float(part["on_hand"].sum()) if part["on_hand"].notna().any() else None,
            "median_days_of_cover": float(cover.median()) if len(cover) else None, "action": ACTIONS[cls],
        })
    return pd.DataFrame(rows)


def pareto_curve(abc: pd.DataFrame, max_points: int = 800) -> pd.DataFrame:
    """Return the Pareto curve (SKU rank share -> cumulative GMV share, class), thinned to at most max_points."""
    sold = abc[abc["gmv"] > 0].sort_values("gmv_rank")
    if sold.empty:
        return pd.DataFrame(columns=["rank", "sku_share", "cum_share", "gmv", "abc_class", "title"])
    curve = pd.DataFrame({
        "rank": sold["gmv_rank"].to_numpy(), "sku_share": np.arange(1, len(sold) + 1) / len(abc),
        "cum_share": sold["cum_share"].to_numpy(), "gmv": sold["gmv"].to_numpy(),
        "abc_class": sold["abc_class"].to_numpy(), "title": sold["title"].to_numpy(),
    })
    if len(curve) > max_points:
        # keep every class boundary and an even spread of the rest, so the curve's shape is exact where it matters
        keep = set(np.linspace(0, len(curve) - 1, max_points).astype(int))
        keep |= set(np.flatnonzero(curve["abc_class"].ne(curve["abc_class"].shift())))
        curve = curve.iloc[sorted(keep)]
    return curve.reset_index(drop=True)


def stock_alerts(abc: pd.DataFrame, a_min_cover_days: float = THRESHOLDS.a_min_cover_days,
                 c_max_cover_days: float = THRESHOLDS.c_max_cover_days) -> pd.DataFrame:
    """Return the alerts: A SKUs under the minimum days of cover (stock-out risk), C SKUs over the maximum (overstock)."""
    has_stock = abc["on_hand"].notna()
    low = abc[has_stock & (abc["abc_class"] == "A") & (abc["days_of_cover"] < a_min_cover_days)].copy()
    low["alert"] = np.where(low["on_hand"] <= 0, "Out of stock", "Stock-out risk")
    low["message"] = [f"A item with {c:.1f} days of cover (< {a_min_cover_days:g})" for c in low["days_of_cover"]]
    high = abc[has_stock & (abc["abc_class"] == "C") & (abc["on_hand"] > 0)
               & (abc["days_of_cover"] > c_max_cover_days)].copy()
    high["alert"] = "Overstock"
    high["message"] = [
        f"C item with {'no sales in 28 days' if math.isinf(c) else f'{c:.0f} days of cover'} (> {c_max_cover_days:g})"
        for c in high["days_of_cover"]
    ]
    out = pd.concat([low, high], ignore_index=True)
    cols = ["alert", "product_id", "title", "category", "abc_class", "on_hand", "daily_units", "days_of_cover",
            "message", "action"]
    return out[cols] if not out.empty else pd.DataFrame(columns=cols)


def lead_times(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return each product's supplier lead time in days: the primary supplier's, else the shortest known."""
    return db.query_df(con, """
        SELECT product_id,
               coalesce(min(lead_time_days) FILTER (WHERE role = 'primary'), min(lead_time_days)) AS lead_time_days
        FROM product_suppliers
        WHERE lead_time_days IS NOT NULL
        GROUP BY product_id
    """)


def replenishment_list(abc: pd.DataFrame, leads: pd.DataFrame,
                       default_lead_time_days: float = DEFAULT_LEAD_TIME_DAYS,
                       target_extra_days: dict[str, int] | None = None) -> pd.DataFrame:
    """Return the SKUs to reorder with a suggested quantity, most urgent (lowest cover) first.

    Suggested quantity = ceil(average daily units over the cover window x (lead time + the class's extra days))
    minus units on hand, when positive. SKUs without inventory data are left out (on hand unknown).
    """
    extra = target_extra_days or TARGET_EXTRA_DAYS
    frame = abc[abc["on_hand"].notna() & (abc["daily_units"] > 0)].merge(leads, on="product_id", how="left")
    frame["lead_time_known"] = frame["lead_time_days"].notna()
    frame["lead_time_days"] = frame["lead_time_days"].fillna(default_lead_time_days).astype(float)
    frame["target_days"] = frame["lead_time_days"] + frame["abc_class"].map(extra).astype(float)
    target_units = np.ceil(frame["daily_units"] * frame["target_days"] - 1e-9)
    frame["suggested_qty"] = (target_units - frame["on_hand"]).clip(lower=0).astype(int)
    frame = frame[frame["suggested_qty"] > 0].sort_values(["days_of_cover", "gmv_rank"])
    cols = ["product_id", "title", "category", "abc_class", "on_hand", "daily_units", "days_of_cover",
            "lead_time_days", "lead_time_known", "target_days", "suggested_qty", "action"]
    return frame[cols].reset_index(drop=True)


def inventory_as_of(con: duckdb.DuckDBPyConnection, f: Filters) -> object:
    """Return the latest inventory snapshot day on or before the end date (None without inventory data)."""
    row = db.query_one(con, "SELECT max(snapshot_date) FROM inventory_snapshots WHERE snapshot_date <= $end",
                       {"end": f.end})
    return row[0] if row else None


def windows_caption(f: Filters, window_days: int = THRESHOLDS.abc_window_days) -> str:
    """Return the sentence naming the windows the inventory page uses."""
    abc = trailing(f.end, window_days)
    cover = trailing(f.end, THRESHOLDS.cover_window_days)
    return (f"ABC classes over {abc.label()}; days of cover from average daily units over {cover.label()}; "
            f"turnover days over the sidebar range {f.start:%Y-%m-%d} – {f.end:%Y-%m-%d} ({f.days} days). "
            "All channels (stock serves every channel).")

