"""The one database layer: a read-write DuckDB connection per process, a cursor per call, transactions, migrations.

Why a cursor per call: Streamlit runs each browser session in its own thread, and one DuckDB connection shared
across threads fails ("connection is busy"). ``con.cursor()`` gives each call its own handle on the same database.
Why one connection per process: two read-write handles on one file conflict; DuckDB also locks the file against
other processes, which we turn into a clear :class:`DatabaseLockedError` naming the holder.
"""
from __future__ import annotations

import os
import re
import threading
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:  # pandas loads when a query returns a DataFrame (DuckDB imports it then): command-line imports
    import pandas as pd  # and other scripts that need no DataFrame start half a second sooner.

from ecomops import config

SQL_DIR = Path(__file__).resolve().parent / "sql"
MIGRATIONS_DIR = SQL_DIR / "migrations"

# Nothing may try the network: extensions we need (parquet, json, icu) are built in.
_CONNECT_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
# A cap on DuckDB's buffer memory keeps one runaway query (say, a console cross join) from taking the machine down;
# big sorts and joins spill to disk instead. Override with ECOMOPS_MEMORY_LIMIT (e.g. "8GB").
MEMORY_LIMIT = os.environ.get("ECOMOPS_MEMORY_LIMIT", "4GB")

_connections: dict[str, duckdb.DuckDBPyConnection] = {}
_lock = threading.Lock()
# Background threads working on a database (ecomops.users.model_jobs), by its file: ``close`` waits for them.
_workers: dict[str, list[threading.Thread]] = {}
WORKER_WAIT_SECONDS = 900


class DatabaseLockedError(RuntimeError):
    """Raised when another process holds the database file open for writing."""


def _open(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return duckdb.connect(str(path), read_only=read_only, config=dict(_CONNECT_CONFIG, memory_limit=MEMORY_LIMIT))
    except duckdb.IOException as exc:
        msg = str(exc)
        if "lock" in msg.lower():
            holder = re.search(r"held in (.+?) \(PID (\d+)\)", msg)
            who = f"{holder.group(1)} (PID {holder.group(2)})" if holder else "another process"
            raise DatabaseLockedError(
                f"The database {path} is open in {who}. Stop that process (e.g. the running Streamlit app) "
                f"or point this command at another file with --db / ECOMOPS_DB."
            ) from exc
        raise


def connect(path: str | Path | None = None, migrate: bool = True) -> duckdb.DuckDBPyConnection:
    """Return this process's read-write connection to the database (opened once, schema migrated)."""
    resolved = config.db_path(path).resolve()
    key = str(resolved)
    with _lock:
        con = _connections.get(key)
        if con is None:
            con = _open(resolved)
            if migrate:
                migrate_schema(con)
                if config.engine_name() == "spark":
                    # The Spark engine's local cache: the warehouse's raw tables as views (engine/summary.py).
                    from ecomops.engine import summary

                    summary.prepare(con)
            _connections[key] = con
        return con


def connect_memory() -> duckdb.DuckDBPyConnection:
    """Return a new in-memory database with the schema applied (tests and scratch work)."""
    con = duckdb.connect(":memory:", config=dict(_CONNECT_CONFIG, memory_limit=MEMORY_LIMIT))
    migrate_schema(con)
    return con


def add_worker(con: duckdb.DuckDBPyConnection, thread: threading.Thread) -> None:
    """Register a background thread working on the connection's database file, so ``close`` waits for it."""
    key = database_file(con)
    if key:
        with _lock:
            _workers[key] = [t for t in _workers.get(key, []) if t.is_alive()] + [thread]


def close(path: str | Path | None = None) -> None:
    """Close this process's connection to the database at ``path`` (or all of them when None), after the
    background threads working on it have finished (a query cut off by a closed connection fails mid-write)."""
    with _lock:
        keys = list(_connections) if path is None else [str(config.db_path(path).resolve())]
        waiting = [t for key in keys for t in _workers.pop(key, [])]
    for thread in waiting:
        if thread is not threading.current_thread():
            thread.join(WORKER_WAIT_SECONDS)
    with _lock:
        for key in keys:
            con = _connections.pop(key, None)
            if con is not None:
                con.close()


@lru_cache(maxsize=None)
def load_sql(name: str) -> str:
    """Return the text of the named query file ``ecomops/sql/<name>.sql``."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


class QueryRecorder:
    """Collects the (sql, params) of every query run through this module while active (benchmarks replay them)."""

    def __init__(self) -> None:
        self.queries: list[tuple[str, Any]] = []
        self._lock = threading.Lock()

    def add(self, sql: str, params: Any, settings: Sequence[str] = ()) -> None:
        with self._lock:
            self.queries.append((sql, params, tuple(settings)))


_recorder: QueryRecorder | None = None


@contextmanager
def recording() -> Iterator[QueryRecorder]:
    """Yield a recorder of every query run through query_df/query_one in this process until the block ends."""
    global _recorder
    previous, _recorder = _recorder, QueryRecorder()
    try:
        yield _recorder
    finally:
        _recorder = previous


RemoteReader = Callable[[duckdb.DuckDBPyConnection, str, Any], Any]
# Answers the queries the local file cannot: raw rows of a warehouse DuckDB cannot read itself (the Spark engine over
# hdfs://, s3a:// or hive:, engine/summary.py sets it). It returns the rows as an Arrow table (handed back through
# DuckDB, so types come out as from a local query), or None for a query the local file answers.
_remote_reader: RemoteReader | None = None


def set_remote_reader(reader: RemoteReader | None) -> None:
    """Route the queries ``reader`` takes (it returns their rows, or None to leave a query to the local file)."""
    global _remote_reader
    _remote_reader = reader


def query_df(con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any] | Sequence[Any] | None = None,
             settings: Sequence[str] = ()) -> pd.DataFrame:
    """Return the result of one query as a DataFrame, run on its own cursor with bound parameters.

    ``settings`` are SET statements for this cursor only (e.g. a memory or threads setting one query needs).
    """
    if _recorder is not None:
        _recorder.add(sql, params, settings)
    remote = _remote_reader(con, sql, params) if _remote_reader is not None else None
    cur = con.cursor()
    try:
        if remote is not None:
            return cur.from_arrow(remote).df()
        for setting in settings:
            cur.execute(setting)
        return cur.execute(sql, params or {}).df() if params else cur.execute(sql).df()
    finally:
        cur.close()


def query_one(con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any] | Sequence[Any] | None = None) -> tuple | None:
    """Return the first row of one query (or None), run on its own cursor."""
    if _recorder is not None:
        _recorder.add(sql, params)
    remote = _remote_reader(con, sql, params) if _remote_reader is not None else None
    cur = con.cursor()
    try:
        if remote is not None:
            rows = cur.from_arrow(remote).limit(1).fetchall()
            return rows[0] if rows else None
        return cur.execute(sql, params or {}).fetchone() if params else cur.execute(sql).fetchone()
    finally:
        cur.close()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection, bump_version: bool = True,
                sales_data: bool | Callable[[], bool] = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a cursor inside BEGIN..COMMIT; roll back on any error so nothing partial is left.

    Every write bumps the data version (in the same transaction) so cached query results are refreshed. Writes that
    may touch the order data (orders, lines, products, customers, reviews) also bump the sales version, which the
    derived tables follow; settings-like writes (alert rules, presets, word lists, outreach) pass
    ``sales_data=False`` so they do not force a rebuild of the summary tables. A function for ``sales_data`` is
    asked at commit time, for writers that know only then what they wrote (an import of ad spend touches no order
    data; one of orders does).
    """
    cur = con.cursor()
    cur.execute("BEGIN TRANSACTION")
    try:
        yield cur
        if bump_version:
            sales = sales_data() if callable(sales_data) else sales_data
            for key in ("data_version", "sales_version") if sales else ("data_version",):
                cur.execute(
                    "INSERT INTO meta (key, value) VALUES ($key, '1') "
                    "ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(meta.value AS BIGINT) + 1 AS VARCHAR)",
                    {"key": key},
                )
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    finally:
        cur.close()


def checkpoint(con: duckdb.DuckDBPyConnection) -> bool:
    """Write the WAL into the database file; return whether it did (best effort: an error is swallowed)."""
    # Why: lines an import appended stay in the WAL until a checkpoint, and DuckDB then read them with every other
    # line on joins it otherwise narrows to the touched orders (at 10M customers, the summary tables' updates after a
    # one-day import took 28 s before a checkpoint and 21 s after one, which itself took 0.2 s).
    cur = con.cursor()
    try:
        cur.execute("CHECKPOINT")
        return True
    except duckdb.Error:  # one DuckDB cannot take now (best effort: the next update checkpoints instead)
        return False
    finally:
        cur.close()


FRAMES_STEP_MEMORY_LIMIT = "2.5GB"  # DuckDB's limit for a query run beside large pandas frames (memory_beside_frames)
_release_memory = False  # set by the command line (enable_memory_release): never while the app serves pages


def enable_memory_release(enabled: bool = True) -> None:
    """Let release_memory act in this process (the command line: one step at a time, no page sessions)."""
    global _release_memory
    _release_memory = enabled


def release_memory(con: duckdb.DuckDBPyConnection) -> bool:
    """Give back the memory DuckDB keeps cached and the freed Python heap, when enabled (enable_memory_release);
    return whether DuckDB's cache was dropped."""
    # Why: DuckDB keeps the blocks it read cached up to MEMORY_LIMIT even when no query runs, and the step after it
    # (the customer value fit, the churn scoring: millions of rows in pandas) adds its own memory on top: the
    # 10M-customer demo peaked at 7.7 GB that way. A small limit evicts the blocks (the memory goes back to the
    # OS), and the usual one is set back at once. Not while pages are served: another session's query running
    # in that moment would have to spill, or could fail.
    if not _release_memory:
        return False
    import gc

    gc.collect()
    _trim_heap()
    cur = con.cursor()
    try:
        cur.execute("SET memory_limit = '256MB'")
        return True
    except duckdb.Error:  # blocks pinned by a running query: nothing is evicted
        return False
    finally:
        cur.execute(_usual_limit_sql())
        cur.close()


@contextmanager
def memory_beside_frames(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run a query that a step issues while it holds millions of rows in pandas with DuckDB held to
    FRAMES_STEP_MEMORY_LIMIT, when enabled (enable_memory_release); the usual limit is set back after it."""
    # Why: the churn scoring of the 10M demo's 1.26M dormant customers runs the recommendations query with their
    # features held in pandas; DuckDB took its whole 4 GB for it, and the demo peaked at 5.97 GB there. At 2.5 GB
    # the query spills and takes 78 s instead of 59. (Not for every query: the features query needs more than 2 GB.)
    if not _release_memory:
        yield
        return
    cur = con.cursor()
    try:
        try:
            cur.execute(f"SET memory_limit = '{FRAMES_STEP_MEMORY_LIMIT}'")
        except duckdb.Error:  # blocks pinned beyond it: the query runs with the usual limit
            pass
        yield
    finally:
        cur.execute(_usual_limit_sql())
        cur.close()


def _usual_limit_sql() -> str:  # (read at call time)
    """Return the SET statement that puts DuckDB's usual memory limit back."""
    return f"SET memory_limit = '{MEMORY_LIMIT.replace(chr(39), '')}'"


def _trim_heap() -> None:
    """Return the freed parts of the C heap to the OS (glibc's malloc_trim; nothing elsewhere)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, Windows, musl)
        pass


def database_file(con: duckdb.DuckDBPyConnection) -> str:
    """Return the database file the connection works on ("" for an in-memory database)."""
    # On its own cursor: the caller's connection may hold an unfinished result, which a new statement would end.
    cur = con.cursor()
    try:
        row = cur.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    finally:
        cur.close()
    return str(row[0]) if row and row[0] else ""


def data_version(con: duckdb.DuckDBPyConnection) -> int:
    """Return the data version, bumped by every write; caches key on it."""
    row = query_one(con, "SELECT value FROM meta WHERE key = 'data_version'")
    return int(row[0]) if row else 0


def sales_version(con: duckdb.DuckDBPyConnection) -> int:
    """Return the sales version, bumped by writes that may touch the order data (derived tables follow it)."""
    row = query_one(con, "SELECT value FROM meta WHERE key = 'sales_version'")
    return int(row[0]) if row else 0


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """Return the highest applied migration number."""
    row = query_one(con, "SELECT coalesce(max(version), 0) FROM schema_version")
    return int(row[0]) if row else 0


def _migrations() -> list[tuple[int, Path]]:
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        match = re.match(r"(\d+)_", path.name)
        if match:
            found.append((int(match.group(1)), path))
    return sorted(found)


def migrate_schema(con: duckdb.DuckDBPyConnection) -> int:
    """Apply forward migrations not yet applied (each in its own transaction); return the schema version."""
    cur = con.cursor()
    try:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
            "applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
        )
        applied = {row[0] for row in cur.execute("SELECT version FROM schema_version").fetchall()}
        for version, path in _migrations():
            if version in applied:
                continue
            cur.execute("BEGIN TRANSACTION")
            try:
                for statement in con.extract_statements(path.read_text(encoding="utf-8")):
                    cur.execute(statement)
                cur.execute("INSERT INTO schema_version (version, name) VALUES ($version, $name)",
                            {"version": version, "name": path.stem})
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        return int(cur.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0])
    finally:
        cur.close()


def table_exists_with_rows(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Return True when the whitelisted table holds at least one row."""
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}")
    return query_one(con, f"SELECT EXISTS (SELECT 1 FROM {table})")[0]


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Return the row count of every data table."""
    return {t: int(query_one(con, f"SELECT count(*) FROM {t}")[0]) for t in TABLES}


# The data tables of the model (docs/data-model.md); the whitelist for identifiers built from table names.
TABLES = (
    "customers", "products", "orders", "order_items", "traffic_daily", "traffic_sessions", "scroll_depth",
    "ad_spend", "search_keywords", "inventory_snapshots", "suppliers", "product_suppliers", "competitor_prices",
    "reviews", "campaigns", "reactivation_outreach", "customer_surveys", "imports", "mapping_presets",
    "alert_rules", "model_registry", "banned_words",
)
