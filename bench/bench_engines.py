"""Spark (local) against DuckDB: the summary-table refresh and five page queries, at several sizes.

    python bench/bench_engines.py [--lines 1000000 11000000] [--master local[2]] [--driver-memory 2g]

For each size: a demo store with about that many order lines (``python -m ecomops demo``, ~11.3 lines per customer),
exported with ``warehouse export`` (Parquet partitioned by day). Then
- **refresh**: every summary table of ecomops/derived.py rebuilt (forced) on DuckDB in the store itself, and in Spark
  from the warehouse into a fresh local cache file (engine/summary.py: what `warehouse refresh` does), each timed;
- **page queries**: five queries the pages run (recorded by calling the page functions on the store, default
  filters: the last 30 days), each timed on DuckDB over the store, on Spark over the warehouse (the engine, warm:
  second run), and on DuckDB over the Spark cache file (what a page reads with ECOMOPS_ENGINE=spark).
Prints a table with Spark/DuckDB ratios and the refresh-time scaling between sizes; writes bench/out/engines.json.
Timings are wall-clock seconds on this machine with the load average printed beside them (the machine is shared).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import OUT, PROJECT_ROOT, machine  # noqa: E402

LINES_PER_CUSTOMER = 11.34  # the demo generator: 11,342,546 lines for 1M customers (bench/RESULTS.md)


def _load() -> float:
    return os.getloadavg()[0]


def _timed(fn, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - started, result


def ensure_store(lines: int) -> tuple[Path, Path]:
    """Return (store, warehouse) for about ``lines`` order lines, generating and exporting them when missing."""
    customers = max(100, round(lines / LINES_PER_CUSTOMER))
    store = OUT / f"engines_{customers}.duckdb"
    target = OUT / f"engines_{customers}_warehouse"
    OUT.mkdir(parents=True, exist_ok=True)
    if not store.exists():
        subprocess.run([sys.executable, "-m", "ecomops", "demo", "--customers", str(customers), "--db", str(store)],
                       check=True, cwd=PROJECT_ROOT)
    if not target.exists():
        subprocess.run([sys.executable, "-m", "ecomops", "warehouse", "export", "--db", str(store), "--to",
                        str(target)], check=True, cwd=PROJECT_ROOT)
    return store, target


def page_queries(con) -> list[tuple[str, str, object]]:
    """Return five (label, sql, params) the pages run with the default filters, recorded from the page functions."""
    from ecomops import db, metrics
    from ecomops.engine import registry
    from ecomops.filters import default_filters
    from ecomops.products import inventory
    from ecomops.risk import reputation
    from ecomops.users import lifecycle

    span = metrics.data_range(con)
    f = default_filters(span.start, span.end)
    picked = []
    for label, call in (("overview KPIs", lambda: metrics.kpis(con, f)),
                        ("overview daily trend", lambda: metrics.daily_trend(con, f)),
                        ("products ABC table", lambda: inventory.abc_table(con, f)),
                        ("users lifecycle overview", lambda: lifecycle.lifecycle_overview(con, f)),
                        ("risk reputation summary", lambda: reputation.reputation_summary(con, f))):
        with db.recording() as recorder:
            call()
        # The heaviest query of the call (a page function may run a small look-up first).
        timed = []
        for sql, params, _settings in recorder.queries:
            if registry.name_of(sql) is None:  # freshness checks and look-ups, not the page's query
                continue
            seconds, _ = _timed(db.query_df, con, sql, params)
            timed.append((seconds, sql, params))
        seconds, sql, params = max(timed, key=lambda t: t[0])
        picked.append((label, sql, params))
    return picked


def bench_size(lines: int, master: str, driver_memory: str, reuse_cache: bool = False) -> dict:
    """Return the measurements of one size."""
    from ecomops import db, derived
    from ecomops.engine import set_spark_engine, summary, warehouse
    from ecomops.engine.spark import SparkEngine, start_session

    store, target = ensure_store(lines)
    os.environ["ECOMOPS_ENGINE"] = "duckdb"
    con = db.connect(store)
    n_lines = db.query_one(con, "SELECT count(*) FROM order_items")[0]
    result: dict = {"lines": int(n_lines), "store": str(store), "warehouse": str(target), "load_before": _load()}

    # DuckDB: every summary table rebuilt in the store (state rows dropped: all stale).
    for table in derived.REGISTRY:
        con.execute(f"DELETE FROM {table.state_table}")
    duck_tables = {}
    for table in derived.REGISTRY:
        duck_tables[table.name], _ = _timed(derived.ensure, con, table)
    result["duckdb_refresh_s"] = sum(duck_tables.values())
    result["duckdb_refresh_tables"] = duck_tables
    queries = page_queries(con)
    duck_query = {label: min(_timed(db.query_df, con, sql, params)[0] for _ in range(2))
                  for label, sql, params in queries}

    # Spark local: one session, the refresh into a fresh cache file, then the same queries.
    session_s, session = _timed(start_session, master, driver_memory, app_name="ecomops bench")
    result["spark_session_s"] = session_s
    engine = SparkEngine(session, str(target))
    set_spark_engine(engine)
    os.environ.update({"ECOMOPS_ENGINE": "spark", "ECOMOPS_WAREHOUSE": str(target)})
    cache_path = OUT / f"engines_{lines}_spark_cache.duckdb"
    previous = OUT / f"engines_{lines}_refresh.json"
    if reuse_cache and cache_path.exists() and previous.exists():  # the page queries again, on the cache built
        cache = db.connect(cache_path)
        result.update(json.loads(previous.read_text(encoding="utf-8")))
    else:
        db.close(cache_path)
        cache_path.unlink(missing_ok=True)
        cache = db.connect(cache_path)
        spark_tables: dict[str, float] = {}
        refresh_s, _ = _timed(summary.refresh, cache, engine, True,
                              lambda table, seconds: spark_tables.__setitem__(table, seconds))
        result["spark_refresh_s"] = refresh_s
        result["spark_refresh_tables"] = spark_tables
        result["spark_refresh_load"] = _load()
        previous.write_text(json.dumps({k: v for k, v in result.items() if "refresh" in k}), encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if "refresh" in k}), flush=True)
    # The page queries read summary tables too: Spark reads the ones its refresh built (from the cache file, as
    # Parquet), so each query runs on Spark exactly as it would over a warehouse holding them.
    built = OUT / f"engines_{lines}_summary_parquet"
    for table in ("daily_sales_rollup", "products_line_facts", "users_customer_keys", "users_order_facts",
                  "users_category_bits", "users_rfm_scores", "users_rfm_totals", "users_rfm_cutoffs",
                  "users_rfm_cells", "users_review_facts", "risk_claim_findings",
                  "risk_claim_products", "risk_review_labels", "churn_dormant_scores"):
        warehouse.export_table(cache, table, built)
        engine.register_result(table, engine.session.read.parquet(str(built / table)))
    spark_query, cache_query = {}, {}
    for label, sql, params in queries:
        engine.query_df(sql, params)  # cold: views, planning, JIT
        spark_query[label], _ = _timed(engine.query_df, sql, params)
        print(f"{label}: spark {spark_query[label]:.2f} s", flush=True)
        cache_query[label] = min(_timed(db.query_df, cache, sql, params)[0] for _ in range(2))
    result["queries"] = {label: {"duckdb_s": duck_query[label], "spark_s": spark_query[label],
                                 "spark_cache_s": cache_query[label]} for label, _s, _p in queries}
    result["load_after"] = _load()
    set_spark_engine(None)
    session.stop()
    db.close(cache_path)
    db.close(store)
    os.environ["ECOMOPS_ENGINE"] = "duckdb"
    return result


def print_table(results: list[dict]) -> None:
    """Print the measurements as markdown tables (bench/RESULTS.md takes them as they are)."""
    print(f"\nmachine: {machine()}")
    for r in results:
        print(f"\n### {r['lines']:,} order lines (load average {r['load_before']:.1f} before, "
              f"{r['load_after']:.1f} after; Spark session start {r['spark_session_s']:.1f} s)\n")
        print("| step | DuckDB s | Spark local s | Spark / DuckDB | page on Spark cache s | cache / DuckDB |")
        print("|---|---:|---:|---:|---:|---:|")
        print(f"| summary-table refresh (all {len(r['spark_refresh_tables'])}) | {r['duckdb_refresh_s']:.2f} | "
              f"{r['spark_refresh_s']:.2f} | {r['spark_refresh_s'] / r['duckdb_refresh_s']:.1f}x | | |")
        for name, seconds in r["spark_refresh_tables"].items():
            duck = r["duckdb_refresh_tables"].get(name, float("nan"))
            print(f"| &nbsp; {name} | {duck:.2f} | {seconds:.2f} | {seconds / duck if duck else float('nan'):.1f}x | | |")
        for label, q in r["queries"].items():
            print(f"| {label} | {q['duckdb_s']:.3f} | {q['spark_s']:.3f} | {q['spark_s'] / q['duckdb_s']:.0f}x | "
                  f"{q['spark_cache_s']:.3f} | {q['spark_cache_s'] / q['duckdb_s']:.1f}x |")
    if len(results) > 1:
        first, last = results[0], results[-1]
        grow = last["lines"] / first["lines"]
        print(f"\nrefresh scaling {first['lines']:,} -> {last['lines']:,} lines ({grow:.1f}x the data): "
              f"DuckDB {first['duckdb_refresh_s']:.1f} -> {last['duckdb_refresh_s']:.1f} s "
              f"({last['duckdb_refresh_s'] / first['duckdb_refresh_s']:.1f}x), Spark {first['spark_refresh_s']:.1f} -> "
              f"{last['spark_refresh_s']:.1f} s ({last['spark_refresh_s'] / first['spark_refresh_s']:.1f}x)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[1_000_000, 11_000_000])
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--driver-memory", default="2g")
    parser.add_argument("--reuse-cache", action="store_true",
                        help="keep the Spark cache of an earlier run (its refresh timings) and time the queries again")
    args = parser.parse_args()
    results = []
    for lines in args.lines:
        results.append(bench_size(lines, args.master, args.driver_memory, args.reuse_cache))
        (OUT / "engines.json").write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
        print(json.dumps(results[-1], default=str), flush=True)
    print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
