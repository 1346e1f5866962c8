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

MAX_COHORTS = 24
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
    median_days_to_first, avg_days_to_first; the last row (group 'All') is the total.
    """
    if by not in CONVERSION_GROUPS:
        raise ValueError(f"unknown grouping {by!r}")
    derived.ensure(con, derived.USERS_ORDERS)
    channel_sql, params = where(f, channel_col="s.channel")
    params.update(start=f.start, end=f.end, data_end=data_end(con) or f.end)
    sql = db.load_sql("users/conversion").format(signups=_signups_sql(channel_sql), group_expr=CONVERSION_GROUPS[by])
    frame = derived.query_df(con, derived.USERS_ORDERS, sql, params)
    frame["group"] = [("All" if total else (v.strftime("%Y-%m") if isinstance(v, (date, pd.Timestamp)) else str(v)))
                      for v, total in zip(frame["grp"], frame["is_total"])]
    for n in (7, 30):
        eligible = frame[f"eligible_{n}"].where(frame[f"eligible_{n}"] > 0)
        frame[f"rate_{n}"] = frame[f"converted_{n}"] / eligible
    cols = ["group", "signups", "ordered", "eligible_7", "converted_7", "rate_7", "eligible_30", "converted_30",
            "rate_30", "median_days_to_first", "avg_days_to_first"]
    return frame[cols]


def time_to_first_order(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Return the distribution of days from signup to first order (bucket, customers, share) for signups in range."""
    derived.ensure(con, derived.USERS_ORDERS)
    channel_sql, params = where(f, channel_col="s.channel")
    params.update(start=f.start, end=f.end)
    sql = db.load_sql("users/time_to_first").format(signups=_signups_sql(channel_sql))
    frame = derived.query_df(con, derived.USERS_ORDERS, sql, params)
    total = frame["customers"].sum()
    frame["share"] = frame["customers"] / total if total else 0.0
    return frame[["bucket", "customers", "share"]]


def members_by_level(con: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, pd.DataFrame]:
    """Return {'member': member vs non-member rows, 'tier': one row per tier} over the range, each with buyers,
    repeat_buyers, repurchase_rate, gmv, orders, spend_per_buyer, median_gap_days (repurchase cycle), gaps.
    Sidebar channels apply; categories do not."""
    derived.ensure(con, derived.USERS_ORDERS)
    order_sql, params = slot(f, "orders")
    frame = derived.query_df(con, derived.USERS_ORDERS, db.load_sql("users/members").format(order_where=order_sql), params)
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
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def members_statement(frame: pd.DataFrame) -> str | None:
    """Return the members vs non-members difference in words (None when one of the groups has no buyers)."""
    rows = frame.set_index("group")
    if "member" not in rows.index or "non-member" not in rows.index:
        return None
    m, n = rows.loc["member"], rows.loc["non-member"]
    parts: list[str] = []
    if pd.notna(m["median_gap_days"]) and pd.notna(n["median_gap_days"]):
        faster = "sooner" if m["median_gap_days"] < n["median_gap_days"] else "later"
        parts.append(f"Members reorder every {_days(m['median_gap_days'])} days vs {_days(n['median_gap_days'])} "
                     f"for non-members (median days between consecutive orders; members come back "
                     f"{abs(n['median_gap_days'] - m['median_gap_days']):g} days {faster})")
    else:
        parts.append("Not enough repeat orders in this range to compare reorder cycles")
    parts.append(f"repurchase rate {m['repurchase_rate']:.1%} vs {n['repurchase_rate']:.1%}")
    parts.append(f"spend per buyer ¥{m['spend_per_buyer']:,.2f} vs ¥{n['spend_per_buyer']:,.2f}")
    return "; ".join(parts) + "."


def cohort_summary(frame: pd.DataFrame) -> dict[str, Any]:
    """Return headline cohort figures: buyers in the cohorts, and average month-1 and month-3 repurchase retention over
    cohorts that reached them, weighted by cohort size."""
    out: dict[str, Any] = {"buyers": int(frame.groupby("cohort")["customers"].first().sum()) if not frame.empty else 0}
    for k in (1, 3):
        part = frame[frame["k"] == k]
        size = part["customers"].sum()
        out[f"retention_m{k}"] = float(part["repeaters"].sum() / size) if size else None
    return out


MEMBER_WINDOWS = {"Selected range": None, "Last 90 days": 90, "Last 365 days": 365}
# Signup windows for conversion: a 30-day rate needs signups at least 30 days old, which a 30-day range has none of.
SIGNUP_WINDOWS = {"Selected range": None, "Last 90 days": 90, "Last 365 days": 365}


def trailing(f: Filters, days: int | None) -> Filters:
    """Return the filters over the ``days`` days ending at f.end (unchanged when days is None).

    Why: a repurchase cycle needs a long window; over a month it mostly reflects that month's campaigns.
    """
    return f if days is None else f.with_range(f.end - timedelta(days=days - 1), f.end)
