"""Page benchmark at scale: every page's server-side time (cold and warm), its raw-query floor, and pandas.

    python bench/run.py [--customers 1000000] [--db PATH] [--pages overview users ...] [--skip-pandas]
                        [--repeat 3] [--profile DIR]

Builds the scale data set once (`python -m ecomops demo --customers N`, ~10M order lines at 1M customers), then
for every page of the app, in one process the way the server runs it (Streamlit AppTest running app.py on every
run, as a server does once st.navigation has run, with one compiled-script cache for all runs, as a server keeps):
- cold: the page run with Streamlit's caches cleared. The time is the **server-side time of the script run**:
  app.py records time.perf_counter() around the sidebar and the page (ecomops/ui/timing.py, kept in
  st.session_state) and the benchmark reads it after the run. That is what a server spends on the run: our code,
  its queries and Streamlit turning the elements and charts into messages.
- (AppTest): the wall time of the same AppTest.run() call, printed beside it so nothing is hidden; the difference is
  AppTest's own test-side work (script-runner start, parsing the messages into its element tree), which a real
  server does not do.
- first: the first of the cold runs alone; it can also pay one-time costs of the process (importing the page's
  modules), which later views of that page on a running server never pay again.
- warm: the same page run again (cached results, as a user switching back sees it), server side and (AppTest).
- floor: the SQL the page ran (recorded through ecomops.db during the first cold run) replayed on raw DuckDB
  cursors, fetching Arrow;
- page/floor: cold / floor. Cold, warm and floor are medians of --repeat rounds (default 3; small pages get more,
  until their cold runs add up to 1 s, at most 12): the machine is shared and single runs vary by tens of percent.
  Each round runs the page cold, warm, then replays its floor, so both see the same moment of the machine.
- (empty page): a benchmark-only page (the sidebar and a title, no query of its own) added to the menu for the run,
  with its floor (the sidebar's queries) and ratio:
  Streamlit's and the sidebar's fixed cost per run, the part of every page time no query can explain.
Before the pages, the first run lands on the overview (opening the database; not counted). --profile DIR writes a
pyinstrument report of every script run there (times then include the profiler's overhead).
Then the overview computed the way many dashboards do it — pandas over the full tables loaded in memory — against
ours, each in its own process, with time and peak memory. Prints a table and writes bench/out/pages.json.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
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
            # The relational API hands Arrow over without the extra copy a DB-API result makes (DuckDB warns).
            (cur.sql(sql, params=params) if params else cur.sql(sql)).to_arrow_table()
            cur.close()
    return t.s


# Rounds per page: at least --repeat, and more for small pages until their cold runs add up to this (at most 12).
MIN_COLD_SECONDS = 1.0
MAX_ROUNDS = 12

EMPTY_PAGE = '''"""Empty page (benchmark only).

Streamlit's fixed cost of a run: the app script, the shared sidebar, a title.
"""
import streamlit as st

from ecomops.ui import page

page.setup(__file__)
st.title("Empty")
'''
# The benchmark's main script: app.py run from a folder without pages/, so that Streamlit (and AppTest) run every
# page through app.py's st.navigation, as a server does once any request has run app.py (ecomops/ui/page.py says
# why a fresh server may run a page file alone first); app.py records the server-side time of each run.
HARNESS = '''import runpy
runpy.run_path({app!r}, run_name="__main__")
'''


def share_script_cache() -> None:
    """Keep one compiled-script cache for all AppTest runs, as a server process does.

    AppTest builds a new ScriptCache for every run, so each run compiled app.py and the page again (10-15 ms a
    page, measured with --profile); a server compiles each script once and reuses the bytecode until the file
    changes.
    """
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test

    shared = ScriptCache()
    app_test.ScriptCache = lambda: shared


def add_empty_page(folder: Path) -> None:
    """Add a benchmark-only empty page to the app's menu, to measure Streamlit's fixed cost per run."""
    from ecomops.ui import navigation

    page = folder / "_empty.py"
    page.write_text(EMPTY_PAGE, encoding="utf-8")
    navigation.add(navigation.PageEntry("_empty", "Bench", "Empty", file=page))


def harness(folder: Path) -> Path:
    """Return the benchmark's main script (see HARNESS) written into ``folder``."""
    path = folder / "bench_app.py"
    path.write_text(HARNESS.format(app=str(PROJECT_ROOT / "app.py")), encoding="utf-8")
    return path


def timed_app_run(at, run) -> tuple[float, float]:
    """Return (server-side seconds of the script run, AppTest.run() wall seconds) of one AppTest run.

    The server-side time is what app.py recorded (ecomops.ui.timing); a run that calls st.rerun adds the rerun's.
    """
    from ecomops.ui import timing

    at.session_state[timing.RUNS_KEY] = []
    with Timer() as wall:
        run()
    return sum(at.session_state[timing.RUNS_KEY]), wall.s


def bench_pages(db_path: Path, only: list[str] | None, repeat: int = 3,
                empty_runs: int = 12) -> tuple[list[dict], dict]:
    """Return one result row per page (server and AppTest seconds, cold and warm; floor; query count) and the
    empty page's cost. Cold, warm and floor are medians of at least ``repeat`` rounds (the machine is shared)."""
    os.environ["ECOMOPS_DB"] = str(db_path)
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from ecomops import db
    from ecomops.ui import navigation

    share_script_cache()
    scratch = Path(tempfile.mkdtemp(prefix="ecomops_bench_"))
    add_empty_page(scratch)
    stems = [entry.stem for entry in navigation.PAGES]
    stems = [s for s in stems if not only or s in only]
    at = AppTest.from_file(str(harness(scratch)), default_timeout=600)
    at.run()  # the first run opens the database and lands on the overview; not counted
    median = statistics.median
    rows = []
    print(f"  {'page':<22} {'cold':>6} {'(AppTest)':>9} {'first':>6}  {'warm':>5} {'(AppTest)':>9}  {'floor':>6}  "
          f"{'page/floor':>10}  queries  rounds", flush=True)
    for stem in stems:
        colds, warms, floors, errors, recorder = [], [], [], [], None
        con = db.connect(db_path)
        # Each round: the page cold, warm, then its floor, so page and floor see the same machine. Small pages get
        # more rounds (until MIN_COLD_SECONDS of cold runs): the median of three 0.05 s runs moved by +-0.3 in
        # page/floor between benchmark runs.
        while len(colds) < repeat or (sum(c[0] for c in colds) < MIN_COLD_SECONDS and len(colds) < MAX_ROUNDS):
            st.cache_data.clear()
            with db.recording() as recording:
                colds.append(timed_app_run(at, lambda: at.switch_page(str(navigation.BY_STEM[stem].path)).run()))
            recorder = recorder or recording  # the first cold run's queries (later runs repeat them)
            errors += [str(e.value)[:200] for e in at.exception]
            warms.append(timed_app_run(at, at.run))
            floors.append(replay(con, recorder.queries))
        cold, cold_wall, first = median(c[0] for c in colds), median(c[1] for c in colds), colds[0][0]
        warm, warm_wall, floor = median(w[0] for w in warms), median(w[1] for w in warms), median(floors)
        ratio = cold / floor if floor else None
        rows.append({"page": stem, "cold_s": cold, "cold_apptest_s": cold_wall, "first_cold_s": first,
                     "cold_runs_s": [c[0] for c in colds], "warm_s": warm, "warm_apptest_s": warm_wall,
                     "floor_s": floor, "floor_runs_s": floors, "queries": len(recorder.queries), "ratio": ratio,
                     "rounds": len(colds),
                     "errors": sorted(set(errors))})
        print(f"  {stem:<22} {cold:6.3f} {f'({cold_wall:.2f})':>9} {first:6.2f}  {warm:5.3f} {f'({warm_wall:.2f})':>9}  "
              f"{floor:6.3f}  {ratio if ratio else float('nan'):10.2f}  {len(recorder.queries):7d}  {len(colds):6d}"
              f"{'  ERRORS ' + str(sorted(set(errors))) if errors else ''}", flush=True)
    # Streamlit's fixed cost: the empty page, cold (caches cleared) and warm, median of a few runs.
    colds, warms, floors, recorder = [], [], [], None
    con = db.connect(db_path)
    for _ in range(empty_runs):
        st.cache_data.clear()
        with db.recording() as recording:
            colds.append(timed_app_run(at, lambda: at.switch_page(str(scratch / "_empty.py")).run()))
        recorder = recorder or recording
        warms.append(timed_app_run(at, at.run))
        floors.append(replay(con, recorder.queries))
    empty = {"cold_s": statistics.median(c[0] for c in colds), "cold_apptest_s": statistics.median(c[1] for c in colds),
             "warm_s": statistics.median(w[0] for w in warms), "warm_apptest_s": statistics.median(w[1] for w in warms),
             "floor_s": statistics.median(floors), "queries": len(recorder.queries)}
    cold_wall, warm_wall = f"({empty['cold_apptest_s']:.2f})", f"({empty['warm_apptest_s']:.2f})"
    print(f"  {'(empty page)':<22} {empty['cold_s']:6.3f} {cold_wall:>9} {'':>6}  {empty['warm_s']:5.3f} {warm_wall:>9}  "
          f"{empty['floor_s']:6.3f}  {empty['cold_s'] / empty['floor_s']:10.2f}  {empty['queries']:7d}  median of "
          f"{empty_runs} runs: the fixed cost of every run (app script, shared sidebar and its queries, a title)",
          flush=True)
    return rows, empty


OVERVIEW_OURS = """
import json, sys, time, resource
from ecomops import db, metrics
from ecomops.filters import default_filters
con = db.connect(sys.argv[1])
span = metrics.data_range(con)
f = default_filters(span.start, span.end)
t = time.perf_counter()
metrics.kpi_comparison(con, f); metrics.daily_trend(con, f); metrics.gmv_by_channel(con, f)
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


# The pandas way loads every order line into memory; above a few million customers that can exhaust the machine.
# Its process gets an address-space cap, so it fails with MemoryError (reported) instead of waking the OOM killer.
PANDAS_MEMORY_CAP_GB = 18


def run_script(code: str, db_path: Path, memory_cap_gb: float | None = None) -> dict:
    """Return the JSON a benchmark script printed, run in a fresh Python process; on failure, {"error": its last
    error line, "seconds": how long it ran, "returncode"}."""
    def cap() -> None:
        limit = int(memory_cap_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, str(db_path)], capture_output=True, text=True, cwd=PROJECT_ROOT,
                         preexec_fn=cap if memory_cap_gb else None)
    if out.returncode != 0:
        lines = [line for line in out.stderr.strip().splitlines() if line.strip()] or [f"exit {out.returncode}"]
        return {"error": lines[-1][:300], "seconds": time.perf_counter() - started, "returncode": out.returncode}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Run the page benchmark and print the results."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--pages", nargs="*", default=None)
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="runs per page (cold, warm, floor: medians)")
    parser.add_argument("--profile", type=Path, default=None,
                        help="write a pyinstrument report of every script run to this folder (times then include "
                             "the profiler's overhead)")
    args = parser.parse_args()
    if args.profile:
        os.environ["ECOMOPS_PROFILE_DIR"] = str(args.profile.resolve())
    db_path, built = ensure_scale_db(args.customers, args.db) if args.db else ensure_scale_db(args.customers)
    print(f"machine: {machine()}")
    print(f"database: {db_path} ({db_path.stat().st_size / 2**30:.2f} GiB)" + (f", built in {built:.0f} s" if built else ""))
    results: dict = {"machine": machine(), "db": str(db_path)}
    if not args.skip_pandas:
        ours = run_script(OVERVIEW_OURS, db_path)
        theirs = run_script(OVERVIEW_PANDAS, db_path, PANDAS_MEMORY_CAP_GB)
        results["overview_vs_pandas"] = {"ours": ours, "pandas": theirs}
        if "error" in theirs:
            print(f"overview, ours: {ours['seconds']:.2f} s, peak {ours['peak_mb']:.0f} MB | pandas over full tables "
                  f"failed after {theirs['seconds']:.0f} s (address space capped at {PANDAS_MEMORY_CAP_GB} GB): "
                  f"{theirs['error']}")
        else:
            results["overview_vs_pandas"].update(speedup=theirs["seconds"] / ours["seconds"],
                                                 memory_ratio=theirs["peak_mb"] / ours["peak_mb"])
            print(f"overview, ours: {ours['seconds']:.2f} s, peak {ours['peak_mb']:.0f} MB | pandas over full tables: "
                  f"{theirs['seconds']:.2f} s (load {theirs['load_seconds']:.2f} s), peak {theirs['peak_mb']:.0f} MB | "
                  f"speed-up {theirs['seconds'] / ours['seconds']:.1f}x, memory ratio "
                  f"{theirs['peak_mb'] / ours['peak_mb']:.1f}x")
    print("pages: seconds of the script run on the server side; (AppTest) = AppTest.run() wall time; "
          "page/floor = cold / floor")
    results["pages"], results["empty_page"] = bench_pages(db_path, args.pages, args.repeat)
    results["server_peak_rss_mb"] = peak_rss_mb()
    print(f"peak RSS of the server process (AppTest, all pages): {results['server_peak_rss_mb']:.0f} MB")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "pages.json").write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
