"""``python -m ecomops risk check TEXT | scan | summary``: check copy for banned claims, scan product copy, or print
the risk headline numbers (supply, competition, reputation) for a date range."""
from __future__ import annotations

import argparse
from datetime import timedelta

from ecomops import db, metrics
from ecomops.risk import competition
from ecomops.risk import compliance
from ecomops.risk import reputation
from ecomops.risk import supply
from ecomops.commands import add_db_argument, parse_date, print_json
from ecomops.filters import Filters
from ecomops.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``risk`` subcommand."""
    parser = sub.add_parser("risk", help=_("compliance check/scan and the risk headline numbers"))
    add_db_argument(parser)
    parser.add_argument("action", choices=("check", "scan", "summary"),
                        help="check: TEXT against the word list (exit code 1 when it holds claims, for scripts); "
                             "scan: every product's copy; summary: risk numbers")
    parser.add_argument("text", nargs="?", default=None, help="the copy to check (action check)")
    parser.add_argument("--start", type=parse_date, help="first day (YYYY-MM-DD), default: 30 days before --end")
    parser.add_argument("--end", type=parse_date, help="last day (YYYY-MM-DD), default: last day of data")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the risk action; return the exit code."""
    con = db.connect(args.db)
    if args.action == "check":
        if not args.text:
            raise ValueError("risk check needs the copy to check, e.g. risk check '销量第一的面膜'")
        result = compliance.check_copy(con, args.text)
        findings = result["findings"].drop(columns="position")
        if args.json:
            print_json({"clean": result["clean"], "suggested": result["suggested"],
                        "findings": findings.to_dict(orient="records")})
        else:
            print("No banned or absolute claims found." if result["clean"] else findings.to_string(index=False))
            if not result["clean"]:
                print(f"\nSuggested: {result['suggested']}")
        return 0 if result["clean"] else 1
    span = metrics.data_range(con)
    end = args.end or span.end
    f = Filters(start=args.start or max(span.start, end - timedelta(days=29)), end=end)
    if f.start > f.end:
        raise ValueError(f"--start {f.start} is after --end {f.end}")
    if args.action == "scan":
        table = compliance.scan_products(con, f)
        if args.json:
            print_json(table.to_dict(orient="records"))
        else:
            print(table[["product_id", "claims", "words", "suggested_title"]].to_string(index=False)
                  if len(table) else "No product copy holds a banned or absolute claim.")
        return 0
    summary = {
        "start": f.start, "end": f.end,
        "compliance": compliance.compliance_summary(con, f),
        "supply": supply.supply_summary(con, f),
        "competition": competition.competition_summary(con, f),
        "reputation": reputation.reputation_summary(con, f),
    }
    if args.json:
        print_json(summary)
    else:
        print(f"Risk {f.start} .. {f.end}")
        for area in ("compliance", "supply", "competition", "reputation"):
            print(f"  {area}: " + ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
                                           for k, v in summary[area].items() if v is not None and k != "by_category"))
    return 0
