"""Lost customers: survey reasons, win-back, and behaviour before leaving compared with customers who stay.

States follow METRICS.md as of the end of the range (ecomops.users.lifecycle.lifecycle rules). "Win-back rate" (not in
METRICS.md, defined here): customers lost as of the day before the range who placed a valid order in the range,
over all customers lost at that day; the same for dormant customers ("reactivation rate").
"""
from __future__ import annotations

from datetime import timedelta

import duckdb
import pandas as pd

from ecomops import config, db, derived
from ecomops.users import lifecycle
from ecomops.filters import Filters

PROFILE_SEGMENTS = ("lost", "dormant", "active", "new")


def _lifecycle_params(con: duckdb.DuckDBPyConnection, f: Filters) -> dict:
    return dict(lifecycle.threshold_params(con), as_of=f.end)


def behaviour_profile(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Return per state (lost, dormant, active, new) as of f.end: customers, orders_per_customer, aov,
    discount_order_share, return_share, last_order_returned_share, negative_review_share."""
    derived.ensure(con, derived.USERS_ORDERS)
    sql = db.load_sql("users/lost_profile")
    params = dict(_lifecycle_params(con, f), negative_rating_max=config.thresholds(con).negative_rating_max)
    raw = derived.query_df(con, derived.USERS_ORDERS, sql, params).set_index("segment").reindex(list(PROFILE_SEGMENTS))
    customers = raw["customers"].fillna(0).astype("int64")
    orders = raw["orders"].where(raw["orders"] > 0)
    people = customers.where(customers > 0)
    out = pd.DataFrame({
        "customers": customers,
        "orders_per_customer": raw["orders"] / people,
        "aov": raw["gmv"] / orders,
        "discount_order_share": raw["discounted_orders"] / orders,
        "return_share": raw["returned_orders"] / orders,
        "last_order_returned_share": raw["last_order_returned"] / people,
        "negative_review_share": raw["with_negative_review"] / people,
    })
    out.index.name = "segment"
    return out.reset_index()


PROFILE_LABELS = {
    "customers": "Customers", "orders_per_customer": "Orders per customer", "aov": "Average order value",
    "discount_order_share": "Orders with a discount", "return_share": "Orders returned",
    "last_order_returned_share": "Last order was returned", "negative_review_share": "Left a negative review",
}


def profile_table(profile: pd.DataFrame) -> pd.DataFrame:
    """Return the behaviour profile as a display table of formatted text: one row per measure, columns Lost /
    Dormant / Active / New."""
    def show(measure: str, value: float) -> str:
        if pd.isna(value):
            return "—"
        if measure == "customers":
            return f"{int(value):,}"
        if measure == "orders_per_customer":
            return f"{value:.2f}"
        if measure == "aov":
            return f"¥{value:,.2f}"
        return f"{value:.1%}"

    rows = profile.set_index("segment")
    table = pd.DataFrame({lifecycle.LIFECYCLE_LABELS[segment]: [show(m, rows.loc[segment, m]) for m in PROFILE_LABELS]
                          for segment in rows.index})
    table.insert(0, "Measure", [PROFILE_LABELS[m] for m in PROFILE_LABELS])
    return table


def profile_findings(profile: pd.DataFrame) -> list[str]:
    """Return sentences where lost customers differ clearly (by a fifth or more) from active ones."""
    rows = profile.set_index("segment")
    if "lost" not in rows.index or "active" not in rows.index or not rows.loc["lost", "customers"]:
        return []
    found = []
    for measure, text in (("discount_order_share", "bought on discount"),
                          ("return_share", "returned orders"),
                          ("last_order_returned_share", "had their last order returned"),
                          ("negative_review_share", "left a negative review")):
        lost, active = rows.loc["lost", measure], rows.loc["active", measure]
        if pd.notna(lost) and pd.notna(active) and active > 0 and lost >= 1.2 * active:
            found.append(f"Lost customers {text} more often: {lost:.1%} vs {active:.1%} of active customers.")
        elif pd.notna(lost) and pd.notna(active) and active == 0 and lost > 0:
            found.append(f"Lost customers {text}: {lost:.1%}; active customers never did.")
    return found


def last_categories(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Return the categories of the last order of lost vs active customers: category, lost_share, active_share,
    difference (share points), largest over-representation among lost customers first."""
    derived.ensure(con, derived.USERS_ORDERS)
    found = derived.query_df(con, derived.USERS_ORDERS, db.load_sql("users/lost_categories"), _lifecycle_params(con, f))
    totals = found[found["category"].isna()]
    sizes = dict(zip(totals["segment"], totals["customers"]))
    raw = found[found["category"].notna()]
    if raw.empty:
        return pd.DataFrame(columns=["category", "lost_share", "active_share", "difference"])
    wide = raw.pivot_table(index="category", columns="segment", values="customers", aggfunc="sum", fill_value=0)
    for segment in ("lost", "active"):
        count = wide[segment] if segment in wide.columns else 0
        wide[f"{segment}_share"] = count / sizes[segment] if sizes.get(segment) else 0.0
    wide["difference"] = wide["lost_share"] - wide["active_share"]
    out = wide.reset_index()[["category", "lost_share", "active_share", "difference"]]
    return out.sort_values(["difference", "category"], ascending=[False, True]).reset_index(drop=True)


def survey_reasons(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Return survey reasons (answers on or before f.end): reason, lost, dormant, responses, share_of_lost."""
    derived.ensure(con, derived.USERS_ORDERS)
    params = {k: v for k, v in _lifecycle_params(con, f).items() if k != "new_days"}
    frame = derived.query_df(con, derived.USERS_ORDERS, db.load_sql("users/lost_reasons"), params)
    lost_total = frame["lost"].sum()
    frame["share_of_lost"] = frame["lost"] / lost_total if lost_total else 0.0
    return frame


def winback(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Return, for customers lost / dormant on the day before the range: customers, came_back (valid order in the
    range) and rate (win-back rate for lost, reactivation rate for dormant)."""
    derived.ensure(con, derived.USERS_ORDERS)
    t = config.thresholds(con)
    params = {"start": f.start, "end": f.end, "before": f.start - timedelta(days=1),
              "active_days": t.active_days, "dormant_days": t.dormant_days}
    raw = derived.query_df(con, derived.USERS_ORDERS, db.load_sql("users/winback"), params).set_index("segment")
    raw = raw.reindex(["lost", "dormant"])
    raw = raw.fillna(0).astype("int64")
    raw["rate"] = raw["came_back"] / raw["customers"].where(raw["customers"] > 0)
    raw.index.name = "segment"
    return raw.reset_index()
