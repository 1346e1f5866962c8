"""Customer lifecycle states (METRICS.md): new, active, dormant, lost, prospect; their month-over-month movement
and GMV share (RFM segments are in ``ecomops.users.rfm``).

Everything is aggregated in DuckDB (ecomops/sql/users/*.sql); only results come back as DataFrames. Guest orders
(customer_id NULL) never count per customer. Lifecycle states and RFM scores use each customer's whole valid-order
history up to the reference date, across all channels: a state is a property of the customer, not of a channel.
The sidebar's channel and category filters apply to the GMV figures (GMV share per state).
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import duckdb
import pandas as pd

from ecomops import config, db, derived
from ecomops.config import Thresholds
from ecomops.filters import Filters, slot
from ecomops.i18n import N_, _, fmt, label
from ecomops.users import rfm

LIFECYCLE_SEGMENTS = ("new", "active", "dormant", "lost", "prospect")
LIFECYCLE_LABELS = {"new": "New", "active": "Active", "dormant": "Dormant", "lost": "Lost", "prospect": "Prospect",
                    "guest": "Guest orders", "not yet a customer": "Not yet a customer"}


def lifecycle_rules(t: Thresholds) -> list[tuple[str, str]]:
    """Return (state, rule) per lifecycle state with the thresholds ``t`` (the values in force), in the current
    language."""
    return [
        (label("lifecycle", "new"), _("first valid order at most {days} days ago", days=fmt.count(t.new_days))),
        (label("lifecycle", "active"), _("not new, last valid order at most {days} days ago",
                                         days=fmt.count(t.active_days))),
        (label("lifecycle", "dormant"), _("last valid order {low}–{high} days ago", low=fmt.count(t.active_days + 1),
                                          high=fmt.count(t.dormant_days))),
        (label("lifecycle", "lost"), _("last valid order more than {days} days ago", days=fmt.count(t.dormant_days))),
        (label("lifecycle", "prospect"), _("registered, no valid order yet")),
    ]


def threshold_params(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Return the lifecycle windows in force as query parameters ($new_days, $active_days, $dormant_days)."""
    t = config.thresholds(con)
    return {"new_days": t.new_days, "active_days": t.active_days, "dormant_days": t.dormant_days}


def lifecycle_sql(buyers: str) -> str:
    """Return the per-customer lifecycle query as of $as_of over the buyers' totals ``buyers`` (rfm.buyer_totals)."""
    return db.load_sql("users/lifecycle").format(buyers=buyers)


def range_gmv_sql(f: Filters) -> tuple[str, dict[str, Any]]:
    """Return (sql, params) of GMV per customer key in the filtered range (ckey NULL = guest orders)."""
    order_sql, params = slot(f, "orders")
    if not f.categories:
        return db.load_sql("users/range_gmv").format(order_where=order_sql), params
    category_sql, category_params = slot(f, "products")
    params.update(category_params)
    return db.load_sql("users/range_gmv_category").format(order_where=order_sql, category_where=category_sql), params


def lifecycle(con: duckdb.DuckDBPyConnection, as_of: date) -> pd.DataFrame:
    """Return one row per customer: customer_id, segment, recency_days, first/last_order_date, orders as of a date.

    segment is one of new / active / dormant / lost (buyers) or prospect (registered, no valid order yet);
    recency_days is NULL for prospects. Reusable (e.g. by the churn model to pick dormant customers).
    """
    derived.ensure(con, derived.USERS_ORDERS)
    buyers, params = rfm.buyer_totals(con, as_of)
    sql = db.load_sql("users/lifecycle_customers").format(lifecycle=lifecycle_sql(buyers))
    return derived.query_df(con, derived.USERS_ORDERS, sql, dict(threshold_params(con), **params, as_of=as_of))


def lifecycle_overview(con: duckdb.DuckDBPyConnection, f: Filters, prev_as_of: date | None = None
                       ) -> dict[str, pd.DataFrame]:
    """Return {'summary': lifecycle_summary rows, 'flow': lifecycle_flow rows} from one pass over the orders.

    prev_as_of defaults to one month before f.end (the previous monthly snapshot).
    """
    derived.ensure(con, derived.USERS_ORDERS)
    prev_as_of = prev_as_of or snapshot_dates(f.end, 2)[0]
    gmv_sql, params = range_gmv_sql(f)
    buyers, buyer_params = rfm.buyer_totals(con, f.end)
    params.update(threshold_params(con), **buyer_params, as_of=f.end, prev_as_of=prev_as_of)
    moves = derived.query_df(con, derived.USERS_ORDERS,
                             db.load_sql("users/lifecycle_flow").format(range_gmv=gmv_sql, buyers=buyers), params)
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
    summary["label"] = [label("lifecycle", code) for code in summary["segment"]]

    flow = moves[moves["from_segment"].notna()][["from_segment", "to_segment", "customers"]].reset_index(drop=True)
    flow["from_label"] = [label("lifecycle", code) for code in flow["from_segment"]]
    flow["to_label"] = [label("lifecycle", code) for code in flow["to_segment"]]
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
    derived.ensure(con, derived.USERS_ORDERS)
    params = dict(threshold_params(con), as_of=f.end, months=months)
    found = derived.query_df(con, derived.USERS_ORDERS, db.load_sql("users/lifecycle_monthly"), params)
    grid = pd.MultiIndex.from_product([snapshot_dates(f.end, months), list(LIFECYCLE_SEGMENTS)],
                                      names=["snapshot", "segment"])
    found["snapshot"] = pd.to_datetime(found["snapshot"]).dt.date
    frame = found.set_index(["snapshot", "segment"]).reindex(grid, fill_value=0).reset_index()
    frame["customers"] = frame["customers"].astype("int64")
    frame["label"] = [label("lifecycle", code) for code in frame["segment"]]
    return frame


def lifecycle_flow(con: duckdb.DuckDBPyConnection, f: Filters, prev_as_of: date | None = None) -> pd.DataFrame:
    """Return the movement between states from prev_as_of (default: one month before f.end) to f.end.

    Columns: from_segment, to_segment, customers, from_label, to_label, biggest flows first.
    """
    return lifecycle_overview(con, f, prev_as_of)["flow"]


def lifecycle_movement_text(flow: pd.DataFrame) -> list[str]:
    """Return short sentences, in the current language, about the movements an operator acts on (reactivations,
    lapses)."""
    def count(src: tuple[str, ...], dst: tuple[str, ...]) -> int:
        hit = flow["from_segment"].isin(src) & flow["to_segment"].isin(dst)
        return int(flow.loc[hit, "customers"].sum())

    notes = [
        (count(("dormant", "lost"), ("active",)), N_("{n} customers came back (dormant or lost → active)")),
        (count(("new", "active"), ("dormant",)), N_("{n} customers lapsed into dormant")),
        (count(("dormant",), ("lost",)), N_("{n} customers moved from dormant to lost")),
        (count(("prospect", "not yet a customer"), ("new",)), N_("{n} customers placed a first order (became new)")),
    ]
    return [_(text, n=fmt.count(n)) for n, text in notes if n]
