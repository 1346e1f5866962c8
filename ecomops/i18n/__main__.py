"""``python -m ecomops.i18n extract|check``: update the catalogs from the code, or check them (exit 1 on problems)."""
from __future__ import annotations

import argparse
import sys

from ecomops.i18n import catalogs


def main(argv: list[str] | None = None) -> int:
    """Run the catalog tool; return its exit code."""
    parser = argparse.ArgumentParser(prog="python -m ecomops.i18n", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    extract = sub.add_parser("extract", help="extract message ids from ecomops/, pages/, app.py into every catalog")
    extract.add_argument("--no-fuzzy", action="store_true",
                         help="do not offer an old translation (marked fuzzy) for a changed message id")
    sub.add_parser("check", help="report missing, unused and untranslated entries and placeholder mismatches")
    args = parser.parse_args(argv)
    if args.command == "extract":
        for result in catalogs.update(fuzzy_matching=not args.no_fuzzy):
            print(f"{result.locale}: {len(result.added)} added, {len(result.removed)} removed")
            for context, msgid in result.added:
                print(f"  + {msgid!r}" + (f" [{context}]" if context else ""))
            for context, msgid in result.removed:
                print(f"  - {msgid!r}" + (f" [{context}]" if context else ""))
        report = catalogs.check()
        untranslated = [text for locale, text in report.untranslated]
        print(f"{len(untranslated)} entries to translate (python -m ecomops.i18n check lists them)")
        return 0
    report = catalogs.check()
    print("\n".join(report.lines()))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
