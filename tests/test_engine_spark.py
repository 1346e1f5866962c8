"""Every named read query gives the same rows on Spark as on DuckDB; warehouse export and check.

One local Spark session (local[2], 1 GB driver) serves every test of this module: starting one costs ~10 s. The
module runs in one pytest-xdist worker (xdist_group "spark"; pytest.ini uses --dist loadgroup).

Three stores: the hand-built tiny fixture (tests/fixtures_tiny.sql), the small demo store (every table filled) and
UCI Online Retail imported through the import pipeline (a real store's orders: 540k lines, no traffic). On each, every page runs under AppTest with the queries recorded (tests/engine_cases.py), plus the queries no page runs
on its first view; the store is exported with ``warehouse.export`` (the derived tables the pages read too) and read
by Spark. Each named query is compared with its DuckDB result: same columns, same rows (in order when the query
orders them), floats equal to 1e-9 relative. The list of queries is the sql folder itself (engine.registry): a query
no case runs fails test_every_read_query_is_compared.
"""
from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
import sqlglot

from ecomops import db, derived
from ecomops.engine import DuckDBEngine, compare, registry, warehouse
from tests import engine_cases
from tests.conftest import make_tiny_db

pytest.importorskip("pyspark")
pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]

# Derived tables the pages read (built in the local DuckDB file, ecomops/derived.py); exported beside the data
# tables so the read queries over them can run on Spark too.
DERIVED_TABLES = tuple(name for table in derived.REGISTRY for name in table.tables)
# At most this many distinct texts/parameters of one query per store (each Spark run costs ~0.5-3 s here).
PER_NAME = {"tiny": 1, "demo": 1, "retail": 1}
STORES = list(PER_NAME)


# The driver's heap: the module's queries keep up to ~0.8 GB live after a collection (G1 log, 2026-12-03), so 1 GB
# left too little room for the large Arrow results (humongous allocations). A CI run lost its JVM part-way through.
TEST_DRIVER_MEMORY = "2g"
# The JVM's garbage-collection log, kept by CI with the other artifacts: the first thing to read if the JVM dies.
GC_LOG = Path(__file__).resolve().parent.parent / "artifacts" / "spark-tests-gc.log"
_jvm: dict[str, object] = {}


@pytest.fixture(scope="module")
def spark():
    """Return the one local Spark session of this module (stopped at the end)."""
    from ecomops.engine.spark import spark_settings, start_session

    # C1-only JIT: the session lives for a few minutes of short queries; measured ~27% less JVM CPU than the
    # default tiered compiler on this module's queries (docs/spark-findings.md, section 7).
    GC_LOG.parent.mkdir(parents=True, exist_ok=True)
    java_options = (spark_settings("local[2]")["spark.driver.extraJavaOptions"]
                    + f" -XX:TieredStopAtLevel=1 -Xlog:gc:file={GC_LOG}")
    session = start_session("local[2]", TEST_DRIVER_MEMORY, app_name="ecomops tests",
                            extra={"spark.driver.extraJavaOptions": java_options})
    _jvm["process"] = session.sparkContext._gateway.proc  # the JVM PySpark started (Popen)
    yield session
    session.stop()
    _jvm.clear()


@pytest.fixture(autouse=True)
def _jvm_still_running():
    """Fail the test during which the Spark JVM exits, with its exit code (otherwise every later test fails with
    ConnectionRefusedError and nothing says why)."""
    yield
    process = _jvm.get("process")
    code = process.poll() if process is not None else None
    if code is not None:
        _jvm.clear()
        pytest.fail(f"the Spark JVM exited with code {code} (negative: killed by that signal, e.g. -9 by the "
                    f"kernel's out-of-memory killer); its garbage-collection log: {GC_LOG}")


def _tiny_db_file(folder: Path) -> Path:
    path = folder / "tiny.duckdb"
    con = make_tiny_db()
    con.execute(f"ATTACH '{path}' AS tiny_file")
    con.execute("COPY FROM DATABASE memory TO tiny_file")
    con.close()
    return path


def _prepare(path: Path, target: Path, per_name: int) -> dict:
    """Capture the store's queries, export it (data and derived tables); return what the tests need."""
    queries = engine_cases.page_queries(path)
    con = db.connect(path)
    queries += engine_cases.direct_queries(con)
    warehouse.export(con, target)
    existing = {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    for table in DERIVED_TABLES:
        if table in existing:
            warehouse.export_table(con, table, target)
    return {"path": path, "queries": queries, "cases": engine_cases.named_cases(queries, per_name),
            "warehouse": target}


def _retail_db_file(folder: Path, shared_data: Path) -> Path:
    """Return a store holding UCI Online Retail imported the way a user imports it, summary tables built."""
    from ecomops.ingest import import_file

    path = folder / "retail.duckdb"
    con = db.connect(path)
    result = import_file(con, shared_data / "online_retail.csv.gz", accept_valid=True, currency="GBP")
    assert result.status == "imported", result.errors
    derived.refresh_all(con)
    return path


@pytest.fixture(scope="module")
def stores(tmp_path_factory, demo_db_path, shared_data):
    """Return {'tiny': ..., 'demo': ..., 'retail': ...}: each store's captured queries, cases and exported warehouse."""
    folder = tmp_path_factory.mktemp("engine")
    found = {"tiny": _prepare(_tiny_db_file(folder), folder / "wh_tiny", PER_NAME["tiny"]),
             "demo": _prepare(demo_db_path, folder / "wh_demo", PER_NAME["demo"]),
             "retail": _prepare(_retail_db_file(folder, shared_data), folder / "wh_retail", PER_NAME["retail"])}
    yield found
    db.close(found["tiny"]["path"])
    db.close(found["retail"]["path"])


@pytest.fixture(scope="module")
def engines(spark, stores):
    """Return {store: (DuckDBEngine, SparkEngine)}."""
    from ecomops.engine.spark import SparkEngine

    return {name: (DuckDBEngine(db.connect(store["path"])), SparkEngine(spark, str(store["warehouse"])))
            for name, store in stores.items()}


def test_every_read_query_is_compared(stores):
    covered = engine_cases.covered(stores["tiny"]["queries"] + stores["demo"]["queries"])
    missing = sorted(set(registry.read_queries()) - covered)
    assert not missing, f"named queries no page, command or direct case runs (add them to tests/engine_cases.py): " \
                        f"{missing}"
    assert set(registry.WRITE_ONLY) <= set(registry.named_queries()), "an exclusion names a query that is gone"


@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize("name", registry.read_queries())
def test_query_matches_duckdb(name, store, stores, engines):
    cases = [case for case in stores[store]["cases"] if case[0] == name]
    if not cases:
        pytest.skip(f"{name} is not run on the {store} store on its own (filled into another query, or no data)")
    duck, spark_engine = engines[store]
    for _name, sql, params, settings in cases:
        expected = duck.query_df(sql, params, settings)
        actual = spark_engine.query_df(sql, params)
        ordered = sqlglot.parse_one(sql, read="duckdb").args.get("order") is not None
        problem = compare.difference(expected, actual, ordered=ordered)
        assert problem is None, f"{name} on {store} ({len(expected)} rows; params {params}): {problem}\n" \
                                f"Spark SQL: {spark_engine.spark_sql(registry.variant_text(sql, 'spark'))}"


# --- warehouse export and check --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny_warehouse(stores):
    """Return the tiny store's exported warehouse directory."""
    return stores["tiny"]["warehouse"]


def _problems(spark, location) -> list[str]:
    from ecomops.engine.spark import SparkEngine

    return [p.message for p in warehouse.check(SparkEngine(spark, str(location)))]


def test_export_writes_date_partitions_and_the_load_file(tiny_warehouse):
    orders = sorted(p.name for p in (tiny_warehouse / "orders").iterdir())
    assert orders == ["order_date=2024-03-03", "order_date=2024-03-04", "order_date=2024-03-05"]
    # Order lines go with their order's day: O6 (2024-03-03) has one line; O1, O3 (03-04) have four.
    import pyarrow.dataset as ds

    lines = ds.dataset(tiny_warehouse / "order_items", format="parquet", partitioning="hive").to_table().to_pandas()
    assert lines.groupby(lines["order_date"].astype(str)).size().to_dict() == {
        "2024-03-03": 1, "2024-03-04": 4, "2024-03-05": 3}
    load = (tiny_warehouse / warehouse.LOAD_FILE).read_text(encoding="utf-8")
    assert '"orders": 6' in load and '"order_items": 8' in load


def test_good_warehouse_passes_the_check(spark, tiny_warehouse):
    assert _problems(spark, tiny_warehouse) == []


def test_check_names_missing_table_column_and_wrong_type(spark, tiny_warehouse, tmp_path):
    import pyarrow.parquet as pq

    broken = tmp_path / "broken"
    shutil.copytree(tiny_warehouse, broken)
    shutil.rmtree(broken / "campaigns")
    products = pq.read_table(broken / "products")
    shutil.rmtree(broken / "products")
    (broken / "products").mkdir()
    pq.write_table(products.drop_columns(["price"]), broken / "products" / "data_0.parquet")
    customers = pq.read_table(broken / "customers")
    signup = customers.column("signup_date").cast("string")
    customers = customers.set_column(customers.schema.get_field_index("signup_date"), "signup_date", signup)
    shutil.rmtree(broken / "customers")
    (broken / "customers").mkdir()
    pq.write_table(customers, broken / "customers" / "data_0.parquet")
    assert _problems(spark, broken) == [
        "customers.signup_date: type string, the model says DATE (accepted: date)",
        "products: missing column price (DOUBLE)",
        f"missing table campaigns (expected at {broken}/campaigns)",
    ]


def test_warehouse_commands(tiny_warehouse, tmp_path, capsys, stores):
    from ecomops.__main__ import main

    out = tmp_path / "exported"
    assert main(["warehouse", "export", "--db", str(stores["tiny"]["path"]), "--to", str(out)]) == 0
    assert "Wrote 17 tables (26 rows)" in capsys.readouterr().out
    assert main(["warehouse", "export", "--db", str(stores["tiny"]["path"]), "--to", str(out)]) == 2
    assert "is not empty" in capsys.readouterr().err
    assert main(["warehouse", "check", "--warehouse", str(out)]) == 0
    assert "17 tables match the data model" in capsys.readouterr().out
    shutil.rmtree(out / "reviews")
    assert main(["warehouse", "check", "--warehouse", str(out)]) == 2
    assert capsys.readouterr().out == f"problem: missing table reviews (expected at {out}/reviews)\n"


# --- the pages on ECOMOPS_ENGINE=spark: summary tables built in Spark, cached in a local file ------------------------

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _page_kpis(page: Path) -> list[tuple[str, str]]:
    """Return the (label, value) of every KPI tile a page shows on its first view (the environment picks the
    engine and the database file)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=300)
    at.run()
    at.switch_page(f"pages/{page.name}").run()
    assert not at.exception, f"{page.name}: {at.exception[0].message}\n" + "\n".join(at.exception[0].stack_trace)
    return [(m.label, m.value) for m in at.metric]


@pytest.fixture(scope="module")
def demo_warehouse(demo_db_path, tmp_path_factory) -> Path:
    """Return the demo store exported with ``warehouse export`` (data tables only, as a team's warehouse holds)."""
    target = tmp_path_factory.mktemp("demo_warehouse") / "warehouse"
    warehouse.export(db.connect(demo_db_path), target)
    return target


@pytest.fixture(scope="module")
def spark_cache(spark, demo_warehouse, tmp_path_factory):
    """Return the Spark engine's local cache of the demo store's warehouse, refreshed once in Spark."""
    from ecomops.engine import set_spark_engine, summary
    from ecomops.engine.spark import SparkEngine

    location = str(demo_warehouse)
    path = tmp_path_factory.mktemp("spark_cache") / "ecomops-spark-cache.duckdb"
    engine = SparkEngine(spark, location)
    set_spark_engine(engine)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ECOMOPS_ENGINE", "spark")
        mp.setenv("ECOMOPS_WAREHOUSE", location)
        mp.setenv("ECOMOPS_MODELS", str(path.parent / "models"))
        done = summary.refresh(db.connect(path), engine, force=True)  # the first refresh trains the churn model
    yield {"path": path, "warehouse": location, "refresh": done}
    db.close(path)
    set_spark_engine(None)


def test_refresh_builds_every_summary_table_in_spark(spark_cache, demo_db_path):
    from ecomops import derived

    done = spark_cache["refresh"]
    assert done.tables.split(",") == [table.name for table in derived.REGISTRY]
    assert done.load_id.startswith("load:")
    local, cache = db.connect(demo_db_path), db.connect(spark_cache["path"])
    for table in ("daily_sales_rollup", "products_line_facts", "users_customer_keys", "users_category_bits",
                  "users_order_facts", "users_review_facts", "users_rfm_scores", "risk_claim_findings",
                  "risk_review_labels"):
        query = f"SELECT * FROM {table} ORDER BY ALL"
        problem = compare.difference(db.query_df(local, query), db.query_df(cache, query), ordered=True)
        assert problem is None, f"{table}: {problem}"
    # Raw tables are views on the warehouse's Parquet files: the same rows as the store they were exported from.
    lines = "SELECT count(*), sum(quantity * unit_price) FROM order_items"
    (cached_count, cached_sum), (local_count, local_sum) = db.query_one(cache, lines), db.query_one(local, lines)
    assert cached_count == local_count == 23_511 and cached_sum == pytest.approx(local_sum, rel=1e-12)


def test_first_refresh_trains_the_churn_model_and_scores_the_dormant_customers(spark_cache, demo_db_path,
                                                                               monkeypatch):
    """A cache without a churn model gets one on its first refresh, from features computed in Spark, and the
    dormant customers' scores are written back into it: as many as the local store has dormant customers."""
    from ecomops import config
    from ecomops.users import churn

    monkeypatch.setenv("ECOMOPS_MODELS", str(Path(spark_cache["path"]).parent / "models"))

    cache, local = db.connect(spark_cache["path"]), db.connect(demo_db_path)
    entry = churn.latest_model(cache)
    assert entry is not None and not churn.model_file_problem(entry)
    assert churn.latest_model(local) is None  # the model came from the refresh, not from the store exported
    # The model was fitted on every customer with an order by T - H (the demo is far below the sample size).
    t = config.thresholds(local)
    train_cutoff = churn.last_order_day(local) - timedelta(days=t.churn_horizon_days)
    expected_train = db.query_one(local, "SELECT count(DISTINCT customer_id) FROM valid_orders "
                                         "WHERE customer_id IS NOT NULL AND order_date <= $c", {"c": train_cutoff})[0]
    assert entry["metrics"]["n_train_final"] == expected_train > 0
    dormant = len(churn.features(local, churn.last_order_day(local), t.active_days, t.dormant_days))
    scored = db.query_one(cache, "SELECT count(*), count(DISTINCT customer_id), min(p_return) >= 0, "
                                 "max(p_return) <= 1 FROM churn_dormant_scores")
    assert scored == (dormant, dormant, True, True) and dormant > 0


@pytest.fixture(scope="module")
def demo_with_the_cache_model(spark_cache, demo_db_path, tmp_path_factory) -> Path:
    """Return a copy of the demo store with the churn model the Spark refresh trained registered in it: the pages
    that show model output are compared on the same model."""
    path = tmp_path_factory.mktemp("demo_model") / "demo.duckdb"
    source = db.connect(demo_db_path)
    source.execute("CHECKPOINT")
    db.close(demo_db_path)
    shutil.copy(demo_db_path, path)
    entries = db.query_df(db.connect(spark_cache["path"]), "SELECT * FROM model_registry")
    con = db.connect(path)
    con.register("cache_models", entries)
    con.execute("INSERT INTO model_registry SELECT * FROM cache_models")
    con.unregister("cache_models")
    yield path
    db.close(path)


@pytest.mark.parametrize("page", sorted((PROJECT_ROOT / "pages").glob("*.py")), ids=lambda p: p.stem)
def test_page_shows_the_same_kpis_on_spark(page, spark_cache, demo_with_the_cache_model, monkeypatch):
    monkeypatch.chdir(PROJECT_ROOT)
    monkeypatch.setenv("ECOMOPS_ENGINE", "duckdb")
    monkeypatch.setenv("ECOMOPS_DB", str(demo_with_the_cache_model))
    monkeypatch.setenv("ECOMOPS_MODELS", str(Path(spark_cache["path"]).parent / "models"))
    expected = _page_kpis(page)
    monkeypatch.setenv("ECOMOPS_ENGINE", "spark")
    monkeypatch.setenv("ECOMOPS_WAREHOUSE", spark_cache["warehouse"])
    monkeypatch.setenv("ECOMOPS_DB", str(spark_cache["path"]))
    assert _page_kpis(page) == expected


@pytest.fixture(scope="module")
def unreadable_cache(spark_cache, tmp_path_factory):
    """Return a copy of the refreshed Spark cache as it is over a warehouse DuckDB cannot read (hdfs://, s3a://,
    hive:): its raw tables are empty local tables instead of views on the Parquet files."""
    from ecomops.engine import warehouse as wh

    path = tmp_path_factory.mktemp("unreadable") / "cache.duckdb"
    source = db.connect(spark_cache["path"])
    source.execute("CHECKPOINT")
    db.close(spark_cache["path"])
    shutil.copy(spark_cache["path"], path)
    import duckdb

    raw = duckdb.connect(str(path))
    views = {name for (name,) in raw.execute("SELECT table_name FROM information_schema.tables "
                                             "WHERE table_type = 'VIEW'").fetchall()}
    for table in wh.WAREHOUSE_TABLES:
        if table in views:
            raw.execute(f"CREATE TABLE {table}_empty AS SELECT * FROM {table} LIMIT 0")
            raw.execute(f"DROP VIEW {table}")
            raw.execute(f"ALTER TABLE {table}_empty RENAME TO {table}")
    raw.close()
    yield path
    db.close(path)


def test_raw_rows_are_read_in_spark_when_duckdb_cannot_read_the_warehouse(unreadable_cache, demo_db_path,
                                                                           spark_cache, monkeypatch):
    """Over a warehouse only Spark reads, the queries on raw rows run in Spark behind the page's notice (the local
    raw tables are empty): the data range (one row), the KPIs (raw rows joined with a summary table of the cache)
    and a drill-down of orders equal DuckDB's on the store; a query on the cache alone stays local.

    The page path is the same function (db.query_df); whole pages are not run here: a page runs dozens of such
    queries, minutes on a two-core local Spark."""
    from contextlib import contextmanager

    from ecomops import metrics
    from ecomops.engine import summary
    from ecomops.filters import default_filters

    local = db.connect(demo_db_path)
    span = metrics.data_range(local)
    f = default_filters(span.start, span.end)
    expected = (span, metrics.kpis(local, f), db.query_df(local, ORDERS_OF_A_DAY, {"day": span.end}))
    monkeypatch.setattr(summary, "_duckdb_readable", lambda location: False)
    monkeypatch.setenv("ECOMOPS_ENGINE", "spark")
    monkeypatch.setenv("ECOMOPS_WAREHOUSE", spark_cache["warehouse"])
    shown = []

    @contextmanager
    def notice():
        shown.append(True)
        yield

    monkeypatch.setattr(summary, "remote_notice", notice)
    db.set_remote_reader(summary.read_in_spark)
    try:
        cache = db.connect(unreadable_cache)
        assert db.query_one(cache, "SELECT count(*) FROM orders")[0] > 0  # not the empty local table
        got = (metrics.data_range(cache), metrics.kpis(cache, f), db.query_df(cache, ORDERS_OF_A_DAY,
                                                                              {"day": span.end}))
        calls = len(shown)
        assert db.query_one(cache, "SELECT count(*) FROM daily_sales_rollup")[0] > 0
        assert len(shown) == calls  # the cache's own table: read locally, no notice
    finally:
        db.set_remote_reader(None)
    assert got[0] == expected[0] and got[1] == pytest.approx(expected[1], rel=1e-9, nan_ok=True)
    assert compare.difference(expected[2], got[2], ordered=True) is None and len(expected[2]) > 0
    assert calls >= 4


ORDERS_OF_A_DAY = ("SELECT order_id, customer_id, order_ts, status, channel FROM orders WHERE order_date = $day "
                   "ORDER BY order_id")


def test_sidebar_names_the_engine_and_the_refresh(spark_cache, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.chdir(PROJECT_ROOT)
    monkeypatch.setenv("ECOMOPS_ENGINE", "spark")
    monkeypatch.setenv("ECOMOPS_WAREHOUSE", spark_cache["warehouse"])
    monkeypatch.setenv("ECOMOPS_DB", str(spark_cache["path"]))
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=300).run()
    load = spark_cache["refresh"].load_id.split(":", 1)[1][:8]
    notes = [c.value for c in at.sidebar.caption if c.value.startswith("Engine:")]
    assert len(notes) == 1 and notes[0].startswith("Engine: Spark. Summary tables refreshed ") \
        and notes[0].endswith(f"from the warehouse (load {load}).")
