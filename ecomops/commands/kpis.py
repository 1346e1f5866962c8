"""``python -m ecomops kpis``: the home KPIs for a date range, as text or JSON."""
from __future__ import annotations

import argparse

from ecomops import charts, db, metrics
from ecomops.commands import add_db_argument, parse_date, print_json
from ecomops.filters import Filters


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``kpis`` subcommand."""
    parser = sub.add_parser("kpis", help="print the home KPIs for a date range (default: all data)")
    add_db_argument(parser)
    parser.add_argument("--start", type=parse_date, help="first day (YYYY-MM-DD), default: first day of data")
    parser.add_argument("--end", type=parse_date, help="last day (YYYY-MM-DD), default: last day of data")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the KPIs; return the exit code."""
    con = db.connect(args.db)
    span = metrics.data_span(con)  # orders or traffic: a store with traffic only gets its traffic's days
    f = Filters(start=args.start or span.start, end=args.end or span.end)
    if f.start > f.end:
        raise ValueError(f"--start {f.start} is after --end {f.end}")
    values = metrics.kpis(con, f)
    if args.json:
        print_json({name: values[name] for name in (*metrics.KPI_NAMES, "start", "end")})
        return 0
    print(f"KPIs {f.start} .. {f.end}")
    for name in metrics.KPI_NAMES:
        print(f"  {metrics.KPI_LABELS[name]:<16} {charts.format_value(name, values[name])}")
    return 0
