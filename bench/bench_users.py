"""Benchmark the Users pages' domain calls at scale: derived-table build, then each page's queries (warm DuckDB).

Usage: python bench/bench_users.py [--db /tmp/scale.duckdb] [--repeat 3]
The scale database (python -m ecomops demo --customers 1000000 --db /tmp/scale.duckdb) is copied to a private file
first, because the Users pages write their derived tables (migration 600). Target: each page's queries under ~1.5 s
warm on 2 cores. Prints one JSON line: build seconds, RFM scoring seconds, and per page the best of --repeat runs
(wall seconds) with its calls.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ecomops import db, derived
from ecomops.users import cohorts
from ecomops.users import lifecycle
from ecomops.users import lost
from ecomops.users import rfm
from ecomops.filters import Filters  # noqa: E402


def page_calls(con, f: Filters) -> dict[str, list[tuple[str, object]]]:
    """Return, per page, the domain calls the page makes (as in pages/users*.py with default widgets)."""
    members = cohorts.trailing(f, 365)
    signups = cohorts.trailing(f, 90)
    return {
        "users": [("lifecycle_overview", lambda: lifecycle.lifecycle_overview(con, f)),
                  ("lifecycle_monthly", lambda: lifecycle.lifecycle_monthly(con, f, 12)),
                  ("rfm_summary", lambda: rfm.rfm_summary(con, f)),
                  ("rfm_segment_page", lambda: rfm.rfm_segment_customers(con, f, "At risk", 200, 0))],
        "users_cohorts": [("cohorts", lambda: cohorts.cohorts(con, f, 12)),
                          ("signup_coverage", lambda: cohorts.signup_coverage(con)),
                          ("conversion_channel", lambda: cohorts.conversion(con, signups, "channel")),
                          ("time_to_first", lambda: cohorts.time_to_first_order(con, signups)),
                          ("conversion_month", lambda: cohorts.conversion(con, signups, "month")),
                          ("members", lambda: cohorts.members_by_level(con, members))],
        "users_lost": [("profile", lambda: lost.behaviour_profile(con, f)),
                       ("winback", lambda: lost.winback(con, f)),
                       ("reasons", lambda: lost.survey_reasons(con, f)),
                       ("last_categories", lambda: lost.last_categories(con, f))],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="/tmp/scale.duckdb")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_users_"))
    copy = work / "scale.duckdb"
    shutil.copyfile(args.db, copy)
    if Path(args.db + ".wal").exists():
        shutil.copyfile(args.db + ".wal", str(copy) + ".wal")
    try:
        con = db.connect(copy)
        end = db.query_one(con, "SELECT max(order_date) FROM orders")[0]
        f = Filters(end - timedelta(days=29), end)
        started = time.perf_counter()
        derived.ensure(con, derived.USERS_ORDERS)
        build_s = time.perf_counter() - started
        started = time.perf_counter()
        rfm.ensure_rfm(con, f.end)
        rfm_s = time.perf_counter() - started
        pages = {}
        for page, calls in page_calls(con, f).items():
            best: dict[str, float] = {}
            for _ in range(args.repeat):
                for name, call in calls:
                    t = time.perf_counter()
                    call()
                    best[name] = min(best.get(name, 1e9), time.perf_counter() - t)
            pages[page] = {"total_s": round(sum(best.values()), 3), "calls": {k: round(v, 3) for k, v in best.items()}}
        customers = db.query_one(con, "SELECT count(*) FROM customers")[0]
        lines = db.query_one(con, "SELECT count(*) FROM order_items")[0]
        print(json.dumps({"customers": customers, "order_lines": lines, "build_s": round(build_s, 2),
                          "rfm_s": round(rfm_s, 2), "pages": pages}))
    finally:
        db.close(copy)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
