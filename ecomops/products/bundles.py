"""Frequently bought together (METRICS.md): pair statistics in SQL, a lift matrix, and bundle suggestions.

Pairs are counted over the valid orders of the sidebar range and channels; with a category filter both products must
be in the chosen categories. For pair (A, B): support = orders holding both / orders; confidence A→B = orders with
both / orders with A; lift = confidence A→B / P(B). "Orders" are the valid orders of the range holding at least one
product line with a positive quantity (in the chosen categories).
"""
from __future__ import annotations

from datetime import timedelta

import duckdb
import pandas as pd

from ecomops import db, derived
from ecomops.filters import Filters, slot
from ecomops.i18n import N_, _, fmt

DEFAULT_MIN_PRODUCT_ORDERS = 10
DEFAULT_MIN_PAIR_ORDERS = 5
DEFAULT_LIMIT = 500
DEFAULT_MAX_DAYS = 92  # pairs are counted over at most the last quarter of the sidebar range
DEFAULT_MAX_BASKET = 100  # orders with more distinct products are bulk orders, left out (Online Retail: ~3%)

PAIR_COLUMNS = [
    "product_a", "title_a", "category_a", "product_b", "title_b", "category_b", "pair_orders", "orders_a",
    "orders_b", "n_orders", "bulk_orders", "support", "confidence_a_to_b", "confidence_b_to_a", "lift", "aov_with_pair",
    "aov_without_pair",
]


def pair_window(f: Filters, max_days: int | None = DEFAULT_MAX_DAYS) -> Filters:
    """Return the filters of the pair analysis: the sidebar range cut to its last ``max_days`` days."""
    if max_days is None or f.days <= max_days:
        return f
    return f.with_range(f.end - timedelta(days=max_days - 1), f.end)


def pairs(con: duckdb.DuckDBPyConnection, f: Filters, min_product_orders: int = DEFAULT_MIN_PRODUCT_ORDERS,
          min_pair_orders: int = DEFAULT_MIN_PAIR_ORDERS, limit: int = DEFAULT_LIMIT,
          max_days: int | None = DEFAULT_MAX_DAYS, max_basket: int | None = DEFAULT_MAX_BASKET) -> pd.DataFrame:
    """Return product pairs bought together (one row per unordered pair, product_a < product_b), most frequent first.

    Only products in at least ``min_product_orders`` orders and pairs in at least ``min_pair_orders`` orders count.
    Limits that keep the self-join bounded (None = no limit): the last ``max_days`` days of the range
    (:func:`pair_window`), and orders with at most ``max_basket`` distinct products (bulk orders are left out of
    every count; their number is in ``bulk_orders``).
    """
    derived.ensure(con, derived.PRODUCTS_LINES)
    f = pair_window(f, max_days)
    order_sql, params = slot(f, "lines", categories=False)
    category_sql, cat_params = slot(f, "lines", dates=False, channels=False)
    params.update(cat_params)
    params.update(min_product_orders=int(max(1, min_product_orders)), min_pair_orders=int(max(1, min_pair_orders)),
                  limit=int(limit), max_basket=int(max_basket) if max_basket else 2**31 - 1)
    sql = db.load_sql("products/pairs").format(order_where=order_sql, category_where=category_sql)
    frame = db.query_df(con, sql, params)
    frame["uplift_aov"] = frame["aov_with_pair"] / frame["aov_without_pair"] - 1
    return frame


def pair_summary(pair_table: pd.DataFrame) -> dict[str, float | int | None]:
    """Return headline figures: pairs found, orders in the window, and the best pair's AOV with vs without."""
    if pair_table.empty:
        return {"pairs": 0, "orders": None, "best_lift": None, "aov_with": None, "aov_without": None}
    top = pair_table.iloc[0]
    return {"pairs": len(pair_table), "orders": int(top["n_orders"]), "best_lift": float(pair_table["lift"].max()),
            "aov_with": float(top["aov_with_pair"]), "aov_without": float(top["aov_without_pair"])}


def _label(product_id: str, title: str, width: int = 18) -> str:
    short = title if len(title) <= width else title[: width - 1] + "…"
    return f"{short} ({product_id})"


def pair_matrix(pair_table: pd.DataFrame, top: int = 15) -> pd.DataFrame:
    """Return the lift matrix of the ``top`` products appearing in the most pairs, in long format (x, y, lift)."""
    if pair_table.empty:
        return pd.DataFrame(columns=["x", "y", "lift", "pair_orders"])
    labels = {**dict(zip(pair_table["product_a"], pair_table["title_a"])),
              **dict(zip(pair_table["product_b"], pair_table["title_b"]))}
    weight = pd.concat([pair_table[["product_a", "pair_orders"]].rename(columns={"product_a": "pid"}),
                        pair_table[["product_b", "pair_orders"]].rename(columns={"product_b": "pid"})])
    chosen = weight.groupby("pid")["pair_orders"].sum().sort_values(ascending=False).head(top).index
    inside = pair_table[pair_table["product_a"].isin(chosen) & pair_table["product_b"].isin(chosen)]
    both = pd.concat([
        inside.rename(columns={"product_a": "a", "product_b": "b"}),
        inside.rename(columns={"product_a": "b", "product_b": "a"}),
    ])
    names = {pid: _label(str(pid), str(labels[pid])) for pid in chosen}
    grid = pd.MultiIndex.from_product([list(chosen), list(chosen)], names=["a", "b"]).to_frame(index=False)
    out = grid.merge(both[["a", "b", "lift", "pair_orders"]], on=["a", "b"], how="left")
    out["x"] = out["a"].map(names)
    out["y"] = out["b"].map(names)
    return out[["x", "y", "lift", "pair_orders"]]


def bundle_suggestions(pair_table: pd.DataFrame, abc: pd.DataFrame, min_lift: float = 1.0,
                       top: int = 20) -> pd.DataFrame:
    """Return bundle ideas: a slow mover (class C, else B) paired with a strong partner (class A) it sells with.

    Ranked by lift, then by how often the pair is already bought together. ``abc`` is products_inventory.abc_table.
    """
    cols = ["slow_mover", "slow_title", "slow_class", "partner", "partner_title", "pair_orders", "lift",
            "attach_rate", "aov_with_pair", "aov_without_pair", "suggestion"]
    if pair_table.empty or abc.empty:
        return pd.DataFrame(columns=cols)
    cls = dict(zip(abc["product_id"], abc["abc_class"]))
    rows = []
    for r in pair_table[pair_table["lift"] > min_lift].itertuples(index=False):
        for slow, slow_title, partner, partner_title, attach in (
            (r.product_a, r.title_a, r.product_b, r.title_b, r.confidence_b_to_a),
            (r.product_b, r.title_b, r.product_a, r.title_a, r.confidence_a_to_b),
        ):
            if cls.get(partner) == "A" and cls.get(slow) in ("B", "C"):
                rows.append({
                    "slow_mover": slow, "slow_title": slow_title, "slow_class": cls[slow], "partner": partner,
                    "partner_title": partner_title, "pair_orders": r.pair_orders, "lift": r.lift,
                    # share of the partner's orders that already hold the slow mover: the room left to attach
                    "attach_rate": attach, "aov_with_pair": r.aov_with_pair, "aov_without_pair": r.aov_without_pair,
                    "suggestion": _("Bundle “{slow}” with “{partner}” (lift {lift})", slow=slow_title,
                                    partner=partner_title, lift=fmt.number(r.lift, 1)),
                })
    if not rows:
        return pd.DataFrame(columns=cols)
    out = pd.DataFrame(rows)
    out["_slow_rank"] = out["slow_class"].map({"C": 0, "B": 1})
    out = out.sort_values(["_slow_rank", "lift", "pair_orders"], ascending=[True, False, False])
    return out.drop(columns="_slow_rank").head(top).reset_index(drop=True)[cols]


PAIR_SORTS = {"lift": ["lift", "pair_orders"], "orders together": ["pair_orders", "lift"],
              "confidence": ["confidence_a_to_b", "pair_orders"], "AOV uplift": ["uplift_aov", "pair_orders"]}
# How the sort choices are named (message ids).
PAIR_SORT_NAMES = {"lift": N_("lift"), "orders together": N_("orders together"), "confidence": N_("confidence"),
                   "AOV uplift": N_("AOV uplift")}


def rank_pairs(pair_table: pd.DataFrame, by: str = "lift") -> pd.DataFrame:
    """Return the pairs sorted by one of ``PAIR_SORTS`` (descending)."""
    return pair_table.sort_values(PAIR_SORTS[by], ascending=False).reset_index(drop=True)


def aov_comparison(pair_table: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """Return, for the ``top`` pairs by lift, the AOV of orders holding the pair vs the other orders (long format)."""
    part = rank_pairs(pair_table, "lift").head(top)
    labels = [f"{a[:10]} + {b[:10]}" for a, b in zip(part["title_a"], part["title_b"])]
    return pd.concat([
        pd.DataFrame({"pair": labels, "orders": _("with the pair"), "aov": part["aov_with_pair"]}),
        pd.DataFrame({"pair": labels, "orders": _("other orders"), "aov": part["aov_without_pair"]}),
    ], ignore_index=True)
