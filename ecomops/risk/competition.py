"""Competition: our price vs competitors over time, price gaps, undercut alerts with a suggested response, and the
competitors' promotions and new products. Every function returns a DataFrame.

Definitions:
- **Our price** is the product's list price (``products.price``); the price history also shows our average realised
  unit price per day (valid orders) so discounts are visible.
- **Gap** = 1 - competitor price / our price, from each competitor's latest observation in the date range
  (positive = they are cheaper).
- **Undercut alert**: gap > ``threshold`` (default 10%). **Loss leader**: a competitor price at or under
  ``loss_leader_price`` (default 9.9, the playbook's "9.9-yuan loss leader") or under our unit cost, while below our
  price — it is bait for traffic, not a price we can follow.
- **Suggested response** (first rule that applies): loss leader -> don't chase the price, answer within 24 h with
  our own traffic item or a coupon/bundle for this SKU and watch its daily sales; a promotion -> match for its
  duration with a coupon, not a list-price cut; otherwise, if their price still leaves us ``min_margin`` over cost
  -> consider moving to their price; else differentiate (bundle, gift, service) instead of cutting.
The channel filter does not apply (competitor prices have no channel); the category filter does.
"""
from __future__ import annotations

import duckdb
import pandas as pd

from ecomops import db, derived
from ecomops.filters import Filters, slot, where
from ecomops.i18n import _, fmt

UNDERCUT_THRESHOLD = 0.10
LOSS_LEADER_PRICE = 9.9
MIN_MARGIN = 0.15


def price_gaps(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Return each product x competitor's latest price in the range with our price, cost and the gap."""
    where_sql, params = where(f, date_col="c.day", category_col="p.category")
    frame = db.query_df(con, db.load_sql("risk/competitor_latest").format(where_sql=where_sql), params)
    frame["gap"] = 1 - frame["competitor_price"] / frame["our_price"]
    return frame


def suggested_response(competitor_price: float, our_price: float, our_cost: float | None, promotion: str | None,
                       loss_leader: bool, min_margin: float = MIN_MARGIN) -> str:
    """Return the suggested answer to one undercut (rules in the module docstring), in the current language."""
    if loss_leader:
        return _("Loss leader at {price}: don't chase the price. Within 24 h answer with our own traffic item or a "
                 "coupon/bundle on this SKU, and watch its daily sales.", price=fmt.money(competitor_price))
    if isinstance(promotion, str) and promotion.strip():
        return _("Time-limited promotion ({promotion}): match it for its duration with a coupon, not a list-price "
                 "cut.", promotion=promotion)
    if our_cost is not None and not pd.isna(our_cost) and competitor_price >= our_cost * (1 + min_margin):
        return _("Sustained gap: consider moving to {price} (margin stays ≥ {margin}), or a member price.",
                 price=fmt.money(competitor_price), margin=fmt.percent(min_margin, 0))
    return _("Their price is below our margin floor: differentiate (bundle, gift, service) instead of cutting.")


def undercut_alerts(con: duckdb.DuckDBPyConnection, f: Filters, threshold: float = UNDERCUT_THRESHOLD,
                    loss_leader_price: float = LOSS_LEADER_PRICE) -> pd.DataFrame:
    """Return the undercuts (gap > threshold) and loss leaders, deepest first, each with a suggested response."""
    gaps = price_gaps(con, f)
    below = gaps["competitor_price"] < gaps["our_price"]
    loss = below & ((gaps["competitor_price"] <= loss_leader_price) |
                    (gaps["our_cost"].notna() & (gaps["competitor_price"] < gaps["our_cost"])))
    alerts = gaps[loss | (gaps["gap"] > threshold)].copy()
    alerts["alert"] = loss[alerts.index].map({True: "loss leader", False: "undercut"})
    alerts["suggested_response"] = [
        suggested_response(r.competitor_price, r.our_price, r.our_cost, r.promotion, r.alert == "loss leader")
        for r in alerts.itertuples(index=False)]
    alerts["is_loss_leader"] = alerts["alert"] == "loss leader"
    return alerts.sort_values(["is_loss_leader", "gap"], ascending=[False, False], ignore_index=True).drop(
        columns="is_loss_leader")


def price_history(con: duckdb.DuckDBPyConnection, f: Filters, product_id: str) -> pd.DataFrame:
    """Return one product's prices over the range in long form: day, series (competitor / ours), price."""
    where_sql, params = where(f, date_col="c.day")
    params["product_id"] = product_id
    competitors = db.query_df(con, db.load_sql("risk/competitor_history").format(where_sql=where_sql), params)
    order_sql, order_params = slot(f, "orders", channels=False)
    order_params["product_id"] = product_id
    derived.ensure(con, derived.PRODUCTS_LINES)
    ours = db.query_df(con, db.load_sql("risk/our_daily_price").format(order_where=order_sql), order_params)
    ours["series"] = _("our realised price")
    list_price = db.query_one(con, "SELECT price FROM products WHERE product_id = $p", {"p": product_id})
    frames = [competitors, ours]
    if list_price and list_price[0] is not None:
        frames.append(pd.DataFrame({"day": [f.start, f.end], "series": _("our list price"),
                                    "price": [list_price[0]] * 2}))
    frame = pd.concat([x for x in frames if not x.empty], ignore_index=True) if any(
        not x.empty for x in frames) else pd.DataFrame(columns=["day", "series", "price", "promotion"])
    frame["day"] = pd.to_datetime(frame["day"])
    return frame.sort_values(["series", "day"], ignore_index=True)


def competitor_activity(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Return competitors' promotions and new products in the range, newest first."""
    where_sql, params = where(f, date_col="c.day", category_col="p.category")
    return db.query_df(con, db.load_sql("risk/competitor_activity").format(where_sql=where_sql), params)


def watched_products(con: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, str]:
    """Return {product_id: "id · title"} for products with competitor prices in the range, largest gap first."""
    gaps = price_gaps(con, f)
    if gaps.empty:
        return {}
    table = gaps.groupby(["product_id", "title"], as_index=False)["gap"].max()
    table = table.sort_values(["gap", "product_id"], ascending=[False, True])
    return dict(zip(table["product_id"], table["product_id"] + " · " + table["title"]))


def competition_summary(con: duckdb.DuckDBPyConnection, f: Filters, threshold: float = UNDERCUT_THRESHOLD) -> dict:
    """Return headline numbers: products watched, competitors, undercut products, loss leaders, promotions, new."""
    gaps = price_gaps(con, f)
    alerts = undercut_alerts(con, f, threshold)
    activity = competitor_activity(con, f)
    return {
        "products_watched": int(gaps["product_id"].nunique()),
        "competitors": int(gaps["competitor"].nunique()),
        "undercut_products": int(alerts["product_id"].nunique()),
        "loss_leaders": int((alerts["alert"] == "loss leader").sum()),
        "promotions": int(activity["promotion"].notna().sum()),
        "new_products": int(activity["is_new_product"].sum()),
    }
