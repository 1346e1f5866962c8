"""Catalog tooling: extract message ids from the code, update every catalog, check them (``python -m ecomops.i18n``).

Extraction is Babel's Python extractor over ``ecomops/``, ``pages/`` and ``app.py`` with this project's keywords:
``_``, ``N_`` (msgid), ``ngettext`` (singular, plural), ``pgettext`` / ``NP_`` (context, msgid) and ``npgettext``.
Only string literals are extracted: ``_(variable)`` translates a value marked elsewhere with ``N_``/``NP_``.
Catalogs are written sorted by message id, with file names but no line numbers, and without wrapping, so that two
branches adding messages rarely touch the same lines of a .po file and moving code does not rewrite it.
"""
from __future__ import annotations

import ast
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ecomops.i18n.core import DOMAIN, LOCALES_DIR, SOURCE_LOCALE, SUPPORTED, catalog_path, placeholders

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("ecomops", "pages", "app.py")
KEYWORDS: dict[str, Any] = {
    "_": None,
    "N_": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "NP_": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
}
COMMENT_TAGS = ("TRANSLATORS:",)
Key = tuple[str | None, str]  # (context, msgid)


def source_files(root: Path = PROJECT_ROOT) -> list[Path]:
    """Return the Python files messages are extracted from, sorted."""
    files: list[Path] = []
    for name in SOURCES:
        path = root / name
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files.extend(p for p in path.rglob("*.py") if "__pycache__" not in p.parts)
    return sorted(files)


def extract(root: Path = PROJECT_ROOT) -> Any:
    """Return a Babel template catalog of every message id used in the code (with its file locations)."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_file

    template = Catalog(project="ecomops", domain=DOMAIN, fuzzy=False)
    for path in source_files(root):
        relative = path.relative_to(root).as_posix()
        for lineno, message, comments, context in extract_from_file(
                "python", str(path), keywords=KEYWORDS, comment_tags=COMMENT_TAGS, strip_comment_tags=True):
            parts = message if isinstance(message, tuple) else (message,)
            if not all(isinstance(part, str) and part for part in parts):
                continue  # a call on a variable (translated elsewhere) or an empty string
            flags = ("python-brace-format",) if any(placeholders(p) for p in parts) else ()
            template.add(message, None, [(relative, lineno)], auto_comments=comments, context=context, flags=flags)
    return template


def read(locale: str) -> Any:
    """Return a locale's catalog as Babel reads it (an empty catalog when the file does not exist)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po

    path = catalog_path(locale)
    if not path.exists():
        return Catalog(locale=locale, domain=DOMAIN, project="ecomops", fuzzy=False)
    with path.open("rb") as handle:
        return read_po(handle, locale=locale, domain=DOMAIN)


def write(catalog: Any, locale: str) -> None:
    """Write a catalog to its .po file: sorted by message id, file names without line numbers, no wrapping."""
    from babel.messages.pofile import write_po

    path = catalog_path(locale)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, sort_output=True, include_lineno=False, ignore_obsolete=True)
    path.write_bytes(buffer.getvalue())


@dataclass
class UpdateResult:
    """What ``update`` changed in one catalog."""

    locale: str
    added: list[Key] = field(default_factory=list)
    removed: list[Key] = field(default_factory=list)


def _keys(catalog: Any) -> set[Key]:
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}


def update(root: Path = PROJECT_ROOT, fuzzy_matching: bool = True) -> list[UpdateResult]:
    """Extract the code's message ids and merge them into every catalog (translations kept; entries the code no
    longer uses dropped; with fuzzy_matching a changed id gets its old translation marked fuzzy for review)."""
    template = extract(root)
    results = []
    for locale in SUPPORTED:
        catalog = read(locale)
        before = _keys(catalog)
        catalog.update(template, no_fuzzy_matching=not fuzzy_matching, update_header_comment=False,
                       update_creation_date=False)
        catalog.fuzzy = False
        after = _keys(catalog)
        write(catalog, locale)
        results.append(UpdateResult(locale, sorted(after - before, key=str), sorted(before - after, key=str)))
    return results


@dataclass
class CheckReport:
    """Problems found by ``check``: each list holds (locale, description) pairs; empty lists mean all is well."""

    missing: list[tuple[str, str]] = field(default_factory=list)  # used in code, absent from a catalog
    unused: list[tuple[str, str]] = field(default_factory=list)  # in a catalog, no longer used in code
    untranslated: list[tuple[str, str]] = field(default_factory=list)  # empty or fuzzy (not the English catalog)
    placeholders: list[tuple[str, str]] = field(default_factory=list)  # {name} fields differ, bad %-format
    catalogs: list[tuple[str, str]] = field(default_factory=list)  # catalog folders vs SUPPORTED
    code: list[tuple[str, str]] = field(default_factory=list)  # ("file:line", why a call cannot be translated)

    @property
    def ok(self) -> bool:
        """Return True when nothing is wrong."""
        return not (self.missing or self.unused or self.untranslated or self.placeholders or self.catalogs
                    or self.code)

    def lines(self) -> list[str]:
        """Return the report as text lines."""
        out = []
        for title, items in (("used in code but missing from the catalog", self.missing),
                             ("in the catalog but no longer used in code", self.unused),
                             ("untranslated or fuzzy", self.untranslated),
                             ("placeholders differ between msgid and msgstr", self.placeholders),
                             ("catalog folders", self.catalogs),
                             ("calls that cannot be translated", self.code)):
            if items:
                out.append(f"{title} ({len(items)}):")
                out.extend(f"  [{locale}] {text}" for locale, text in items)
        return out or ["all catalogs complete: every message used in code is translated, nothing unused"]


def _describe(key: Key) -> str:
    context, msgid = key
    return f"{msgid!r}" + (f" (context {context!r})" if context else "")


def _placeholder_problem(message: Any) -> str | None:
    """Return why a translation's placeholders do not match its message id, else None."""
    ids = message.id if isinstance(message.id, tuple) else (message.id,)
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    strings = tuple(s for s in strings if s)
    if not strings:
        return None
    if message.python_format and not message.python_brace_format:
        from babel.messages.checkers import python_format
        from babel.messages.catalog import TranslationError

        try:
            python_format(None, message)  # kinds and types of %-fields; it accepts a dropped named field, so:
        except TranslationError as exc:
            return str(exc)
        wanted, got = (set(re.findall(r"%\((\w+)\)", text)) for text in (ids[0], strings[0]))
        return None if got == wanted else f"expects {sorted(wanted)}, has {sorted(got)}"
    if len(ids) == 1:
        wanted = placeholders(ids[0])
        got = placeholders(strings[0])
        return None if got == wanted else f"expects {sorted(wanted)}, has {sorted(got)}"
    allowed = placeholders(ids[0]) | placeholders(ids[1])
    for form in strings:
        if not placeholders(form) <= allowed:
            return f"form {form!r} uses {sorted(placeholders(form) - allowed)}, not in the message id"
    if not placeholders(ids[1]) <= placeholders(strings[-1]):
        return f"the last plural form lacks {sorted(placeholders(ids[1]) - placeholders(strings[-1]))}"
    return None


# Positions of the message arguments of each keyword (0-based).
_MESSAGE_ARGS = {"_": (0,), "N_": (0,), "ngettext": (0, 1), "pgettext": (1,), "NP_": (1,), "npgettext": (1, 2)}


def untranslatable_calls(root: Path = PROJECT_ROOT) -> list[tuple[str, str]]:
    """Return (file:line, problem) for calls whose message cannot be extracted or translated as a whole: an f-string,
    a concatenation or %-formatting as the message, or ``.format()`` applied to the translation."""
    found: list[tuple[str, str]] = []
    for path in source_files(root):
        relative = path.relative_to(root).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=relative)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "format" and isinstance(func.value, ast.Call) \
                    and isinstance(func.value.func, ast.Name) and func.value.func.id in _MESSAGE_ARGS:
                found.append((f"{relative}:{node.lineno}", f"{func.value.func.id}(...).format(): pass the fields as "
                                                           f"keyword arguments of {func.value.func.id}()"))
            if not (isinstance(func, ast.Name) and func.id in _MESSAGE_ARGS):
                continue
            for index in _MESSAGE_ARGS[func.id]:
                arg = node.args[index] if index < len(node.args) else None
                if isinstance(arg, ast.JoinedStr):
                    found.append((f"{relative}:{node.lineno}", f"{func.id}() of an f-string: use {{name}} fields "
                                                               "and keyword arguments"))
                elif isinstance(arg, ast.BinOp):
                    found.append((f"{relative}:{node.lineno}", f"{func.id}() of a concatenation or %-formatting: "
                                                               "put the whole sentence in one message"))
    return sorted(found, key=lambda item: (item[0].rsplit(":", 1)[0], int(item[0].rsplit(":", 1)[1])))


def check(root: Path = PROJECT_ROOT) -> CheckReport:
    """Return the problems of the catalogs against the code (see CheckReport)."""
    report = CheckReport()
    folders = {p.name for p in LOCALES_DIR.iterdir() if p.is_dir()}
    for extra in sorted(folders - set(SUPPORTED)):
        report.catalogs.append((extra, "a catalog folder not in ecomops.i18n.core.SUPPORTED"))
    template = _keys(extract(root))
    for locale in SUPPORTED:
        if not catalog_path(locale).exists():
            report.catalogs.append((locale, f"no catalog at {catalog_path(locale).relative_to(root)}"))
            continue
        catalog = read(locale)
        keys = _keys(catalog)
        report.missing += [(locale, _describe(k)) for k in sorted(template - keys, key=str)]
        report.unused += [(locale, _describe(k)) for k in sorted(keys - template, key=str)]
        for message in catalog:
            if not message.id:
                continue
            key = (message.context, message.id if isinstance(message.id, str) else message.id[0])
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.fuzzy or (locale != SOURCE_LOCALE and not all(strings)):
                report.untranslated.append((locale, _describe(key) + (" (fuzzy)" if message.fuzzy else "")))
            problem = _placeholder_problem(message)
            if problem:
                report.placeholders.append((locale, f"{_describe(key)}: {problem}"))
    report.untranslated.sort()
    report.placeholders.sort()
    report.code = untranslatable_calls(root)
    return report
