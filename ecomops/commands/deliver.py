"""``python -m ecomops deliver``: send the scheduled reviews and alerts that are due, a test message, or list them."""
from __future__ import annotations

import argparse
import sys

from ecomops import db, i18n
from ecomops.commands import CommandError, add_db_argument, print_json
from ecomops.i18n import _
from ecomops.ops.delivery import config_file, schedule, store
from ecomops.ops.delivery.runner import FAILED_STATUSES, Runner


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``deliver`` subcommand."""
    parser = sub.add_parser("deliver", help=_("send the reviews and alerts that are due (cron), or a test message"),
                            description="Send what is due since the last run, exactly once per subscription, "
                                        "occurrence and destination (docs/delivery.md). Exit 1 when a message "
                                        "failed or waits for a retry.")
    add_db_argument(parser)
    parser.add_argument("--config", metavar="FILE.toml",
                        help="apply this file's settings, destinations and subscriptions first")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--due", action="store_true", help="send everything due now (or at --now)")
    action.add_argument("--test", metavar="DESTINATION", help="send a test message to one destination")
    action.add_argument("--list", action="store_true",
                        help="show destinations (secrets redacted), subscriptions and the recent delivery log")
    action.add_argument("--retry", metavar="LOG_ID", type=int,
                        help="queue a failed or interrupted delivery again for the next --due run")
    parser.add_argument("--now", metavar="ISO", help="the moment to run for, e.g. 2026-11-16T09:30+08:00 (without "
                                                     "an offset: the delivery timezone, default Asia/Shanghai)")
    parser.add_argument("--dry-run", action="store_true", help="show what would be sent; send and record nothing")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the chosen action; return the exit code."""
    if not (args.due or args.test or args.list or args.retry is not None or args.config):
        raise CommandError("nothing to do: give --due, --test DESTINATION, --list or --retry LOG_ID "
                           "(or --config FILE to apply a configuration)")
    if (args.now or args.dry_run) and not args.due:
        raise CommandError("--now and --dry-run go with --due")
    con = db.connect(args.db)
    if args.config:
        applied = config_file.apply(con, args.config)
        print(f"Applied {args.config}: {len(applied.destinations)} destination(s), "
              f"{len(applied.subscriptions)} subscription(s)", file=sys.stderr)
    if args.due:
        return _due(con, args)
    if args.test:
        return _test(con, args)
    if args.list:
        return _list(con, args)
    if args.retry is not None:
        entry = store.retry(con, args.retry)
        print(f"Queued log row {entry.log_id} ({entry.subscription} {entry.occurrence} -> {entry.destination}) "
              f"for the next --due run.")
    return 0


def _due(con, args: argparse.Namespace) -> int:
    now = schedule.parse_now(args.now, store.settings(con).timezone)
    outcomes = Runner(con).run_due(now, dry_run=args.dry_run)
    if args.json:
        print_json({"now": now, "dry_run": args.dry_run, "deliveries": [o.as_dict() for o in outcomes]})
    elif not outcomes:
        print(f"Nothing due at {now:%Y-%m-%d %H:%M}Z.")
    for o in outcomes if not args.json else ():
        detail = f" ({o.error})" if o.error and o.status != "sent" else ""
        caught_up = f", caught up {o.superseded} missed" if o.superseded else ""
        print(f"{o.status:<9} {o.subscription} {o.occurrence} -> {o.destination}"
              f"{f' [{o.attempts} attempt(s)]' if o.attempts else ''}{caught_up}: {o.title or ''}{detail}")
        for line in o.lines:
            print(f"          - {line}")
    return 1 if any(o.status in FAILED_STATUSES for o in outcomes) else 0


def _test(con, args: argparse.Namespace) -> int:
    # The test message speaks the command line's language (the global --lang, else LANG).
    outcome = Runner(con).send_test(args.test, schedule.parse_now(None, "UTC"), i18n.url_code())
    if args.json:
        print_json(outcome.as_dict())
    elif outcome.status == "sent":
        print(f"Test message sent to {outcome.destination}: {outcome.receipt}")
    else:
        print(f"Test message to {outcome.destination} failed: {outcome.error}")
    return 0 if outcome.status == "sent" else 1


def _list(con, args: argparse.Namespace) -> int:
    now = schedule.parse_now(None, "UTC")
    subs = store.subscriptions(con)
    listing = {
        "settings": store.settings(con).__dict__,
        "destinations": store.destinations_redacted(con),
        "subscriptions": [{**s.__dict__, "next_due": schedule.next_occurrence(s, now).due_at if s.enabled else None}
                          for s in subs.values()],
        "log": store.entries_as_dicts(store.recent_log(con, 20)),
    }
    if args.json:
        print_json(listing)
        return 0
    print("Destinations:")
    for d in listing["destinations"]:
        rest = ", ".join(f"{k}={v}" for k, v in d.items() if k not in ("name", "kind", "enabled"))
        print(f"  {d['name']:<20} {d['kind']:<9} {'on ' if d['enabled'] else 'off'} {rest}")
    print("Subscriptions:")
    for s in listing["subscriptions"]:
        print(f"  {s['name']:<20} {s['kind']:<15} {s['time_of_day']} {s['timezone']} {s['language']} -> "
              f"{', '.join(s['destinations'])}; next {s['next_due']:%Y-%m-%d %H:%M}Z" if s["next_due"] else
              f"  {s['name']:<20} {s['kind']:<15} (off)")
    print("Recent deliveries:")
    for e in listing["log"]:
        print(f"  #{e['log_id']:<5} {e['status']:<11} {e['subscription']} {e['occurrence']} -> {e['destination']}"
              f" [{e['attempts']}]{': ' + e['error'] if e['error'] and e['status'] != 'sent' else ''}")
    return 0
