"""The Spark engine: named queries transpiled to Spark SQL and run by a SparkSession over the warehouse tables.

Where the tables are (``$ECOMOPS_WAREHOUSE``):
- a directory of Parquet tables, one sub-directory per table named as in docs/data-model.md (``orders/``,
  ``order_items/``, ...), partitioned Hive-style by date where the table has one (``orders/order_date=2024-03-04/``;
  see ``ecomops.engine.warehouse``): a local path, ``hdfs://...`` or ``s3a://...`` (S3 needs the cluster's
  hadoop-aws jars: PySpark from PyPI ships HDFS support only). Each table a query reads becomes a temporary view of
  the same name on first use.
- ``hive:DBNAME``: the tables of a Hive metastore database (the session is started with Hive support; the metastore
  comes from the cluster's hive-site.xml, else a local Derby metastore under the temp directory).

The master (``$ECOMOPS_SPARK_MASTER``): ``local[*]`` (default), ``local[2]``, ``spark://host:7077``, or
``sc://host:15002`` for Spark Connect. Nothing is downloaded at run time: only Spark's built-in Parquet and Hive
support are used (no ``spark.jars.packages``).
"""
from __future__ import annotations

import os
import tempfile
import threading
import warnings
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import sqlglot
from sqlglot import exp

from ecomops import config
from ecomops.engine import Engine, EngineError, registry
from ecomops.engine.transpile import READ_DIALECT, to_spark

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa
    from pyspark.sql import SparkSession

DEFAULT_MASTER = config.DEFAULT_SPARK_MASTER
DEFAULT_DRIVER_MEMORY = config.DEFAULT_SPARK_DRIVER_MEMORY
HIVE_PREFIX = "hive:"
LOG4J_CONFIG = Path(__file__).resolve().parent / "log4j2.properties"
_session_lock = threading.Lock()


def _local_cores(master: str) -> int:
    inner = master[len("local"):].strip("[]").split(",")[0] if master.startswith("local") else ""
    if inner in ("", "*"):
        return os.cpu_count() or 1
    return int(inner)


def spark_settings(master: str, driver_memory: str = DEFAULT_DRIVER_MEMORY, hive: bool = False) -> dict[str, str]:
    """Return the Spark settings of an ecomops session, each chosen for a reason (docs/spark-findings.md)."""
    scratch = Path(tempfile.gettempdir()) / "ecomops-spark"
    settings = {
        # Local times without a zone (docs/data-model.md): a UTC session reads and casts them as written, whatever
        # the machine's zone (DuckDB's TIMESTAMP has no zone either).
        "spark.sql.session.timeZone": "UTC",
        # ANSI mode off (Spark 4 turns it on): DuckDB returns NULL for a failed cast in try_cast and never raises on
        # the guarded divisions the queries use; with ANSI on, Spark raises on overflow and on x / 0 where DuckDB
        # gives inf/NULL. Off, Spark's NULL matches the NULLIF-guarded ratios the queries compute.
        "spark.sql.ansi.enabled": "false",
        # Results reach pandas through Arrow (pyarrow is a requirement already): 10-50x faster than row pickling.
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        # No web UI (no port 4040 listener, one thread less) and no progress bars on stderr.
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        # Spark's scratch files and (Hive) warehouse in the temp directory, not in the working directory.
        "spark.local.dir": str(scratch / "local"),
        "spark.sql.warehouse.dir": str(scratch / "warehouse"),
        # Partition pruning on the date partitions works through the partition column's type (date).
        "spark.sql.sources.partitionColumnTypeInference.enabled": "true",
    }
    if master.startswith("local"):
        cores = _local_cores(master)
        settings.update({
            # 200 shuffle partitions (the default) means 200 tasks per aggregation: seconds of overhead on data that
            # fits in one. One per core; adaptive execution (on by default) still coalesces and splits.
            "spark.sql.shuffle.partitions": str(max(1, cores)),
            "spark.default.parallelism": str(max(1, cores)),
            # The driver is the executor in local mode: its heap is all the memory Spark gets.
            "spark.driver.memory": driver_memory,
            # Bind to the loopback only (no listener on the machine's network; also silences the hostname warning).
            "spark.driver.host": "127.0.0.1",
            "spark.driver.bindAddress": "127.0.0.1",
            # Errors only from the JVM's logging (Spark's default prints INFO/WARN lines on every start); the
            # Derby metastore of a local Hive catalog lives in the temp directory too.
            "spark.driver.extraJavaOptions": f"-Dlog4j2.configurationFile={LOG4J_CONFIG.as_uri()} "
                                             f"-Dderby.system.home={scratch / 'derby'}",
        })
    if hive:
        settings["spark.sql.catalogImplementation"] = "hive"
    return settings


def start_session(master: str = DEFAULT_MASTER, driver_memory: str = DEFAULT_DRIVER_MEMORY, hive: bool = False,
                  app_name: str = "ecomops", extra: Mapping[str, str] | None = None) -> SparkSession:
    """Return a SparkSession for ``master`` with ecomops' settings (Spark Connect for ``sc://`` addresses)."""
    # PySpark 4.3 warns that pandas 3 is "not fully supported": results reach pandas through our own Arrow
    # conversion (arrow_to_pandas_like_duckdb), not PySpark's pandas code.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - pyspark is in requirements.txt
        raise EngineError("the Spark engine needs pyspark (pip install -r requirements.txt)") from exc
    with _session_lock:
        if master.startswith("sc://"):
            try:
                return SparkSession.builder.remote(master).appName(app_name).getOrCreate()
            except ImportError as exc:
                raise EngineError(f"Spark Connect ({master}) needs the client libraries: "
                                  f"pip install 'pyspark[connect]=={_pyspark_version()}'") from exc
        if master.startswith("local"):
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = SparkSession.builder.master(master).appName(app_name)
        for key, value in {**spark_settings(master, driver_memory, hive), **(extra or {})}.items():
            builder = builder.config(key, value)
        if hive:
            builder = builder.enableHiveSupport()
        session = builder.getOrCreate()
        session.sparkContext.setLogLevel("ERROR")
        _quiet_python_loggers()
        return session


def _quiet_python_loggers() -> None:
    """Silence PySpark's Python loggers that print every failed query's JVM stack trace as JSON on stderr (the
    exception itself still reaches the caller, with its message)."""
    import logging

    from pyspark.logger import PySparkLogger

    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        PySparkLogger.getLogger(name).setLevel(logging.CRITICAL)


def _pyspark_version() -> str:
    import pyspark

    return pyspark.__version__


def _bind(value: Any) -> Any:
    """Return a parameter value as Spark's sql(args=...) takes it (Python scalars, lists for arrays)."""
    if hasattr(value, "item") and not isinstance(value, (list, tuple)):  # numpy scalars
        value = value.item()
    if isinstance(value, (tuple, set, frozenset)):
        value = list(value)
    if isinstance(value, list):
        return [_bind(v) for v in value]
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        value = value.to_pydatetime()
    return value


@lru_cache(maxsize=2048)
def _tables_read(sql: str) -> frozenset[str]:
    """Return the table names one query reads (CTE names excluded)."""
    tree = sqlglot.parse_one(sql, read=READ_DIALECT)
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    return frozenset(t.name for t in tree.find_all(exp.Table)
                     if t.name and t.name not in ctes and not t.args.get("db"))


@lru_cache(maxsize=1)
def model_views() -> dict[str, str]:
    """Return {view: its SELECT in DuckDB SQL} of the data model's views (the migrations' CREATE VIEW statements)."""
    found: dict[str, str] = {}
    for path in sorted(registry.SQL_DIR.joinpath("migrations").glob("*.sql")):
        for tree in sqlglot.parse(path.read_text(encoding="utf-8"), read=READ_DIALECT):
            if isinstance(tree, exp.Create) and tree.kind == "VIEW":
                found[tree.this.name] = tree.expression.sql(dialect=READ_DIALECT)
    return found


def zone_free(table: pa.Table) -> pa.Table:
    """Return an Arrow result with its zoned timestamps as their wall time in the session zone (UTC), as DuckDB's
    TIMESTAMP columns hold them."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for index, (name, column) in enumerate(zip(table.column_names, table.columns)):
        if pa.types.is_timestamp(column.type) and column.type.tz is not None:
            table = table.set_column(index, name, pc.local_timestamp(column))
    return table


def arrow_to_pandas_like_duckdb(table: pa.Table) -> pd.DataFrame:
    """Return an Arrow result as DuckDB's ``.df()`` would: DATE and TIMESTAMP as datetime64[us] (zone-less),
    integers as numpy ints (pandas nullable Int* when they hold NULLs), DECIMAL as float64."""
    import pandas as pd
    import pyarrow as pa

    columns = {}
    for name, column in zip(table.column_names, zone_free(table).columns):
        kind = column.type
        if pa.types.is_date(kind) or pa.types.is_timestamp(kind):
            column = column.cast(pa.timestamp("us"))
        elif pa.types.is_decimal(kind):
            column = column.cast(pa.float64())
        if pa.types.is_integer(column.type) and column.null_count:
            series = column.to_pandas(types_mapper=pd.ArrowDtype).astype(str(column.type).replace("int", "Int"))
        else:
            series = column.to_pandas()
        columns[len(columns)] = series  # by position: Spark names unnamed expressions alike (count(1), ...)
    frame = pd.DataFrame(columns, index=pd.RangeIndex(table.num_rows))
    frame.columns = table.column_names  # duplicate names stay as they are
    return frame


class SparkEngine(Engine):
    """Named queries on Spark: transpiled once (sqlglot), parameters bound as ``:name`` markers."""

    name = "spark"

    def __init__(self, session: SparkSession, warehouse: str, owns_session: bool = False) -> None:
        # Each engine reads its warehouse through its own temporary views: a child session of the same context
        # (same JVM and settings, isolated views), so two engines over two warehouses never read each other's
        # tables. Spark Connect has no child sessions; there the session is used as given.
        self.root_session = session
        try:
            self.session = session.newSession()
        except Exception:  # pragma: no cover - Spark Connect
            self.session = session
        self.warehouse = warehouse
        self.owns_session = owns_session
        self._views: set[str] = set()
        self._lock = threading.Lock()
        if warehouse.startswith(HIVE_PREFIX):
            database = warehouse[len(HIVE_PREFIX):]
            if not database:
                raise EngineError("ECOMOPS_WAREHOUSE=hive: needs a database name, e.g. hive:shop")
            self.session.catalog.setCurrentDatabase(database)

    @classmethod
    def from_env(cls) -> "SparkEngine":
        """Return an engine on a session started from $ECOMOPS_SPARK_MASTER over $ECOMOPS_WAREHOUSE (config)."""
        warehouse = config.warehouse_location()
        if not warehouse:
            raise EngineError("ECOMOPS_ENGINE=spark needs ECOMOPS_WAREHOUSE: a directory of Parquet tables "
                              "(e.g. the output of `python -m ecomops warehouse export --to DIR`) or hive:DBNAME")
        session = start_session(config.spark_master(), config.spark_driver_memory(),
                                hive=warehouse.startswith(HIVE_PREFIX))
        return cls(session, warehouse, owns_session=True)

    def is_hive(self) -> bool:
        """Return True when the tables come from a Hive metastore database."""
        return self.warehouse.startswith(HIVE_PREFIX)

    def table_path(self, table: str) -> str:
        """Return the location of one Parquet table of the warehouse directory."""
        return self.warehouse.rstrip("/") + "/" + table

    def read_table(self, table: str):
        """Return a Spark DataFrame of one warehouse table (raises EngineError naming the table when absent)."""
        from pyspark.errors import AnalysisException

        try:
            if self.is_hive():
                return self.session.table(table)
            return self.session.read.parquet(self.table_path(table))
        except AnalysisException as exc:
            where = self.warehouse if self.is_hive() else self.table_path(table)
            raise EngineError(f"table {table} not found in the warehouse ({where})") from exc

    def _ensure_views(self, tables: frozenset[str] | set[str]) -> None:
        with self._lock:
            self._ensure_views_locked(set(tables))

    def _ensure_views_locked(self, tables: set[str]) -> None:
        views = model_views()
        for table in sorted(tables - self._views):
            if table in views:
                # The model's views (valid_orders, order_lines, sale_lines, ...): the one definition of a valid
                # order, taken from the migration itself and transpiled like any query, over the warehouse tables.
                self._ensure_views_locked(set(_tables_read(views[table])))
                self.session.sql(f"CREATE OR REPLACE TEMPORARY VIEW {table} AS {to_spark(views[table])}")
            elif self.is_hive():
                continue
            else:
                self.read_table(table).createOrReplaceTempView(table)
            self._views.add(table)

    def register_result(self, name: str, frame) -> None:
        """Make a Spark DataFrame readable by later queries under ``name`` (a summary table built in Spark)."""
        with self._lock:
            frame.createOrReplaceTempView(name)
            self._views.add(name)

    def spark_sql(self, sql: str) -> str:
        """Return the Spark SQL the engine runs for one DuckDB query (transpiled once, cached)."""
        return to_spark(sql)

    def spark_frame(self, sql_name_or_text: str, params: Mapping[str, Any] | Sequence[Any] | None = None):
        """Return the Spark DataFrame of one read query (lazy: nothing runs until it is collected or written)."""
        sql = registry.variant_text(self._text(sql_name_or_text), self.name)
        self._ensure_views(_tables_read(sql))
        text = self.spark_sql(sql)
        if params is None:
            args = None
        elif isinstance(params, Mapping):
            args = {key: _bind(value) for key, value in params.items()}
        else:
            args = [_bind(value) for value in params]
        return self.session.sql(text, args=args or None)

    def _run(self, sql: str, params: Any, settings: Sequence[str]) -> pd.DataFrame:
        return arrow_to_pandas_like_duckdb(self.spark_frame(sql, params).toArrow())

    def describe(self) -> str:
        """Return 'spark <master> <warehouse>'."""
        try:
            master = self.session.conf.get("spark.master")
        except Exception:  # Spark Connect does not expose it
            master = "connect"
        return f"spark {master} {self.warehouse}"

    def close(self) -> None:
        """Stop the session when this engine started it."""
        if self.owns_session:
            self.root_session.stop()
