"""Derived tables: pre-joined or pre-aggregated copies of the order data that pages read instead of the raw join.

Why: at ~10M order lines, joining order_items to orders on a text key costs 0.5-2 s per query. Each area keeps the
shape it needs (Products: lines with their order's day, sorted by date; Traffic: GMV per day x channel x category x
campaign; Users: one row per valid order with an integer customer key, the latest RFM scores, and the dormant
customers scored by the churn model; Risk: the compliance claims in product copy and the review classifier's labels;
the builds of the last three run Python through an ``after_build`` hook), all built and refreshed here, the same way.

A derived table is rebuilt when its fingerprint changes: a hash of its build query (so an upgrade rebuilds it), the
sales version (bumped by writes of order data: the demo, and imports and undos that wrote a source table, so an
import of ad spend or traffic rebuilds nothing) and the row counts and last order day of its sources (so rows
written without a version bump, by tests or scripts, are noticed too). The thresholds a table's rules use (the dormant window of
the churn scores) join its fingerprint too. The build is one transaction that does not bump the data
version; one lock per process keeps two threads from building at once. ``refresh_all`` builds every stale table,
for callers that want the cost paid right after an import rather than on the next page view.
"""
from __future__ import annotations

import hashlib
import importlib
import threading
from dataclasses import dataclass

import duckdb

from ecomops import config, db

_build_lock = threading.RLock()


@dataclass(frozen=True)
class DerivedTable:
    """One derived table: the named build query, the table holding its fingerprint, and its source tables."""

    name: str
    build_sql: str
    state_table: str
    sources: tuple[str, ...]
    settings: tuple[str, ...] = ()  # SET statements the build needs (per cursor)
    # "module:function" called with the build's cursor after the build query, in the same transaction: results the
    # pages would otherwise compute (and store) on their first view after an import (e.g. the latest RFM scores).
    after_build: str | None = None
    # A one-row query added to the fingerprint, for sources edited in place without a sales-version bump (e.g. the
    # compliance word list, a settings-like write).
    fingerprint_sql: str | None = None
    # "module:function" returning a string added to the fingerprint, for inputs outside the database (a model file).
    fingerprint_extra: str | None = None
    # The thresholds (config.Thresholds fields) its rules use: their values in force join the fingerprint, so saving
    # one of them on the Settings page rebuilds this table and no other.
    thresholds: tuple[str, ...] = ()


PRODUCTS_LINES = DerivedTable("products_line_facts", "products/line_facts_build", "products_line_facts_state",
                            ("orders", "order_items", "products"))
SALES_ROLLUP = DerivedTable("daily_sales_rollup", "daily_sales_rollup_build", "daily_sales_rollup_state",
                            ("orders", "order_items", "products"))
# Users: customer keys are dense integers, so grouping by them can use DuckDB's perfect hash aggregation (an array
# indexed by key instead of a hash table), about 4x faster at 1M customers; 24 bits covers 16M customers.
PERFECT_HASH = "SET perfect_ht_threshold = 24"
USERS_ORDERS = DerivedTable("users_order_facts", "users/order_facts_build", "users_order_facts_state",
                            ("orders", "order_items", "customers", "products", "reviews"), (PERFECT_HASH,),
                            after_build="ecomops.users.rfm:store_latest_rfm")
# Compliance claims found in product copy (a Python scan with the word list): stored so the Compliance page reads them.
RISK_CLAIMS = DerivedTable(
    "risk_claim_findings", "risk/claims_build", "risk_claims_state", ("products", "banned_words"),
    after_build="ecomops.risk.compliance:store_findings",
    fingerprint_sql="SELECT (SELECT sum(hash(product_id, title, description)) FROM products), "
                    "(SELECT sum(hash(word, language, category, reason, suggestion, whole_word, exceptions, enabled)) "
                    "FROM banned_words)")
# The review classifier's labels of reviews with text and no rating: rebuilt on new reviews or a new model file.
RISK_REVIEW_LABELS = DerivedTable(
    "risk_review_labels", "risk/review_labels_build", "risk_review_labels_state", ("reviews",),
    after_build="ecomops.risk.reputation:store_labels", fingerprint_extra="ecomops.risk.reviews_model:cache_key")
# The dormant customers scored by the latest churn model (prediction, reasons, recommendations: Python, ~9 s at 1M
# customers): rebuilt on new data, a newly registered model (its id and file hash) or new scoring code.
CHURN_SCORES = DerivedTable(
    "churn_dormant_scores", "users/churn_scores_build", "churn_dormant_scores_state",
    ("orders", "order_items", "customers", "products", "reviews"),
    after_build="ecomops.users.targeting:store_scores",
    fingerprint_sql="SELECT (SELECT max(model_id) FROM model_registry WHERE name = 'churn'), "
                    "(SELECT sha256 FROM model_registry WHERE name = 'churn' ORDER BY model_id DESC LIMIT 1)",
    fingerprint_extra="ecomops.users.targeting:scoring_key",
    thresholds=("active_days", "dormant_days", "negative_rating_max"))
REGISTRY: list[DerivedTable] = [PRODUCTS_LINES, SALES_ROLLUP, USERS_ORDERS, RISK_CLAIMS, RISK_REVIEW_LABELS,
                                CHURN_SCORES]


def source_tables() -> set[str]:
    """Return the tables any derived table is built from (a write elsewhere leaves every derived table fresh)."""
    return {source for table in REGISTRY for source in table.sources}


def touches_sources(*written: dict[str, int]) -> bool:
    """Return True when rows were written (count > 0 in any of the per-table counts, e.g. inserted and updated) to
    a table some derived table is built from."""
    sources = source_tables()
    return any(count and table in sources for counts in written for table, count in counts.items())


def call(path: str, *args):
    """Call the "module:function" at ``path`` with ``args`` (a table's after_build or fingerprint_extra)."""
    module, name = path.split(":")
    return getattr(importlib.import_module(module), name)(*args)


def register(table: DerivedTable) -> DerivedTable:
    """Add a derived table to the registry (refresh_all builds it too); return it."""
    if table not in REGISTRY:
        REGISTRY.append(table)
    return table


def build_lock() -> threading.RLock:
    """Return the lock that serialises builds of derived tables within this process."""
    return _build_lock


def query_df(con: duckdb.DuckDBPyConnection, table: DerivedTable, sql: str, params: dict | None = None):
    """Return the result of one query over a derived table's data as a DataFrame, run with the table's settings
    (e.g. perfect-hash grouping on the users tables' dense keys). Call ``ensure`` first."""
    return db.query_df(con, sql, params, settings=table.settings)


def fingerprint(con: duckdb.DuckDBPyConnection, table: DerivedTable) -> str:
    """Return the fingerprint of a derived table's build query and current source data."""
    if not set(table.sources) <= set(db.TABLES):
        raise ValueError(f"unknown source table in {table.sources}")
    counts = db.query_one(con, "SELECT " + ", ".join(f"(SELECT count(*) FROM {t})" for t in table.sources)
                          + ", (SELECT max(order_date) FROM orders)")
    build = hashlib.sha1(db.load_sql(table.build_sql).encode("utf-8")).hexdigest()[:10]
    extra = list(db.query_one(con, table.fingerprint_sql)) if table.fingerprint_sql else []
    if table.fingerprint_extra:
        extra.append(call(table.fingerprint_extra))
    if table.thresholds:
        in_force = config.thresholds(con)
        extra.extend(getattr(in_force, name) for name in table.thresholds)
    if config.engine_name() == "spark":  # built from the warehouse: a new load there makes the table stale
        from ecomops.engine import summary

        extra.append(summary.current_stamp())
    return "|".join([build, str(db.sales_version(con)), *map(str, counts), *map(str, extra)])


def is_fresh(con: duckdb.DuckDBPyConnection, table: DerivedTable) -> bool:
    """Return True when the derived table matches the current source data."""
    row = db.query_one(con, f"SELECT fingerprint FROM {table.state_table} ORDER BY built_at DESC LIMIT 1")
    return row is not None and row[0] == fingerprint(con, table)


def ensure(con: duckdb.DuckDBPyConnection, table: DerivedTable) -> bool:
    """Rebuild the derived table when its sources changed since the last build; return True when it was rebuilt."""
    if is_fresh(con, table):
        return False
    with _build_lock:
        if is_fresh(con, table):  # another thread built it while we waited
            return False
        stamp = fingerprint(con, table)
        if config.engine_name() == "spark":  # built in Spark from the warehouse, cached in the local file
            from ecomops.engine import summary

            summary.build(con, table, stamp)
            return True
        with db.transaction(con, bump_version=False) as cur:
            for setting in table.settings:
                cur.execute(setting)
            for statement in con.extract_statements(db.load_sql(table.build_sql)):
                cur.execute(statement)
            if table.after_build:
                call(table.after_build, cur)
            cur.execute(f"DELETE FROM {table.state_table}")
            cur.execute(f"INSERT INTO {table.state_table} (fingerprint) VALUES ($fp)", {"fp": stamp})
        return True


def refresh_all(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Rebuild every stale derived table; return the names of those rebuilt."""
    return [table.name for table in REGISTRY if ensure(con, table)]
