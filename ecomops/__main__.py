"""The command line: ``python -m ecomops <command> ...``.

Each module in ``ecomops/commands/`` adds its own subcommand through ``register(subparsers)``, so a new command is a
new file. Every command accepts ``--db PATH`` (else $ECOMOPS_DB, else data/ecomops.duckdb) and exits non-zero with a
one-line reason on bad input or a locked database.
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from ecomops import commands
from ecomops.db import DatabaseLockedError


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """Return the argument parser with every command module's subcommand registered (or only module ``only``)."""
    parser = argparse.ArgumentParser(prog="python -m ecomops", description="ecomops: e-commerce operations toolkit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if only and info.name != only:
            continue
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        if hasattr(module, "register"):
            module.register(sub)
    return parser


def _module_of(argv: list[str]) -> str | None:
    """Return the command module named like the command (``import`` is in ``import_cmd``), else None."""
    if not argv or argv[0].startswith("-"):
        return None
    names = {info.name for info in pkgutil.iter_modules(commands.__path__)}
    return next((n for n in (argv[0], argv[0] + "_cmd") if n in names), None)


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit code."""
    argv = sys.argv[1:] if argv is None else argv
    # Only the command's own module is loaded when its name says which (a scripted import need not load the
    # charting and modelling libraries other commands use); anything else gets the full parser and its help.
    only = _module_of(argv)
    try:
        args = build_parser(only).parse_args(argv)
    except SystemExit as exc:
        if not only or exc.code == 0:  # --help of the command was printed
            raise
        args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except DatabaseLockedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except (commands.CommandError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
