"""The command line in the user's language: argparse's own messages (usage, options, its errors) from the catalogs.

argparse translates its texts with the standard library's ``gettext`` bound at import (``argparse._`` and
``argparse.ngettext``), looking in the process-wide "messages" domain of the system's locale folders; there is no
other hook. ``localize_argparse()`` points those two names at this project's catalogs (context "argparse", current
locale read at call time), so ``python -m ecomops --lang zh kpis --help`` is Chinese from "用法" to its errors;
``ArgumentParser`` (inherited by its subcommand parsers) aligns help columns by display width, as a CJK character
takes two terminal columns where argparse counts one.
The message ids below are argparse's (Python 3.11) English texts with their %-format fields; a text a newer Python
changes falls back to English until its id is added here.
"""
from __future__ import annotations

import argparse

import re

from ecomops.i18n.core import NP_, current_locale, translations
from ecomops.i18n.fmt import width

ARGPARSE_MESSAGES = (
    NP_("argparse", "usage: "),
    NP_("argparse", "positional arguments"),
    NP_("argparse", "options"),
    NP_("argparse", "show this help message and exit"),
    NP_("argparse", "%(prog)s: error: %(message)s\n"),
    NP_("argparse", "argument %(argument_name)s: %(message)s"),
    NP_("argparse", "unrecognized arguments: %s"),
    NP_("argparse", "the following arguments are required: %s"),
    NP_("argparse", "one of the arguments %s is required"),
    NP_("argparse", "not allowed with argument %s"),
    NP_("argparse", "expected one argument"),
    NP_("argparse", "expected at most one argument"),
    NP_("argparse", "expected at least one argument"),
    NP_("argparse", "ambiguous option: %(option)s could match %(matches)s"),
    NP_("argparse", "invalid %(type)s value: %(value)r"),
    NP_("argparse", "invalid choice: %(value)r (choose from %(choices)s)"),
    NP_("argparse", "ignored explicit argument %r"),
)


def _argparse_gettext(message: str) -> str:
    return translations(current_locale()).pgettext("argparse", message)


def _argparse_ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_locale()).npgettext("argparse", singular, plural, n)


def localize_argparse() -> None:
    """Make argparse's own messages follow the current locale (idempotent; affects this process's argparse)."""
    argparse._ = _argparse_gettext  # type: ignore[attr-defined]
    argparse.ngettext = _argparse_ngettext  # type: ignore[attr-defined]


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter with the help column aligned by terminal width (``--db 路径`` is 9 columns, not 7)."""

    def add_argument(self, action: argparse.Action) -> None:
        super().add_argument(action)
        if action.help is not argparse.SUPPRESS:
            invocations = [self._format_action_invocation(action)]
            invocations += [self._format_action_invocation(sub) for sub in self._iter_indented_subactions(action)]
            self._action_max_length = max(self._action_max_length,
                                          max(map(width, invocations)) + self._current_indent)

    def _format_action(self, action: argparse.Action) -> str:
        text = super()._format_action(action)
        invocation = self._format_action_invocation(action)
        extra = width(invocation) - len(invocation)
        if extra <= 0:
            return text
        # Take the extra columns out of the padding after the invocation (keeping two spaces before the help).
        return re.sub(re.escape(invocation) + r"( {3,})",
                      lambda m: invocation + " " * max(2, len(m.group(1)) - extra), text, count=1)


class ArgumentParser(argparse.ArgumentParser):
    """argparse's parser with the display-width-aware HelpFormatter (subcommand parsers are of the same class)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)
