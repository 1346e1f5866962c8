"""Acquisition cohorts (repurchase retention, cumulative spend), signup-to-first-order conversion, members vs others.

All aggregation runs in DuckDB over the derived per-order tables (users_order_facts, ecomops/derived.py); guest orders never count.
Definitions are in the .sql files named below and in METRICS.md (repurchase rate, spend per buyer, repurchase
cycle = median days between consecutive valid orders).
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import duckdb
import pandas as pd

from ecomops import db, derived
from ecomops.filters import Filters, slot, where
from ecomops.i18n import N_, _, fmt

MAX_COHORTS = 24
# The buckets users/time_to_first.sql names (message ids: translated when returned).
FIRST_ORDER_BUCKETS = {b: b for b in (N_("same day"), N_("1–7 days"), N_("8–30 days"), N_("31–90 days"),
                                      N_("over 90 days"), N_("no order yet"))}
CONVERSION_GROUPS = {"channel": "s.channel", "month": "CAST(date_trunc('month', s.signup_date) AS DATE)"}


def _month_start(day: date) -> date:
    return day.replace(day=1)


def cohort_start(f: Filters, months: int = 12) -> date:
    """Return the first cohort month: the month of f.start or ``months`` months back from f.end, whichever is
    earlier, but never more than MAX_COHORTS months back."""
    def back(n: int) -> date:
        index = f.end.year * 12 + f.end.month - 1 - n
        return date(index // 12, index % 12 + 1, 1)

    return max(min(_month_start(f.start), back(months - 1)), back(MAX_COHORTS - 1))


def cohorts(con: duckdb.DuckDBPyConnection, f: Filters, months: int = 12) -> pd.DataFrame:
    """Return one row per (cohort month, month k): customers, repeaters, retention, cumulative_spend per customer.

    Cohort = month of the first valid order; the sidebar channels select customers by the channel of that order.
    """
    derived.ensure(con, derived.USERS_ORDERS)
    channel_sql, params = slot(f, "orders", dates=False)
    params.update(cohort_start=cohort_start(f, months), as_of=f.end)
    frame = derived.query_df(con, derived.USERS_ORDERS, db.load_sql("users/cohorts").format(channel_where=channel_sql), params)
    frame["cohort"] = pd.to_datetime(frame["cohort"]).dt.strftime("%Y-%m")
    frame["k"] = frame["k"].astype("int64")
    return frame


def data_end(con: duckdb.DuckDBPyConnection) -> date | None:
    """Return the last order day in the data (None without orders)."""
    row = db.query_one(con, "SELECT max(order_date) FROM orders")
    return row[0] if row else None


def signup_coverage(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Return how many customers are registered, have a signup date, and have a membership tier other than none."""
    derived.ensure(con, derived.USERS_ORDERS)
    row = db.query_one(con, "SELECT count(*) FILTER (WHERE registered), count(signup_date), "
                            "count(*) FILTER (WHERE membership_tier <> 'none') FROM users_customer_keys")
    return {"registered": int(row[0]), "with_signup_date": int(row[1]), "members": int(row[2])}


def _signups_sql(channel_where: str) -> str:
    """Return the signups query (users_signups.sql) restricted by the channel filter fragment (alias ``s``)."""
    return db.load_sql("users/signups").format(channel_where=channel_where)


def conversion(con: duckdb.DuckDBPyConnection, f: Filters, by: str = "channel") -> pd.DataFrame:
    """Return signup-to-first-order conversion for signups in the range, by signup channel or signup month.

    Columns: group, signups, ordered, eligible_7, converted_7, rate_7, eligible_30, converted_30, rate_30,
    median_days_to_first, avg_days_to_first; the last row (group 'All', in the current language) is the total.
    """
    if by not in CONVERSION_GROUPS:
        raise ValueError(f"unknown grouping {by!r}")
    derived.ensure(con, derived.USERS_ORDERS)
    channel_sql, params = where(f, channel_col="s.channel")
    params.update(start=f.start, end=f.end, data_end=data_end(con) or f.end)
    sql = db.load_sql("users/conversion").format(signups=_signups_sql(channel_sql), group_expr=CONVERSION_GROUPS[by])
    frame = derived.query_df(con, derived.USERS_ORDERS, sql, params)
    frame["group"] = [(_("All") if total else (v.strftime("%Y-%m") if isinstance(v, (date, pd.Timestamp)) else str(v)))
                      for v, total in zip(frame["grp"], frame["is_total"])]
    for n in (7, 30):
        eligible = frame[f"eligible_{n}"].where(frame[f"eligible_{n}"] > 0)
        frame[f"rate_{n}"] = frame[f"converted_{n}"] / eligible
    cols = ["group", "signups", "ordered", "eligible_7", "converted_7", "rate_7", "eligible_30", "converted_30",
            "rate_30", "median_days_to_first", "avg_days_to_first"]
    return frame[cols]


def time_to_first_order(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Return the distribution of days from signup to first order (bucket in the current language, customers, share)
    for signups in range."""
    derived.ensure(con, derived.USERS_ORDERS)
    channel_sql, params = where(f, channel_col="s.channel")
    params.update(start=f.start, end=f.end)
    sql = db.load_sql("users/time_to_first").format(signups=_signups_sql(channel_sql))
    frame = derived.query_df(con, derived.USERS_ORDERS, sql, params)
    total = frame["customers"].sum()
    frame["share"] = frame["customers"] / total if total else 0.0
    frame["bucket"] = [_(FIRST_ORDER_BUCKETS.get(b, b)) for b in frame["bucket"]]
    return frame[["bucket", "customers", "share"]]


def members_by_level(con: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, pd.DataFrame]:
    """Return {'member': member vs non-member rows, 'tier': one row per tier} over the range, each with buyers,
    repeat_buyers, repurchase_rate, gmv, orders, spend_per_buyer, median_gap_days (repurchase cycle), gaps.
    Sidebar channels apply; categories do not."""
    derived.ensure(con, derived.USERS_ORDERS)
    order_sql, params = slot(f, "orders")
    # Without a channel the orders in the range are a run of each buyer's order chain: counted without grouping.
    buyers = db.load_sql("users/members_buyers_grouped" if f.channels else "users/members_buyers_chained")
    sql = db.load_sql("users/members").format(order_where=order_sql, buyers=buyers)
    frame = derived.query_df(con, derived.USERS_ORDERS, sql, params)
    frame = frame.rename(columns={"grp": "group"})
    frame["repurchase_rate"] = frame["repeat_buyers"] / frame["buyers"]
    frame["spend_per_buyer"] = frame["gmv"] / frame["buyers"]
    cols = ["group", "buyers", "repeat_buyers", "repurchase_rate", "gmv", "orders", "spend_per_buyer",
            "median_gap_days", "gaps"]
    return {level: frame[frame["level"] == level][cols].reset_index(drop=True) for level in ("member", "tier")}


def members(con: duckdb.DuckDBPyConnection, f: Filters, by: str = "member") -> pd.DataFrame:
    """Return members vs non-members (by='member') or per tier (by='tier'); see members_by_level."""
    if by not in ("member", "tier"):
        raise ValueError(f"unknown grouping {by!r}")
    return members_by_level(con, f)[by]


def _days(value: float) -> str:
    return fmt.number(value, 0 if float(value).is_integer() else 1)


def members_statement(frame: pd.DataFrame, currency: str = fmt.DEFAULT_CURRENCY) -> str | None:
    """Return the members vs non-members difference in words, in the current language (None when one of the groups
    has no buyers); amounts in ``currency``."""
    rows = frame.set_index("group")
    if "member" not in rows.index or "non-member" not in rows.index:
        return None
    m, n = rows.loc["member"], rows.loc["non-member"]
    shares = dict(rate=fmt.percent(m["repurchase_rate"]), other_rate=fmt.percent(n["repurchase_rate"]),
                  spend=fmt.money(m["spend_per_buyer"], currency), other_spend=fmt.money(n["spend_per_buyer"], currency))
    if pd.notna(m["median_gap_days"]) and pd.notna(n["median_gap_days"]):
        cycle = dict(days=_days(m["median_gap_days"]), other_days=_days(n["median_gap_days"]),
                     gap=_days(abs(n["median_gap_days"] - m["median_gap_days"])))
        if m["median_gap_days"] < n["median_gap_days"]:
            return _("Members reorder every {days} days vs {other_days} for non-members (median days between "
                     "consecutive orders; members come back {gap} days sooner); repurchase rate {rate} vs "
                     "{other_rate}; spend per buyer {spend} vs {other_spend}.", **cycle, **shares)
        return _("Members reorder every {days} days vs {other_days} for non-members (median days between "
                 "consecutive orders; members come back {gap} days later); repurchase rate {rate} vs {other_rate}; "
                 "spend per buyer {spend} vs {other_spend}.", **cycle, **shares)
    return _("Not enough repeat orders in this range to compare reorder cycles; repurchase rate {rate} vs "
             "{other_rate}; spend per buyer {spend} vs {other_spend}.", **shares)


def cohort_summary(frame: pd.DataFrame) -> dict[str, Any]:
    """Return headline cohort figures: buyers in the cohorts, and average month-1 and month-3 repurchase retention over
    cohorts that reached them, weighted by cohort size."""
    out: dict[str, Any] = {"buyers": int(frame.groupby("cohort")["customers"].first().sum()) if not frame.empty else 0}
    for k in (1, 3):
        part = frame[frame["k"] == k]
        size = part["customers"].sum()
        out[f"retention_m{k}"] = float(part["repeaters"].sum() / size) if size else None
    return out


# Windows as the pages offer them (keys are message ids: the pages show them translated).
MEMBER_WINDOWS = {N_("Selected range"): None, N_("Last 90 days"): 90, N_("Last 365 days"): 365}
# Signup windows for conversion: a 30-day rate needs signups at least 30 days old, which a 30-day range has none of.
SIGNUP_WINDOWS = {N_("Selected range"): None, N_("Last 90 days"): 90, N_("Last 365 days"): 365}


def trailing(f: Filters, days: int | None) -> Filters:
    """Return the filters over the ``days`` days ending at f.end (unchanged when days is None).

    Why: a repurchase cycle needs a long window; over a month it mostly reflects that month's campaigns.
    """
    return f if days is None else f.with_range(f.end - timedelta(days=days - 1), f.end)
