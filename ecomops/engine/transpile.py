"""DuckDB SQL -> Spark SQL, once per distinct text (sqlglot), with the parameter markers Spark binds.

Every named query is written in DuckDB SQL (the local engine) with ``$name`` parameters; sqlglot turns it into Spark
SQL with ``:name`` markers, which ``SparkSession.sql(text, args={...})`` binds (dates, numbers, strings, NULL and
Python lists, which become arrays: ``list_contains($channels, o.channel)`` -> ``ARRAY_CONTAINS(:channels,
o.channel)``). Callers fill the ``{fragment}`` slots of a query before it reaches the engine, so the cache is keyed on
the finished text: a query is transpiled once per combination of fragments (a handful per query), then served from
the cache.

``unsupported_level=RAISE``: a construct sqlglot cannot express in Spark fails here, loudly, instead of turning into
SQL that means something else.
"""
from __future__ import annotations

from functools import lru_cache

import sqlglot
from sqlglot import exp

READ_DIALECT = "duckdb"


class NotPortable(ValueError):
    """A construct that would run on Spark with another meaning: the query needs a ``<name>.spark.sql`` variant."""


# Regex script classes: RE2 (DuckDB) writes \p{Han}, Java (Spark) \p{IsHan}.
_JAVA_SCRIPTS = ("Han", "Hiragana", "Katakana", "Hangul", "Latin", "Cyrillic", "Greek", "Arabic", "Hebrew", "Thai")
_ARRAY_NODES = (exp.RegexpExtractAll, exp.Split, exp.Array, exp.ArrayAgg)


def _percentile(value: exp.Expression, fraction: exp.Expression) -> exp.Expression:
    # Spark's percentile() is exact with linear interpolation, as DuckDB's quantile_cont; sqlglot's
    # PERCENTILE_APPROX (for the WITHIN GROUP form) is approximate and gives other numbers.
    return exp.Anonymous(this="percentile", expressions=[value, fraction])


def _fix_node(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.CTE) and node.args.get("materialized") is not None:
        node.set("materialized", None)  # AS MATERIALIZED is DuckDB's hint: Spark's parser refuses it (it reuses
        return node                     # identical exchanges on its own)
    if isinstance(node, exp.WithinGroup) and isinstance(node.this, exp.PercentileCont):
        order = node.expression.expressions
        if len(order) != 1 or order[0].args.get("desc"):
            raise NotPortable("percentile_cont WITHIN GROUP needs exactly one ascending ORDER BY key")
        return _percentile(order[0].this, node.this.this)
    if isinstance(node, exp.PercentileCont) and node.expression is not None:  # quantile_cont(x, p)
        return _percentile(node.this, node.expression)
    if isinstance(node, exp.TimeToUnix):
        # DuckDB's epoch(ts) keeps the fraction of a second; Spark's unix_timestamp truncates it.
        micros = exp.Anonymous(this="unix_micros", expressions=[exp.cast(node.this, exp.DataType.build("timestamp"))])
        return exp.Div(this=micros, expression=exp.Literal.number("1000000.0"))
    if isinstance(node, exp.Length) and isinstance(node.this, _ARRAY_NODES):
        return exp.ArraySize(this=node.this)  # DuckDB's len(list) is the list's size, not a string length
    if isinstance(node, exp.DataType):
        if node.this in (exp.DataType.Type.INT128, exp.DataType.Type.UINT128):
            return exp.DataType.build("decimal(38, 0)")
        if node.this == exp.DataType.Type.UBIGINT:
            return exp.DataType.build("decimal(20, 0)")
    if isinstance(node, exp.ToDays):
        return exp.Anonymous(this="make_dt_interval", expressions=[node.this])
    if isinstance(node, exp.Anonymous) and node.name.lower() == "to_months":
        return exp.Anonymous(this="make_ym_interval", expressions=[exp.Literal.number(0), *node.expressions])
    if isinstance(node, exp.ArrayAgg) and node.find(exp.Order):
        raise NotPortable("list(... ORDER BY ...) becomes Spark's collect_list, which keeps no order")
    if isinstance(node, exp.Literal) and node.is_string and "\\p{" in node.this and isinstance(
            node.parent, (exp.RegexpReplace, exp.RegexpExtractAll, exp.RegexpExtract, exp.RegexpLike)):
        text = node.this
        for script in _JAVA_SCRIPTS:
            text = text.replace("\\p{" + script + "}", "\\p{Is" + script + "}")
        return exp.Literal.string(text)
    return node


def _fix_spark(tree: exp.Expression) -> exp.Expression:
    """Return the tree with the rewrites sqlglot does not do itself for Spark (see docs/spark-findings.md)."""
    # Children first, in place: a rewritten node keeps its (already rewritten) arguments.
    for node in reversed(list(tree.dfs())):
        fixed = _fix_node(node)
        if fixed is not node:
            if node is tree:
                tree = fixed
            else:
                node.replace(fixed)
    return tree


@lru_cache(maxsize=2048)
def to_spark(sql: str) -> str:
    """Return the Spark SQL of one DuckDB query (cached per text)."""
    trees = sqlglot.parse(sql, read=READ_DIALECT)
    statements = [t for t in trees if t is not None]
    if len(statements) != 1:
        raise ValueError(f"expected one statement, got {len(statements)}")
    tree = _fix_spark(statements[0])
    return tree.sql(dialect="spark", unsupported_level=sqlglot.ErrorLevel.RAISE)
