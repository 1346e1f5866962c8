"""The Spark engine's local cache: summary tables built in Spark from the warehouse, kept in the local DuckDB file.

Pages stay interactive over a slow engine because they never wait for Spark on a page view: they read the local
DuckDB file, as with the DuckDB engine. With ``ECOMOPS_ENGINE=spark`` that file (``config.db_path()``, by default
``data/ecomops-spark-cache.duckdb``) holds
- the summary tables of ``ecomops.derived`` (daily sales rollup, product lines, users' order facts and RFM scores,
  churn scores, compliance findings, review labels), built by running each build's SELECTs **in Spark** over the
  warehouse (the same named SQL, transpiled by the engine) and writing the results into the file;
- the warehouse's raw tables as **views** (``orders``, ``order_items``, ...: DuckDB reading the same Parquet files),
  so the pages' queries on raw rows run unchanged;
- app state (settings, alert rules, saved mappings, the model registry), as in any local store.

A refresh happens when the warehouse changes (its load id, written by ``warehouse export`` or a team's pipeline into
``_ecomops_load.json``, else the names, sizes and times of its files) and on demand (``python -m ecomops warehouse
refresh``); ``derived.ensure`` calls ``build`` here instead of its local build whenever the engine is Spark. Each
refresh is recorded in ``warehouse_refreshes`` (the sidebar says which refresh the figures come from).
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import duckdb
import sqlglot
from sqlglot import exp

from ecomops import config, db
from ecomops.engine import EngineError, warehouse
from ecomops.engine.transpile import READ_DIALECT

if TYPE_CHECKING:
    from ecomops.derived import DerivedTable
    from ecomops.engine.spark import SparkEngine

HANDOFF_DIR = Path(tempfile.gettempdir()) / "ecomops-spark" / "results"


@dataclass(frozen=True)
class Refresh:
    """One refresh of the summary tables: when, from which warehouse load, what was rebuilt and how long it took."""

    refreshed_at: Any
    engine: str
    warehouse: str
    load_id: str
    tables: str
    seconds: float


# --- the warehouse's raw tables as DuckDB views ----------------------------------------------------------------------

def _duckdb_readable(location: str) -> bool:
    """Return True when DuckDB can read the warehouse's files itself (a local or mounted directory)."""
    return not location.startswith(("hive:", "hdfs://", "s3a://", "s3://", "gs://", "abfs://", "abfss://"))


def _view_sql(location: str, table: str) -> str:
    """Return the SELECT of one raw-table view: the model's columns, cast to the model's types, read from Parquet."""
    root = (Path(location) / table).as_posix().replace("'", "''")
    columns = ", ".join(f'CAST("{name}" AS {kind}) AS "{name}"' for name, kind in warehouse.model()[table])
    # hive_types: partition values stay text until cast, so a NULL partition (lines without an order) never trips
    # the type guess; union_by_name: files written at different times may order columns differently.
    part = warehouse.PARTITION_BY.get(table)
    partitioned = part and any(p.is_dir() and p.name.startswith(f"{part}=") for p in (Path(location) / table).iterdir())
    hive = f", hive_types = {{'{part}': VARCHAR}}" if partitioned else ""
    return (f"SELECT {columns} FROM read_parquet('{root}/**/*.parquet', hive_partitioning = true, "
            f"union_by_name = true{hive})")


def attach_warehouse(con: duckdb.DuckDBPyConnection, location: str) -> list[str]:
    """Make the warehouse's raw tables readable in the local file as views of the same names; return their names.

    Refuses a file whose raw tables hold rows (an ordinary local store, whose data the views would hide): the Spark
    engine's file is a cache of its own.
    """
    if not _duckdb_readable(location):
        return []  # raw rows then come from Spark only (docs/scaling.md); the summary tables are still cached
    kinds = dict(con.execute("SELECT table_name, table_type FROM information_schema.tables "
                             "WHERE table_schema = 'main'").fetchall())
    attached = []
    with db.transaction(con, bump_version=False) as cur:
        for table in warehouse.WAREHOUSE_TABLES:
            if not (Path(location) / table).is_dir():
                continue  # not in the warehouse (`warehouse check` says so): the local table, empty, stays
            if kinds.get(table) == "BASE TABLE":
                if cur.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()[0]:
                    raise EngineError(
                        f"{config.db_path()} holds rows in {table}: the Spark engine keeps its summary tables in a "
                        f"local file of its own. Point ECOMOPS_DB at a new file (default {config.DEFAULT_SPARK_CACHE_PATH.name}).")
                cur.execute(f"DROP TABLE {table}")
            cur.execute(f"CREATE OR REPLACE VIEW {table} AS {_view_sql(location, table)}")
            attached.append(table)
    return attached


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Make the local file the Spark engine's cache of the configured warehouse (raw tables as views, or raw rows
    read in Spark where DuckDB cannot read the warehouse); no Spark session is started here: the summary tables are
    built on the first page or command that needs them."""
    location = config.warehouse_location()
    if not location:
        raise EngineError("ECOMOPS_ENGINE=spark needs ECOMOPS_WAREHOUSE: a directory of Parquet tables "
                          "(e.g. the output of `python -m ecomops warehouse export --to DIR`) or hive:DBNAME")
    attach_warehouse(con, location)
    db.set_remote_reader(read_in_spark)


# --- raw rows from Spark ---------------------------------------------------------------------------------------
# Where DuckDB cannot read the warehouse itself (hdfs://, s3a://, hive:) the raw-table views are not created, and a
# query that reads raw rows (a drill-down, a table of orders, a KPI over order lines) runs in Spark instead:
# db.query_df asks read_in_spark first. The local tables such a query joins (summary tables, settings) are sent to
# Spark once per data version of the cache. ``remote_notice`` is the page's progress indicator (ecomops/ui sets a
# spinner): a Spark query takes seconds.
remote_notice: Callable[[], contextlib.AbstractContextManager] | None = None
_sent: dict[str, tuple[tuple[str, int], Any]] = {}
_sent_lock = threading.Lock()


def reads_raw_rows(sql: str) -> bool:
    """Return True when a query reads one of the warehouse's raw tables or the model's views over them."""
    from ecomops.engine.spark import _tables_read, model_views

    try:
        tables = _tables_read(sql)
    except sqlglot.errors.ParseError:  # not a query sqlglot reads (a PRAGMA, a DESCRIBE): the local file answers
        return False
    return bool(tables & (set(warehouse.WAREHOUSE_TABLES) | set(model_views())))


def raw_rows_local() -> bool:
    """Return True when this process's DuckDB reads the raw order rows itself (False: a Spark warehouse it cannot
    read, whose raw rows read_in_spark reads)."""
    location = config.warehouse_location()
    return config.engine_name() != "spark" or not location or _duckdb_readable(location)


def read_in_spark(con: duckdb.DuckDBPyConnection, sql: str, params: Any) -> Any:
    """Return the rows (an Arrow table) of a query that reads raw rows, computed in Spark, when the Spark engine's warehouse is one
    DuckDB cannot read; None for every other query (the local file answers it)."""
    if raw_rows_local() or not reads_raw_rows(sql):
        return None
    from ecomops.engine import spark_engine
    from ecomops.engine.spark import _tables_read, model_views, zone_free

    engine = spark_engine()
    raw = set(warehouse.WAREHOUSE_TABLES) | set(model_views())
    local = {name for (name,) in con.execute("SELECT table_name FROM information_schema.tables "
                                             "WHERE table_schema = 'main'").fetchall()}
    # Keyed by the cache file too: a process may serve more than one cache, whose data versions can coincide.
    version = (db.database_file(con), db.data_version(con))
    with _sent_lock:
        for table in sorted((_tables_read(sql) - raw) & local):
            if _sent.get(table, (None,))[0] != version:
                frame = engine.session.createDataFrame(con.sql(f"SELECT * FROM {table}").to_arrow_table())
                engine.register_result(table, frame)
                _sent[table] = (version, frame)
    with (remote_notice() if remote_notice else contextlib.nullcontext()):
        return zone_free(engine.spark_frame(sql, params).toArrow())


def warehouse_attached(con: duckdb.DuckDBPyConnection) -> bool:
    """Return True when the local file's orders table is a view on a warehouse."""
    row = db.query_one(con, "SELECT table_type FROM information_schema.tables WHERE table_schema = 'main' "
                            "AND table_name = 'orders'")
    return bool(row and row[0] == "VIEW")


# --- when the warehouse changed ----------------------------------------------------------------------------------

def load_stamp(location: str, engine: SparkEngine | None = None) -> str:
    """Return the warehouse's load stamp: the load id of ``_ecomops_load.json`` when present, else a hash of the
    table files' names, sizes and modification times (a new partition or a rewritten file changes it). A local or
    mounted warehouse is looked at directly (no Spark session needed); a remote one through Spark."""
    if _duckdb_readable(location):
        load_file = Path(location) / warehouse.LOAD_FILE
        if load_file.exists():
            return "load:" + json.loads(load_file.read_text(encoding="utf-8")).get("load_id", "")
        digest = hashlib.sha1()
        for table in warehouse.WAREHOUSE_TABLES:
            for root, _dirs, files in sorted(os.walk(Path(location) / table)):
                for name in sorted(files):
                    stat = (Path(root) / name).stat()
                    digest.update(f"{root}/{name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
        return "files:" + digest.hexdigest()[:16]
    # Remote or Hive: the files Spark would read (their names change when a pipeline writes new ones).
    from ecomops.engine import spark_engine

    engine = engine or spark_engine()
    digest = hashlib.sha1()
    for table in warehouse.WAREHOUSE_TABLES:
        try:
            files = engine.read_table(table).inputFiles()
        except EngineError:
            files = []
        digest.update("\n".join(sorted(files)).encode())
    return "files:" + digest.hexdigest()[:16]


_stamp_cache: dict[str, tuple[float, str]] = {}
STAMP_TTL_SECONDS = 60.0  # pages ask on every view: look at the warehouse at most once a minute


def current_stamp(location: str | None = None) -> str:
    """Return the load stamp of the warehouse (default: the configured one), looked up at most once a minute."""
    location = location or config.warehouse_location() or ""
    now = time.monotonic()
    cached = _stamp_cache.get(location)
    if cached and now - cached[0] < STAMP_TTL_SECONDS:
        return cached[1]
    stamp = load_stamp(location)
    _stamp_cache[location] = (now, stamp)
    return stamp


def forget_stamps() -> None:
    """Drop the remembered load stamps (the next look-up reads the warehouse again)."""
    _stamp_cache.clear()


# --- builds in Spark ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Step:
    """One statement of a build: run in DuckDB as is, or its SELECT computed in Spark and written into ``table``."""

    kind: str  # "local" | "create" | "insert"
    sql: str  # the DuckDB statement (local) or the SELECT (create/insert)
    table: str = ""
    columns: tuple[str, ...] = ()


def _steps(build_sql: str) -> list[_Step]:
    """Return the statements of a named build: CREATE TABLE AS / INSERT ... SELECT become Spark steps."""
    steps = []
    trees = [tree for tree in sqlglot.parse(build_sql, read=READ_DIALECT) if tree is not None]
    # Local statements run as written (DuckDB's own split of the file), not as sqlglot writes them back.
    texts = [statement.query for statement in duckdb.extract_statements(build_sql)]
    for index, tree in enumerate(trees):
        if isinstance(tree, exp.Create) and tree.kind == "TABLE" and isinstance(tree.expression, exp.Query):
            steps.append(_Step("create", tree.expression.sql(dialect=READ_DIALECT), tree.this.name))
        elif isinstance(tree, exp.Insert) and isinstance(tree.expression, exp.Query):
            target = tree.this
            columns = tuple(c.name for c in target.expressions) if isinstance(target, exp.Schema) else ()
            name = target.this.name if isinstance(target, exp.Schema) else target.name
            steps.append(_Step("insert", tree.expression.sql(dialect=READ_DIALECT), name, columns))
        else:
            text = texts[index] if len(texts) == len(trees) else tree.sql(dialect=READ_DIALECT)
            steps.append(_Step("local", text))
    return steps


def _local_master(engine: SparkEngine) -> bool:
    try:
        return engine.session.conf.get("spark.master").startswith("local")
    except Exception:  # Spark Connect
        return False


class _Handoff:
    """Spark results on their way into DuckDB: Parquet files in a scratch directory with a local master (bounded
    memory: nothing is collected on the driver), else Arrow tables collected through the driver."""

    def __init__(self, engine: SparkEngine) -> None:
        self.engine = engine
        self.folder = HANDOFF_DIR / uuid.uuid4().hex[:12] if _local_master(engine) else None
        self.results: dict[int, Any] = {}

    def keep(self, index: int, frame) -> None:
        if self.folder is not None:
            path = self.folder / f"step_{index}"
            frame.write.mode("overwrite").parquet(str(path))
            self.results[index] = path
        else:
            self.results[index] = frame.toArrow()

    def relation(self, cur: duckdb.DuckDBPyConnection, index: int) -> str:
        """Return a FROM clause reading step ``index``'s result in DuckDB."""
        result = self.results[index]
        if isinstance(result, Path):
            return f"read_parquet('{(result / '*.parquet').as_posix()}')"
        cur.register(f"spark_step_{index}", result)
        return f"spark_step_{index}"

    def close(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def _local_inputs(con: duckdb.DuckDBPyConnection, steps: list[_Step]) -> set[str]:
    """Return the local tables the build's Spark steps read: state kept in the local file across rebuilds (the
    customer keys), neither a warehouse table, nor a model view, nor a table an earlier step of the build creates."""
    from ecomops.engine.spark import _tables_read, model_views

    local = {name for (name,) in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
        "AND table_type = 'BASE TABLE'").fetchall()}
    reads: set[str] = set()
    created: set[str] = set()
    for step in steps:
        if step.kind == "local":
            continue
        reads |= set(_tables_read(step.sql)) - created
        if step.kind == "create":
            created.add(step.table)
    return {t for t in reads if t in local and t not in warehouse.WAREHOUSE_TABLES and t not in model_views()}


def _compute(con: duckdb.DuckDBPyConnection, engine: SparkEngine, steps: list[_Step], handoff: _Handoff) -> list:
    """Run the Spark steps of a build in order (each result readable by the later ones under its table name)."""
    persisted = []
    uploaded = {}
    for table in sorted(_local_inputs(con, steps)):
        # Sent as Arrow: these are small key tables (one row per customer), not the warehouse's facts.
        frame = engine.session.createDataFrame(con.sql(f"SELECT * FROM {table}").to_arrow_table()).persist()
        persisted.append(frame)
        engine.register_result(table, frame)
        uploaded[table] = frame
    for index, step in enumerate(steps):
        if step.kind == "local":
            continue
        frame = engine.spark_frame(step.sql)
        if step.kind == "create":  # later statements of the build read it (users_customer_keys, ...)
            frame = frame.persist()
            persisted.append(frame)
            engine.register_result(step.table, frame)
        elif step.table in uploaded:  # rows added to kept state (new customers' keys): later steps read them too
            frame = frame.persist()
            persisted.append(frame)
            columns = list(step.columns) or uploaded[step.table].columns
            grown = uploaded[step.table].unionByName(frame.toDF(*columns), allowMissingColumns=True).persist()
            persisted.append(grown)
            engine.register_result(step.table, grown)
            uploaded[step.table] = grown
        handoff.keep(index, frame)
    return persisted


def _apply(cur: duckdb.DuckDBPyConnection, steps: list[_Step], handoff: _Handoff) -> None:
    """Write a build's Spark results into the local file, in the build's order, with DuckDB's own column types."""
    for index, step in enumerate(steps):
        if step.kind == "local":
            cur.execute(step.sql)
            continue
        source = handoff.relation(cur, index)
        if step.kind == "create":
            # The types DuckDB's own build would give (Spark has no UBIGINT, gives BIGINT sums, ...).
            described = cur.execute(f"DESCRIBE {step.sql}").fetchall()
            columns = ", ".join(f'CAST("{name}" AS {kind}) AS "{name}"' for name, kind, *_ in described)
            cur.execute(f"CREATE OR REPLACE TABLE {step.table} AS SELECT {columns} FROM {source}")
        else:
            target = f"{step.table} ({', '.join(step.columns)})" if step.columns else step.table
            cur.execute(f"INSERT INTO {target} SELECT * FROM {source}")


def build(con: duckdb.DuckDBPyConnection, table: DerivedTable, stamp: str, engine: SparkEngine | None = None) -> float:
    """Build one summary table in Spark and write it into the local file with its fingerprint; return seconds."""
    from ecomops import derived
    from ecomops.engine import spark_engine

    engine = engine or spark_engine()
    started = time.perf_counter()
    steps = _steps(engine.load_sql(table.build_sql))
    handoff = _Handoff(engine)
    try:
        persisted = _compute(con, engine, steps, handoff)
        with db.transaction(con, bump_version=False) as cur:
            for setting in table.settings:
                cur.execute(setting)
            _apply(cur, steps, handoff)
            if table.after_build:  # Python steps (RFM, churn scoring, ...) on the local results
                derived.call(table.after_build, cur)
            cur.execute(f"DELETE FROM {table.state_table}")
            cur.execute(f"INSERT INTO {table.state_table} (fingerprint) VALUES ($fp)", {"fp": stamp})
        for frame in persisted:
            frame.unpersist()
    finally:
        handoff.close()
    return time.perf_counter() - started


CHURN_MODEL_STEP = "churn_model"  # the name a refresh reports for training a missing churn model


def refresh(con: duckdb.DuckDBPyConnection, engine: SparkEngine | None = None, force: bool = False,
            progress: Callable[[str, float], None] | None = None, train_churn: bool = True) -> Refresh:
    """Refresh the local cache from the warehouse: attach its raw tables, rebuild the stale summary tables (every
    one with ``force``) in Spark, and with ``train_churn`` train the churn model when the cache has none (features
    in Spark, fitted on a sample; its training stores the dormant customers' scores); record and return the
    refresh."""
    from ecomops import derived
    from ecomops.engine import spark_engine

    engine = engine or spark_engine()
    started = time.perf_counter()
    forget_stamps()
    attach_warehouse(con, engine.warehouse)
    # App state some builds read, seeded on first use: seeded now, so the first page view does not rebuild (in
    # Spark) the compliance findings because the shipped word list just arrived.
    from ecomops.risk import compliance

    compliance.ensure_seeded(con)
    stamp = current_stamp(engine.warehouse)
    rebuilt = []
    with derived.build_lock():
        for table in derived.REGISTRY:
            if force or not derived.is_fresh(con, table):
                seconds = build(con, table, derived.fingerprint(con, table), engine)
                rebuilt.append(table.name)
                if progress:
                    progress(table.name, seconds)
    if train_churn:
        began = time.perf_counter()
        trained = derived.call("ecomops.users.model_jobs:ensure_churn_model", con)
        if trained is not None and progress:
            progress(CHURN_MODEL_STEP, time.perf_counter() - began)
    done = Refresh(None, "spark", engine.warehouse, stamp, ",".join(rebuilt), time.perf_counter() - started)
    # The data version moves (pages' cached results follow the new figures); the sales version does not (it is
    # part of every summary table's fingerprint: bumping it would make the tables just built stale again).
    with db.transaction(con, sales_data=False) as cur:
        cur.execute("INSERT INTO warehouse_refreshes (engine, warehouse, load_id, tables, seconds) "
                    "VALUES ($engine, $warehouse, $load, $tables, $seconds)",
                    {"engine": done.engine, "warehouse": done.warehouse, "load": stamp, "tables": done.tables,
                     "seconds": done.seconds})
    return latest(con) or done


def latest(con: duckdb.DuckDBPyConnection) -> Refresh | None:
    """Return the latest recorded refresh of the local cache, or None."""
    row = db.query_one(con, "SELECT refreshed_at, engine, warehouse, load_id, tables, seconds "
                            "FROM warehouse_refreshes ORDER BY refreshed_at DESC LIMIT 1")
    return Refresh(*row) if row else None
