"""RFM segments (recency, frequency, monetary), scored 1-5 by quintile as of a reference date, with a suggested
action per segment; scores are stored per reference date in users_rfm_scores (a summary table of the Users area).

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


def rfm_sql(buyers: str | None = None) -> str:
    """Return the per-buyer-key RFM query (params: $as_of) over the buyers' totals ``buyers`` (a query with the
    columns of users/rfm_buyers; default: that query, every buyer's totals from users_order_facts)."""
    return db.load_sql("users/rfm").format(buyers=buyers or buyers_sql())


def buyer_totals(con: duckdb.DuckDBPyConnection, as_of: date) -> tuple[str, dict[str, Any]]:
    """Return (SQL, params) of every buyer key's totals as of a date (the columns of users/rfm_buyers; the caller
    binds $as_of and has brought the users tables up to date): the totals stored with the RFM scores when they are
    those of that date, else grouped from the orders."""
    last = db.query_one(con, "SELECT max(order_date) FROM orders")[0]
    # Scores stored for the last order day hold every later date's totals too: no order comes after it.
    stored_as_of = min(as_of, last) if last is not None else None
    if stored_as_of is not None and db.query_one(con, "SELECT 1 FROM users_rfm_scores WHERE as_of = $d LIMIT 1",
                                                  {"d": stored_as_of}):
        return db.load_sql("users/stored_buyers"), {"totals_as_of": stored_as_of}
    return buyers_sql(), {}


# Reference dates whose scores stay stored in users_rfm_scores (the newest ones).
RFM_KEEP_DATES = 4


def _insert_rfm(cur: duckdb.DuckDBPyConnection, as_of: date, buyers: str | None = None,
                params: dict[str, Any] | None = None) -> None:
    cur.execute(f"INSERT INTO users_rfm_scores BY NAME "
                f"SELECT CAST($as_of AS DATE) AS as_of, * FROM ({rfm_sql(buyers)})", dict(params or {}, as_of=as_of))


def _last_order_day(cur: duckdb.DuckDBPyConnection) -> date | None:
    return cur.execute("SELECT max(order_date) FROM orders").fetchone()[0]


def store_latest_rfm(cur: duckdb.DuckDBPyConnection) -> None:
    """Store the RFM scores as of the last order day (the sidebar's default end) right after the derived tables are
    rebuilt (derived.USERS_ORDERS.after_build, same transaction): the Customers page's first view after an import
    then only reads them. The scores stored for other dates go: they were computed from the data before."""
    cur.execute("DELETE FROM users_rfm_scores")
    as_of = _last_order_day(cur)
    if as_of is not None:
        _insert_rfm(cur, as_of)


def update_latest_rfm(cur: duckdb.DuckDBPyConnection, touched: str) -> None:
    """Store the RFM scores as of the last order day after an incremental update of the users tables (same
    transaction), as store_latest_rfm does, from the stored totals of the buyers whose keys are not in table
    ``touched`` (column ckey: the update's keys, old and new) and fresh totals of those that are."""
    # Exact: every build or update of the users tables replaces users_rfm_scores with the scores as of the last
    # order day, and ensure_rfm adds dates only after bringing the tables up to date, keeping the newest; so the
    # latest stored date is on or after every untouched buyer's last order, and its rows hold their whole
    # history's totals, which no pending change moved. Recency comes from the new last order day for every buyer
    # (users/rfm.sql). Scoring every buyer again from the users tables is the fallback: nothing stored, or a buyer
    # missing from the totals.
    as_of = _last_order_day(cur)
    stored = cur.execute("SELECT max(as_of) FROM users_rfm_scores").fetchone()[0]
    if as_of is None or stored is None:
        store_latest_rfm(cur)
        return
    totals_sql = f"""
        SELECT s.ckey, s.frequency, s.monetary, s.first_order_date, s.last_order_date, s.discounted_orders,
               s.returned_orders, s.last_order_returned, s.last_category_bits
        FROM users_rfm_scores s ANTI JOIN {touched} t ON t.ckey = s.ckey
        WHERE s.as_of = $stored
        UNION ALL BY NAME
        {buyers_sql(touched)}"""
    buyers = cur.execute("SELECT count(*) FROM users_customer_keys WHERE first_order_date IS NOT NULL").fetchone()[0]
    if cur.execute("SELECT 1 FROM users_rfm_scores WHERE as_of = $as_of LIMIT 1", {"as_of": as_of}).fetchone():
        # The new scores' date is stored already (no new order day): the totals are set aside first.
        cur.execute(f"CREATE OR REPLACE TEMP TABLE users_rfm_buyers AS {totals_sql}", {"stored": stored, "as_of": as_of})
        rows = cur.execute("SELECT count(*) FROM users_rfm_buyers").fetchone()[0]
        if rows == buyers:
            cur.execute("DELETE FROM users_rfm_scores")
            _insert_rfm(cur, as_of, "SELECT * FROM users_rfm_buyers")
        cur.execute("DROP TABLE users_rfm_buyers")
    else:
        # A new date: its scores are written straight from the stored rows of the old one, which then go (setting
        # the totals aside in a temp table first took 2.2 s of 4.8 at 10M customers).
        _insert_rfm(cur, as_of, totals_sql, {"stored": stored})
        rows = cur.execute("SELECT count(*) FROM users_rfm_scores WHERE as_of = $as_of", {"as_of": as_of}).fetchone()[0]
        if rows == buyers:
            cur.execute("DELETE FROM users_rfm_scores WHERE as_of <> $as_of", {"as_of": as_of})
    # One row per key by construction (the stored rows of a date have one per key; the two parts are disjoint);
    # a count that differs (a buyer missing from the stored totals) scores every buyer again.
    if rows != buyers:
        store_latest_rfm(cur)


def ensure_rfm(con: duckdb.DuckDBPyConnection, as_of: date) -> None:
    """Compute and store the RFM scores as of a date unless stored already (derived tables rebuilt first)."""
    derived.ensure(con, derived.USERS_ORDERS)
    if db.query_one(con, "SELECT 1 FROM users_rfm_scores WHERE as_of = $as_of LIMIT 1", {"as_of": as_of}):
        return
    with derived.build_lock():
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
