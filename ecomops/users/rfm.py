"""RFM segments (recency, frequency, monetary), scored 1-5 by quintile as of a reference date, with a suggested
action per segment. The users summary tables store every buyer's totals (users_rfm_totals) and, per reference
date, the quintile cut-offs (users_rfm_cutoffs); the view users_rfm_scores (migration 970) scores the buyers from
them when read, so a new order day rewrites only the touched buyers' totals and one row of cut-offs.

Everything is aggregated in DuckDB (ecomops/sql/users/rfm*.sql) over the users summary tables; guest orders never
count. Buyers are scored on their whole valid-order history up to the reference date, across all channels.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import pandas as pd

from ecomops import db, derived, exports
from ecomops.filters import Filters
from ecomops.i18n import N_, _, label

# (segment, R scores, FM scores, what to do): the first matching row wins; together they cover the 5 x 5 grid.
RFM_RULES = (
    ("Champions", (5,), (4, 5), N_("Recent, frequent, high spend: reward, early access, ask for reviews.")),
    ("Loyal", (3, 4), (4, 5), N_("Frequent high spenders: membership perks, upsell.")),
    ("Potential loyalist", (4, 5), (2, 3), N_("Recent with some repeat: membership invitation, bundles.")),
    ("New", (4, 5), (1,), N_("Recent first order: onboarding, second-order coupon.")),
    ("Needs attention", (3,), (1, 2, 3), N_("Slipping mid-value: limited-time offer, recommendations.")),
    ("Can't lose", (1, 2), (5,), N_("Best customers gone quiet: personal win-back, survey.")),
    ("At risk", (1, 2), (3, 4), N_("Valuable but lapsing: comeback gift, personalised reach-out.")),
    ("Hibernating", (2,), (1, 2), N_("Low value, long inactive: low-cost reach-out only.")),
    ("Lost", (1,), (1, 2), N_("Lowest recency and value: survey why, exclude from paid reach-out.")),
)
RFM_SEGMENTS = tuple(rule[0] for rule in RFM_RULES)
RFM_COLORS = {"Champions": "#1B5E20", "Loyal": "#2BA672", "Potential loyalist": "#7CC68D", "New": "#3BB3C3",
              "Needs attention": "#F2C14E", "At risk": "#F28C28", "Can't lose": "#D64550",
              "Hibernating": "#9CA3AF", "Lost": "#6B7280"}


def buyers_sql(keys: str | None = None) -> str:
    """Return the buyers' totals query (users/rfm_buyers; params: $as_of): every buyer key's, or only those of the
    keys in table ``keys`` (column ckey), whose orders are picked before the grouping."""
    orders = "users_order_facts" if keys is None else (
        f"(SELECT f.* FROM users_order_facts f SEMI JOIN {keys} k ON k.ckey = f.ckey) users_order_facts")
    return db.load_sql("users/rfm_buyers").format(orders=orders)


def cutoffs_sql(buyers: str | None = None) -> str:
    """Return the query of the RFM quintile cut-offs as of $as_of (one row: r1..r4, f1..f4, m1..m4) over the buyers'
    totals ``buyers`` (a query with the columns of users/rfm_buyers; default: every buyer's, from users_order_facts)."""
    return db.load_sql("users/rfm_cutoffs").format(buyers=buyers or buyers_sql())


# Scores of a reference date are stored when its cut-offs are (the view users_rfm_scores scores its totals with them).
SCORED_DATE_SQL = "SELECT 1 FROM users_rfm_cutoffs WHERE as_of = $as_of LIMIT 1"
# The whole history's totals (users_rfm_totals.totals_as_of NULL) are stored when a date's cut-offs score them: the
# users build and its update store them with the last order day's cut-offs, in one transaction.
_WHOLE_HISTORY_SQL = "SELECT 1 FROM users_rfm_cutoffs WHERE totals_as_of IS NULL LIMIT 1"


def _totals_set(whole_history: bool) -> str:
    """Return the condition picking one set of stored totals: the whole history's, or those as of $totals_as_of."""
    return "totals_as_of IS NULL" if whole_history else "totals_as_of = $totals_as_of"


def _stored_totals_sql(whole_history: bool) -> str:
    """Return the query of the stored buyers' totals: the whole history's, or those as of $totals_as_of."""
    return db.load_sql("users/stored_buyers").format(which=_totals_set(whole_history))


def buyer_totals(con: duckdb.DuckDBPyConnection, as_of: date) -> tuple[str, dict[str, Any]]:
    """Return (SQL, params) of every buyer key's totals as of a date (the columns of users/rfm_buyers; the caller
    binds $as_of and has brought the users tables up to date): the stored totals when they hold that date's, else
    grouped from the orders."""
    last = db.query_one(con, "SELECT max(order_date) FROM orders")[0]
    if last is not None and as_of >= last:
        # The whole history's totals are every later date's too: no order comes after the last order day.
        if db.query_one(con, _WHOLE_HISTORY_SQL):
            return _stored_totals_sql(whole_history=True), {}
    elif last is not None and db.query_one(con, "SELECT 1 FROM users_rfm_cutoffs WHERE totals_as_of = $d LIMIT 1",
                                           {"d": as_of}):
        return _stored_totals_sql(whole_history=False), {"totals_as_of": as_of}
    return buyers_sql(), {}


# Reference dates whose scores stay stored (the newest ones).
RFM_KEEP_DATES = 4


def store_scores(cur: duckdb.DuckDBPyConnection, as_of: date, whole_history: bool, totals: bool = True) -> None:
    """Store the RFM scores as of a date (on the caller's cursor, in its transaction): the buyers' totals, grouped
    from users_order_facts (the whole history's, or those as of the date), unless ``totals`` is False (stored
    already), the date's cut-offs over them and its buyers per score cell."""
    params = {"as_of": as_of, "totals_as_of": None if whole_history else as_of}
    if totals:
        cur.execute(f"DELETE FROM users_rfm_totals WHERE {_totals_set(whole_history)}",
                    {} if whole_history else {"totals_as_of": as_of})
        cur.execute(f"INSERT INTO users_rfm_totals BY NAME "
                    f"SELECT CAST($totals_as_of AS DATE) AS totals_as_of, * FROM ({buyers_sql()})", params)
    cur.execute(f"INSERT INTO users_rfm_cutoffs BY NAME "
                f"SELECT CAST($as_of AS DATE) AS as_of, CAST($totals_as_of AS DATE) AS totals_as_of, * "
                f"FROM ({cutoffs_sql(_stored_totals_sql(whole_history))})", params)
    cur.execute(f"INSERT INTO users_rfm_cells BY NAME {db.load_sql('users/rfm_cells')}", {"as_of": as_of})


def _forget_dates(cur: duckdb.DuckDBPyConnection) -> None:
    """Delete the stored scores of every reference date: cut-offs, cells and the totals of earlier dates (the whole
    history's stay)."""
    cur.execute("DELETE FROM users_rfm_cutoffs")
    cur.execute("DELETE FROM users_rfm_cells")
    cur.execute("DELETE FROM users_rfm_totals WHERE totals_as_of IS NOT NULL")


def _last_order_day(cur: duckdb.DuckDBPyConnection) -> date | None:
    return cur.execute("SELECT max(order_date) FROM orders").fetchone()[0]


def store_latest_rfm(cur: duckdb.DuckDBPyConnection) -> None:
    """Store the RFM scores as of the last order day (the sidebar's default end) right after the derived tables are
    rebuilt (derived.USERS_ORDERS.after_build, same transaction): the Customers page's first view after an import
    then only reads them. The scores stored for other dates go: they were computed from the data before."""
    _forget_dates(cur)
    cur.execute("DELETE FROM users_rfm_totals")
    as_of = _last_order_day(cur)
    if as_of is not None:
        store_scores(cur, as_of, whole_history=True)


def update_latest_rfm(cur: duckdb.DuckDBPyConnection, touched: str) -> None:
    """Store the RFM scores as of the last order day after an incremental update of the users tables (same
    transaction), as store_latest_rfm does: the whole history's totals of the buyers whose keys are in table
    ``touched`` (column ckey: the update's keys, old and new) are grouped again, the others' stay, and the last
    order day's cut-offs are computed over them."""
    # Exact: every build or update of the users tables stores the whole history's totals in the same transaction,
    # and no pending change moved an untouched buyer's orders; their totals do not depend on the reference date
    # (recency comes from it when the scores are read, users_rfm_scores). Scoring every buyer again from the users
    # tables is the fallback: nothing stored, or a count that differs (a buyer missing from the totals).
    as_of = _last_order_day(cur)
    if as_of is None or not cur.execute(_WHOLE_HISTORY_SQL).fetchone():
        store_latest_rfm(cur)
        return
    cur.execute(f"DELETE FROM users_rfm_totals WHERE totals_as_of IS NULL AND ckey IN (SELECT ckey FROM {touched})")
    cur.execute(f"INSERT INTO users_rfm_totals BY NAME "
                f"SELECT CAST(NULL AS DATE) AS totals_as_of, * FROM ({buyers_sql(touched)})", {"as_of": as_of})
    rows = cur.execute("SELECT count(*) FROM users_rfm_totals WHERE totals_as_of IS NULL").fetchone()[0]
    buyers = cur.execute("SELECT count(*) FROM users_customer_keys WHERE first_order_date IS NOT NULL").fetchone()[0]
    if rows != buyers:
        store_latest_rfm(cur)
        return
    # The other dates' scores were computed from the data before the update: only the last order day's stay.
    _forget_dates(cur)
    store_scores(cur, as_of, whole_history=True, totals=False)


def ensure_rfm(con: duckdb.DuckDBPyConnection, as_of: date) -> None:
    """Compute and store the RFM scores as of a date unless stored already (derived tables rebuilt first)."""
    derived.ensure(con, derived.USERS_ORDERS)
    if db.query_one(con, SCORED_DATE_SQL, {"as_of": as_of}):
        return
    with derived.build_lock():
        if db.query_one(con, SCORED_DATE_SQL, {"as_of": as_of}):
            return
        with db.transaction(con, bump_version=False) as cur:
            last = _last_order_day(cur)
            whole_history = last is not None and as_of >= last
            # On or after the last order day only the cut-offs are new (the whole history's totals are stored
            # with the last order day's, unless the store predates them); before it, that date's totals too.
            totals = not whole_history or not cur.execute(_WHOLE_HISTORY_SQL).fetchone()
            store_scores(cur, as_of, whole_history, totals=totals)
            for table in ("users_rfm_cutoffs", "users_rfm_cells"):
                cur.execute(f"DELETE FROM {table} WHERE as_of NOT IN "
                            "(SELECT as_of FROM users_rfm_cutoffs ORDER BY as_of DESC LIMIT $keep)",
                            {"keep": RFM_KEEP_DATES})
            cur.execute("DELETE FROM users_rfm_totals WHERE totals_as_of NOT IN (SELECT as_of FROM users_rfm_cutoffs)")


def rfm_scores(con: duckdb.DuckDBPyConnection, as_of: date) -> pd.DataFrame:
    """Return one row per buyer as of a date: customer_id, recency_days, frequency, monetary, scores, segment."""
    ensure_rfm(con, as_of)
    sql = ("SELECT k.customer_id, r.* EXCLUDE (as_of, ckey, discounted_orders, returned_orders, last_order_returned, "
           "last_category_bits) FROM users_rfm_scores r "
           "JOIN users_customer_keys k ON k.ckey = r.ckey WHERE r.as_of = $as_of ORDER BY k.customer_id")
    return derived.query_df(con, derived.USERS_ORDERS, sql, {"as_of": as_of})


def rfm_summary(con: duckdb.DuckDBPyConnection, f: Filters) -> dict[str, pd.DataFrame]:
    """Return {'segments': one row per RFM segment, 'grid': buyers per (r_score, fm_score)} as of f.end.

    segments: segment, customers, customer_share, avg_recency_days, avg_frequency, avg_monetary, monetary,
    monetary_share, action — in RFM_RULES order, empty segments kept with 0.
    """
    ensure_rfm(con, f.end)
    sql = db.load_sql("users/rfm_summary")
    cells = derived.query_df(con, derived.USERS_ORDERS, sql, {"as_of": f.end})
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
        "action": [_(rule[3]) for rule in RFM_RULES],
    })
    grid = (cells.groupby(["r_score", "fm_score"], as_index=False)["customers"].sum()
            .astype({"r_score": "int64", "fm_score": "int64", "customers": "int64"}))
    return {"segments": out, "grid": grid}


def rfm_rules_table() -> pd.DataFrame:
    """Return the segment rules as a table for display (names and actions in the current language): segment, R
    scores, FM scores, suggested action."""
    def span(scores: tuple[int, ...]) -> str:
        return str(scores[0]) if len(scores) == 1 else f"{scores[0]}–{scores[-1]}"

    return pd.DataFrame([{"segment": label("rfm_segment", name), "R": span(r), "FM": span(fm), "action": _(action)}
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
    sql = db.load_sql("users/rfm_segment").format(limit=page)
    return derived.query_df(con, derived.USERS_ORDERS, sql, params)


def rfm_segment_csv(con: duckdb.DuckDBPyConnection, f: Filters, segment: str) -> bytes:
    """Return every buyer of one RFM segment as CSV bytes (UTF-8 with BOM so Excel opens Chinese text)."""
    frame = rfm_segment_customers(con, f, segment, limit=None)
    return exports.csv_bytes(frame)
