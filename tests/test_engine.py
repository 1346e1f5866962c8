"""The engine layer without a JVM: query registry, variants, the DuckDB -> Spark rewrites, the warehouse model and
export, and the Arrow -> pandas conversion that makes Spark results look like DuckDB's."""
from __future__ import annotations

import re
from datetime import date

import pyarrow as pa
import pytest

from ecomops import db
from ecomops.engine import DuckDBEngine, EngineError, engine_name, get_engine, registry, warehouse
from ecomops.engine.spark import arrow_to_pandas_like_duckdb, spark_settings
from ecomops.engine.transpile import NotPortable, to_spark
from ecomops.filters import Filters, where


def test_registry_lists_queries_from_the_folder_without_variants():
    names = registry.named_queries()
    assert "kpis" in names and "risk/claims_summary" in names
    assert not [n for n in names if "." in n]
    assert registry.variant_path("risk/claims_summary", "spark") is not None
    assert set(registry.read_queries()) == set(names) - set(registry.WRITE_ONLY)


def test_name_fragments_and_variant_of_a_finished_text():
    category_sql, _ = where(Filters(date(2024, 1, 1), date(2024, 1, 2), categories=("Pet",)),
                            category_col="p.category")
    text = db.load_sql("risk/claims_summary").format(category_where=category_sql)
    assert registry.name_of(text) == "risk/claims_summary"
    assert registry.fragments("risk/claims_summary", text) == {"category_where": category_sql}
    spark_text = registry.variant_text(text, "spark")
    assert "sort_array" in spark_text and category_sql in spark_text
    assert registry.variant_text(text, "duckdb") == text
    assert registry.name_of("SELECT 1") is None


def test_names_in_finds_queries_filled_into_others():
    from ecomops.users import lifecycle

    text = db.load_sql("users/lifecycle_customers").format(
        lifecycle=lifecycle.lifecycle_sql(db.load_sql("users/stored_buyers")))
    assert registry.names_in(text) == {"users/lifecycle_customers", "users/lifecycle", "users/stored_buyers"}


@pytest.mark.parametrize("duckdb_sql, spark_sql", [
    ("SELECT quantile_cont(x, 0.75) FROM t", "SELECT PERCENTILE(x, 0.75) FROM t"),
    ("SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM t", "SELECT PERCENTILE(x, 0.5) FROM t"),
    ("SELECT epoch(ts) FROM t", "SELECT UNIX_MICROS(CAST(ts AS TIMESTAMP)) / 1000000.0 FROM t"),
    ("SELECT len(regexp_extract_all(a, 'b')) FROM t", "SELECT SIZE(REGEXP_EXTRACT_ALL(a, 'b', 0)) FROM t"),
    ("SELECT NULL::HUGEINT", "SELECT CAST(NULL AS DECIMAL(38, 0))"),
    ("WITH a AS MATERIALIZED (SELECT 1 AS x) SELECT x FROM a", "WITH a AS (SELECT 1 AS x) SELECT x FROM a"),
    ("SELECT regexp_replace(k, '[^\\p{Han}]', '', 'g') FROM t", "SELECT REGEXP_REPLACE(k, '[^\\\\p{IsHan}]', '') FROM t"),
    ("SELECT x FROM t WHERE list_contains($channels, c) AND d BETWEEN $start AND $end",
     "SELECT x FROM t WHERE ARRAY_CONTAINS(:channels, c) AND d BETWEEN :start AND :end"),
])
def test_spark_rewrites(duckdb_sql, spark_sql):
    assert to_spark(duckdb_sql) == spark_sql


def test_an_ordered_list_aggregate_is_refused():
    with pytest.raises(NotPortable, match="collect_list"):
        to_spark("SELECT list(x ORDER BY y) FROM t")


def test_duckdb_engine_runs_names_and_texts(tiny_con):
    engine = get_engine("duckdb", con=tiny_con)
    assert isinstance(engine, DuckDBEngine)
    assert engine.query_one("SELECT count(*) FROM orders WHERE order_date = $d", {"d": date(2024, 3, 5)}) == (3,)
    frame = engine.query_df("SELECT status, count(*) AS n FROM orders GROUP BY status ORDER BY status")
    assert frame.to_dict("list") == {"status": ["cancelled", "completed", "returned"], "n": [1, 4, 1]}
    assert engine.load_sql("kpis") == db.load_sql("kpis")


def test_engine_setting(monkeypatch):
    monkeypatch.setenv("ECOMOPS_ENGINE", "Spark")
    assert engine_name() == "spark"
    monkeypatch.setenv("ECOMOPS_ENGINE", "postgres")
    with pytest.raises(EngineError, match="unknown engine 'postgres'"):
        engine_name()
    monkeypatch.delenv("ECOMOPS_ENGINE")
    assert engine_name() == "duckdb"
    monkeypatch.delenv("ECOMOPS_WAREHOUSE", raising=False)
    with pytest.raises(EngineError, match="needs ECOMOPS_WAREHOUSE"):
        get_engine("spark")


def test_local_spark_settings():
    settings = spark_settings("local[2]", "1g")
    assert settings["spark.sql.shuffle.partitions"] == "2"
    assert settings["spark.driver.memory"] == "1g"
    assert settings["spark.sql.session.timeZone"] == "UTC"
    assert settings["spark.ui.enabled"] == "false"
    assert "spark.driver.memory" not in spark_settings("spark://host:7077")


def test_model_comes_from_the_migrations():
    orders = dict(warehouse.model()["orders"])
    assert orders["order_date"] == "DATE" and orders["order_ts"] == "TIMESTAMP" and orders["is_presale"] == "BOOLEAN"
    assert set(warehouse.WAREHOUSE_TABLES) | set(warehouse.LOCAL_TABLES) == set(db.TABLES)


def test_check_schemas_messages():
    good = {t: {c: next(iter(sorted(warehouse.ACCEPTED_TYPES[k]))) for c, k in warehouse.model()[t]}
            for t in warehouse.WAREHOUSE_TABLES}
    good["orders"]["order_ts"] = "timestamp"
    assert warehouse.check_schemas(good) == []
    bad = {t: dict(cols) for t, cols in good.items()}
    bad["orders"]["quantity_typo"] = "int"  # extra columns are fine
    del bad["orders"]["status"]
    del bad["orders"]["import_id"]  # optional: ecomops' own bookkeeping
    bad["order_items"]["quantity"] = "bigint"
    bad["suppliers"] = None
    messages = [p.message for p in warehouse.check_schemas(bad, where=lambda t: f"/wh/{t}")]
    assert messages == [
        "orders: missing column status (VARCHAR)",
        "order_items.quantity: type bigint, the model says INTEGER (accepted: int, smallint, tinyint)",
        "missing table suppliers (expected at /wh/suppliers)",
    ]


def test_export_partitions_by_date_and_leaves_nothing_on_failure(tiny_con, tmp_path):
    target = tmp_path / "wh"
    counts = warehouse.export(tiny_con, target)
    assert counts["orders"] == 6 and counts["order_items"] == 8 and counts["ad_spend"] == 0
    per_day = tiny_con.execute(
        f"SELECT order_date, count(*) FROM read_parquet('{target}/order_items/*/*.parquet', hive_partitioning = true)"
        " GROUP BY ALL ORDER BY ALL").fetchall()
    assert [(str(d), n) for d, n in per_day] == [("2024-03-03", 1), ("2024-03-04", 4), ("2024-03-05", 3)]
    assert tiny_con.execute(f"SELECT count(*) FROM '{target}/ad_spend/data_0.parquet'").fetchone() == (0,)
    with pytest.raises(ValueError, match="is not empty"):
        warehouse.export(tiny_con, target)
    with pytest.raises(Exception):
        warehouse.export(tiny_con, target, tables=("orders", "no_such_table"), force=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wh"]  # no staging directory left behind
    assert (target / "customers").exists()  # the failed export did not replace the good one


def test_arrow_results_get_duckdb_dtypes(tiny_con):
    table = pa.table({
        "day": pa.array([date(2024, 3, 4), None], pa.date32()),
        "n": pa.array([1, 2], pa.int32()),
        "m": pa.array([1, None], pa.int64()),
        "x": pa.array([1.5, None], pa.float64()),
        "d": pa.array([1, 2], pa.decimal128(38, 0)),
    })
    frame = arrow_to_pandas_like_duckdb(table)
    expected = tiny_con.execute(
        "SELECT * FROM (VALUES (DATE '2024-03-04', 1::INTEGER, 1::BIGINT, 1.5::DOUBLE, 1::HUGEINT), "
        "(NULL, 2::INTEGER, NULL::BIGINT, NULL::DOUBLE, 2::HUGEINT)) t(day, n, m, x, d)").df()
    assert [str(t) for t in frame.dtypes] == [str(t) for t in expected.dtypes]
    assert re.fullmatch(r"datetime64\[us\]", str(frame.dtypes["day"]))


def test_spark_mode_settings_and_command_line(monkeypatch, tmp_path, capsys):
    from ecomops import config
    from ecomops.__main__ import main

    monkeypatch.delenv("ECOMOPS_DB", raising=False)
    monkeypatch.setenv("ECOMOPS_ENGINE", "spark")
    # The Spark engine's local file is a cache of its own, never the DuckDB engine's store.
    assert config.db_path() == config.DEFAULT_SPARK_CACHE_PATH
    monkeypatch.setenv("ECOMOPS_SPARK_MASTER", "spark://host:7077")
    monkeypatch.setenv("ECOMOPS_WAREHOUSE", "hive:shop")
    assert (config.spark_master(), config.warehouse_location()) == ("spark://host:7077", "hive:shop")
    monkeypatch.delenv("ECOMOPS_ENGINE")
    assert config.db_path() == config.DEFAULT_DB_PATH
    assert main(["--engine", "oracle", "kpis"]) == 2
    assert "unknown engine 'oracle'" in capsys.readouterr().err
    # --engine sets the engine for the command only.
    assert main(["warehouse", "refresh", "--db", str(tmp_path / "x.duckdb"), "--engine", "duckdb"]) == 2
    assert "run it with --engine spark" in capsys.readouterr().err
    assert "ECOMOPS_ENGINE" not in __import__("os").environ


def test_warehouse_views_in_the_cache_file(tiny_con, tmp_path, monkeypatch):
    from ecomops.engine import summary

    target = tmp_path / "wh"
    warehouse.export(tiny_con, target)
    cache = db.connect_memory()
    assert summary.attach_warehouse(cache, str(target)) == list(warehouse.WAREHOUSE_TABLES)
    assert summary.warehouse_attached(cache)
    query = "SELECT order_id, line_no, quantity, unit_price FROM order_items ORDER BY ALL"
    assert cache.execute(query).fetchall() == tiny_con.execute(query).fetchall()
    # The model's views read the warehouse through the raw-table views: the same valid orders and GMV.
    gmv = "SELECT count(DISTINCT order_id), sum(gmv) FROM sale_lines"
    assert cache.execute(gmv).fetchone() == tiny_con.execute(gmv).fetchone()
    assert [r[1] for r in cache.execute("DESCRIBE orders").fetchall()] == \
        [r[1] for r in tiny_con.execute("DESCRIBE orders").fetchall()]
    # A store holding order data is never turned into a cache (its rows would be hidden behind views).
    with pytest.raises(EngineError, match="holds rows in customers"):
        summary.attach_warehouse(tiny_con, str(target))


def test_build_steps_split_spark_selects_from_local_statements():
    from ecomops.engine import summary

    steps = summary._steps(db.load_sql("users/order_facts_build"))
    # The kept keys are copied first (computed in Spark from the local table, which the build uploads), the DROP of
    # that copy runs locally.
    assert [(s.kind, s.table) for s in steps[:6]] == [
        ("create", "users_old_keys"), ("create", "users_customer_keys"), ("local", ""),
        ("create", "users_category_bits"), ("create", "users_order_facts"), ("create", "users_review_facts")]
    lines = summary._steps(db.load_sql("products/line_facts_build"))
    assert [(s.kind, s.table, s.columns) for s in lines] == [
        ("insert", "products_customer_keys", ("customer_id", "customer_key")), ("create", "products_line_facts", ())]
    rollup = summary._steps(db.load_sql("daily_sales_rollup_build"))
    assert [(s.kind, s.table, s.columns) for s in rollup] == [
        ("local", "", ()),
        ("insert", "daily_sales_rollup", ("day", "channel", "category", "campaign_id", "is_presale", "gmv"))]


def test_database_file_names_the_file_even_with_a_result_pending(tmp_path):
    import duckdb

    path = tmp_path / "store.duckdb"
    con = duckdb.connect(str(path))
    pending = con.execute("SELECT * FROM range(10)")
    assert db.database_file(con) == str(path)
    assert len(pending.fetchall()) == 10  # the caller's unfinished result is untouched
    assert db.database_file(duckdb.connect()) == ""
