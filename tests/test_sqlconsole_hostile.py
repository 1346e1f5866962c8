"""A hostile-SQL corpus against the console: every query is refused or gives a bounded result, nothing secret leaks
and no table of the database (hidden ones included) changes.

Secrets to reach: a CSV/Parquet/JSON file and another DuckDB database in a temp folder, and rows planted in the hidden
tables (``meta``, ``model_registry``, a derived table's state table). Each holds the marker ``TOPSECRET``.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from ecomops import db
from ecomops.ops import sqlconsole
from tests.conftest import PROJECT_ROOT, make_tiny_db

SECRET = "TOPSECRET"


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, str]:
    """Return the paths of secret files: csv, gzipped csv, parquet, json, another duckdb database, their folder."""
    folder = tmp_path_factory.mktemp("secrets")
    paths = {"dir": str(folder), "csv": str(folder / "x.csv"), "gz": str(folder / "y.csv.gz"),
             "parquet": str(folder / "x.parquet"), "json": str(folder / "x.json"), "other": str(folder / "other.duckdb"),
             "out": str(folder / "leak.csv")}
    (folder / "x.csv").write_text(f"pad,secret\n1,{SECRET}\n", encoding="utf-8")
    scratch = duckdb.connect()
    scratch.execute(f"COPY (SELECT 1 AS pad, '{SECRET}' AS secret) TO '{paths['gz']}' (FORMAT csv, HEADER)")
    scratch.execute(f"COPY (SELECT 1 AS pad, '{SECRET}' AS secret) TO '{paths['parquet']}' (FORMAT parquet)")
    scratch.execute(f"COPY (SELECT 1 AS pad, '{SECRET}' AS secret) TO '{paths['json']}' (FORMAT json)")
    scratch.close()
    other = duckdb.connect(paths["other"])
    other.execute(f"CREATE TABLE secrets AS SELECT '{SECRET}' AS secret")
    other.close()
    return paths


@pytest.fixture(scope="module")
def con():
    """Return the tiny database with secrets planted in its hidden tables (shared: every test asserts it unchanged)."""
    connection = make_tiny_db()
    connection.execute(f"INSERT INTO meta (key, value) VALUES ('planted', '{SECRET}')")
    connection.execute("INSERT INTO model_registry (model_id, name, trained_at, cutoff, horizon_days, features, "
                       f"metrics, data_version, path, sha256) VALUES (99, 'churn', now(), DATE '2024-03-05', 90, "
                       f"'[]', '{{}}', 1, '/srv/models/{SECRET}.skops', '{SECRET}')")
    connection.execute(f"INSERT INTO churn_dormant_scores_state (fingerprint) VALUES ('{SECRET}')")
    yield connection
    connection.close()


def checksums(con) -> dict[str, tuple]:
    """Return (row count, hash sum) of every table in the database, hidden and derived ones included."""
    tables = [name for (name,) in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
    assert {"meta", "model_registry", "schema_version", "orders"} <= set(tables)
    return {t: con.execute(f'SELECT count(*), coalesce(sum(hash(COLUMNS(*))), 0) FROM "{t}"').fetchone()
            for t in tables}


# (query with {placeholders} for the secret files, words the refusal must contain)
REFUSED = [
    # The case, and every other way a CTE name could leak out of its scope or shadow something.
    ('SELECT * FROM (WITH "{csv}" AS (SELECT 1 AS pad) SELECT * FROM "{csv}") a, "{csv}" b', "not a plain name"),
    ('WITH "{csv}" AS (SELECT 1 AS pad) SELECT * FROM "{csv}"', "not a plain name"),
    ('WITH RECURSIVE "{csv}" AS (SELECT * FROM "{csv}") SELECT * FROM "{csv}"', "not a plain name"),
    ("SELECT * FROM (WITH t AS (SELECT 1 AS pad) SELECT * FROM t) a, t b", "unknown table 't'"),
    ("(WITH c AS (SELECT 1 AS pad) SELECT * FROM c) UNION ALL SELECT * FROM c", "unknown table 'c'"),
    ("SELECT * FROM orders WHERE order_id IN (WITH c AS (SELECT 'O1' AS id) SELECT id FROM c) "
     "AND EXISTS (SELECT * FROM c)", "unknown table 'c'"),
    ("WITH a AS (SELECT * FROM b), b AS (SELECT 1 AS x) SELECT * FROM a", "unknown table 'b'"),
    ("WITH meta AS (SELECT 1 AS x) SELECT * FROM meta", "also the name of a table"),
    ("WITH orders AS (SELECT * FROM read_csv('{csv}')) SELECT * FROM orders", "also the name of a table"),
    ("WITH RECURSIVE meta(key, value) AS (SELECT * FROM meta UNION ALL SELECT * FROM meta WHERE false) "
     "SELECT * FROM meta", "also the name of a table"),
    ("WITH RECURSIVE t(key, value) AS (SELECT * FROM t UNION ALL SELECT * FROM t WHERE false) SELECT * FROM t",
     "unknown table 't'"),
    ("WITH a AS (SELECT 1 AS pad), b AS (SELECT * FROM read_csv('{csv}')) SELECT * FROM b", "read_csv"),
    # Files in every spelling.
    ("SELECT * FROM '{csv}'", "not a plain name"),
    ('SELECT * FROM "{csv}"', "not a plain name"),
    ("FROM '{csv}'", "not a plain name"),
    ("SELECT * FROM orders, '{csv}'", "not a plain name"),
    ("SELECT * FROM '{gz}'", "not a plain name"),
    ("SELECT * FROM '{parquet}'", "not a plain name"),
    ("SELECT * FROM '{json}'", "not a plain name"),
    ("SELECT * FROM '{other}'", "not a plain name"),
    ("SELECT * FROM '{dir}/*.csv'", "not a plain name"),
    ('SELECT * FROM "x.csv"', "not a plain name"),
    ('SELECT * FROM "md:my_db"', "not a plain name"),
    ('SELECT * FROM "meta "', "not a plain name"),
    ('SELECT * FROM "méta"', "not a plain name"),
    ("SELECT * FROM read_csv('{csv}')", "read_csv"),
    ("SELECT * FROM read_csv_auto('{csv}')", "read_csv_auto"),
    ("SELECT * FROM read_csv(['{csv}', '{gz}'])", "read_csv"),
    ("SELECT * FROM read_csv('{dir}/*.csv')", "read_csv"),
    ("SELECT * FROM read_parquet('{parquet}')", "read_parquet"),
    ("SELECT * FROM parquet_scan('{parquet}')", "parquet_scan"),
    ("SELECT * FROM parquet_metadata('{parquet}')", "parquet_metadata"),
    ("SELECT * FROM parquet_schema('{parquet}')", "parquet_schema"),
    ("SELECT * FROM read_json_auto('{json}')", "read_json_auto"),
    ("SELECT * FROM read_text('{csv}')", "read_text"),
    ("SELECT * FROM read_blob('{csv}')", "read_blob"),
    ("SELECT * FROM glob('{dir}/*')", "glob"),
    ("SELECT * FROM sniff_csv('{csv}')", "sniff_csv"),
    ("SELECT * FROM read_duckdb('{other}')", "read_duckdb"),
    ("SELECT * FROM query_table('meta')", "query_table"),
    ("SELECT * FROM query('SELECT * FROM meta')", "query"),
    ("SELECT * FROM main.read_csv('{csv}')", "qualified function"),
    ("SELECT * FROM orders WHERE order_id IN (SELECT pad::VARCHAR FROM read_csv('{csv}'))", "read_csv"),
    ("SELECT (SELECT secret FROM read_csv('{csv}')) AS s", "read_csv"),
    ("SELECT * FROM orders o, LATERAL (SELECT * FROM read_csv('{csv}')) f", "read_csv"),
    ("SELECT * FROM range(3) r JOIN LATERAL read_text('{csv}') ON true", "read_text"),
    ("SELECT order_id FROM orders UNION ALL SELECT secret FROM read_csv('{csv}')", "read_csv"),
    ("SELECT unnest((SELECT list(secret) FROM read_csv('{csv}')))", "read_csv"),
    ("SELECT * FROM generate_series(1, 3) g, read_csv('{csv}') f", "read_csv"),
    ("SELECT * FROM json_each('[1]')", "json_each"),
    ("SELECT * FROM orders, (FROM read_parquet('{parquet}'))", "read_parquet"),
    # Other databases.
    ("ATTACH '{other}' AS other", "ATTACH statement"),
    ("DETACH other", "DETACH statement"),
    ("USE other", "SET statement"),
    ("SELECT * FROM other.main.secrets", "another database"),
    ("SELECT * FROM other.secrets", "another database"),
    ("SELECT * FROM system.main.duckdb_tables", "another database"),
    ("SELECT * FROM temp.main.orders", "another database"),
    ("SELECT * FROM memory.x.main.meta", "another database"),
    # Hidden tables in every spelling, and the catalogue functions and views that reveal them.
    ("SELECT * FROM meta", "unknown table"),
    ("SELECT * FROM MeTa", "unknown table"),
    ('SELECT * FROM "META"', "unknown table"),
    ("SELECT * FROM main.meta", "unknown table"),
    ('SELECT * FROM "main"."meta"', "unknown table"),
    ("SELECT * FROM memory.main.meta", "unknown table"),
    ("SELECT * FROM memory.meta", "unknown table"),
    ("FROM meta SELECT *", "unknown table"),
    ("SELECT * FROM (FROM model_registry)", "unknown table"),
    ("SELECT * FROM schema_version", "unknown table"),
    ("SELECT * FROM churn_dormant_scores_state", "unknown table"),
    ("SELECT * FROM users_rfm_scores", "unknown table"),
    ("SELECT * FROM orders, meta", "unknown table"),
    ("SELECT (SELECT value FROM meta LIMIT 1) AS v", "unknown table"),
    ("SELECT * FROM orders WHERE EXISTS (SELECT * FROM model_registry)", "unknown table"),
    ("SELECT order_id FROM orders UNION ALL BY NAME SELECT value AS order_id FROM meta", "unknown table"),
    ("PIVOT meta ON key USING first(value)", "MULTI statement"),
    ("UNPIVOT meta ON value INTO NAME k VALUE v", "unknown table"),
    ("SELECT * FROM information_schema.tables", "another database"),
    ("SELECT * FROM pg_catalog.pg_tables", "another database"),
    ("SELECT * FROM duckdb_tables", "unknown table"),
    ("SELECT * FROM sqlite_master", "unknown table"),
    ("SELECT * FROM duckdb_tables()", "duckdb_tables"),
    ("SELECT * FROM duckdb_columns()", "duckdb_columns"),
    ("SELECT * FROM duckdb_databases()", "duckdb_databases"),
    ("SELECT * FROM duckdb_settings()", "duckdb_settings"),
    ("SELECT * FROM pragma_table_info('meta')", "pragma_table_info"),
    ("SUMMARIZE meta", "SHOW_REF"),
    ("FROM (SUMMARIZE meta)", "SHOW_REF"),
    ("SELECT * FROM (DESCRIBE meta)", "SHOW_REF"),
    ("SHOW TABLES", "SHOW_REF"),
    ("SELECT current_setting('home_directory')", "current_setting"),
    ("SELECT getenv('HOME')", "getenv"),
    ("SELECT getvariable('x')", "getvariable"),
    ("SELECT write_log('x')", "write_log"),
    ("SELECT nextval('seq')", "nextval"),
    ("SELECT * FROM orders AT (VERSION => 1)", "time travel"),
    # Statements that are not one SELECT.
    ("COPY orders TO '{out}'", "COPY statement"),
    ("COPY (SELECT * FROM meta) TO '{out}'", "COPY statement"),
    ("COPY orders FROM '{csv}'", "COPY statement"),
    ("INSTALL httpfs", "statement"),
    ("LOAD parquet", "statement"),
    ("PRAGMA table_info('meta')", "PRAGMA statement"),
    ("SET enable_external_access = true", "SET statement"),
    ("SET VARIABLE x = 1", "SET statement"),
    ("CALL pragma_version()", "CALL statement"),
    ("CHECKPOINT", "CALL statement"),
    ("EXPORT DATABASE '{dir}/export'", "statement"),
    ("IMPORT DATABASE '{dir}'", "PRAGMA statement"),
    ("EXPLAIN SELECT * FROM meta", "EXPLAIN statement"),
    ("CREATE MACRO m() AS 1", "CREATE statement"),
    ("VACUUM", "VACUUM statement"),
    ("SELECT 1; DROP TABLE orders", "exactly one statement"),
    ("SELECT 1 /* ; */ ; ATTACH '{other}' AS other", "exactly one statement"),
    ("SELECT 1 -- harmless\n; DELETE FROM meta", "exactly one statement"),
    # One value built huge by a size argument (a 2,048-row vector of it would be far larger).
    ("SELECT repeat('x', 300000) FROM range(10000)", "repeat()"),
    ("SELECT repeat('x', (SELECT 300000)) FROM range(10000)", "repeat()"),
    ("SELECT lpad('x', 100000000, 'y')", "lpad()"),
    ("SELECT printf('%0100000000d', 1)", "printf()"),
    ("SELECT format('{{:>100000000}}', 1)", "format()"),
    ("SELECT range(1000000000)", "range()"),
    ("SELECT generate_series(1, n) FROM (SELECT 1000000000 AS n)", "generate_series()"),
    ("SELECT list_resize([1], 1000000000)", "list_resize()"),
    ("SELECT bar(1, 0, 1, 100000000)", "bar()"),
]

# Accepted, with a bounded result: (query, expected truncation or None, row count or None).
BOUNDED = [
    ("SELECT * FROM range(1000000000)", "rows", 100),
    ("SELECT * FROM range(10000000) ORDER BY random()", "rows", 100),
    ("SELECT repeat('x', 100000) AS wide FROM range(100000)", "bytes", None),
    ("SELECT * FROM orders AS meta ORDER BY order_id", None, 6),
    ("SELECT 1 AS one -- ; DROP TABLE orders", None, 1),
    ("SELECT * FROM \"Orders\" ORDER BY 1", None, 6),
    ("SELECT count(*) AS n FROM memory.main.orders", None, 1),
    ("WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 5), u AS (SELECT * FROM t) "
     "SELECT * FROM u", None, 5),
    ("WITH a AS (SELECT 1 AS x) SELECT * FROM (WITH b AS (SELECT * FROM a) SELECT * FROM b)", None, 1),
    ("SELECT lpad(order_id, 6, '0') AS id, printf('%05d', 7) AS p, repeat('ab', 3) AS r, range(3) AS l "
     "FROM orders", None, 6),
]

EXHAUSTING = [
    # By time: a cross join of a trillion rows.
    ("SELECT count(*) FROM range(1000000000000) a, range(1000000) b", "time limit"),
    # By time or memory: a recursive CTE that never ends, one whose string doubles each step, a list aggregate.
    ("WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t) SELECT count(*) FROM t", "time limit|memory"),
    ("WITH RECURSIVE t(s) AS (SELECT 'x' UNION ALL SELECT s || s FROM t) SELECT max(length(s)) FROM t",
     "time limit|memory|failed"),
    ("SELECT length(string_agg(repeat('x', 1000), '')) FROM range(100000000)", "time limit|memory|failed"),
]


def _fill(sql: str, files: dict[str, str]) -> str:
    return sql.format(**files)


def test_corpus_is_large_enough():
    assert len(REFUSED) + len(BOUNDED) + len(EXHAUSTING) >= 60


@pytest.mark.parametrize("sql,reason", REFUSED, ids=[f"refused-{i}" for i in range(len(REFUSED))])
def test_hostile_query_is_refused(con, files, sql, reason):
    before = checksums(con)
    with pytest.raises(sqlconsole.QueryRefused) as refused:
        sqlconsole.run(con, _fill(sql, files), timeout_s=5)
    message = str(refused.value)
    assert reason.lower() in message.lower(), message
    assert SECRET not in message
    assert checksums(con) == before
    assert not Path(files["out"]).exists() and not Path(files["dir"], "export").exists()


@pytest.mark.parametrize("sql,truncated_by,rows", BOUNDED, ids=[f"bounded-{i}" for i in range(len(BOUNDED))])
def test_accepted_query_is_bounded(con, files, sql, truncated_by, rows):
    before = checksums(con)
    result = sqlconsole.run(con, _fill(sql, files), row_cap=100, timeout_s=10, byte_cap=4 * 2**20)
    assert result.truncated_by == truncated_by
    assert result.truncated == (truncated_by is not None)
    if rows is not None:
        assert len(result.frame) == rows
    assert len(result.frame) <= 100 and result.bytes_read <= 4 * 2**20
    assert SECRET not in result.frame.to_csv()
    assert checksums(con) == before


def test_byte_cap_stops_a_wide_result_long_before_its_size(con):
    """10,000 rows of 100,000 characters (1 GB) stop at the byte cap, with the rows that fit."""
    result = sqlconsole.run(con, "SELECT repeat('x', 100000) AS wide FROM range(10000)", byte_cap=2 * 2**20)
    assert result.truncated_by == "bytes" and result.bytes_read <= 2 * 2**20
    assert 0 < len(result.frame) <= 20 and result.frame["wide"].str.len().eq(100000).all()


@pytest.mark.parametrize("sql,reason", EXHAUSTING, ids=[f"exhausting-{i}" for i in range(len(EXHAUSTING))])
def test_exhausting_query_is_stopped(con, monkeypatch, sql, reason):
    monkeypatch.setattr(sqlconsole, "MEMORY_BUDGET_BYTES", 400 * 2**20)
    before = checksums(con)
    with pytest.raises(sqlconsole.QueryRefused, match=reason):
        sqlconsole.run(con, sql, timeout_s=1.5)
    assert checksums(con) == before
    assert sqlconsole.run(con, "SELECT count(*) AS n FROM orders").frame["n"].iloc[0] == 6  # the console still works


@pytest.mark.parametrize("value", [-1, 0, float("nan"), float("inf"), float("-inf"), "soon"])
def test_time_limit_cannot_be_switched_off(con, value):
    with pytest.raises(sqlconsole.QueryRefused, match="time limit must be"):
        sqlconsole.run(con, "SELECT 1", timeout_s=value)


def test_huge_limits_are_clamped_to_the_server_maxima():
    limit = sqlconsole.limits(row_cap=10**12, timeout_s=1e12, byte_cap=1e18)
    assert limit == sqlconsole.Limits(sqlconsole.MAX_ROW_CAP, sqlconsole.MAX_TIMEOUT_S, sqlconsole.MAX_BYTE_CAP)
    with pytest.raises(sqlconsole.QueryRefused, match="row cap"):
        sqlconsole.limits(row_cap=0)
    with pytest.raises(sqlconsole.QueryRefused, match="byte cap"):
        sqlconsole.limits(byte_cap=-5)


def test_plan_check_alone_refuses_files_and_hidden_tables(con, files, monkeypatch):
    """The second layer: with the parse-tree check switched off, the bound plan still refuses what it reads."""
    monkeypatch.setattr(sqlconsole._TreeCheck, "walk", lambda self, value, visible: None)
    for sql, reason in ((f"SELECT * FROM '{files['csv']}'", "READ_CSV"),
                        (f"SELECT * FROM read_parquet('{files['parquet']}')", "READ_PARQUET"),
                        ("SELECT * FROM meta", "memory.main.meta"),
                        ("SELECT * FROM duckdb_tables()", "DUCKDB_TABLES"),
                        ("SELECT * FROM information_schema.tables", "DUCKDB_")):
        with pytest.raises(sqlconsole.QueryRefused, match=reason):
            sqlconsole.run(con, sql)
    assert len(sqlconsole.run(con, "SELECT * FROM orders").frame) == 6


def test_whole_corpus_leaves_every_table_unchanged(con, files):
    """All the hostile queries in a row on one database: every table, hidden ones included, is as it was."""
    before = checksums(con)
    for sql, _ in REFUSED:
        with pytest.raises(sqlconsole.QueryRefused):
            sqlconsole.run(con, _fill(sql, files), timeout_s=5)
    assert checksums(con) == before
    assert con.execute("SELECT value FROM meta WHERE key = 'planted'").fetchone() == (SECRET,)


@pytest.mark.parametrize("timeout", ["-1", "nan"])
def test_command_line_refuses_a_switched_off_time_limit(tmp_path, timeout):
    path = tmp_path / "tiny.duckdb"
    db.connect(path)
    db.close(path)
    run = subprocess.run([sys.executable, "-m", "ecomops", "sql", "SELECT 1 AS one", "--db", str(path),
                          "--timeout", timeout], capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert run.returncode == 2, run.stderr
    assert "time limit" in run.stderr and "Traceback" not in run.stderr
