"""The command line: ``python -m ecomops <command> ...``.

Each module in ``ecomops/commands/`` adds its own subcommand through ``register(subparsers)``, so a new command is a
new file. Every command accepts ``--db PATH`` (else $ECOMOPS_DB, else data/ecomops.duckdb) and exits non-zero with a
one-line reason on bad input or a locked database. ``--lang zh|en`` (anywhere on the line; else the LANG environment)
chooses the language of help, errors and output: the locale is set around the command (``i18n.use_locale``), and
argparse's own texts come from the catalogs too (``ecomops.i18n.cli``). ``--engine duckdb|spark`` (anywhere on the
line; else $ECOMOPS_ENGINE) chooses the query engine for the command (docs/scaling.md).
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import os
import pkgutil
import sys
from typing import Iterator

from ecomops import commands, config, i18n
from ecomops.db import DatabaseLockedError
from ecomops.i18n import _
from ecomops.i18n.cli import ArgumentParser, localize_argparse


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """Return the argument parser with every command module's subcommand registered (or only module ``only``)."""
    parser = ArgumentParser(prog="python -m ecomops", description=_("ecomops: e-commerce operations toolkit"))
    languages = [i18n.url_code(locale) for locale in i18n.SUPPORTED]
    parser.add_argument("--engine", choices=config.ENGINES, help=_(
        "query engine: duckdb (the local file) or spark (summary tables built by Spark from $ECOMOPS_WAREHOUSE); "
        "default: $ECOMOPS_ENGINE, else duckdb"))
    parser.add_argument("--lang", choices=languages, help=_(
        "language of help, messages and output: {choices} (default: the LANG environment, else English)",
        choices=", ".join(languages)))
    sub = parser.add_subparsers(dest="command", required=True, metavar=_("COMMAND"))
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


def _take_option(argv: list[str], option: str) -> tuple[str | None, list[str]]:
    """Return (the value of ``option``, the arguments without it); it may stand anywhere on the line."""
    rest, value, i = [], None, 0
    while i < len(argv):
        if argv[i] == option and i + 1 < len(argv):
            value, i = argv[i + 1], i + 2
            continue
        if argv[i].startswith(option + "="):
            value = argv[i].split("=", 1)[1]
        else:
            rest.append(argv[i])
        i += 1
    return value, rest


def _take_lang(argv: list[str]) -> tuple[str | None, list[str]]:
    """Return (the value of --lang, the arguments without it); --lang may stand anywhere on the line."""
    return _take_option(argv, "--lang")


@contextlib.contextmanager
def _engine(name: str | None) -> Iterator[None]:
    """Run the command on the engine ``--engine`` names (duckdb | spark), as $ECOMOPS_ENGINE would."""
    if name is None:
        yield
        return
    previous = os.environ.get("ECOMOPS_ENGINE")
    os.environ["ECOMOPS_ENGINE"] = name
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("ECOMOPS_ENGINE", None)
        else:
            os.environ["ECOMOPS_ENGINE"] = previous


def main(argv: list[str] | None = None) -> int:
    """Run one command in the language of --lang (else LANG); return its exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    lang, argv = _take_lang(argv)
    engine, argv = _take_option(argv, "--engine")
    locale = i18n.resolve(lang) if lang else i18n.from_environment()
    if locale is None:
        with i18n.use_locale(i18n.from_environment()):
            print(_("error: unknown language {lang!r}; choose one of: {choices}", lang=lang,
                    choices=", ".join(i18n.url_code(loc) for loc in i18n.SUPPORTED)), file=sys.stderr)
        return 2
    with i18n.use_locale(locale):
        if engine is not None and engine.strip().lower() not in config.ENGINES:
            print(_("error: unknown engine {engine!r}; choose one of: {choices}", engine=engine,
                    choices=", ".join(config.ENGINES)), file=sys.stderr)
            return 2
        localize_argparse()
        with _engine(engine):
            return _run(argv)


def _run(argv: list[str]) -> int:
    # Only the command's own module is loaded when its name says which (a scripted import need not load the
    # charting and modelling libraries other commands use); anything else gets the full parser and its help.
    only = _module_of(argv)
    try:
        # The one-command parser's error is held back: the full parser below says it (once) if it fails too.
        with contextlib.redirect_stderr(io.StringIO()) if only else contextlib.nullcontext():
            args = build_parser(only).parse_args(argv)
    except SystemExit as exc:
        if not only or exc.code == 0:  # --help of the command was printed
            raise
        args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except DatabaseLockedError as exc:
        print(_("error: {message}", message=str(exc)), file=sys.stderr)
        return 3
    except (commands.CommandError, FileNotFoundError, ValueError) as exc:
        print(_("error: {message}", message=str(exc)), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
