"""The registry of named queries: every ``ecomops/sql/<name>.sql``, which of them only write, and which named query a
finished SQL text was made from (callers fill ``{fragment}`` slots with ``str.format`` before running it).

The list comes from the folder, never from a hand-kept list: a new query file is in the registry (and in the engine
comparison tests) the moment it exists. Engine variants (``<name>.<engine>.sql``) sit beside their query and are not
queries of their own.
"""
from __future__ import annotations

import re
import string
from functools import lru_cache
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"

# Named queries that only write (the builds of the derived tables, ecomops/derived.py): they run on the local DuckDB
# file, never on a warehouse, so the engine comparison leaves them out. One reason each.
WRITE_ONLY: dict[str, str] = {
    "products/line_facts_build": "CREATE OR REPLACE TABLE products_line_facts: the Products pages' summary table, "
                                 "built in the local DuckDB file (ecomops/derived.py)",
    "daily_sales_rollup_build": "DELETE + INSERT of daily_sales_rollup: the Overview/Traffic summary table, local",
    "users/order_facts_build": "CREATE OR REPLACE of the users_* summary tables (dense keys, order facts, RFM), local",
    "risk/claims_build": "DELETE of risk_claim_findings/products before the compliance scan (Python) refills them",
    "risk/review_labels_build": "DELETE of stale review labels before the review classifier (Python) refills them",
    "users/churn_scores_build": "DELETE of churn_dormant_scores before the churn model (Python) rescores",
    "products/line_facts_update": "incremental update of products_line_facts after an import, local",
    "daily_sales_rollup_update": "incremental update of daily_sales_rollup's touched days after an import, local",
    "users/order_facts_update": "incremental update of the users_* summary tables' touched customers, local",
    "ops/daily_counts_build": "DELETE + INSERT of daily_order_counts: the alert engine's daily counts, local",
    "ops/daily_counts_update": "incremental update of daily_order_counts' touched days after an import, local",
    "users/customer_value_build": "DELETE of the stored customer values before the BG/NBD fit (Python) refills them",
}


def named_queries() -> list[str]:
    """Return the names of every named query file ("area/name"; variants and migrations excluded), sorted."""
    return sorted(p.relative_to(SQL_DIR).with_suffix("").as_posix() for p in SQL_DIR.rglob("*.sql")
                  if "." not in p.stem and "migrations" not in p.parts)


def read_queries() -> list[str]:
    """Return the names of the named queries that read (every named query but the WRITE_ONLY ones)."""
    return [name for name in named_queries() if name not in WRITE_ONLY]


def variant_path(name: str, engine: str) -> Path | None:
    """Return the path of ``<name>.<engine>.sql`` when that engine-specific variant exists, else None."""
    path = SQL_DIR / f"{name}.{engine}.sql"
    return path if path.exists() else None


@lru_cache(maxsize=None)
def _template_pattern(name: str) -> re.Pattern[str]:
    """Return a regex matching any text made from the named query by filling its ``{fragment}`` slots (one named
    group per slot; a slot used twice must hold the same text both times)."""
    text = (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
    parts, seen = [], set()
    for literal, field, _spec, _conv in string.Formatter().parse(text):
        parts.append(re.escape(literal))
        if field is not None:
            parts.append(f"(?P={field})" if field in seen else f"(?P<{field}>.*?)")
            seen.add(field)
    return re.compile("".join(parts), re.DOTALL)


def fragments(name: str, sql: str) -> dict[str, str] | None:
    """Return the fragment values a finished text filled into the named query's slots (None: not made from it)."""
    match = _template_pattern(name).fullmatch(sql)
    return match.groupdict() if match else None


@lru_cache(maxsize=2048)
def variant_text(sql: str, engine: str) -> str:
    """Return the text to run on ``engine``: when ``sql`` was made from a named query that has a variant for that
    engine, the variant with the same fragments filled in; else ``sql`` itself.

    Callers build a query as ``load_sql(name).format(**fragments)``; doing the swap here, from the finished text,
    means no caller has to know which queries have variants.
    """
    name = name_of(sql)
    path = variant_path(name, engine) if name else None
    if path is None:
        return sql
    return path.read_text(encoding="utf-8").format(**fragments(name, sql))


def name_of(sql: str) -> str | None:
    """Return the named query a finished SQL text was made from (its fragments filled in), or None (inline SQL)."""
    found = [name for name in named_queries() if _template_pattern(name).fullmatch(sql)]
    if len(found) > 1:  # a query embedded in another can match too: the longest template wins
        found.sort(key=lambda n: len((SQL_DIR / f"{n}.sql").read_text(encoding="utf-8")), reverse=True)
    return found[0] if found else None


def names_in(sql: str) -> set[str]:
    """Return every named query a finished SQL text contains: the one it was made from and those filled into its
    slots (``users_lifecycle`` or ``users_signups`` run inside other queries, never alone)."""
    return {name for name in named_queries() if _template_pattern(name).search(sql)}
