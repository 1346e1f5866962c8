"""The read-only SQL console: exactly one SELECT/WITH statement over the public tables, with limits that hold.

Why the statement is analysed instead of switching DuckDB's ``enable_external_access`` off: that setting belongs to
the whole database, which the same process also uses to import uploaded files, and cannot be switched back on (nor
can any other file-access setting be set per cursor). So a query passes three checks before its rows are read:

1. **DuckDB's own parse tree** (``json_serialize_sql``), walked scope by scope. Why DuckDB's parser and not sqlglot:
   the tree is exactly what DuckDB will bind (no dialect differences to exploit: ``FROM 'x.csv'``, ``FROM x SELECT``,
   quoted paths, 4-part names whose middle part DuckDB drops), and its ``cte_map`` sits on the very query node whose
   scope it opens. The rules:
   - one statement, of type SELECT (a WITH query is a SELECT);
   - a CTE name is visible only in the main query of its WITH, in the CTEs after it, and — only when DuckDB made it a
     recursive CTE — in its own recursive term (DuckDB binds a self-reference in the anchor, or in a "recursive" CTE
     without UNION, to the real table of that name: measured). CTE names are plain identifiers (letters, digits,
     ``_``) and may not be the name of any table or view in the database, so no CTE can shadow one;
   - every other table reference is a table of :data:`PUBLIC_TABLES`, unqualified or qualified only as this
     database's main schema (``main.x``, ``<db>.x``, ``<db>.main.x``); names are plain identifiers, so a file path in
     any spelling (``"/tmp/x.csv"``, ``'x.parquet'``, wildcards) is refused before DuckDB could try a replacement scan;
   - table functions only ``range``, ``generate_series`` and ``unnest``; scalar functions that reveal settings,
     variables, the catalogue or write (``current_setting``, ``getenv``, ``duckdb_*``, ``nextval``, ``write_log``,
     ...) are refused, as are functions given a size that could build one huge value (``repeat``, ``lpad``,
     ``printf`` widths, list ``range``...) beyond :data:`MAX_VALUE_CHARS`.
2. **The bound plan** (``EXPLAIN (FORMAT json)`` on the console cursor): every scan must be a table of the public
   list in this database's main schema, one of the allowed table functions, or an internal scan (CTE, VALUES) — a
   second layer that sees what DuckDB actually bound, should the first ever disagree with the binder.
3. **Limits**, on a cursor of its own inside ``BEGIN TRANSACTION READ ONLY``: the rows are streamed as Arrow batches
   and reading stops at the row cap or the byte cap (a result is never copied whole into pandas); a watchdog thread
   interrupts the query at the time limit, or when the process grew by more than :data:`MEMORY_BUDGET_BYTES` while it
   ran (DuckDB's ``memory_limit`` is per database; per cursor there is only ``operator_memory_limit``, which bounds
   sorts and hash tables, so the watchdog covers what it does not — strings and lists being built). The caller may
   lower the limits but never lift them past the server maxima; 0, negative, NaN or infinite limits are refused.
The caller gets a :class:`QueryRefused` with a plain reason otherwise.
"""
from __future__ import annotations

import json
import math
import re
import threading
import time
from dataclasses import dataclass
from typing import Any, Iterable

import duckdb
import pandas as pd

from ecomops import db, derived
from ecomops.i18n import N_

DEFAULT_ROW_CAP = 10_000
MAX_ROW_CAP = 100_000
DEFAULT_TIMEOUT_S = 10.0
MAX_TIMEOUT_S = 60.0
DEFAULT_BYTE_CAP = 32 * 2**20
MAX_BYTE_CAP = 128 * 2**20
MAX_QUERY_CHARS = 20_000
# Per cursor: sorts, hash tables and aggregates of one console query (DuckDB spills to disk beyond it).
OPERATOR_MEMORY_LIMIT = "512MB"
# What the process may grow by while one console query runs before the watchdog stops it.
MEMORY_BUDGET_BYTES = 1536 * 2**20
WATCH_INTERVAL_S = 0.02
# Most characters (or list elements) one size-taking function call may build, so one vector of 2,048 rows stays
# within a few hundred MB however the function is used.
MAX_VALUE_CHARS = 100_000
MAX_LIST_ELEMENTS = 10_000
BATCH_ROWS = 512

ALLOWED_TABLE_FUNCTIONS = {"range", "generate_series", "unnest"}
# Scalar functions refused by name: they reveal settings, variables or the catalogue, or write something.
REFUSED_FUNCTIONS = {"getenv", "current_setting", "getvariable", "current_query", "current_query_id",
                     "write_log", "nextval", "currval", "setval", "json_deserialize_sql", "json_serialize_sql",
                     "json_execute_serialized_sql", "glob", "query", "query_table", "sniff_csv", "read_text",
                     "read_blob", "has_database_privilege", "has_schema_privilege", "has_table_privilege",
                     "has_sequence_privilege", "has_tablespace_privilege", "parse_duckdb_log_message",
                     "in_search_path", "current_schemas"}
REFUSED_FUNCTION_PREFIXES = ("read_", "duckdb_", "pragma_", "parquet_", "sql_", "pg_", "icu_", "test_", "python_",
                             "arrow_", "pandas_")
# The tables the console may read: the data model (docs/data-model.md) and the derived summary tables, nothing else.
# Not listed, hence hidden: bookkeeping (meta, schema_version), model file paths (model_registry), every derived
# table's state table and the Users pages' helper tables; a table added later stays hidden until listed here.
# The views of the business rules (migration 870: valid orders, sale lines and their GMV) are public too.
RULE_VIEWS = frozenset({"orders_classified", "valid_orders", "order_lines", "sale_lines"})
PUBLIC_TABLES = frozenset(set(db.TABLES) - {"model_registry"} | {table.name for table in derived.REGISTRY} | RULE_VIEWS)
# Plan leaves that read nothing outside the query: VALUES, SELECT without FROM, CTE and recursive-CTE scans.
SAFE_PLAN_LEAVES = {"DUMMY_SCAN", "COLUMN_DATA_SCAN", "CTE_SCAN", "REC_CTE_SCAN", "DELIM_SCAN", "EMPTY_RESULT",
                    "CHUNK_SCAN", "REC_KEY_SCAN", "RECURRING_CTE_SCAN"}
PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

EXAMPLES = {
    N_("GMV by month"): (
        "-- sale_lines: the lines that count in GMV (valid orders, quantity > 0), gmv = quantity x unit price\n"
        "SELECT date_trunc('month', order_date) AS month,\n"
        "       sum(gmv) AS gmv,\n"
        "       count(DISTINCT order_id) AS orders\n"
        "FROM sale_lines\n"
        "GROUP BY 1 ORDER BY 1"
    ),
    N_("Top 20 products by GMV"): (
        "SELECT p.product_id, p.title, p.category, sum(l.gmv) AS gmv\n"
        "FROM sale_lines l JOIN products p USING (product_id)\n"
        "GROUP BY ALL ORDER BY gmv DESC LIMIT 20"
    ),
    N_("Conversion by channel"): (
        "WITH buyers AS (\n"
        "  SELECT channel, count(DISTINCT customer_id) AS buyers FROM valid_orders\n"
        "  GROUP BY channel),\n"
        "visits AS (SELECT channel, sum(uv) AS uv FROM traffic_daily GROUP BY channel)\n"
        "SELECT channel, uv, buyers, buyers / uv AS conversion_rate\n"
        "FROM visits JOIN buyers USING (channel) ORDER BY uv DESC"
    ),
    N_("Unanswered negative reviews"): (
        "SELECT review_id, product_id, rating, created_ts, review_text\n"
        "FROM reviews WHERE rating <= 2 AND replied_ts IS NULL\n"
        "ORDER BY created_ts DESC LIMIT 100"
    ),
}


class QueryRefused(ValueError):
    """A console query that was refused before running, or stopped while running; ``str()`` says why."""


@dataclass
class ConsoleResult:
    """Rows of an accepted query: at most the row cap and the byte cap, ``truncated`` set when more existed."""

    frame: pd.DataFrame
    truncated: bool
    elapsed_s: float
    truncated_by: str | None = None  # "rows" or "bytes" when truncated
    bytes_read: int = 0


@dataclass(frozen=True)
class Limits:
    """The limits one query runs under, already checked against the server maxima."""

    row_cap: int
    timeout_s: float
    byte_cap: int


def limits(row_cap: int | float = DEFAULT_ROW_CAP, timeout_s: float = DEFAULT_TIMEOUT_S,
           byte_cap: int | float = DEFAULT_BYTE_CAP) -> Limits:
    """Return the limits a caller asked for, lowered to the server maxima; raise QueryRefused for senseless ones.

    A caller can never switch a limit off: 0, negative, NaN and infinite values are refused; larger finite ones are
    lowered to the maximum.
    """
    checked = {}
    for name, value, top in (("row cap", row_cap, MAX_ROW_CAP), ("time limit", timeout_s, MAX_TIMEOUT_S),
                             ("byte cap", byte_cap, MAX_BYTE_CAP)):
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise QueryRefused(f"The {name} must be a number (got {value!r}).") from None
        if not math.isfinite(number) or number <= 0:
            raise QueryRefused(f"The {name} must be a positive number (got {value!r}): it cannot be switched off. "
                               f"The server allows at most {top:g}; larger values are lowered to that.")
        checked[name] = min(number, top)
    return Limits(row_cap=max(1, int(checked["row cap"])), timeout_s=checked["time limit"],
                  byte_cap=max(1, int(checked["byte cap"])))


def readable_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Return the public tables present in this database (what a console query may read)."""
    present = set(db.query_df(con, "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' "
                                   "AND database_name = current_database() "
                                   "UNION SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' "
                                   "AND database_name = current_database() AND NOT internal")["table_name"])
    return sorted(present & PUBLIC_TABLES)


def _fold(name: str) -> str:
    """Return a name as DuckDB compares identifiers (ASCII letters case-insensitively)."""
    return name.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class _TreeCheck:
    """Walks DuckDB's parse tree of one SELECT with the CTE names visible in each scope; raises QueryRefused."""

    def __init__(self, database: str, public: set[str], catalogue: set[str]) -> None:
        self.database = _fold(database)
        self.public = public          # folded names of the readable tables
        self.catalogue = catalogue    # folded names of every table and view, any schema (no CTE may take one)

    def walk(self, value: Any, visible: frozenset[str]) -> None:
        if isinstance(value, list):
            for item in value:
                self.walk(item, visible)
            return
        if not isinstance(value, dict):
            return
        if isinstance(value.get("cte_map"), dict):  # a query node: it may open a WITH scope
            self._query_node(value, visible)
            return
        kind = value.get("type")
        if kind == "BASE_TABLE":
            self._table(value, visible)
            return
        if kind == "TABLE_FUNCTION":
            self._table_function(value, visible)
            return
        if kind in ("SHOW_REF", "DELIM_GET", "COLUMN_DATA", "BOUND_TABLE_REF"):
            raise QueryRefused(f"This kind of table reference ({kind}) is not allowed in the console.")
        if "function_name" in value:
            self._function(value)
        for key, item in value.items():
            self.walk(item, visible)

    def _query_node(self, node: dict, visible: frozenset[str]) -> None:
        scope = set(visible)
        for entry in node["cte_map"].get("map", []):
            name = str(entry.get("key", ""))
            self._plain(name, "CTE name")
            if _fold(name) in self.catalogue:
                raise QueryRefused(f"The CTE name {name!r} is also the name of a table: give the CTE another name, "
                                   f"so every reference means one thing.")
            body = entry.get("value") or {}
            # Visible in its own body only when DuckDB made it recursive, and then only in the recursive term.
            self._cte_body(name, body, frozenset(scope))
            scope.add(_fold(name))
        rest = {key: item for key, item in node.items() if key != "cte_map"}
        if node.get("type") == "RECURSIVE_CTE_NODE":
            # Reached directly (not as a CTE body): treat like any other node, its name is not in scope here.
            rest.pop("cte_name", None)
        self.walk(rest, frozenset(scope))

    def _cte_body(self, name: str, body: dict, scope: frozenset[str]) -> None:
        query = body.get("query_node") or body.get("query") or {}
        others = {key: item for key, item in body.items() if key not in ("query_node", "query")}
        if query.get("type") == "RECURSIVE_CTE_NODE":
            if (not isinstance(query.get("left"), dict) or not isinstance(query.get("right"), dict)
                    or query.get("children")):
                raise QueryRefused("This recursive CTE cannot be analysed: write it as anchor UNION [ALL] "
                                   "recursive term.")
            if (query.get("cte_map") or {}).get("map"):
                raise QueryRefused("A WITH inside a recursive CTE is not supported in the console.")
            self.walk(query["left"], scope)  # the anchor: DuckDB binds the CTE's own name to a table here
            self.walk(query["right"], scope | {_fold(name)})
            self.walk({k: v for k, v in query.items() if k not in ("left", "right", "cte_map", "cte_name")}, scope)
            self.walk(others, scope)
        else:
            self.walk(query, scope)
            self.walk(others, scope)

    def _table(self, node: dict, visible: frozenset[str]) -> None:
        path = list((node.get("qualified_name") or {}).get("path") or [])
        if not path:
            path = [p for p in (node.get("catalog_name"), node.get("schema_name"), node.get("table_name")) if p]
        name, qualifiers = str(path[-1]), [str(p) for p in path[:-1]]
        self._plain(name, "table name")
        if node.get("at_clause"):
            raise QueryRefused("Time travel (AT ...) is not available in the console.")
        if not qualifiers and _fold(name) in visible:
            return  # a CTE of an enclosing WITH
        for part in qualifiers:
            self._plain(part, "schema or database name")
        folded = [_fold(q) for q in qualifiers]
        if len(folded) > 2 or (len(folded) == 2 and folded != [self.database, "main"]) or (
                len(folded) == 1 and folded[0] not in ("main", self.database)):
            raise QueryRefused(f"Only this database's tables can be read: {'.'.join(path)!r} names another "
                               f"database or schema.")
        if _fold(name) not in self.public:
            raise QueryRefused(f"Unknown table {name!r}: the console reads only the tables listed in the browser "
                               f"({', '.join(sorted(self.public))}); files, other databases and internal tables "
                               f"cannot be read.")

    def _table_function(self, node: dict, visible: frozenset[str]) -> None:
        function = node.get("function") or {}
        fname = self._function_name(function)
        if fname not in ALLOWED_TABLE_FUNCTIONS:
            raise QueryRefused(f"The table function {fname}() is not allowed in the console (it can read files, other "
                               f"databases or the catalogue): only {', '.join(sorted(ALLOWED_TABLE_FUNCTIONS))}.")
        for key, item in function.items():
            self.walk(item, visible)  # its arguments (subqueries in them are checked in this scope)
        for key, item in node.items():
            if key != "function":
                self.walk(item, visible)

    def _function_name(self, node: dict) -> str:
        path = list((node.get("qualified_name") or {}).get("path") or [])
        if len(path) > 1 or node.get("schema") or node.get("catalog"):
            raise QueryRefused(f"Qualified function names ({'.'.join(map(str, path))}) are not allowed in the console.")
        return _fold(str(node.get("function_name", "")))

    def _function(self, node: dict) -> None:
        fname = self._function_name(node)
        if fname in REFUSED_FUNCTIONS or fname.startswith(REFUSED_FUNCTION_PREFIXES):
            raise QueryRefused(f"The function {fname}() is not allowed in the console (it reads files, settings or "
                               f"the catalogue, or writes).")
        _check_value_size(fname, _arguments(node))

    @staticmethod
    def _plain(name: str, what: str) -> None:
        if not PLAIN_NAME.fullmatch(name):
            raise QueryRefused(f"The {what} {name!r} is not a plain name (letters, digits and _ only): file paths and "
                               f"quoted names cannot be read from the console.")


def _arguments(node: dict) -> list[Any]:
    """Return a function call's argument expressions (DuckDB 2 wraps each as {"name", "expression"})."""
    if "arguments" in node:
        return [arg.get("expression") if isinstance(arg, dict) and "expression" in arg else arg
                for arg in node.get("arguments") or []]
    return list(node.get("children") or [])


def _constant(expr: Any) -> Any:
    """Return the value of a literal argument (number or string), else None (not a constant)."""
    if not isinstance(expr, dict) or expr.get("class") != "CONSTANT":
        if isinstance(expr, dict) and expr.get("class") == "CAST":
            return _constant(expr.get("child"))
        return None
    literal = expr.get("literal")
    if isinstance(literal, dict):  # DuckDB 2: {"kind": "INTEGER", "text": "1"}
        text, kind = literal.get("text"), str(literal.get("kind", ""))
        if text is None:
            return None
        if kind == "STRING":
            return text
        try:
            return float(text)
        except ValueError:
            return None
    value = expr.get("value") or {}
    if isinstance(value, dict) and "value" in value:
        return value["value"]
    return None


def _check_value_size(fname: str, args: list[Any]) -> None:
    """Refuse calls whose size argument could build one huge value (a 2,048-row vector of them would be larger)."""
    def count(index: int, what: str, top: int, default: float | None = None) -> float:
        value = _constant(args[index]) if index < len(args) else default
        if not isinstance(value, (int, float)) or not math.isfinite(value) or value > top:
            raise QueryRefused(f"{fname}() needs a constant {what} of at most {top:,} in the console "
                               f"(a larger or computed one could build a huge value).")
        return value

    if fname == "repeat" and len(args) >= 2:
        base = _constant(args[0])
        unit = len(base) if isinstance(base, str) else 1
        count(1, "count", MAX_VALUE_CHARS // max(1, unit))
    elif fname in ("lpad", "rpad", "list_resize", "array_resize") and len(args) >= 2:
        count(1, "length", MAX_VALUE_CHARS if fname in ("lpad", "rpad") else MAX_LIST_ELEMENTS)
    elif fname == "bar":
        count(3, "width", 1000, default=80)
    elif fname in ("printf", "format") and args:
        template = _constant(args[0])
        if not isinstance(template, str) or "*" in template or any(len(n) > 3 for n in re.findall(r"\d+", template)):
            raise QueryRefused(f"{fname}() needs a constant format without widths above 999 in the console.")
    elif fname in ("range", "generate_series") and args:  # the scalar forms build one list per row
        bounds = [_constant(a) for a in args[:3]]
        if not all(isinstance(b, (int, float)) and math.isfinite(b) for b in bounds):
            raise QueryRefused(f"{fname}() as a list needs constant bounds in the console (FROM {fname}(...) is "
                               f"the table form).")
        start, stop, step = (0.0, bounds[0], 1.0) if len(bounds) == 1 else (bounds[0], bounds[1],
                                                                             bounds[2] if len(bounds) > 2 else 1.0)
        if step == 0 or (stop - start) / step > MAX_LIST_ELEMENTS:
            raise QueryRefused(f"{fname}() as a list may hold at most {MAX_LIST_ELEMENTS:,} elements in the console.")


def _walk_plan(node: Any) -> Iterable[dict]:
    if isinstance(node, dict):
        yield node
        for child in node.get("children") or []:
            yield from _walk_plan(child)
    elif isinstance(node, list):
        for item in node:
            yield from _walk_plan(item)


def _check_plan(cur: duckdb.DuckDBPyConnection, text: str, database: str, public: set[str]) -> None:
    """Refuse a query whose bound plan scans anything but public tables, allowed table functions or CTEs."""
    try:
        rows = cur.execute("EXPLAIN (FORMAT json) " + text).fetchall()
    except duckdb.Error as exc:
        raise QueryRefused(f"The query failed: {_first_line(exc)}") from exc
    allowed_tables = {f"{_fold(database)}.main.{name}" for name in public}
    allowed_functions = {name.upper() for name in ALLOWED_TABLE_FUNCTIONS}
    for _, plan_json in rows:
        for node in _walk_plan(json.loads(plan_json)):
            info = node.get("extra_info") or {}
            info = info if isinstance(info, dict) else {}
            name = str(node.get("name", ""))
            if "Table" in info:
                if _fold(str(info["Table"])) not in allowed_tables:
                    raise QueryRefused(f"The query reads {info['Table']!r}, which is not a public table.")
            elif "Function" in info:
                if str(info["Function"]).upper() not in allowed_functions:
                    raise QueryRefused(f"The query reads through {info['Function']}, which the console does not allow.")
            elif not node.get("children") and name not in SAFE_PLAN_LEAVES:
                raise QueryRefused(f"The query's plan holds a {name} scan, which the console does not allow.")



def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def check(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """Return the single statement's text when the query is acceptable; raise QueryRefused with the reason."""
    if not sql or not sql.strip():
        raise QueryRefused("The query is empty: write one SELECT statement.")
    if len(sql) > MAX_QUERY_CHARS:
        raise QueryRefused(f"The query is longer than {MAX_QUERY_CHARS:,} characters.")
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryRefused(f"The query does not parse: {_first_line(exc)}") from exc
    if len(statements) != 1:
        raise QueryRefused(f"Exactly one statement is allowed; this text holds {len(statements)}.")
    statement = statements[0]
    if statement.type != duckdb.StatementType.SELECT:
        raise QueryRefused(f"Only read-only SELECT/WITH queries are allowed; this is a {statement.type.name} statement.")
    text = statement.query.strip().rstrip(";").strip()
    try:
        tree = json.loads(db.query_one(con, "SELECT json_serialize_sql($q)", {"q": text})[0])
    except RecursionError:
        raise QueryRefused("The query is nested too deeply to be analysed.") from None
    if tree.get("error"):
        raise QueryRefused(f"The query cannot be analysed: {tree.get('error_message', 'unknown error')}")
    if len(tree.get("statements") or []) != 1:
        raise QueryRefused("Exactly one statement is allowed.")
    database = db.query_one(con, "SELECT current_database()")[0]
    catalogue = {_fold(name) for name in db.query_df(
        con, "SELECT table_name AS name FROM duckdb_tables() UNION ALL SELECT view_name FROM duckdb_views()")["name"]}
    public = {_fold(name) for name in readable_tables(con)}
    try:
        _TreeCheck(database, public, catalogue).walk(tree["statements"][0], frozenset())
    except RecursionError:
        raise QueryRefused("The query is nested too deeply to be analysed.") from None
    return text


class _Watchdog:
    """Interrupts a cursor at the time limit, or when the process grows by more than the memory budget."""

    def __init__(self, cur: duckdb.DuckDBPyConnection, timeout_s: float, budget_bytes: int) -> None:
        import psutil

        self.cur, self.timeout_s, self.budget = cur, timeout_s, budget_bytes
        self.process = psutil.Process()
        self.reason: str | None = None
        self.peak_growth = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlconsole-watchdog", daemon=True)

    def __enter__(self) -> "_Watchdog":
        self.base = self.process.memory_info().rss
        self.started = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(WATCH_INTERVAL_S):
            growth = self.process.memory_info().rss - self.base
            self.peak_growth = max(self.peak_growth, growth)
            if time.perf_counter() - self.started > self.timeout_s:
                self.reason = "time"
            elif growth > self.budget:
                self.reason = "memory"
            if self.reason:
                self.cur.interrupt()
                return


def run(con: duckdb.DuckDBPyConnection, sql: str, row_cap: int | float = DEFAULT_ROW_CAP,
        timeout_s: float = DEFAULT_TIMEOUT_S, byte_cap: int | float = DEFAULT_BYTE_CAP) -> ConsoleResult:
    """Return the rows of one checked read-only query (within the row and byte caps); raise QueryRefused otherwise."""
    limit = limits(row_cap, timeout_s, byte_cap)
    text = check(con, sql)
    public = {_fold(name) for name in readable_tables(con)}
    database = db.query_one(con, "SELECT current_database()")[0]
    cur = con.cursor()
    started = time.perf_counter()
    watchdog = _Watchdog(cur, limit.timeout_s, MEMORY_BUDGET_BYTES)
    try:
        cur.execute(f"SET operator_memory_limit = '{OPERATOR_MEMORY_LIMIT}'")
        cur.execute("BEGIN TRANSACTION READ ONLY")
        with watchdog:
            _check_plan(cur, text, database, public)
            table, truncated_by, nbytes = _read_capped(cur, text, limit)
            frame = cur.from_arrow(table).df()  # DuckDB's own pandas types (decimals as floats, dates as dates)
    except duckdb.InterruptException as exc:
        if watchdog.reason == "memory":
            raise QueryRefused(f"The query was stopped: it needed more than {MEMORY_BUDGET_BYTES // 2**20:,} MB of "
                               f"memory. Aggregate or filter more, or select fewer and narrower columns.") from exc
        raise QueryRefused(f"The query was stopped after the {limit.timeout_s:g} s time limit. "
                           f"Add filters or a LIMIT.") from exc
    except duckdb.OutOfMemoryException as exc:
        raise QueryRefused("The query needed more memory than allowed and was stopped. Aggregate or filter more.") from exc
    except duckdb.Error as exc:
        raise QueryRefused(f"The query failed: {_first_line(exc)}") from exc
    finally:
        try:
            cur.execute("ROLLBACK")
        except duckdb.Error:
            pass
        cur.close()
    elapsed = time.perf_counter() - started
    return ConsoleResult(frame, truncated_by is not None, elapsed, truncated_by, nbytes)


def _read_capped(cur: duckdb.DuckDBPyConnection, text: str, limit: Limits):
    """Return (Arrow table, "rows"/"bytes"/None, bytes kept): batches are read until a cap is reached."""
    import pyarrow as pa

    relation = cur.sql(text).limit(limit.row_cap + 1)
    reader = relation.to_arrow_reader(BATCH_ROWS)
    batches, rows, nbytes, truncated_by = [], 0, 0, None
    for batch in reader:
        if rows + batch.num_rows > limit.row_cap:
            batch, truncated_by = batch.slice(0, limit.row_cap - rows), "rows"
        size = batch.nbytes
        if nbytes + size > limit.byte_cap:
            # Keep the rows that fit (by their average width), then stop reading.
            per_row = size / max(1, batch.num_rows)
            fit = int((limit.byte_cap - nbytes) // per_row) if per_row else batch.num_rows
            batch = batch.slice(0, max(0, min(fit, batch.num_rows)))
            size, truncated_by = batch.nbytes, "bytes"
        batches.append(batch)
        rows += batch.num_rows
        nbytes += size
        if truncated_by:
            break
    return pa.Table.from_batches(batches, schema=reader.schema), truncated_by, nbytes


def table_sizes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return one row per readable table with its exact row count (NULL for a view: counting order_lines means
    joining every order line to its order, 9 s at 100M lines, on every first view of the console)."""
    tables = readable_tables(con)
    if not tables:
        return pd.DataFrame(columns=["table", "rows"])
    views = set(db.query_df(con, "SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' "
                                 "AND database_name = current_database() AND NOT internal")["view_name"])
    # Names come from the catalog (readable_tables), never from the user.
    union = " UNION ALL ".join(f"SELECT '{t}' AS \"table\", CAST(NULL AS BIGINT) AS rows" if t in views
                               else f"SELECT '{t}' AS \"table\", count(*) AS rows FROM {t}" for t in tables)
    return db.query_df(con, f"{union} ORDER BY 1")


def schema_columns(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return one row per column of the readable tables: table, column, type."""
    columns = db.query_df(con, """
        SELECT table_name AS "table", column_name AS "column", data_type AS type
        FROM duckdb_columns() WHERE schema_name = 'main' AND database_name = current_database()
        ORDER BY table_name, column_index
    """)
    return columns[columns["table"].isin(set(readable_tables(con)))].reset_index(drop=True)


def table_browser(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int | None, str]]:
    """Return (table, row count or None for a view, markdown list of its columns and types) per readable table, for
    the browser.

    Markdown rather than a frame per table: ~30 tables, and a dataframe each cost more to render than the queries.
    """
    columns = schema_columns(con)
    listed = {table: "\n".join(f"- `{c}` {t}" for c, t in zip(part["column"], part["type"]))
              for table, part in columns.groupby("table", sort=False)}
    return [(row.table, None if pd.isna(row.rows) else int(row.rows), listed.get(row.table, ""))
            for row in table_sizes(con).itertuples()]


def chart_columns(frame: pd.DataFrame) -> tuple[str | None, list[str]]:
    """Return a sensible default chart of a result: (x column, numeric y columns); (None, []) when none fits."""
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])]
    others = [c for c in frame.columns if c not in numeric]
    if others:
        return others[0], numeric[:3]
    if len(numeric) >= 2:
        return numeric[0], numeric[1:4]
    return None, []
