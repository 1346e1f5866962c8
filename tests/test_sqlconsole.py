"""The read-only SQL console refuses or stops every hostile input, and the data stays exactly as it was."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ecomops import db
from ecomops.ops import sqlconsole
from tests.conftest import PROJECT_ROOT, make_tiny_db

HOSTILE = [
    ("DROP TABLE orders", "DROP statement"),
    ("DELETE FROM orders", "DELETE statement"),
    ("INSERT INTO orders SELECT * FROM orders", "INSERT statement"),
    ("UPDATE order_items SET unit_price = 0", "UPDATE statement"),
    ("SELECT 1; DROP TABLE orders", "Exactly one statement"),
    ("CREATE TABLE x AS SELECT * FROM orders", "CREATE statement"),
    ("COPY orders TO '/tmp/ecomops_leak.csv'", "COPY statement"),
    ("SELECT * FROM read_csv('/etc/passwd')", "read_csv"),
    ("SELECT * FROM '/etc/passwd'", "file paths"),
    ("SELECT * FROM read_text('/etc/hostname')", "read_text"),
    ("SELECT * FROM glob('/etc/*')", "glob"),
    ("SELECT * FROM query('DROP TABLE orders')", "query"),
    ("ATTACH '/tmp/other.duckdb' AS other", "ATTACH statement"),
    ("INSTALL httpfs", "statement"),
    ("LOAD httpfs", "statement"),
    ("SET enable_external_access = true", "SET statement"),
    ("PRAGMA database_list", "PRAGMA statement"),
    ("SELECT getenv('HOME')", "getenv"),
    ("SELECT * FROM other.main.orders", "another database"),
    ("EXPORT DATABASE '/tmp/ecomops_export'", "statement"),
    ("SELECT * FROM duckdb_settings()", "duckdb_settings"),
    ("", "empty"),
    ("SELEC * FROM orders", "does not parse"),
]


def checksum(con) -> dict:
    return {t: db.query_one(con, f"SELECT count(*), coalesce(sum(hash(COLUMNS(*))), 0) FROM {t}")
            for t in ("orders", "order_items", "products", "customers", "traffic_daily")}


@pytest.fixture
def con():
    connection = make_tiny_db()
    yield connection
    connection.close()


@pytest.mark.parametrize("sql,reason", HOSTILE)
def test_hostile_input_is_refused_and_data_unchanged(con, sql, reason):
    before = checksum(con)
    with pytest.raises(sqlconsole.QueryRefused) as refused:
        sqlconsole.run(con, sql, timeout_s=5)
    assert reason.lower() in str(refused.value).lower()
    assert checksum(con) == before
    assert not Path("/tmp/ecomops_leak.csv").exists()


def test_query_that_never_ends_is_stopped(con):
    before = checksum(con)
    with pytest.raises(sqlconsole.QueryRefused, match="time limit"):
        sqlconsole.run(con, "SELECT count(*) FROM range(1000000000000) a, range(1000000) b", timeout_s=1)
    assert checksum(con) == before
    # The connection still works afterwards.
    assert sqlconsole.run(con, "SELECT count(*) AS n FROM orders").frame["n"].iloc[0] == 6


def test_cross_join_that_would_exhaust_memory_is_stopped(con):
    with pytest.raises(sqlconsole.QueryRefused, match="time limit|memory"):
        sqlconsole.run(con, "SELECT a.range, b.range, repeat('x', 1000) FROM range(100000000) a, range(1000000) b "
                            "ORDER BY random()", timeout_s=2)
    assert checksum(con)["orders"][0] == 6


def test_accepted_query_returns_rows_and_caps_them(con):
    result = sqlconsole.run(con, "WITH v AS (SELECT * FROM orders WHERE status IN ('paid', 'shipped', 'completed', 'returned')) "
                                 "SELECT count(*) AS n FROM v -- trailing comment")
    assert result.frame["n"].iloc[0] == 5 and not result.truncated
    capped = sqlconsole.run(con, "SELECT * FROM range(50)", row_cap=10)
    assert len(capped.frame) == 10 and capped.truncated


def test_examples_all_run(con):
    for name, sql in sqlconsole.EXAMPLES.items():
        sqlconsole.run(con, sql)  # raises if any example is refused


def test_schema_browser_counts_rows(con):
    sizes = sqlconsole.table_sizes(con).set_index("table")["rows"]
    assert sizes["orders"] == 6 and sizes["order_items"] == 8
    assert "model_registry" not in sizes.index
    columns = sqlconsole.schema_columns(con)
    assert set(columns[columns["table"] == "orders"]["column"]) >= {"order_id", "status", "order_date"}
    browser = {table: (rows, listed) for table, rows, listed in sqlconsole.table_browser(con)}
    assert browser["orders"][0] == 6 and browser["order_items"][0] == 8
    assert browser["order_lines"][0] is None and browser["valid_orders"][0] is None  # views are not counted
    assert "- `order_id` VARCHAR" in browser["orders"][1].splitlines()
    assert "model_registry" not in browser and list(browser) == sorted(browser)


def test_command_line(tmp_path):
    path = tmp_path / "tiny.duckdb"
    con = db.connect(path)
    for statement in con.extract_statements((Path(__file__).parent / "fixtures_tiny.sql").read_text()):
        con.execute(statement)
    db.close(path)
    ok = subprocess.run([sys.executable, "-m", "ecomops", "sql", "SELECT order_id FROM orders ORDER BY 1", "--db",
                         str(path), "--json", "--limit", "2"], capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout) == [{"order_id": "O1"}, {"order_id": "O2"}]
    refused = subprocess.run([sys.executable, "-m", "ecomops", "sql", "DROP TABLE orders", "--db", str(path)],
                             capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert refused.returncode == 4 and "DROP" in refused.stderr


def test_console_page_runs_a_query_and_offers_the_result(app_test):
    """The page shows a query's rows and a CSV download of them (built on click)."""
    at = app_test("pages/data_sql.py")
    orders = next(e for e in at.expander if e.label.startswith("orders · "))
    assert "- `order_id` VARCHAR" in orders.markdown[0].value  # the table browser lists each table's columns
    at.text_area(key="sql_text").set_value("SELECT channel, count(*) AS orders FROM orders GROUP BY 1 ORDER BY 1")
    next(b for b in at.button if b.label == "Run").click().run()
    assert not at.exception
    result = next(d.value for d in at.dataframe if "orders" in d.value.columns)
    assert result["orders"].sum() > 0
    assert [b.proto.label for b in at.get("download_button")] == ["Download result (CSV)"]
