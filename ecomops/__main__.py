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


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every command module's subcommand registered."""
    parser = argparse.ArgumentParser(prog="python -m ecomops", description="ecomops: e-commerce operations toolkit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        if hasattr(module, "register"):
            module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit code."""
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
