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

Incremental upkeep: an import or undo of orders records the orders it touched, both versions (``record_change``,
table ``derived_changed_orders``), with the source row counts before and after. A table with an ``incremental``
update that was fresh before those changes (same build, same settings, and the recorded counts chain from its last
build to now, so no unrecorded write slipped in) is updated from them: their days, customers and products. The
update may decline (too large a share, a key that would move) and the full rebuild runs instead, in the same
transaction; the full rebuild is also the oracle the tests compare every update with. ``derived_updates`` logs how
and how fast each table was last brought up to date.
"""
from __future__ import annotations

import hashlib
import importlib
import json
import threading
import time
from dataclasses import dataclass
from typing import Callable

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
    # "module:function" updating the table from the pending changes (temp table derived_touched: order_id,
    # order_date, customer_id of every version of every touched order) on the build's cursor; returns None when
    # done or the reason it declined (the full rebuild then runs in the same transaction). It updates every output,
    # after_build's included (after_build runs after full builds only: the users update reuses the stored RFM
    # totals of the customers it did not touch).
    incremental: str | None = None
    # The tables the build writes (the oracle test compares each one with a full rebuild); default: the name.
    outputs: tuple[str, ...] = ()
    # Names of the derived tables this one's build reads, brought up to date first (``ensure``), each committed in
    # its own transaction: a build's transaction sees the data as of its start, so they must be fresh before it.
    requires: tuple[str, ...] = ()
    # A model's outputs, rescored in full after every import (minutes at 10M customers): the app brings them up to
    # date on a background thread after an import (ecomops.users.model_jobs.start_refresh), and a page reading one
    # waits for that thread with its progress (ui.state.ensure_derived). Commands and tests build them in line.
    background: bool = False

    @property
    def tables(self) -> tuple[str, ...]:
        """Return the tables this derived table's build writes."""
        return self.outputs or (self.name,)


PRODUCTS_LINES = DerivedTable("products_line_facts", "products/line_facts_build", "products_line_facts_state",
                              ("orders", "order_items", "products"),
                              incremental="ecomops.incremental:update_products_lines",
                              outputs=("products_line_facts", "products_customer_keys"))
SALES_ROLLUP = DerivedTable("daily_sales_rollup", "daily_sales_rollup_build", "daily_sales_rollup_state",
                            ("orders", "order_items", "products"),
                            incremental="ecomops.incremental:update_sales_rollup")
# The users tables' customer keys are dense integers, but they are grouped with DuckDB's usual hash aggregation: its
# perfect hash aggregation (an array over the whole key range per thread, `SET perfect_ht_threshold = 24`) was
# slower with DuckDB 2.0 and took gigabytes more at 10M customers (the users build 96 s and 5.5 GB against 88 s and
# 4.2 GB; the RFM scores after an import 5.9 s and 5.8 GB against 3.1 s and 2.0 GB, the array being as large when a
# few thousand touched buyers were grouped).
USERS_ORDERS = DerivedTable("users_order_facts", "users/order_facts_build", "users_order_facts_state",
                            ("orders", "order_items", "customers", "products", "reviews"),
                            after_build="ecomops.users.rfm:store_latest_rfm",
                            incremental="ecomops.incremental:update_users_orders",
                            outputs=("users_customer_keys", "users_category_bits", "users_order_facts",
                                     "users_review_facts", "users_rfm_totals", "users_rfm_cutoffs",
                                     "users_rfm_cells",
                                     # the view scoring the totals with the cut-offs (compared, exported as a table)
                                     "users_rfm_scores"))
# Compliance claims found in product copy (a Python scan with the word list): stored so the Compliance page reads them.
RISK_CLAIMS = DerivedTable(
    "risk_claim_findings", "risk/claims_build", "risk_claims_state", ("products", "banned_words"),
    after_build="ecomops.risk.compliance:store_findings", outputs=("risk_claim_findings", "risk_claim_products"),
    fingerprint_sql="SELECT (SELECT sum(hash(product_id, title, description)) FROM products), "
                    "(SELECT sum(hash(word, language, category, reason, suggestion, whole_word, exceptions, enabled)) "
                    "FROM banned_words)")
# The review classifier's labels of reviews with text and no rating: rebuilt on new reviews or a new model file.
RISK_REVIEW_LABELS = DerivedTable(
    "risk_review_labels", "risk/review_labels_build", "risk_review_labels_state", ("reviews",),
    after_build="ecomops.risk.reputation:store_labels", fingerprint_extra="ecomops.risk.reviews_model:cache_key")
# The dormant customers scored by the latest churn model (prediction, reasons, recommendations: Python, ~9 s at 1M
# customers): rebuilt on new data, a newly registered model (its id and file hash) or new scoring code. No
# incremental update: the scores are as of the last order day, so a new day moves every dormant customer's recency.
CHURN_SCORES = DerivedTable(
    "churn_dormant_scores", "users/churn_scores_build", "churn_dormant_scores_state",
    ("orders", "order_items", "customers", "products", "reviews"),
    after_build="ecomops.users.targeting:store_scores",
    # The win-back values come from the stored customer value when it is fresh, else from a refit of the value model
    # inside this build (about a minute and gigabytes more at 10M customers).
    requires=("users_customer_value",), background=True,
    fingerprint_sql="SELECT (SELECT max(model_id) FROM model_registry WHERE name = 'churn'), "
                    "(SELECT sha256 FROM model_registry WHERE name = 'churn' ORDER BY model_id DESC LIMIT 1)",
    fingerprint_extra="ecomops.users.targeting:scoring_key",
    thresholds=("active_days", "dormant_days", "negative_rating_max"))
# Predicted customer value (BG/NBD + Gamma-Gamma fitted as of the last day of data, per customer and per week): read
# from users_order_facts, so its fingerprint follows that table's build (value.ensure_value builds that one first).
CUSTOMER_VALUE = DerivedTable(
    "users_customer_value", "users/customer_value_build", "users_customer_value_state",
    ("orders", "order_items", "customers", "products", "reviews"),
    after_build="ecomops.users.value:store_value",
    requires=("users_order_facts",), background=True,
    fingerprint_sql="SELECT (SELECT max(fingerprint) FROM users_order_facts_state)",
    fingerprint_extra="ecomops.users.value:value_key",
    outputs=("users_customer_value", "users_clv_fit", "users_clv_weekly", "users_clv_groups"))
# The alert engine's daily counts (ecomops/ops/daily_counts.py): orders, buyers and GMV per day x level, and the
# store's trailing-window repurchase counts (a Python step: the repurchase query over the whole span).
DAILY_COUNTS = DerivedTable("daily_order_counts", "ops/daily_counts_build", "daily_counts_state",
                            ("orders", "order_items", "products"),
                            after_build="ecomops.ops.daily_counts:store_repurchase",
                            incremental="ecomops.incremental:update_daily_counts",
                            outputs=("daily_order_counts", "daily_repurchase"))
REGISTRY: list[DerivedTable] = [PRODUCTS_LINES, SALES_ROLLUP, USERS_ORDERS, RISK_CLAIMS, RISK_REVIEW_LABELS,
                                CUSTOMER_VALUE, CHURN_SCORES, DAILY_COUNTS]


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
    (SET statements it needs, if any). Call ``ensure`` first."""
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


ProgressFn = Callable[[float, str], None]


def by_name(name: str) -> DerivedTable:
    """Return the registered derived table of that name."""
    for table in REGISTRY:
        if table.name == name:
            return table
    raise KeyError(f"no derived table {name!r}")


def ensure(con: duckdb.DuckDBPyConnection, table: DerivedTable) -> bool:
    """Bring the derived table up to date when its sources changed since the last build (from the recorded changes
    when it can, else in full), after the tables it requires; return True when it was updated."""
    for name in table.requires:
        ensure(con, by_name(name))
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
        db.checkpoint(con)
        db.release_memory(con)
        started = time.perf_counter()
        with db.transaction(con, bump_version=False) as cur:
            for setting in table.settings:
                cur.execute(setting)
            mode, reason, orders = "full", "", 0
            pending = _pending(cur, table, stamp)
            if isinstance(pending, str):
                reason = pending
            else:
                orders = pending
                reason = call(table.incremental, cur) or ""
                mode = "full" if reason else "incremental"
            cur.execute("DROP TABLE IF EXISTS derived_touched")
            if mode == "full":
                _full_build(con, cur, table)
            cur.execute(f"DELETE FROM {table.state_table}")
            cur.execute(f"INSERT INTO {table.state_table} (fingerprint) VALUES ($fp)", {"fp": stamp})
            cur.execute("INSERT INTO derived_updates (table_name, mode, reason, orders, seconds, sales_version) "
                        "VALUES ($t, $m, $r, $o, $s, $v)",
                        {"t": table.name, "m": mode, "r": reason, "o": orders if mode == "incremental" else 0,
                         "s": time.perf_counter() - started, "v": _version(stamp)})
            _prune(cur)
        return True


def rebuild(con: duckdb.DuckDBPyConnection, table: DerivedTable) -> None:
    """Rebuild the derived table in full now, whatever its state (the oracle of the incremental updates)."""
    with _build_lock:
        stamp = fingerprint(con, table)
        with db.transaction(con, bump_version=False) as cur:
            for setting in table.settings:
                cur.execute(setting)
            _full_build(con, cur, table)
            cur.execute(f"DELETE FROM {table.state_table}")
            cur.execute(f"INSERT INTO {table.state_table} (fingerprint) VALUES ($fp)", {"fp": stamp})


def _full_build(con: duckdb.DuckDBPyConnection, cur: duckdb.DuckDBPyConnection, table: DerivedTable) -> None:
    for statement in con.extract_statements(db.load_sql(table.build_sql)):
        cur.execute(statement)
    if table.after_build:
        db.release_memory(con)  # (its Python step comes after the build query's working memory)
        call(table.after_build, cur)


def refresh_all(con: duckdb.DuckDBPyConnection, progress: ProgressFn | None = None) -> list[str]:
    """Bring every stale derived table up to date (``progress(fraction, table name)`` before each); return the names
    of those updated."""
    return refresh(con, REGISTRY, progress)


def refresh(con: duckdb.DuckDBPyConnection, tables: list[DerivedTable] | tuple[DerivedTable, ...],
            progress: ProgressFn | None = None) -> list[str]:
    """Bring the given stale derived tables up to date, reporting progress before each; return those updated."""
    updated = []
    for index, table in enumerate(tables):
        if progress is not None:
            progress(index / max(len(tables), 1), table.name)
        if ensure(con, table):
            updated.append(table.name)
    if progress is not None:
        progress(1.0, "")
    return updated


def last_updates(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, float, object]]:
    """Return (table, mode, reason, seconds, updated_at) of the latest update of each derived table."""
    cur = con.cursor()
    try:
        return cur.execute("SELECT table_name, mode, reason, seconds, updated_at FROM derived_updates "
                           "QUALIFY row_number() OVER (PARTITION BY table_name ORDER BY updated_at DESC, "
                           "sales_version DESC) = 1 ORDER BY table_name").fetchall()
    finally:
        cur.close()


# ------------------------------------------------------------------------------------------ recorded changes

def source_counts(cur: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """Return the row counts of every source table and the last order day, as the fingerprints write them."""
    tables = sorted(source_tables())
    row = cur.execute("SELECT " + ", ".join(f"(SELECT count(*) FROM {t})" for t in tables)
                      + ", (SELECT max(order_date) FROM orders)").fetchone()
    counts: dict[str, object] = {t: int(n) for t, n in zip(tables, row)}
    counts["last_order_day"] = str(row[-1])
    return counts


def _next_sales_version(cur: duckdb.DuckDBPyConnection) -> int:
    row = cur.execute("SELECT value FROM meta WHERE key = 'sales_version'").fetchone()
    return (int(row[0]) if row else 0) + 1


def capture_orders(cur: duckdb.DuckDBPyConnection, import_id: int) -> None:
    """Record every version of the orders an orders import or its undo touches: the rows it wrote and the rows it
    replaced (kept in import_backup_orders). Call while both are in the database: after an import's load, before
    an undo; inside the transaction whose commit moves the sales version."""
    backup = cur.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'import_backup_orders' "
                         "AND schema_name = 'main' AND database_name = current_database()").fetchone()[0]
    replaced = ("UNION SELECT order_id, order_date, customer_id FROM import_backup_orders "
                "WHERE backup_import_id = $id") if backup else ""
    cur.execute("INSERT INTO derived_changed_orders (sales_version, order_id, order_date, customer_id) "
                "SELECT $v, order_id, order_date, customer_id FROM (SELECT order_id, order_date, customer_id "
                f"FROM orders WHERE import_id = $id {replaced})",
                {"v": _next_sales_version(cur), "id": int(import_id)})


def record_change(cur: duckdb.DuckDBPyConnection, before: dict[str, object], import_id: int | None, action: str,
                  captured: bool) -> None:
    """Record one write of order data (inside its transaction, before the commit moves the sales version):
    incremental when only orders changed (``captured`` by capture_orders) and few enough of them."""
    version = _next_sales_version(cur)
    after = source_counts(cur)
    touched = int(cur.execute("SELECT count(DISTINCT order_id) FROM derived_changed_orders WHERE sales_version = $v",
                              {"v": version}).fetchone()[0])
    incremental = captured and touched <= config.incremental_limit(int(after["orders"]))
    if not incremental:
        cur.execute("DELETE FROM derived_changed_orders WHERE sales_version = $v", {"v": version})
    cur.execute("INSERT OR REPLACE INTO derived_change_sets (sales_version, import_id, action, incremental, orders, "
                "counts_before, counts_after) VALUES ($v, $i, $a, $inc, $n, $b, $c)",
                {"v": version, "i": import_id, "a": action, "inc": incremental, "n": touched if incremental else 0,
                 "b": json.dumps(before, sort_keys=True), "c": json.dumps(after, sort_keys=True)})


def _version(stamp: str) -> int:
    return int(stamp.split("|")[1])


def _counts_part(table: DerivedTable, counts: dict[str, object]) -> list[str]:
    return [str(counts[t]) for t in table.sources] + [str(counts["last_order_day"])]


def _pending(cur: duckdb.DuckDBPyConnection, table: DerivedTable, stamp: str) -> int | str:
    """Put the orders touched since the table's last update into temp table derived_touched and return how many,
    or return why the table must be rebuilt in full."""
    if table.incremental is None:
        return "no incremental update"
    row = cur.execute(f"SELECT fingerprint FROM {table.state_table} ORDER BY built_at DESC LIMIT 1").fetchone()
    if row is None:
        return "never built"
    old, new = row[0].split("|"), stamp.split("|")
    width = len(table.sources) + 1
    if len(old) != len(new) or old[0] != new[0]:
        return "new build query"
    if old[2 + width:] != new[2 + width:]:
        return "settings or model changed"
    first, last = int(old[1]), int(new[1])
    if first >= last:
        return "data written without a recorded change"
    sets = cur.execute("SELECT incremental, counts_before, counts_after FROM derived_change_sets "
                       "WHERE sales_version > $a AND sales_version <= $b ORDER BY sales_version",
                       {"a": first, "b": last}).fetchall()
    if len(sets) != last - first:
        return "changes not recorded"
    if not all(s[0] for s in sets):
        return "a change beyond orders, or too many orders"
    counts = old[2:2 + width]
    for _inc, before, after in sets:
        if _counts_part(table, json.loads(before)) != counts:
            return "data written between recorded changes"
        counts = _counts_part(table, json.loads(after))
    if counts != new[2:2 + width]:
        return "data written after the last recorded change"
    cur.execute("CREATE OR REPLACE TEMP TABLE derived_touched AS SELECT DISTINCT order_id, order_date, customer_id "
                "FROM derived_changed_orders WHERE sales_version > $a AND sales_version <= $b",
                {"a": first, "b": last})
    return int(cur.execute("SELECT count(DISTINCT order_id) FROM derived_touched").fetchone()[0])


def _prune(cur: duckdb.DuckDBPyConnection) -> None:
    """Drop recorded changes every derived table has taken in (tables never built are rebuilt in full anyway)."""
    versions = []
    for table in REGISTRY:
        if table.incremental is None:
            continue
        row = cur.execute(f"SELECT fingerprint FROM {table.state_table} ORDER BY built_at DESC LIMIT 1").fetchone()
        if row is not None:
            versions.append(_version(row[0]))
    if versions:
        cur.execute("DELETE FROM derived_changed_orders WHERE sales_version <= $v", {"v": min(versions)})
        cur.execute("DELETE FROM derived_change_sets WHERE sales_version <= $v", {"v": min(versions)})
        cur.execute("DELETE FROM derived_updates WHERE updated_at < (SELECT max(updated_at) FROM derived_updates) "
                    "- INTERVAL 30 DAY")
