"""Subcommands of ``python -m ecomops``; each module defines ``register(subparsers)`` and sets ``func``."""
from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any

from ecomops.i18n import _


class CommandError(RuntimeError):
    """A user-facing failure: printed as one line, exit code 2."""


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    """Add the shared ``--db PATH`` option."""
    parser.add_argument("--db", default=None, metavar=_("PATH"),
                        help=_("database file (default: $ECOMOPS_DB or data/ecomops.duckdb)"))


def parse_date(text: str) -> date:
    """Return an ISO date parsed from a command-line argument."""
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(_("not a date (use YYYY-MM-DD): {text!r}", text=text)) from exc


def print_json(payload: Any) -> None:
    """Print a JSON document that every parser accepts: non-finite numbers as null, dates and numpy/pandas values
    made plain (ecomops.exports.json_text, the one place for it)."""
    from ecomops import exports  # pandas loads with it: only commands that print JSON pay for that

    sys.stdout.write(exports.json_text(payload) + "\n")
