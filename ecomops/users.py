"""Customers: lifecycle states (METRICS.md), their month-over-month movement and GMV share, and RFM segments.

Everything is aggregated in DuckDB (ecomops/sql/users_*.sql); only results come back as DataFrames. Guest orders
(customer_id NULL) never count per customer. Lifecycle states and RFM scores use each customer's whole valid-order
history up to the reference date, across all channels: a state is a property of the customer, not of a channel.
The sidebar's channel and category filters apply to the GMV figures (GMV share per state).
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import duckdb
import pandas as pd

from ecomops import db, exports, users_cache
from ecomops.config import THRESHOLDS
from ecomops.filters import Filters, where

LIFECYCLE_SEGMENTS = ("new", "active", "dormant", "lost", "prospect")
LIFECYCLE_LABELS = {"new": "New", "active": "Active", "dormant": "Dormant", "lost": "Lost", "prospect": "Prospect",
                    "guest": "Guest orders", "not yet a customer": "Not yet a customer"}
LIFECYCLE_RULES = (
    ("New", f"first valid order at most {THRESHOLDS.new_days} days ago"),
    ("Active", f"not new, last valid order at most {THRESHOLDS.active_days} days ago"),
    ("Dormant", f"last valid order {THRESHOLDS.active_days + 1}–{THRESHOLDS.dormant_days} days ago"),
    ("Lost", f"last valid order more than {THRESHOLDS.dormant_days} days ago"),
    ("Prospect", "registered, no valid order yet"),
)

# (segment, R scores, FM scores, what to do): the first matching row wins; together they cover the 5 x 5 grid.
RFM_RULES = (
    ("Champions", (5,), (4, 5), "Recent, frequent, high spend: reward, early access, ask for reviews."),
    ("Loyal", (3, 4), (4, 5), "Frequent high spenders: membership perks, upsell."),
    ("Potential loyalist", (4, 5), (2, 3), "Recent with some repeat: membership invitation, bundles."),
    ("New", (4, 5), (1,), "Recent first order: onboarding, second-order coupon."),
    ("Needs attention", (3,), (1, 2, 3), "Slipping mid-value: limited-time offer, recommendations."),
    ("Can't lose", (1, 2), (5,), "Best customers gone quiet: personal win-back, survey."),
    ("At risk", (1, 2), (3, 4), "Valuable but lapsing: comeback gift, personalised reach-out."),
    ("Hibernating", (2,), (1, 2), "Low value, long inactive: low-cost reach-out only."),
    ("Lost", (1,), (1, 2), "Lowest recency and value: survey why, exclude from paid reach-out."),
)
RFM_SEGMENTS = tuple(rule[0] for rule in RFM_RULES)
RFM_COLORS = {"Champions": "#1B5E20", "Loyal": "#2BA672", "Potential loyalist": "#7CC68D", "New": "#3BB3C3",
              "Needs attention": "#F2C14E", "At risk": "#F28C28", "Can't lose": "#D64550",
              "Hibernating": "#9CA3AF", "Lost": "#6B7280"}


def _threshold_params() -> dict[str, int]:
    return {"new_days": THRESHOLDS.new_days, "active_days": THRESHOLDS.active_days,
            "dormant_days": THRESHOLDS.dormant_days}


def lifecycle_sql(as_of_param: str = "$as_of") -> str:
    """Return the per-customer lifecycle query with its reference date bound to the named parameter."""
    return db.load_sql("users_lifecycle").format(as_of=as_of_param)


def range_gmv_sql(f: Filters) -> tuple[str, dict[str, Any]]:
    """Return (sql, params) of GMV per customer key in the filtered range (ckey NULL = guest orders)."""
    order_sql, params = where(f, date_col="o.order_date", channel_col="o.channel")
    if not f.categories:
        return db.load_sql("users_range_gmv").format(order_where=order_sql), params
    category_sql, category_params = where(f, category_col="p.category")
    params.update(category_params)
    return db.load_sql("users_range_gmv_category").format(order_where=order_sql, category_where=category_sql), params


def lifecycle(con: duckdb.DuckDBPyConnection, as_of: date) -> pd.DataFrame:
    """Return one row per customer: customer_id, segment, recency_days, first/last_order_date, orders as of a date.

    segment is one of new / active / dormant / lost (buyers) or prospect (registered, no valid order yet);
    recency_days is NULL for prospects. Reusable (e.g. by the churn model to pick dormant customers).
    """
    users_cache.ensure(con)
    sql = db.load_sql("users_lifecycle_customers").format(lifecycle=lifecycle_sql())
    return users_cache.query_df(con, sql, dict(_threshold_params(), as_of=as_of))


def lifecycle_overview(con: duckdb.DuckDBPyConnection, f: Filters, prev_as_of: date | None = None
                       ) -> dict[str, pd.DataFrame]:
    """Return {'summary': lifecycle_summary rows, 'flow': lifecycle_flow rows} from one pass over the orders.

    prev_as_of defaults to one month before f.end (the previous monthly snapshot).
    """
    users_cache.ensure(con)
    prev_as_of = prev_as_of or snapshot_dates(f.end, 2)[0]
    gmv_sql, params = range_gmv_sql(f)
    params.update(_threshold_params(), as_of=f.end, prev_as_of=prev_as_of)
    moves = users_cache.query_df(con, db.load_sql("users_lifecycle_flow").format(range_gmv=gmv_sql), params)
    moves["customers"] = moves["customers"].astype("int64")
    moves["gmv"] = moves["gmv"].astype(float)

    found = moves.groupby("to_segment")[["customers", "gmv"]].sum()
    rows = list(LIFECYCLE_SEGMENTS) + (["guest"] if "guest" in found.index else [])
    summary = found.reindex(rows).fillna({"customers": 0, "gmv": 0.0})
    summary.index.name = "segment"
    summary = summary.reset_index()
    summary["customers"] = summary["customers"].astype("int64")
    total_customers, total_gmv = summary["customers"].sum(), summary["gmv"].sum()
    summary["customer_share"] = summary["customers"] / total_customers if total_customers else 0.0
    summary["gmv_share"] = summary["gmv"] / total_gmv if total_gmv else 0.0
    summary["label"] = summary["segment"].map(LIFECYCLE_LABELS)

    flow = moves[moves["from_segment"].notna()][["from_segment", "to_segment", "customers"]].reset_index(drop=True)
    flow["from_label"] = flow["from_segment"].map(LIFECYCLE_LABELS)
    flow["to_label"] = flow["to_segment"].map(LIFECYCLE_LABELS)
    return {"summary": summary[["segment", "label", "customers", "customer_share", "gmv", "gmv_share"]], "flow": flow}


def lifecycle_summary(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """Return one row per state as of f.end: customers, customer share, GMV in the filtered range, GMV share.

    A 'guest' row (0 customers) carries the GMV of orders without a customer id, so GMV shares add up to 1.
    """
    return lifecycle_overview(con, f)["summary"]


def snapshot_dates(as_of: date, months: int) -> list[date]:
    """Return the monthly snapshot dates ending at as_of, oldest first (as_of - k months, clamped to month end)."""
    found = []
    for k in range(months - 1, -1, -1):
        month_index = as_of.year * 12 + as_of.month - 1 - k
        year, month = divmod(month_index, 12)
        last_day = (date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1) - timedelta(days=1)).day
        found.append(date(year, month + 1, min(as_of.day, last_day)))
    return found


def lifecycle_monthly(con: duckdb.DuckDBPyConnection, f: Filters, months: int = 12) -> pd.DataFrame:
    """Return customers per state at monthly snapshots ending at f.end: snapshot, segment, label, customers."""
    users_cache.ensure(con)
    params = dict(_threshold_params(), as_of=f.end, months=months)
    found = users_cache.query_df(con, db.load_sql("users_lifecycle_monthly"), params)
    grid = pd.MultiIndex.from_product([snapshot_dates(f.end, months), list(LIFECYCLE_SEGMENTS)],
                                      names=["snapshot", "segment"])
    found["snapshot"] = pd.to_datetime(found["snapshot"]).dt.date
    frame = found.set_index(["snapshot", "segment"]).reindex(grid, fill_value=0).reset_index()
    frame["customers"] = frame["customers"].astype("int64")
    frame["label"] = frame["segment"].map(LIFECYCLE_LABELS)
    return frame


def lifecycle_flow(con: duckdb.DuckDBPyConnection, f: Filters, prev_as_of: date | None = None) -> pd.DataFrame:
    """Return the movement between states from prev_as_of (default: one month before f.end) to f.end.

    Columns: from_segment, to_segment, customers, from_label, to_label, biggest flows first.
    """
    return lifecycle_overview(con, f, prev_as_of)["flow"]


def lifecycle_movement_text(flow: pd.DataFrame) -> list[str]:
    """Return short sentences about the movements an operator acts on (reactivations, lapses), largest first."""
    def count(src: tuple[str, ...], dst: tuple[str, ...]) -> int:
        hit = flow["from_segment"].isin(src) & flow["to_segment"].isin(dst)
        return int(flow.loc[hit, "customers"].sum())

    notes = [
        (count(("dormant", "lost"), ("active",)), "came back (dormant or lost → active)"),
        (count(("new", "active"), ("dormant",)), "lapsed into dormant"),
        (count(("dormant",), ("lost",)), "moved from dormant to lost"),
        (count(("prospect", "not yet a customer"), ("new",)), "placed a first order (became new)"),
    ]
    return [f"{n:,} customers {text}" for n, text in notes if n]


def rfm_sql() -> str:
    """Return the per-buyer-key RFM query (params: $as_of)."""
    return db.load_sql("users_rfm")


# Reference dates whose scores stay stored in users_rfm_scores (the newest ones).
RFM_KEEP_DATES = 4


def _insert_rfm(cur: duckdb.DuckDBPyConnection, as_of: date) -> None:
    cur.execute(users_cache.PERFECT_HASH)
    cur.execute(f"INSERT INTO users_rfm_scores BY NAME "
                f"SELECT CAST($as_of AS DATE) AS as_of, * FROM ({rfm_sql()})", {"as_of": as_of})


def store_latest_rfm(cur: duckdb.DuckDBPyConnection) -> None:
    """Store the RFM scores as of the last order day (the sidebar's default end) right after the derived tables are
    rebuilt (derived.USERS_ORDERS.after_build, same transaction): the Customers page's first view after an import
    then only reads them."""
    row = cur.execute("SELECT max(order_date) FROM orders").fetchone()
    if row and row[0] is not None:
        _insert_rfm(cur, row[0])


def ensure_rfm(con: duckdb.DuckDBPyConnection, as_of: date) -> None:
    """Compute and store the RFM scores as of a date unless stored already (derived tables rebuilt first)."""
    users_cache.ensure(con)
    if db.query_one(con, "SELECT 1 FROM users_rfm_scores WHERE as_of = $as_of LIMIT 1", {"as_of": as_of}):
        return
    with users_cache.build_lock():
        if db.query_one(con, "SELECT 1 FROM users_rfm_scores WHERE as_of = $as_of LIMIT 1", {"as_of": as_of}):
            return
        with db.transaction(con, bump_version=False) as cur:
            _insert_rfm(cur, as_of)
            cur.execute(
                "DELETE FROM users_rfm_scores WHERE as_of NOT IN (SELECT DISTINCT as_of FROM users_rfm_scores "
                "ORDER BY as_of DESC LIMIT $keep)", {"keep": RFM_KEEP_DATES})


def rfm_scores(con: duckdb.DuckDBPyConnection, as_of: date) -> pd.DataFrame:
    """Return one row per buyer as of a date: customer_id, recency_days, frequency, monetary, scores, segment."""
    ensure_rfm(con, as_of)
    sql = ("SELECT k.customer_id, r.* EXCLUDE (as_of, ckey) FROM users_rfm_scores r "
           "JOIN users_customer_keys k ON k.ckey = r.ckey WHERE r.as_of = $as_of ORDER BY k.customer_id")
    return users_cache.query_df(con, sql, {"as_of": as_of})


def rfm_summary(con: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, pd.DataFrame]:
    """Return {'segments': one row per RFM segment, 'grid': buyers per (r_score, fm_score)} as of f.end.

    segments: segment, customers, customer_share, avg_recency_days, avg_frequency, avg_monetary, monetary,
    monetary_share, action — in RFM_RULES order, empty segments kept with 0.
    """
    ensure_rfm(con, f.end)
    sql = db.load_sql("users_rfm_summary")
    cells = users_cache.query_df(con, sql, {"as_of": f.end})
    grouped = cells.groupby("segment")[["customers", "recency_sum", "frequency_sum", "monetary"]].sum()
    seg = grouped.reindex(list(RFM_SEGMENTS)).fillna(0)
    seg.index.name = "segment"
    seg = seg.reset_index()
    customers = seg["customers"].astype("int64")
    safe = customers.where(customers > 0)
    total_customers, total_monetary = customers.sum(), seg["monetary"].sum()
    out = pd.DataFrame({
        "segment": seg["segment"],
        "customers": customers,
        "customer_share": customers / total_customers if total_customers else 0.0,
        "avg_recency_days": seg["recency_sum"] / safe,
        "avg_frequency": seg["frequency_sum"] / safe,
        "avg_monetary": seg["monetary"] / safe,
        "monetary": seg["monetary"].astype(float),
        "monetary_share": seg["monetary"] / total_monetary if total_monetary else 0.0,
        "action": [rule[3] for rule in RFM_RULES],
    })
    grid = (cells.groupby(["r_score", "fm_score"], as_index=False)["customers"].sum()
            .astype({"r_score": "int64", "fm_score": "int64", "customers": "int64"}))
    return {"segments": out, "grid": grid}


def rfm_rules_table() -> pd.DataFrame:
    """Return the segment rules as a table for display: segment, R scores, FM scores, suggested action."""
    def span(scores: tuple[int, ...]) -> str:
        return str(scores[0]) if len(scores) == 1 else f"{scores[0]}–{scores[-1]}"

    return pd.DataFrame([{"segment": name, "R": span(r), "FM": span(fm), "action": action}
                         for name, r, fm, action in RFM_RULES])


def rfm_segment_customers(con: duckdb.DuckDBPyConnection, f: Filters, segment: str, limit: int | None = 200,
                          offset: int = 0) -> pd.DataFrame:
    """Return the buyers of one RFM segment as of f.end, biggest spenders first (a page, or all when limit=None)."""
    if segment not in RFM_SEGMENTS:
        raise ValueError(f"unknown RFM segment {segment!r}")
    ensure_rfm(con, f.end)
    params: dict[str, Any] = {"as_of": f.end, "segment": segment}
    page = ""
    if limit is not None:
        page = " LIMIT $limit OFFSET $offset"
        params.update(limit=int(limit), offset=int(offset))
    sql = db.load_sql("users_rfm_segment").format(limit=page)
    return users_cache.query_df(con, sql, params)


def rfm_segment_csv(con: duckdb.DuckDBPyConnection, f: Filters, segment: str) -> bytes:
    """Return every buyer of one RFM segment as CSV bytes (UTF-8 with BOM so Excel opens Chinese text)."""
    frame = rfm_segment_customers(con, f, segment, limit=None)
    return exports.csv_bytes(frame)
