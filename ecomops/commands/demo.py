"""``python -m ecomops demo``: fill a database with the deterministic demo store (refuses to overwrite orders)."""
from __future__ import annotations

import argparse
import sys
import time

from tqdm import tqdm

from ecomops import db, demo
from ecomops.commands import CommandError, add_db_argument
from ecomops.i18n import _

# Emptied by --force: the demo's tables plus the import log (its rows would describe data that is gone).
# Settings-like tables (alert_rules, mapping_presets, model_registry, banned_words) are kept.
_CLEARED_BY_FORCE = demo.DEMO_TABLES + ("traffic_sessions", "imports")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``demo`` subcommand."""
    parser = subparsers.add_parser("demo", help=_("generate the deterministic demo data set"),
                                   description="Fill the database with two years of deterministic demo data.")
    add_db_argument(parser)
    parser.add_argument("--customers", type=int, default=20000, help="number of customers (default 20000)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7); same seed, same data")
    parser.add_argument("--force", action="store_true", help="empty the data tables first if they hold data")
    parser.add_argument("--chunk-customers", type=int, default=None, metavar="N",
                        help=f"generate and write the customers in chunks of at most N (default: one pass up to "
                             f"{demo.STREAM_ABOVE:,} customers, chunks of {demo.CHUNK_CUSTOMERS:,} above)")
    parser.add_argument("--no-models", action="store_true",
                        help=_("only write the data: do not train the churn model and the review classifier"))
    parser.set_defaults(func=run)


def clear_data_tables(con) -> None:
    """Empty every table the demo fills (and the import log) in one transaction."""
    with db.transaction(con) as cur:
        for table in _CLEARED_BY_FORCE:  # names from a fixed tuple, never from input
            cur.execute(f"DELETE FROM {table}").fetchall()


def run(args: argparse.Namespace) -> int:
    """Generate the demo into ``--db``; print a summary of row counts."""
    if args.customers < 100:
        raise CommandError("--customers must be at least 100")
    if args.chunk_customers is not None and args.chunk_customers < 100:
        raise CommandError("--chunk-customers must be at least 100")
    con = db.connect(args.db)
    has_data = any(db.query_one(con, f"SELECT EXISTS (SELECT 1 FROM {t})")[0] for t in _CLEARED_BY_FORCE)
    if has_data:
        n_orders = db.query_one(con, "SELECT count(*) FROM orders")[0]
        if not args.force:
            raise CommandError(f"the database already holds data ({n_orders:,} orders); "
                               "use --force to replace it with the demo")
        clear_data_tables(con)
    # One step at a time here, and no page sessions: DuckDB's cache is given back before each summary table and
    # model step, so it does not sit beside their pandas frames (db.release_memory).
    db.enable_memory_release()
    try:
        return _generate(con, args)
    finally:
        db.enable_memory_release(False)


def _generate(con, args: argparse.Namespace) -> int:
    """Generate the demo data, its summary tables and (unless --no-models) the models; print what was done."""
    started = time.perf_counter()
    with tqdm(total=100, unit="%", desc="demo", bar_format="{l_bar}{bar}| {n_fmt}% {postfix}") as bar:
        def progress(fraction: float, message: str) -> None:
            bar.update(int(round(fraction * 100)) - bar.n)
            bar.set_postfix_str(message)

        counts = demo.generate(con, customers=args.customers, seed=args.seed, progress=progress,
                               chunk_customers=args.chunk_customers)
    generated = time.perf_counter() - started
    peak_data = peak_memory_mb()  # before the models: the generator's and the summary tables' own peak
    # Said now too: a model step that fails (say, out of memory) must not take these figures with it.
    print(f"Data and summary tables written in {generated:.1f} s"
          + (f"; peak memory so far {peak_data:,.0f} MB" if peak_data is not None else ""), flush=True)
    if not args.no_models:  # a fresh install shows scored dormant customers and classified reviews at once
        from ecomops.users import model_jobs

        print(_("Training the churn model and the review classifier …"), flush=True)
        done = model_jobs.prepare_models(con, progress=lambda message: print(f"  {message}", flush=True))
        for note in done["notes"]:
            print(f"  note: {note}")
    elapsed = time.perf_counter() - started
    print(f"Demo data written to {db.config.db_path(args.db)} in {elapsed:.1f} s "
          f"({args.customers:,} customers, seed {args.seed}):")
    width = max(len(t) for t in counts)
    for table, n in counts.items():
        print(f"  {table:<{width}}  {n:>12,}")
    peak = peak_memory_mb()
    print(f"Time: {elapsed:.1f} s in all, {generated:.1f} s for the data and its summary tables"
          + ("" if args.no_models else f", {elapsed - generated:.1f} s for the models"))
    if peak is not None:
        print(f"Peak memory (max RSS of this process): {peak:,.0f} MB"
              + ("" if args.no_models else f"; {peak_data:,.0f} MB before the models"))
    return 0


def peak_memory_mb() -> float | None:
    """Return this process's peak resident set size in MB (None where the platform does not tell)."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS, KiB on Linux
