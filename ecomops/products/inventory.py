"""ABC inventory (METRICS.md): class per SKU, Pareto curve, on hand, days of cover, turnover days, alerts, replenishment.

Windows, all ending on the sidebar's end date: ABC over the trailing ``abc_window_days`` (90 by default), days of
cover over the trailing ``cover_window_days`` (28 by default), turnover days over the sidebar date range. On hand is each SKU's latest
snapshot on or before the end date, summed over warehouses. The channel filter is not applied (stock serves every
channel); the category filter is.

ABC rule: SKUs sorted by GMV descending; a SKU is A while the GMV of the SKUs before it is under ``abc_a_share`` (80%)
of the total (so the SKU that carries the cumulative share to it is still A), B while under ``abc_b_share`` (95%),
C otherwise — including every SKU with stock but no sales in the window. The thresholds are settings
(``config.thresholds``): the values in force are read at each call.
"""
from __future__ import annotations

import math
import duckdb
import numpy as np
import pandas as pd

from ecomops import config, db, derived, metrics
from ecomops.filters import Filters, slot
from ecomops.i18n import N_, _, fmt, label
from ecomops.products import trailing

# Suggested action per class (message ids: the tables show them in the current language).
ACTIONS = {
    "A": N_("Stock deep: keep regional warehouses full"),
    "B": N_("Replenish weekly"),
    "C": N_("Clear: bundle with a strong seller or discount"),
}
# Days of stock to hold beyond the supplier lead time, per class (A stocked deep, B weekly cycle, C minimal).
TARGET_EXTRA_DAYS = {"A": 28, "B": 14, "C": 7}
DEFAULT_LEAD_TIME_DAYS = 14.0

ABC_COLUMNS = [
    "product_id", "title", "category", "price", "gmv", "units", "share", "cum_share", "gmv_rank", "abc_class",
    "on_hand", "snapshot_date", "daily_units", "days_of_cover", "avg_on_hand", "period_daily_units", "turnover_days",
    "action",
]


def abc_table(con: duckdb.DuckDBPyConnection, f: Filters, window_days: int | None = None,
              a_share: float | None = None, b_share: float | None = None) -> pd.DataFrame:
    """Return one row per SKU (sold in the ABC window or in stock): GMV, class, on hand, cover, turnover, action.

    The window and shares default to the settings in force. ``days_of_cover`` is +inf for a SKU with stock and no
    sales in the cover window; NaN without inventory data.
    """
    derived.ensure(con, derived.PRODUCTS_LINES)
    t = config.thresholds(con)
    abc = trailing(f.end, window_days or t.abc_window_days)
    a_share = t.abc_a_share if a_share is None else a_share
    b_share = t.abc_b_share if b_share is None else b_share
    cover = trailing(f.end, t.cover_window_days)
    category_sql, params = slot(f, "products")
    params.update(
        first_day=min(abc.start, cover.start, f.start), end=f.end, abc_start=abc.start, cover_start=cover.start,
        period_start=f.start, cover_days=float(cover.days), period_days=float(f.days),
        a_share=a_share, b_share=b_share, action_a=_(ACTIONS["A"]), action_b=_(ACTIONS["B"]),
        action_c=_(ACTIONS["C"]),
    )
    sql = db.load_sql("products/inventory").format(category_where=category_sql, abc_classes=metrics.abc_classes_sql("skus"))
    return db.query_df(con, sql, params)  # columns: ABC_COLUMNS


def class_summary(abc: pd.DataFrame) -> pd.DataFrame:
    """Return one row per class: SKUs, GMV, GMV share, units, on hand, median days of cover, suggested action."""
    # numpy over the columns (the same sums and medians as pandas' Series.sum / median of each class's rows,
    # without a filtered DataFrame per class)
    classes = abc["abc_class"].to_numpy(dtype=object)
    gmv, units = abc["gmv"].to_numpy(dtype=np.float64), abc["units"].to_numpy(dtype=np.float64)
    on_hand, cover = abc["on_hand"].to_numpy(dtype=np.float64), abc["days_of_cover"].to_numpy(dtype=np.float64)
    total = np.nansum(gmv)
    rows = []
    for cls in ("A", "B", "C"):
        part = classes == cls
        part_gmv = float(np.nansum(gmv[part]))
        part_on_hand = on_hand[part]
        part_cover = cover[part]
        part_cover = part_cover[np.isfinite(part_cover)]
        rows.append({
            "abc_class": cls, "skus": int(part.sum()), "gmv": part_gmv,
            "gmv_share": float(part_gmv / total) if total else 0.0, "units": int(np.nansum(units[part])),
            "on_hand": float(np.nansum(part_on_hand)) if (~np.isnan(part_on_hand)).any() else None,
            "median_days_of_cover": float(np.median(part_cover)) if len(part_cover) else None,
            "action": _(ACTIONS[cls]),
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


ALERT_COLUMNS = ["alert", "product_id", "title", "category", "abc_class", "on_hand", "daily_units", "days_of_cover",
                 "message", "action"]


def stock_alerts(abc: pd.DataFrame, a_min_cover_days: float, c_max_cover_days: float,
                 cover_window_days: int) -> pd.DataFrame:
    """Return the alerts: A SKUs under the minimum days of cover (stock-out risk), C SKUs over the maximum (overstock).

    ``cover_window_days`` is the window ``abc`` computed its days of cover over (the message of a C item without
    sales names it).
    """
    # masks over numpy columns and one row selection (pandas Series operations cost ~10 ms more on a few hundred rows)
    classes = abc["abc_class"].to_numpy(dtype=object)
    on_hand, cover = abc["on_hand"].to_numpy(dtype=np.float64), abc["days_of_cover"].to_numpy(dtype=np.float64)
    has_stock = ~np.isnan(on_hand)
    with np.errstate(invalid="ignore"):
        low = np.flatnonzero(has_stock & (classes == "A") & (cover < a_min_cover_days))
        high = np.flatnonzero(has_stock & (classes == "C") & (on_hand > 0) & (cover > c_max_cover_days))
    if not len(low) and not len(high):
        return pd.DataFrame(columns=ALERT_COLUMNS)
    out = abc.iloc[np.concatenate([low, high])][ALERT_COLUMNS[1:-2] + ["action"]].reset_index(drop=True)
    alerts = [label("stock_alert", "out_of_stock" if on_hand[i] <= 0 else "stockout_risk") for i in low] + \
        [label("stock_alert", "overstock")] * len(high)
    a_limit, c_limit = _bound(a_min_cover_days), _bound(c_max_cover_days)
    messages = [_("A item with {days} days of cover (< {limit})", days=fmt.number(cover[i], 1), limit=a_limit)
                for i in low] + [
        _("C item with no sales in {window} days (> {limit})", window=fmt.count(cover_window_days), limit=c_limit)
        if math.isinf(cover[i]) else
        _("C item with {days} days of cover (> {limit})", days=fmt.count(cover[i]), limit=c_limit) for i in high]
    out.insert(0, "alert", alerts)
    out.insert(len(ALERT_COLUMNS) - 2, "message", messages)
    return out


def _bound(value: float) -> str:
    """Return a threshold as set: 14 -> "14", 15.5 -> "15.5" (no limit: "∞")."""
    if not math.isfinite(float(value)):
        return "∞"
    return fmt.count(value) if float(value).is_integer() else fmt.number(value, 1)


def stockout_count(alerts: pd.DataFrame) -> int:
    """Return the number of alerts about A items (out of stock or at risk), i.e. every alert but overstock."""
    return int((alerts["alert"] != label("stock_alert", "overstock")).sum())


def lead_times(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return each product's supplier lead time in days: the primary supplier's, else the shortest known."""
    return db.query_df(con, db.load_sql("products/lead_times"))


def replenishment_list(abc: pd.DataFrame, leads: pd.DataFrame,
                       default_lead_time_days: float = DEFAULT_LEAD_TIME_DAYS,
                       target_extra_days: dict[str, int] | None = None) -> pd.DataFrame:
    """Return the SKUs to reorder with a suggested quantity, most urgent (lowest cover) first.

    Suggested quantity = ceil(average daily units over the cover window x (lead time + the class's extra days))
    minus units on hand, when positive. SKUs without inventory data are left out (on hand unknown).
    """
    extra = target_extra_days or TARGET_EXTRA_DAYS
    # numpy over the columns and one row selection (the arithmetic of the pandas version, without its overhead)
    on_hand = abc["on_hand"].to_numpy(dtype=np.float64)
    daily = abc["daily_units"].to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore"):
        rows = np.flatnonzero(~np.isnan(on_hand) & (daily > 0))
    lead_of = dict(zip(leads["product_id"].tolist(), leads["lead_time_days"].tolist()))
    known = [lead_of.get(pid) for pid in abc["product_id"].to_numpy(dtype=object)[rows]]
    known = [None if v is None or pd.isna(v) else float(v) for v in known]
    lead = np.array([float(default_lead_time_days) if v is None else v for v in known], dtype=np.float64)
    classes = abc["abc_class"].to_numpy(dtype=object)[rows]
    target_days = lead + np.array([float(extra[c]) for c in classes], dtype=np.float64)
    target_units = np.ceil(daily[rows] * target_days - 1e-9)
    suggested = np.clip(target_units - on_hand[rows], 0, None).astype(int)
    keep = suggested > 0
    frame = abc.iloc[rows[keep]][["product_id", "title", "category", "abc_class", "on_hand", "daily_units",
                                  "days_of_cover", "gmv_rank", "action"]].reset_index(drop=True)
    frame.insert(7, "lead_time_days", lead[keep])
    frame.insert(8, "lead_time_known", np.array([v is not None for v in known], dtype=bool)[keep])
    frame.insert(9, "target_days", target_days[keep])
    frame.insert(10, "suggested_qty", suggested[keep])
    order = np.lexsort((frame["gmv_rank"].to_numpy(), frame["days_of_cover"].to_numpy(dtype=np.float64)))
    cols = ["product_id", "title", "category", "abc_class", "on_hand", "daily_units", "days_of_cover",
            "lead_time_days", "lead_time_known", "target_days", "suggested_qty", "action"]
    return frame.iloc[order][cols].reset_index(drop=True)


def inventory_as_of(con: duckdb.DuckDBPyConnection, f: Filters) -> object:
    """Return the latest inventory snapshot day on or before the end date (None without inventory data)."""
    row = db.query_one(con, "SELECT max(snapshot_date) FROM inventory_snapshots WHERE snapshot_date <= $end",
                       {"end": f.end})
    return row[0] if row else None


def windows_caption(f: Filters, abc_window_days: int, cover_window_days: int) -> str:
    """Return the sentence naming the windows the inventory page uses (the ABC and cover windows in force)."""
    abc = trailing(f.end, abc_window_days)
    cover = trailing(f.end, cover_window_days)
    return _("ABC classes over {abc_window}; days of cover from average daily units over {cover_window}; turnover "
             "days over the sidebar range {period} ({days} days). All channels (stock serves every channel).",
             abc_window=abc.label(), cover_window=cover.label(), period=fmt.date_range(f.start, f.end),
             days=fmt.count(f.days))

