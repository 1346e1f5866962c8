"""Subcommands of ``python -m ecomops``; each module defines ``register(subparsers)`` and sets ``func``."""
from __future__ import annotations

import argparse
import json
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
    """Print a JSON document (dates and numpy numbers made plain)."""
    json.dump(payload, sys.stdout, ensure_ascii=False, default=_plain, indent=None)
    sys.stdout.write("\n")


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return str(value)
