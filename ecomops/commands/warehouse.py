"""``python -m ecomops warehouse export|check``: write a DuckDB store as a Parquet warehouse; check a warehouse
against the data model (docs/data-model.md) as Spark sees it."""
from __future__ import annotations

import argparse
import os
import sys
import time

from ecomops import db
from ecomops.i18n import _
from ecomops.commands import CommandError, add_db_argument


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``warehouse`` subcommand with its ``export`` and ``check`` actions."""
    parser = sub.add_parser("warehouse", help=_("export the store as a Parquet warehouse; check a warehouse"))
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    export = actions.add_parser("export", help="write every data table as Parquet, partitioned by date")
    add_db_argument(export)
    export.add_argument("--to", required=True, help="target directory (must be empty or absent)")
    export.add_argument("--force", action="store_true", help="replace the target directory if it holds files")
    export.set_defaults(func=run_export)
    check = actions.add_parser("check", help="validate a warehouse's tables, columns and types against the model")
    check.add_argument("--warehouse", default=None,
                       help="a Parquet warehouse directory (local, hdfs://, s3a://) or hive:DBNAME "
                            "(default: $ECOMOPS_WAREHOUSE)")
    check.add_argument("--master", default=None,
                       help="Spark master (default: $ECOMOPS_SPARK_MASTER or local[*]); sc://host:15002 for Connect")
    check.set_defaults(func=run_check)
    refresh = actions.add_parser("refresh", help=_(
        "rebuild the summary tables in Spark from the warehouse into the local cache (--engine spark)"))
    add_db_argument(refresh)
    refresh.add_argument("--only-stale", action="store_true",
                         help=_("rebuild only the tables whose warehouse data changed (default: all)"))
    refresh.set_defaults(func=run_refresh)


def run_export(args: argparse.Namespace) -> int:
    """Export the store; print one line per table; return the exit code."""
    from ecomops.engine import warehouse

    started = time.perf_counter()
    con = db.connect(args.db)
    counts = warehouse.export(con, args.to, force=args.force,
                              progress=lambda table, rows: print(f"  {table:<22} {rows:>12,} rows", file=sys.stderr))
    partitioned = ", ".join(f"{t} by {c}" for t, c in warehouse.PARTITION_BY.items())
    print(f"Wrote {len(counts)} tables ({sum(counts.values()):,} rows) to {args.to} in "
          f"{time.perf_counter() - started:.1f} s; partitioned: {partitioned}")
    return 0


def run_check(args: argparse.Namespace) -> int:
    """Check the warehouse; print every problem; return 0 when it matches the model, 2 otherwise."""
    from ecomops.engine import EngineError, warehouse
    from ecomops.engine.spark import DEFAULT_DRIVER_MEMORY, DEFAULT_MASTER, HIVE_PREFIX, SparkEngine, start_session

    location = args.warehouse or os.environ.get("ECOMOPS_WAREHOUSE")
    if not location:
        raise CommandError("no warehouse given: pass --warehouse DIR|hive:DBNAME or set ECOMOPS_WAREHOUSE")
    master = args.master or os.environ.get("ECOMOPS_SPARK_MASTER", DEFAULT_MASTER)
    from pyspark.sql import SparkSession

    running = SparkSession.getActiveSession()  # a caller's session (tests, a notebook) is left running
    session = start_session(master, os.environ.get("ECOMOPS_SPARK_DRIVER_MEMORY", DEFAULT_DRIVER_MEMORY),
                            hive=location.startswith(HIVE_PREFIX), app_name="ecomops warehouse check")
    try:
        try:
            engine = SparkEngine(session, location)
        except EngineError as exc:
            raise CommandError(str(exc)) from exc
        problems = warehouse.check(engine)
    finally:
        if running is None:
            session.stop()
    for problem in problems:
        print(f"problem: {problem.message}")
    if problems:
        print(f"{location}: {len(problems)} problem(s) against the data model (docs/data-model.md)", file=sys.stderr)
        return 2
    print(f"{location}: {len(warehouse.WAREHOUSE_TABLES)} tables match the data model")
    return 0


def run_refresh(args: argparse.Namespace) -> int:
    """Rebuild the Spark engine's summary tables from the warehouse; print one line per table; return 0."""
    from ecomops import config
    from ecomops.engine import EngineError, summary

    if config.engine_name() != "spark":
        raise CommandError(_("warehouse refresh builds the summary tables in Spark: run it with --engine spark "
                             "(or ECOMOPS_ENGINE=spark) and ECOMOPS_WAREHOUSE set"))
    try:
        con = db.connect(args.db)
        done = summary.refresh(con, force=not args.only_stale, progress=lambda table, seconds: print(
            _("  {table}: {seconds} s", table=table, seconds=f"{seconds:.1f}"), file=sys.stderr))
    except EngineError as exc:
        raise CommandError(str(exc)) from exc
    tables = done.tables.split(",") if done.tables else []
    print(_("Refreshed {count} summary tables from {warehouse} ({load}) in {seconds} s into {db}",
            count=len(tables), warehouse=done.warehouse, load=done.load_id, seconds=f"{done.seconds:.1f}",
            db=config.db_path(args.db)))
    return 0
