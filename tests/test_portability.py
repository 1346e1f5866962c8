"""Every named query parses as DuckDB SQL and transpiles to ClickHouse and Spark SQL (docs/scaling.md)."""
import re
from datetime import date
from pathlib import Path

import pytest
import sqlglot

from ecomops.filters import Filters, where

SQL_DIR = Path(__file__).resolve().parents[1] / "ecomops" / "sql"
QUERIES = sorted(p for p in SQL_DIR.glob("*.sql") if "." not in p.stem)  # engine variants (name.spark.sql): one engine
TARGETS = ("clickhouse", "spark")
LITERALS = {"channels": "['search']", "categories": "['Pet']"}
FILTERS = Filters(date(2024, 1, 1), date(2024, 1, 31), channels=("search",), categories=("Pet",))


def with_filters(text: str) -> str:
    """Fill the {fragment} placeholders with real filter SQL, the way the code does."""
    fragments = {
        "order_where": where(FILTERS, date_col="o.order_date", channel_col="o.channel")[0],
        "category_where": where(FILTERS, category_col="p.category")[0],
        "traffic_where": where(FILTERS, date_col="t.day", channel_col="t.channel")[0],
    }
    text = re.sub(r"\{([a-z_]+)\}", lambda m: fragments.get(m.group(1), "TRUE"), text)
    # A warehouse binds parameters its own way; literals stand in for them here.
    return re.sub(r"\$([a-z_]+)", lambda m: LITERALS.get(m.group(1), "'2024-01-01'"), text)


def test_there_are_queries_to_check():
    assert len(QUERIES) >= 2


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.name)
@pytest.mark.parametrize("target", TARGETS)
def test_query_transpiles(path, target):
    text = with_filters(path.read_text(encoding="utf-8"))
    out = sqlglot.transpile(text, read="duckdb", write=target, unsupported_level=sqlglot.ErrorLevel.RAISE)
    assert out and all(statement.strip() for statement in out)
    # The translation must keep the tables it reads.
    tables = {t.name for t in sqlglot.parse_one(out[-1], read=target).find_all(sqlglot.exp.Table)}
    original = {t.name for t in sqlglot.parse_one(sqlglot.transpile(text, read="duckdb")[-1], read="duckdb")
                .find_all(sqlglot.exp.Table)}
    assert tables == original
