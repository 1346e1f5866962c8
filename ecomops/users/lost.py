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
from ecomops.i18n import N_, _, fmt, label
from ecomops.users import lifecycle, rfm
from ecomops.filters import Filters

PROFILE_SEGMENTS = ("lost", "dormant", "active", "new")


def _lifecycle_params(con: duckdb.DuckDBPyConnection, f: Filters) -> dict:
    return dict(lifecycle.threshold_params(con), as_of=f.end)


def behaviour_profile(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Return per state (lost, dormant, active, new) as of f.end: customers, orders_per_customer, aov,
    discount_order_share, return_share, last_order_returned_share, negative_review_share."""
    derived.ensure(con, derived.USERS_ORDERS)
    buyers, buyer_params = rfm.buyer_totals(con, f.end)
    sql = db.load_sql("users/lost_profile").format(buyers=buyers)
    params = dict(_lifecycle_params(con, f), **buyer_params,
                  negative_rating_max=config.thresholds(con).negative_rating_max)
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


# The measures of the profile (message ids, translated when the table is built).
PROFILE_LABELS = {
    "customers": N_("Customers"), "orders_per_customer": N_("Orders per customer"), "aov": N_("Average order value"),
    "discount_order_share": N_("Orders with a discount"), "return_share": N_("Orders returned"),
    "last_order_returned_share": N_("Last order was returned"), "negative_review_share": N_("Left a negative review"),
}
OTHER_CATEGORIES = "Other categories"  # what users/lost_categories.sql calls the categories beyond its 64 bits


def profile_table(profile: pd.DataFrame, currency: str = fmt.DEFAULT_CURRENCY) -> pd.DataFrame:
    """Return the behaviour profile as a display table of formatted text in the current language: one row per
    measure, columns Measure, then the states' labels (Lost / Dormant / Active / New); amounts in ``currency``."""
    def show(measure: str, value: float) -> str:
        if measure == "customers":
            return fmt.count(value)
        if measure == "orders_per_customer":
            return fmt.number(value, 2)
        if measure == "aov":
            return fmt.money(value, currency)
        return fmt.percent(value)

    rows = profile.set_index("segment")
    table = pd.DataFrame({label("lifecycle", segment): [show(m, rows.loc[segment, m]) for m in PROFILE_LABELS]
                          for segment in rows.index})
    table.insert(0, _("Measure"), [_(PROFILE_LABELS[m]) for m in PROFILE_LABELS])
    return table


def profile_findings(profile: pd.DataFrame) -> list[str]:
    """Return sentences (in the current language) where lost customers differ clearly (by a fifth or more) from
    active ones."""
    rows = profile.set_index("segment")
    if "lost" not in rows.index or "active" not in rows.index or not rows.loc["lost", "customers"]:
        return []
    # One whole sentence per measure and case: word order differs between languages.
    sentences = {
        "discount_order_share": (N_("Lost customers bought on discount more often: {lost} vs {active} of active "
                                    "customers."),
                                 N_("Lost customers bought on discount: {lost}; active customers never did.")),
        "return_share": (N_("Lost customers returned orders more often: {lost} vs {active} of active customers."),
                         N_("Lost customers returned orders: {lost}; active customers never did.")),
        "last_order_returned_share": (N_("Lost customers had their last order returned more often: {lost} vs "
                                         "{active} of active customers."),
                                      N_("Lost customers had their last order returned: {lost}; active customers "
                                         "never did.")),
        "negative_review_share": (N_("Lost customers left a negative review more often: {lost} vs {active} of "
                                     "active customers."),
                                  N_("Lost customers left a negative review: {lost}; active customers never did.")),
    }
    found = []
    for measure, (more_often, only_lost) in sentences.items():
        lost, active = rows.loc["lost", measure], rows.loc["active", measure]
        if pd.notna(lost) and pd.notna(active) and active > 0 and lost >= 1.2 * active:
            found.append(_(more_often, lost=fmt.percent(lost), active=fmt.percent(active)))
        elif pd.notna(lost) and pd.notna(active) and active == 0 and lost > 0:
            found.append(_(only_lost, lost=fmt.percent(lost)))
    return found


def last_categories(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Return the categories of the last order of lost vs active customers: category, lost_share, active_share,
    difference (share points), largest over-representation among lost customers first (the categories beyond the
    first 64 grouped as "Other categories", in the current language)."""
    derived.ensure(con, derived.USERS_ORDERS)
    buyers, buyer_params = rfm.buyer_totals(con, f.end)
    found = derived.query_df(con, derived.USERS_ORDERS, db.load_sql("users/lost_categories").format(buyers=buyers),
                             dict(_lifecycle_params(con, f), **buyer_params))
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
    out = out.sort_values(["difference", "category"], ascending=[False, True]).reset_index(drop=True)
    return out.assign(category=out["category"].replace({OTHER_CATEGORIES: _("Other categories")}))


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
