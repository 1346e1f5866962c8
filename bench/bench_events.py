"""Event logs at scale: can a 100M-event behaviour log be imported and read on this machine? (issue 15)

Generates a headerless Taobao/Tianchi-shaped log (user_id,item_id,category_id,behavior_type,timestamp; pv/fav/cart/buy
in Tianchi's proportions, ~1M users, ~4M items, 9 days of epoch seconds) with DuckDB, imports it with the
``import`` command in a child process (peak memory of that process and its children), then times the SQL the
Traffic pages read: UV of a day and of the whole span, the funnel, the daily rollup and product attention.

    python bench/bench_events.py --events 10000000
    python bench/bench_events.py --events 100000000      # ~3.6 GB CSV in bench/out/, a few minutes
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import OUT, PROJECT_ROOT, machine  # noqa: E402

START = 1511539200  # 2017-11-25 00:00 Beijing (16:00 UTC the day before)


def generate(path: Path, events: int) -> float:
    """Write the log; return seconds."""
    started = time.perf_counter()
    users, items, cats = max(events // 100, 1000), max(events // 25, 4000), 9_439
    duckdb.connect().execute(f"""
        COPY (
            SELECT 1 + (hash(i) % {users}) AS user_id,
                   1 + (hash(i * 7 + 1) % {items}) AS item_id,
                   1 + (hash(i * 7 + 1) % {items}) % {cats} AS category_id,
                   CASE WHEN r < 0.895 THEN 'pv' WHEN r < 0.924 THEN 'fav' WHEN r < 0.979 THEN 'cart' ELSE 'buy' END,
                   {START} + CAST(i * 9 * 86400 / {events} AS BIGINT) AS ts
            FROM (SELECT i, (hash(i * 13 + 5) % 1000) / 1000.0 AS r FROM range({events}) t(i))
        ) TO '{path}' (HEADER false, DELIMITER ',')""")
    return time.perf_counter() - started


def import_log(db_path: Path, log: Path) -> dict:
    """Import in a child process; return seconds, exit code, the JSON summary and peak memory (MB)."""
    code = ("import json, resource, sys, time\n"
            "from ecomops.__main__ import main\n"
            "t = time.perf_counter()\n"
            f"rc = main(['import', {str(log)!r}, '--db', {str(db_path)!r}, '--json', '--no-progress'])\n"
            "own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
            "kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
            "print('BENCH', json.dumps({'rc': rc, 'seconds': time.perf_counter() - t, 'peak_mb': max(own, kids)}))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True)
    lines = done.stdout.splitlines()
    bench = json.loads(next(l for l in lines if l.startswith("BENCH"))[6:])
    summary = json.loads(next(l for l in lines if l.startswith("{")))
    bench["summary"] = {k: summary[k] for k in ("status", "rows_read", "rows_imported", "rows_rejected", "dates")}
    return bench


def timed(con, sql: str) -> tuple[float, object]:
    started = time.perf_counter()
    value = con.execute(sql).fetchall()
    return time.perf_counter() - started, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the generated log and database")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    log = OUT / f"behavior_{args.events}.csv"
    db_path = OUT / f"events_{args.events}.duckdb"
    for p in (db_path, Path(str(db_path) + ".wal")):
        p.unlink(missing_ok=True)
    print(f"machine: {machine()}")
    if not log.exists():
        print(f"generated {args.events:,} events ({generate(log, args.events):.1f} s, "
              f"{log.stat().st_size / 1024 ** 3:.2f} GB)")
    result = import_log(db_path, log)
    print(f"import: {result['seconds']:.1f} s ({args.events / result['seconds'] / 1e6:.2f} M events/s), "
          f"peak memory {result['peak_mb']:,.0f} MB, exit {result['rc']}, {result['summary']}")
    size = db_path.stat().st_size
    print(f"database: {size / 1024 ** 3:.2f} GB, {size / args.events:.1f} bytes per event")
    con = duckdb.connect(str(db_path), read_only=True)
    checks = {
        "UV of one day (event_uv)": "SELECT event_uv('2017-11-28', '2017-11-28')",
        "UV of the whole span (event_uv)": "SELECT event_uv('2017-11-25', '2017-12-03')",
        "funnel of the span (event_funnel)": "SELECT * FROM event_funnel('2017-11-25', '2017-12-03')",
        "daily traffic (traffic_daily_from_events)": "SELECT count(*), sum(uv) FROM traffic_daily_from_events",
        "category funnel per day (event_category_daily)": "SELECT count(*) FROM event_category_daily",
        "top 20 items of a day (item_attention)": "SELECT * FROM item_attention('2017-11-28', '2017-11-28') LIMIT 20",
    }
    for label, sql in checks.items():
        seconds, value = timed(con, sql)
        shown = value[0] if len(value) == 1 else f"{len(value)} rows"
        print(f"  {label:<48} {seconds * 1000:8.0f} ms   {shown}")
    con.close()
    if not args.keep:
        log.unlink(missing_ok=True)
        db_path.unlink(missing_ok=True)


if __name__ == "__main__":
    os.environ.setdefault("ECOMOPS_MEMORY_LIMIT", "4GB")
    main()
