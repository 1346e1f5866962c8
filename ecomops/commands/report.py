"""``python -m ecomops report``: export the weekly or monthly review as one HTML file or a PDF (schedulable)."""
from __future__ import annotations

import argparse
import sys
import time

from ecomops import db
from ecomops.ops import report
from ecomops.commands import CommandError, add_db_argument, parse_date
from ecomops.i18n import _, fmt, label


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``report`` subcommand."""
    parser = sub.add_parser("report", help=_("export the weekly/monthly review as HTML or PDF"))
    add_db_argument(parser)
    parser.add_argument("--period", choices=report.PERIODS, required=True, help=_("week (Mon-Sun) or month"))
    parser.add_argument("--date", type=parse_date, required=True, help=_("any day of the week or month (YYYY-MM-DD)"))
    parser.add_argument("--out", required=True, help=_("output file: FILE.html (interactive) or FILE.pdf"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build the review, write it, print where; return the exit code."""
    if not args.out.lower().endswith((".html", ".htm", ".pdf")):
        raise CommandError(_("--out must end in .html or .pdf (got {name})", name=repr(args.out)))
    started = time.perf_counter()
    con = db.connect(args.db)
    print(_("Building the review of {period} for {day} …", period=label("period", args.period), day=args.date),
          file=sys.stderr)
    review = report.build_review(con, args.period, args.date)
    print(_("Rendering {file} …", file=args.out), file=sys.stderr)
    try:
        path = report.export(review, args.out)
    except report.ReportError as exc:
        raise CommandError(str(exc)) from exc
    size = path.stat().st_size
    print(_("Wrote {file} ({size} KB): {title}, {period} in {seconds} s", file=str(path),
            size=fmt.count(size / 1024), title=review.title, period=review.period.label,
            seconds=fmt.number(time.perf_counter() - started, 1)))
    return 0
