"""``python -m ecomops sql "QUERY"``: the read-only SQL console on the command line (same guard as the page)."""
from __future__ import annotations

import argparse
import sys
from typing import Any, Callable

from ecomops import audit, db
from ecomops.commands import add_db_argument, print_json
from ecomops.i18n import _
from ecomops.ops import sqlconsole


def _limit_type(name: str, cast: type) -> Callable[[str], Any]:
    """Return an argparse type that refuses a limit the console would refuse (0, negative, NaN, infinite)."""
    def parse(text: str):
        try:
            value = cast(text)
            sqlconsole.limits(**{name: value})
        except ValueError as exc:  # QueryRefused is a ValueError
            raise argparse.ArgumentTypeError(str(exc) if isinstance(exc, sqlconsole.QueryRefused)
                                             else f"not a number: {text!r}") from None
        return value
    return parse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``sql`` subcommand."""
    parser = sub.add_parser("sql", help=_("run one read-only SELECT query and print the result"))
    parser.add_argument("query", help="exactly one SELECT/WITH statement")
    add_db_argument(parser)
    parser.add_argument("--json", action="store_true", help="print a JSON list of rows")
    parser.add_argument("--limit", type=_limit_type("row_cap", int), default=sqlconsole.DEFAULT_ROW_CAP,
                        help=f"row cap (default %(default)s, at most {sqlconsole.MAX_ROW_CAP:,})")
    parser.add_argument("--timeout", type=_limit_type("timeout_s", float), default=sqlconsole.DEFAULT_TIMEOUT_S,
                        help=f"time limit in seconds (default %(default)s, at most {sqlconsole.MAX_TIMEOUT_S:g})")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the rows or the refusal; return 0, or 4 when the query is refused or stopped."""
    limit = sqlconsole.limits(args.limit, args.timeout)
    for asked, allowed, what in ((args.limit, limit.row_cap, "row cap"), (args.timeout, limit.timeout_s, "time limit")):
        if asked > allowed:
            print(f"note: the {what} is lowered to the server maximum, {allowed:g}.", file=sys.stderr)
    con = db.connect(args.db)
    try:
        result = sqlconsole.run(con, args.query, row_cap=limit.row_cap, timeout_s=limit.timeout_s)
    except sqlconsole.QueryRefused as exc:
        audit.record(con, audit.cli_actor(), "sql_query", None, {"sql": args.query, "refused": str(exc)})
        print(f"refused: {exc}", file=sys.stderr)
        return 4
    # Logged like the page's queries (docs/security.md), under the OS user.
    audit.record(con, audit.cli_actor(), "sql_query", None,
                 {"sql": args.query, "rows": int(len(result.frame)), "truncated_by": result.truncated_by})
    if args.json:
        print_json(result.frame)
    else:
        print(result.frame.to_string(index=False) if not result.frame.empty else "(no rows)")
    if result.truncated_by == "rows":
        print(f"(only the first {limit.row_cap:,} rows are shown: add a LIMIT or raise --limit)", file=sys.stderr)
    elif result.truncated_by == "bytes":
        print(f"(only the first {len(result.frame):,} rows are shown: the result passed the "
              f"{sqlconsole.DEFAULT_BYTE_CAP // 2**20} MB cap; select fewer or narrower columns)", file=sys.stderr)
    return 0
