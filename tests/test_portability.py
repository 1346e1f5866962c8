"""Every named query parses as DuckDB SQL and transpiles to ClickHouse and Spark SQL (docs/scaling.md)."""
import re
from datetime import date
from pathlib import Path

import pytest
import sqlglot

from ecomops.filters import Filters, sales_slots

SQL_DIR = Path(__file__).resolve().parents[1] / "ecomops" / "sql"
QUERIES = sorted(p for p in SQL_DIR.rglob("*.sql")
                 if "migrations" not in p.parts and "." not in p.stem)  # engine variants (name.spark.sql): one engine
TARGETS = ("clickhouse", "spark")
LITERALS = {"channels": "['search']", "categories": "['Pet']"}
FILTERS = Filters(date(2024, 1, 1), date(2024, 1, 31), channels=("search",), categories=("Pet",))


# Placeholders the code fills with another named query (itself filled).
NAMED = {"abc_classes": "abc_classes", "reviews_classified": "risk/reviews_classified"}


def fill(text: str) -> str:
    """Fill the {fragment} placeholders the way the code does: filter SQL, a named query (the ABC classes, the
    classified reviews), else TRUE."""
    fragments = dict(sales_slots(FILTERS)[0], product_gmv="skus", page="LIMIT 10 OFFSET 0")

    def fragment(name: str) -> str:
        if name in NAMED:
            return fill((SQL_DIR / f"{NAMED[name]}.sql").read_text(encoding="utf-8"))
        return fragments.get(name, "TRUE")

    return re.sub(r"\{([a-z_]+)\}", lambda m: fragment(m.group(1)), text)


def with_filters(text: str) -> str:
    """Return the query with its placeholders filled and its parameters as literals."""
    text = fill(text)
    # A warehouse binds parameters its own way; literals stand in for them here.
    return re.sub(r"\$([a-z_]+)", lambda m: LITERALS.get(m.group(1), "'2024-01-01'"), text)


def test_there_are_queries_to_check():
    assert len(QUERIES) >= 2


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: str(p.relative_to(SQL_DIR)))
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
