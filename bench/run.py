"""Page benchmark at scale: every page's server-side time (cold and warm), its raw-query floor, and pandas.

    python bench/run.py [--customers 1000000] [--db PATH] [--pages overview users ...]

Builds the scale data set once (`python -m ecomops demo --customers N`, ~10M order lines at 1M customers), then
for every page of the app, in one process the way the server runs it (Streamlit AppTest):
- cold: the page run with Streamlit's caches cleared (the first page is also cold for DuckDB's buffers);
- warm: the same page run again (cached results, as a user switching back sees it);
- floor: the SQL the page ran (recorded through ecomops.db) replayed on a raw DuckDB cursor, fetching Arrow;
- page/floor: cold page time over the floor.
Then the overview computed the way many dashboards do it — pandas over the full tables loaded in memory — against
ours, each in its own process, with time and peak memory. Prints a table and writes bench/out/pages.json.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import OUT, PROJECT_ROOT, Timer, ensure_scale_db, machine, peak_rss_mb  # noqa: E402


def replay(con, queries) -> float:
    """Return the seconds to run the recorded queries on raw cursors."""
    with Timer() as t:
        for sql, params, settings in queries:
            cur = con.cursor()
            for setting in settings:
                cur.execute(setting)
            (cur.execute(sql, params) if params else cur.execute(sql)).to_arrow_table()
            cur.close()
    return t.s


def bench_pages(db_path: Path, only: list[str] | None) -> list[dict]:
    """Return one result row per page (cold, warm, floor seconds and query count)."""
    os.environ["ECOMOPS_DB"] = str(db_path)
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from ecomops import db
    from ecomops.ui.navigation import discover

    stems = [p.stem for members in discover(PROJECT_ROOT / "pages").values() for p, _ in members]
    stems = [s for s in stems if not only or s in only]
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=600)
    rows = []
    for stem in stems:
        st.cache_data.clear()
        with db.recording() as recorder, Timer() as cold:
            at.switch_page(f"pages/{stem}.py").run()
        errors = [str(e.value)[:200] for e in at.exception]
        with Timer() as warm:
            at.run()
        con = db.connect(db_path)
        floor = replay(con, recorder.queries)
        rows.append({"page": stem, "cold_s": cold.s, "warm_s": warm.s, "floor_s": floor,
                     "queries": len(recorder.queries), "ratio": cold.s / floor if floor else None, "errors": errors})
        print(f"  {stem:<22} cold {cold.s:6.2f} s  warm {warm.s:5.2f} s  floor {floor:6.2f} s  "
              f"page/floor {cold.s / floor if floor else float('nan'):5.2f}  queries {len(recorder.queries):3d}"
              f"{'  ERRORS ' + str(errors) if errors else ''}", flush=True)
    return rows


OVERVIEW_OURS = """
import json, sys, time, resource
from ecomops import db, metrics
from ecomops.filters import default_filters
con = db.connect(sys.argv[1])
span = metrics.data_range(con)
f = default_filters(span.start, span.end)
t = time.perf_counter()
metrics.kpi_comparison(con, f); metrics.daily_trend(con, f); metrics.gmv_by_channel(con, f); metrics.attention_items(con, f)
print(json.dumps({"seconds": time.perf_counter() - t, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

OVERVIEW_PANDAS = """
import json, sys, time, resource
import duckdb, pandas as pd
t = time.perf_counter()
con = duckdb.connect(sys.argv[1], read_only=True)
orders = con.table("orders").df(); items = con.table("order_items").df()
products = con.table("products").df(); traffic = con.table("traffic_daily").df()
con.close()
load = time.perf_counter() - t
end = orders["order_date"].max(); start = end - pd.Timedelta(days=29)

def kpis(s, e):
    o = orders[(orders.order_date >= s) & (orders.order_date <= e) & (orders.status != "cancelled")]
    lines = items.merge(o[["order_id", "customer_id", "channel", "order_date"]], on="order_id")
    lines = lines[lines.quantity > 0]
    gmv = (lines.quantity * lines.unit_price).sum()
    per = o.dropna(subset=["customer_id"]).groupby("customer_id").size()
    uv = traffic[(traffic.day >= s) & (traffic.day <= e)].uv.sum()
    return dict(gmv=gmv, orders=o.order_id.nunique(), buyers=len(per), repeat=(per >= 2).sum(), uv=uv), lines, o

now, lines, o = kpis(start, end)
before, _, _ = kpis(start - pd.Timedelta(days=30), start - pd.Timedelta(days=1))
lines["amount"] = lines.quantity * lines.unit_price
daily = lines.groupby("order_date").agg(gmv=("amount", "sum"), orders=("order_id", "nunique"), buyers=("customer_id", "nunique"))
by_channel = lines.groupby("channel").amount.sum()
print(json.dumps({"seconds": time.perf_counter() - t, "load_seconds": load, "gmv": float(now["gmv"]),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_script(code: str, db_path: Path) -> dict:
    """Return the JSON a benchmark script printed, run in a fresh Python process."""
    out = subprocess.run([sys.executable, "-c", code, str(db_path)], capture_output=True, text=True, cwd=PROJECT_ROOT,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Run the page benchmark and print the results."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--pages", nargs="*", default=None)
    parser.add_argument("--skip-pandas", action="store_true")
    args = parser.parse_args()
    db_path, built = ensure_scale_db(args.customers, args.db) if args.db else ensure_scale_db(args.customers)
    print(f"machine: {machine()}")
    print(f"database: {db_path} ({db_path.stat().st_size / 2**30:.2f} GiB)" + (f", built in {built:.0f} s" if built else ""))
    results: dict = {"machine": machine(), "db": str(db_path)}
    if not args.skip_pandas:
        ours = run_script(OVERVIEW_OURS, db_path)
        theirs = run_script(OVERVIEW_PANDAS, db_path)
        results["overview_vs_pandas"] = {"ours": ours, "pandas": theirs,
                                         "speedup": theirs["seconds"] / ours["seconds"],
                                         "memory_ratio": theirs["peak_mb"] / ours["peak_mb"]}
        print(f"overview, ours: {ours['seconds']:.2f} s, peak {ours['peak_mb']:.0f} MB | pandas over full tables: "
              f"{theirs['seconds']:.2f} s (load {theirs['load_seconds']:.2f} s), peak {theirs['peak_mb']:.0f} MB | "
              f"speed-up {theirs['seconds'] / ours['seconds']:.1f}x, memory ratio {theirs['peak_mb'] / ours['peak_mb']:.1f}x")
    print("pages (server side, AppTest):")
    results["pages"] = bench_pages(db_path, args.pages)
    results["server_peak_rss_mb"] = peak_rss_mb()
    print(f"peak RSS of the server process (AppTest, all pages): {results['server_peak_rss_mb']:.0f} MB")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "pages.json").write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
