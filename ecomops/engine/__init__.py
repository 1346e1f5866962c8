"""The query engine: where READ queries of named SQL run — the local DuckDB file, or Apache Spark over a warehouse.

``get_engine()`` picks the engine from ``$ECOMOPS_ENGINE`` (``duckdb``, the default, or ``spark``); both answer
``query_df(sql_name_or_text, params)`` with a pandas DataFrame of the same columns and dtypes, so code above this
layer does not know which engine ran a query. Queries are written once, in DuckDB SQL with ``$name`` parameters
(``ecomops/sql/<name>.sql``); the Spark engine transpiles each finished text once (``engine.transpile``) and binds
the parameters as Spark named markers. A query that cannot be written portably gets a variant file beside it,
``<name>.<engine>.sql`` (still DuckDB-syntax input to the transpiler, free to call engine functions by name), which
``Engine.load_sql`` returns in preference on that engine.

Writes (imports, derived-table builds, settings) stay on ``ecomops.db`` and the local DuckDB file.

Environment: ``ECOMOPS_ENGINE`` (duckdb | spark), ``ECOMOPS_SPARK_MASTER`` (``local[*]`` default,
``spark://host:7077``, ``sc://host:15002`` for Spark Connect), ``ECOMOPS_WAREHOUSE`` (a directory of Parquet tables
— local path, ``hdfs://``, ``s3a://`` — or ``hive:DBNAME``), ``ECOMOPS_SPARK_DRIVER_MEMORY`` (default 1g).
"""
from __future__ import annotations

import os
import re
import threading
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from ecomops import config, db
from ecomops.engine import registry

if TYPE_CHECKING:
    import pandas as pd

    from ecomops.engine.spark import SparkEngine

ENGINES = config.ENGINES
_engine_lock = threading.Lock()
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class EngineError(RuntimeError):
    """A user-facing engine failure (unknown engine, warehouse not reachable, query refused)."""


class Engine:
    """Runs read queries of named SQL and returns pandas results; subclasses implement ``_run``."""

    name = "engine"

    def load_sql(self, name: str) -> str:
        """Return the text of a named query: this engine's variant ``<name>.<engine>.sql`` when one exists."""
        variant = registry.variant_path(name, self.name)
        return variant.read_text(encoding="utf-8") if variant else db.load_sql(name)

    def _text(self, sql_name_or_text: str) -> str:
        if _NAME.match(sql_name_or_text) and (registry.SQL_DIR / f"{sql_name_or_text}.sql").exists():
            return self.load_sql(sql_name_or_text)
        return sql_name_or_text

    def query_df(self, sql_name_or_text: str, params: Mapping[str, Any] | Sequence[Any] | None = None,
                 settings: Sequence[str] = ()) -> pd.DataFrame:
        """Return the result of one read query (a named query or SQL text in DuckDB SQL) as a DataFrame.

        ``settings`` are DuckDB SET statements for this query's cursor (tuning only: other engines ignore them).
        """
        return self._run(self._text(sql_name_or_text), params, settings)

    def query_one(self, sql_name_or_text: str, params: Mapping[str, Any] | Sequence[Any] | None = None
                  ) -> tuple | None:
        """Return the first row of one read query as a tuple (None when it returns no row)."""
        frame = self.query_df(sql_name_or_text, params)
        if frame.empty:
            return None
        return tuple(None if _is_missing(v) else v for v in frame.iloc[0].tolist())

    def _run(self, sql: str, params: Any, settings: Sequence[str]) -> pd.DataFrame:  # pragma: no cover
        raise NotImplementedError

    def describe(self) -> str:
        """Return a one-line description for the sidebar and logs (engine and where its data comes from)."""
        return self.name

    def close(self) -> None:
        """Release what the engine holds (Spark: stop the session)."""


def _is_missing(value: Any) -> bool:
    try:
        import pandas as pd

        return value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)
    except ImportError:  # pragma: no cover
        return value is None


class DuckDBEngine(Engine):
    """The local engine: every query on this process's connection to the DuckDB file (``ecomops.db``)."""

    name = "duckdb"

    def __init__(self, con=None, path: str | os.PathLike | None = None) -> None:
        self.con = con if con is not None else db.connect(path)

    def _run(self, sql: str, params: Any, settings: Sequence[str]) -> pd.DataFrame:
        return db.query_df(self.con, sql, params, settings)

    def query_one(self, sql_name_or_text: str, params: Mapping[str, Any] | Sequence[Any] | None = None
                  ) -> tuple | None:
        """Return the first row of one read query (DuckDB's own tuple, no DataFrame in between)."""
        return db.query_one(self.con, self._text(sql_name_or_text), params)

    def describe(self) -> str:
        """Return 'duckdb <file>'."""
        return f"duckdb {db.database_file(self.con) or ':memory:'}"


def engine_name(explicit: str | None = None) -> str:
    """Return the engine to use: explicit argument, else $ECOMOPS_ENGINE, else duckdb (config.engine_name)."""
    try:
        return config.engine_name(explicit)
    except config.EngineSettingError as exc:
        raise EngineError(str(exc)) from exc


def get_engine(name: str | None = None, *, con=None, db_path: str | os.PathLike | None = None) -> Engine:
    """Return an engine: DuckDB on the given connection or database file, or Spark from the environment."""
    chosen = engine_name(name)
    if chosen == "duckdb":
        return DuckDBEngine(con=con, path=db_path)
    from ecomops.engine.spark import SparkEngine

    return SparkEngine.from_env()


_process_engine: Engine | None = None


def spark_engine() -> "SparkEngine":
    """Return this process's Spark engine over the configured warehouse (one session per process: starting one
    costs ~10 s, so pages and refreshes share it)."""
    global _process_engine
    from ecomops.engine.spark import SparkEngine

    with _engine_lock:
        if not isinstance(_process_engine, SparkEngine):
            _process_engine = SparkEngine.from_env()
        return _process_engine


def set_spark_engine(engine: "SparkEngine | None") -> None:
    """Use ``engine`` as this process's Spark engine (tests share one session; None forgets it)."""
    global _process_engine
    with _engine_lock:
        _process_engine = engine
