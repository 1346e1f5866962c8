"""``python -m ecomops sql "QUERY"``: the read-only SQL console on the command line (same guard as the page)."""
from __future__ import annotations

import argparse
import sys

from ecomops import db
from ecomops.ops import sqlconsole
from ecomops.commands import add_db_argument
from ecomops.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``sql`` subcommand."""
    parser = sub.add_parser("sql", help=_("run one read-only SELECT query and print the result"))
    parser.add_argument("query", help="exactly one SELECT/WITH statement")
    add_db_argument(parser)
    parser.add_argument("--json", action="store_true", help="print a JSON list of rows")
    parser.add_argument("--limit", type=int, default=sqlconsole.DEFAULT_ROW_CAP, help="row cap (default %(default)s)")
    parser.add_argument("--timeout", type=float, default=sqlconsole.DEFAULT_TIMEOUT_S, help="time limit in seconds")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the rows or the refusal; return 0, or 4 when the query is refused or stopped."""
    con = db.connect(args.db)
    try:
        result = sqlconsole.run(con, args.query, row_cap=max(1, args.limit), timeout_s=args.timeout)
    except sqlconsole.QueryRefused as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 4
    if args.json:
        print(result.frame.to_json(orient="records", date_format="iso", force_ascii=False))
    else:
        print(result.frame.to_string(index=False) if not result.frame.empty else "(no rows)")
    if result.truncated:
        print(f"(only the first {args.limit} rows are shown: add a LIMIT or raise --limit)", file=sys.stderr)
    return 0
