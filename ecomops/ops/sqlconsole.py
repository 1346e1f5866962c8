"""The read-only SQL console: exactly one SELECT/WITH statement over the data tables, with a row cap and a time limit.

Why the statement is analysed instead of switching DuckDB's ``enable_external_access`` off: that setting belongs to
the whole database, which the same process also uses to import uploaded files, and cannot be switched back on. So
every query is checked before it runs, on DuckDB's own parse tree (``json_serialize_sql``):
- exactly one statement, of type SELECT (a WITH query is a SELECT);
- every table it reads is a data table of the model or a CTE of the query (a quoted path such as
  ``'/etc/passwd'`` parses as a table name, so it is refused here), in the main schema of this database;
- table functions only from a short whitelist (``range``, ``generate_series``, ``unnest``): ``read_csv``,
  ``read_text``, ``glob``, ``query`` and the like are refused;
- scalar functions that reach outside the database (``getenv``, ...) are refused.
It then runs on its own cursor inside ``BEGIN TRANSACTION READ ONLY``, wrapped in a ``LIMIT`` (row cap), and a
timer interrupts it after the time limit. The caller gets a :class:`QueryRefused` with a plain reason otherwise.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any, Iterator

import duckdb
import pandas as pd

from ecomops import db, derived

DEFAULT_ROW_CAP = 10_000
DEFAULT_TIMEOUT_S = 10.0
ALLOWED_TABLE_FUNCTIONS = {"range", "generate_series", "unnest"}
REFUSED_SCALAR_FUNCTIONS = {"getenv", "current_setting", "read_text", "read_blob", "glob"}
# Internal tables: model file paths, and the derived tables (ecomops/derived.py) with their build state.
# Bookkeeping, not data: the registry, versions and every derived table's fingerprint table (from the registry, so
# a new derived table is hidden without a second list), plus the Users pages' internal helper tables.
HIDDEN_TABLES = {"model_registry", "schema_version", "meta", "users_customer_keys", "users_category_bits",
                 "users_rfm_scores"} | {table.state_table for table in derived.REGISTRY}

EXAMPLES = {
    "GMV by month": (
        "-- sale_lines: the lines that count in GMV (valid orders, quantity > 0), gmv = quantity x unit price\n"
        "SELECT date_trunc('month', order_date) AS month,\n"
        "       sum(gmv) AS gmv,\n"
        "       count(DISTINCT order_id) AS orders\n"
        "FROM sale_lines\n"
        "GROUP BY 1 ORDER BY 1"
    ),
    "Top 20 products by GMV": (
        "SELECT p.product_id, p.title, p.category, sum(l.gmv) AS gmv\n"
        "FROM sale_lines l JOIN products p USING (product_id)\n"
        "GROUP BY ALL ORDER BY gmv DESC LIMIT 20"
    ),
    "Conversion by channel": (
        "WITH buyers AS (\n"
        "  SELECT channel, count(DISTINCT customer_id) AS buyers FROM valid_orders\n"
        "  GROUP BY channel),\n"
        "visits AS (SELECT channel, sum(uv) AS uv FROM traffic_daily GROUP BY channel)\n"
        "SELECT channel, uv, buyers, buyers / uv AS conversion_rate\n"
        "FROM visits JOIN buyers USING (channel) ORDER BY uv DESC"
    ),
    "Unanswered negative reviews": (
        "SELECT review_id, product_id, rating, created_ts, review_text\n"
        "FROM reviews WHERE rating <= 2 AND replied_ts IS NULL\n"
        "ORDER BY created_ts DESC LIMIT 100"
    ),
}


class QueryRefused(ValueError):
    """A console query that was refused before running, or stopped while running; ``str()`` says why."""


@dataclass
class ConsoleResult:
    """Rows of an accepted query: at most the row cap, with ``truncated`` set when more existed."""

    frame: pd.DataFrame
    truncated: bool
    elapsed_s: float


def _walk(node: Any) -> Iterator[dict]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _cte_names(tree: Any) -> set[str]:
    names: set[str] = set()
    for node in _walk(tree):
        cte_map = node.get("cte_map")
        if isinstance(cte_map, dict):
            names.update(entry["key"].lower() for entry in cte_map.get("map", []))
    return names


def readable_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Return the tables and views a console query may read (the data model and its views, less internal ones)."""
    present = set(db.query_df(con, "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' "
                                   "UNION SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' "
                                   "AND NOT internal")["table_name"])
    return sorted(t for t in present if t not in HIDDEN_TABLES)


def check(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """Return the single statement's text when the query is acceptable; raise QueryRefused with the reason."""
    if not sql or not sql.strip():
        raise QueryRefused("The query is empty: write one SELECT statement.")
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryRefused(f"The query does not parse: {str(exc).splitlines()[0]}") from exc
    if len(statements) != 1:
        raise QueryRefused(f"Exactly one statement is allowed; this text holds {len(statements)}.")
    statement = statements[0]
    if statement.type != duckdb.StatementType.SELECT:
        raise QueryRefused(f"Only read-only SELECT/WITH queries are allowed; this is a {statement.type.name} statement.")
    text = statement.query.strip().rstrip(";")
    tree_json = db.query_one(con, "SELECT json_serialize_sql($q)", {"q": text})[0]
    tree = json.loads(tree_json)
    if tree.get("error"):
        raise QueryRefused(f"The query cannot be analysed: {tree.get('error_message', 'unknown error')}")
    allowed = set(readable_tables(con)) | _cte_names(tree)
    for node in _walk(tree):
        kind = node.get("type")
        if kind == "BASE_TABLE":
            name = node.get("table_name", "")
            if node.get("catalog_name") or node.get("schema_name") not in ("", "main"):
                raise QueryRefused(f"Only this database's tables can be read (not {name!r} in another catalog or schema).")
            if name.lower() not in allowed:
                raise QueryRefused(f"Unknown table {name!r}: files and other sources cannot be read from the console. "
                                   f"Tables: {', '.join(sorted(readable_tables(con)))}.")
        elif kind == "TABLE_FUNCTION":
            fname = (node.get("function") or {}).get("function_name", "")
            if fname.lower() not in ALLOWED_TABLE_FUNCTIONS:
                raise QueryRefused(f"The table function {fname}() is not allowed in the console (it can read files or run SQL).")
        elif node.get("class") == "FUNCTION":
            fname = node.get("function_name", "").lower()
            if fname in REFUSED_SCALAR_FUNCTIONS or fname.startswith("read_"):
                raise QueryRefused(f"The function {fname}() is not allowed in the console.")
    return text


def run(con: duckdb.DuckDBPyConnection, sql: str, row_cap: int = DEFAULT_ROW_CAP,
        timeout_s: float = DEFAULT_TIMEOUT_S) -> ConsoleResult:
    """Return the rows of one checked read-only query (at most ``row_cap``); raise QueryRefused otherwise."""
    text = check(con, sql)
    cur = con.cursor()
    timer = threading.Timer(timeout_s, cur.interrupt)
    started = time.perf_counter()
    try:
        cur.execute("BEGIN TRANSACTION READ ONLY")
        timer.start()
        # The newline keeps a trailing "-- comment" of the user's from swallowing the closing parenthesis.
        frame = cur.execute(f"SELECT * FROM (\n{text}\n) AS console_query LIMIT {int(row_cap) + 1}").df()
    except duckdb.InterruptException as exc:
        raise QueryRefused(f"The query was stopped after the {timeout_s:g} s time limit. Add filters or a LIMIT.") from exc
    except duckdb.OutOfMemoryException as exc:
        raise QueryRefused("The query needed more memory than allowed and was stopped. Aggregate or filter more.") from exc
    except duckdb.Error as exc:
        raise QueryRefused(f"The query failed: {str(exc).splitlines()[0]}") from exc
    finally:
        timer.cancel()
        try:
            cur.execute("ROLLBACK")
        except duckdb.Error:
            pass
        cur.close()
    elapsed = time.perf_counter() - started
    truncated = len(frame) > row_cap
    return ConsoleResult(frame.head(row_cap), truncated, elapsed)


def table_sizes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return one row per readable table with its exact row count."""
    tables = readable_tables(con)
    if not tables:
        return pd.DataFrame(columns=["table", "rows"])
    # Names come from the catalog (readable_tables), never from the user.
    union = " UNION ALL ".join(f"SELECT '{t}' AS \"table\", count(*) AS rows FROM {t}" for t in tables)
    return db.query_df(con, f"{union} ORDER BY 1")


def schema_columns(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return one row per column of the readable tables: table, column, type."""
    columns = db.query_df(con, """
        SELECT table_name AS "table", column_name AS "column", data_type AS type
        FROM duckdb_columns() WHERE schema_name = 'main' ORDER BY table_name, column_index
    """)
    return columns[columns["table"].isin(set(readable_tables(con)))].reset_index(drop=True)


def table_browser(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int, str]]:
    """Return (table, row count, markdown list of its columns and types) per readable table, for the browser.

    Markdown rather than a frame per table: ~30 tables, and a dataframe each cost more to render than the queries.
    """
    columns = schema_columns(con)
    listed = {table: "\n".join(f"- `{c}` {t}" for c, t in zip(part["column"], part["type"]))
              for table, part in columns.groupby("table", sort=False)}
    return [(row.table, int(row.rows), listed.get(row.table, "")) for row in table_sizes(con).itertuples()]


def chart_columns(frame: pd.DataFrame) -> tuple[str | None, list[str]]:
    """Return a sensible default chart of a result: (x column, numeric y columns); (None, []) when none fits."""
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])]
    others = [c for c in frame.columns if c not in numeric]
    if others:
        return others[0], numeric[:3]
    if len(numeric) >= 2:
        return numeric[0], numeric[1:4]
    return None, []
