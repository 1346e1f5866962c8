"""``python -m ecomops scheduler``: run the delivery schedule in the foreground until stopped (Ctrl-C, SIGTERM)."""
from __future__ import annotations

import argparse
import signal
import sys

from ecomops import db
from ecomops.commands import add_db_argument
from ecomops.i18n import _
from ecomops.ops.delivery import config_file
from ecomops.ops.delivery.scheduler import Scheduler


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``scheduler`` subcommand."""
    parser = sub.add_parser("scheduler", help=_("run the delivery schedule itself (instead of cron)"),
                            description="Send what is due, sleep until the next due time, repeat; stop with Ctrl-C "
                                        "or SIGTERM. The database is opened only while sending.")
    add_db_argument(parser)
    parser.add_argument("--config", metavar="FILE.toml", help="apply this delivery configuration first")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the scheduler loop; return the exit code."""
    if args.config:
        con = db.connect(args.db)
        applied = config_file.apply(con, args.config)
        print(f"Applied {args.config}: {len(applied.destinations)} destination(s), "
              f"{len(applied.subscriptions)} subscription(s)", file=sys.stderr)
        db.close(args.db)
    scheduler = Scheduler(lambda: db.connect(args.db), lambda: db.close(args.db))
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: scheduler.stop())
    print("Scheduler running; Ctrl-C or SIGTERM stops it.", file=sys.stderr, flush=True)
    runs = scheduler.run()
    print(f"Scheduler stopped after {runs} run(s).", file=sys.stderr)
    return 0
