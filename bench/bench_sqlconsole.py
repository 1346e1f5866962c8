"""What the SQL console's limits hold on this machine: outcome, time and peak memory growth of hostile queries.

    python bench/bench_sqlconsole.py

Each query runs through ecomops.ops.sqlconsole.run with the default limits on a small demo database; a thread samples
the process RSS every 10 ms. Figures only (no assertions): tests/test_sqlconsole_hostile.py asserts the outcomes.
"""
from __future__ import annotations

import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ecomops import db, demo
from ecomops.ops import sqlconsole

QUERIES = [
    ("width: repeat 300,000 x 10,000 rows (the issue's 8 GB case)", "SELECT repeat('x', 300000) FROM range(10000)"),
    ("width: repeat 100,000 x 100,000 rows", "SELECT repeat('x', 100000) AS w FROM range(100000)"),
    ("length: a billion rows", "SELECT * FROM range(1000000000)"),
    ("length: 30M rows sorted at random", "SELECT * FROM range(30000000) ORDER BY random()"),
    ("time: trillion-row cross join", "SELECT count(*) FROM range(1000000000000) a, range(1000000) b"),
    ("memory: list aggregate of 100M strings", "SELECT length(string_agg(repeat('x', 1000), '')) FROM range(100000000)"),
    ("memory: recursive doubling string", "WITH RECURSIVE t(s) AS (SELECT 'x' UNION ALL SELECT s || s FROM t) "
                                          "SELECT max(length(s)) FROM t"),
    ("normal: GMV by month", sqlconsole.EXAMPLES["GMV by month"]),
]


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-sqlconsole-"))
    con = db.connect(folder / "demo.duckdb")
    demo.generate(con, customers=2000, seed=7)
    process = psutil.Process()
    print(f"limits: {sqlconsole.DEFAULT_ROW_CAP:,} rows, {sqlconsole.DEFAULT_BYTE_CAP // 2**20} MB, "
          f"{sqlconsole.DEFAULT_TIMEOUT_S:g} s, watchdog {sqlconsole.MEMORY_BUDGET_BYTES // 2**20} MB, "
          f"operator_memory_limit {sqlconsole.OPERATOR_MEMORY_LIMIT}")
    print(f"{'query':<62} {'outcome':<34} {'s':>6} {'peak +MB':>9}")
    for label, sql in QUERIES:
        base = process.memory_info().rss
        peak, stop = [base], threading.Event()

        def sample() -> None:
            while not stop.wait(0.01):
                peak[0] = max(peak[0], process.memory_info().rss)

        watcher = threading.Thread(target=sample, daemon=True)
        watcher.start()
        started = time.perf_counter()
        try:
            result = sqlconsole.run(con, sql)
            outcome = (f"{len(result.frame):,} rows, {result.bytes_read / 2**20:.1f} MB"
                       + (f", cut by {result.truncated_by}" if result.truncated_by else ""))
        except sqlconsole.QueryRefused as exc:
            outcome = "refused: " + str(exc)[:26]
        elapsed = time.perf_counter() - started
        stop.set()
        watcher.join()
        print(f"{label:<62} {outcome:<34} {elapsed:6.2f} {(peak[0] - base) / 2**20:9.0f}")
    db.close(folder / "demo.duckdb")


if __name__ == "__main__":
    main()
