"""``python -m ecomops kpis``: the home KPIs for a date range, as text (in the user's language) or JSON."""
from __future__ import annotations

import argparse

from ecomops import db, metrics
from ecomops.commands import CommandError, add_db_argument, parse_date, print_json
from ecomops.filters import Filters
from ecomops.i18n import _, fmt, label


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``kpis`` subcommand."""
    parser = sub.add_parser("kpis", help=_("print the home KPIs for a date range (default: all data)"),
                            description=_("Print the home KPIs (GMV, orders, buyers, UV, conversion rate, spend per "
                                          "buyer, AOV, repurchase rate) for a date range."))
    add_db_argument(parser)
    parser.add_argument("--start", type=parse_date, metavar=_("DATE"),
                        help=_("first day (YYYY-MM-DD), default: first day of data"))
    parser.add_argument("--end", type=parse_date, metavar=_("DATE"),
                        help=_("last day (YYYY-MM-DD), default: last day of data"))
    parser.add_argument("--json", action="store_true", help=_("print one JSON object (codes and plain numbers)"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the KPIs; return the exit code."""
    con = db.connect(args.db)
    span = metrics.data_span(con)  # orders or traffic: a store with traffic only gets its traffic's days
    f = Filters(start=args.start or span.start, end=args.end or span.end)
    if f.start > f.end:
        raise CommandError(_("--start {start} is after --end {end}", start=f.start, end=f.end))
    values = metrics.kpis(con, f)
    if args.json:
        print_json({name: values[name] for name in (*metrics.KPI_NAMES, "start", "end")})
        return 0
    print(_("KPIs for {period}", period=fmt.date_range(f.start, f.end)))
    names = {name: label("metric", name) for name in metrics.KPI_NAMES}
    column = max(fmt.width(text) for text in names.values()) + 2
    for name, text in names.items():
        print(f"  {fmt.pad(text, column)}{fmt.metric(name, values[name])}")
    return 0
