"""Checksums of every table of a freshly generated demo store: proof that a change to the generator kept its output.

    python bench/demo_checksums.py --customers 20000 [--seed 7] [--save bench/out/sums.json] [--compare old.json]

Builds the demo into a temporary file, then prints, per base table (the demo's tables, the summary tables and
their state, the seeded settings tables), the row count and an order-independent sum of a hash of every column.
Columns holding the wall clock or a duration are left out (the summary tables' ``built_at``,
``schema_version.applied_at``, ``derived_updates.updated_at`` and ``seconds``, ``users_clv_fit.fit_seconds``).
The demo's own tables are hashed exactly; DOUBLE columns of the other tables are rounded to 6 decimals first, because
DuckDB's parallel sums add in varying order (``users_rfm_totals.monetary``, once stored unrounded, differed in the last bit between two
builds of the same data: 8278.76 vs 8278.759999999998). Even so the customer-value tables (``users_clv_fit``,
``users_clv_weekly``, ``users_customer_value``) can differ between two builds of the same data: at 20k customers the
Gamma-Gamma fit stops at one of two nearby optima run to run (gamma 21393.3548 or 21393.3443), most likely because its
inputs are such parallel sums. A difference in those three tables alone says nothing about the generator. Nor does one in ``risk_review_labels``
(and its state) when the checkouts compared differ in ``data/models/``: the labels follow the review classifier
trained there (``python -m ecomops demo`` without ``--no-models`` trains one); compare with the same or none.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ecomops import db, demo  # noqa: E402

_WALL_CLOCK = {"built_at", "applied_at", "imported_at", "undone_at", "created_at", "trained_at", "updated_at",
               "refreshed_at", "seconds", "fit_seconds"}


def checksums(con) -> dict[str, list]:
    """Return {table: [row count, hash sum as text]} for every base table of the database."""
    tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                        "WHERE table_type = 'BASE TABLE' ORDER BY 1").fetchall()]
    out: dict[str, list] = {}
    for table in tables:
        cols = con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $t "
                           "ORDER BY ordinal_position", {"t": table}).fetchall()
        exact = table in demo.DEMO_TABLES
        kept = ", ".join(f'"{c}"' if exact or kind != "DOUBLE" else f'round("{c}", 6)'
                         for c, kind in cols if c not in _WALL_CLOCK)
        count, total = con.execute(f'SELECT count(*), CAST(sum(hash({kept})) AS VARCHAR) FROM "{table}"').fetchone()
        out[table] = [count, total]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--save", type=Path, help="write the checksums to this JSON file")
    parser.add_argument("--compare", type=Path, help="compare with checksums saved earlier; exit 1 on a difference")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=Path(__file__).resolve().parent / "out" if
                                     (Path(__file__).resolve().parent / "out").is_dir() else None) as tmp:
        path = Path(tmp) / "demo.duckdb"
        con = db.connect(path)
        started = time.perf_counter()
        demo.generate(con, customers=args.customers, seed=args.seed)
        elapsed = time.perf_counter() - started
        sums = checksums(con)
        db.close(path)
    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(json.dumps(sums, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"demo at {args.customers:,} customers, seed {args.seed}: generated in {elapsed:.1f} s")
    width = max(map(len, sums))
    for table, (count, total) in sums.items():
        print(f"  {table:<{width}}  {count:>12,}  {total}")
    if args.compare:
        old = json.loads(args.compare.read_text(encoding="utf-8"))
        differ = sorted(t for t in set(old) | set(sums) if old.get(t) != sums.get(t))
        print(f"compared with {args.compare}: " + ("identical, every table" if not differ else
                                                  "DIFFERENT: " + ", ".join(differ)))
        return 1 if differ else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
