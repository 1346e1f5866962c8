"""Measure what sign-in costs: an argon2id hash and check (the deliberate cost of a password sign-in), the role
lookups every page run makes (ecomops/ui/auth.py: are there accounts, what is this person's role), and an audit
entry (appended after every write), on a database with many audit entries.

Usage: python bench/bench_access.py [--entries 100000]
Prints a table (median of repeated runs) and peak memory.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine, peak_rss_mb  # noqa: E402
from ecomops import access, audit, db  # noqa: E402
from ecomops.access import Actor  # noqa: E402


def _median_ms(fn, n: int) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=100_000)
    args = parser.parse_args()
    con = db.connect_memory()
    for i in range(200):
        con.execute("INSERT INTO accounts (name, role, password_hash) VALUES (?, 'viewer', ?)",
                    [f"user{i}", None if i % 2 else "$argon2id$placeholder"])
    access.add_account(con, "olga", "operator", "correct horse battery")
    con.execute("INSERT INTO audit_log (logged_at, actor, role, via, action, target, details) "
                "SELECT now() - to_seconds(i), 'user' || (i % 200), 'viewer', 'web', 'sql_query', NULL, "
                "'{\"sql\": \"SELECT 1\"}' FROM range(?) t(i)", [args.entries])
    stored = access.hash_password("correct horse battery")
    rows = [
        ("argon2id hash (new password)", _median_ms(lambda: access.hash_password("correct horse battery"), 7)),
        ("argon2id verify (right password)", _median_ms(lambda: access.verify_password(stored, "correct horse battery"), 7)),
        ("authenticate (right password, DB update)", _median_ms(
            lambda: access.authenticate(con, "olga", "correct horse battery"), 7)),
        ("authenticate (unknown name, same work)", _median_ms(
            lambda: access.authenticate(con, f"nobody{time.perf_counter_ns()}", "x" * 12), 7)),
        ("per page run: has_accounts()", _median_ms(lambda: access.has_accounts(con), 200)),
        ("per page run: account_role()", _median_ms(lambda: access.account_role(con, "olga"), 200)),
        ("audit.record() (one entry)", _median_ms(
            lambda: audit.record(con, Actor("olga", "operator"), "import", "#1", {"rows": 1}), 50)),
        (f"audit.entries() over {args.entries:,} entries, one person", _median_ms(
            lambda: audit.entries(con, actor="user7"), 10)),
        (f"audit.entries() over {args.entries:,} entries, one day", _median_ms(
            lambda: audit.entries(con, start=datetime.now().date(), end=datetime.now().date()), 10)),
    ]
    print(f"# bench_access · {machine()}")
    print(f"| step | median ms |\n|---|---:|")
    for name, ms in rows:
        print(f"| {name} | {ms:.2f} |")
    print(f"peak RSS: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
