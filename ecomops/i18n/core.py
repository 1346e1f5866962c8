"""Message catalogs and the current locale: ``_()``, ``ngettext``, ``pgettext``, ``use_locale``, ``negotiate``.

Catalogs are gettext ``.po`` files (``locales/<locale>/LC_MESSAGES/messages.po``) read with Babel at first use and
compiled in memory to the GNU ``.mo`` format that the standard library's ``gettext.GNUTranslations`` reads (plural
forms, message context). No compiled file is kept in the repository or built at install time: a fresh clone plus
``pip install -r requirements.txt`` works, and an edited ``.po`` can never be shadowed by a stale ``.mo``. Reading
both catalogs costs ~50 ms once per process, most of it importing Babel (``python bench/bench_i18n.py``).

The current locale lives in a ``ContextVar``: Streamlit runs each session's script in its own thread, whose context
starts empty (so each run sets its own locale and never sees another session's), and the command line sets it once
around the command. Message ids are the English source text with ``{name}`` placeholders; an untranslated entry
falls back to the English text.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import functools
import gettext as _gettext
import io
import logging
import os
import re
import string
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"
# Add a language: add its catalog (docs/i18n.md) and its code here, in the order the language switcher shows them.
SUPPORTED: tuple[str, ...] = ("zh_CN", "en")
SOURCE_LOCALE = "en"  # message ids are English: an empty English msgstr means "as written in the code"
# When nothing the user sent names a supported language (no Accept-Language, a French browser, LANG=C on a server),
# English is shown: every Chinese operator's browser or desktop says zh and is matched, and for the rest English is
# the lingua franca. It also keeps the command line's output stable for scripts running under LANG=C.
DEFAULT_LOCALE = "en"

_log = logging.getLogger(__name__)
_current: ContextVar[str] = ContextVar("ecomops_locale", default=DEFAULT_LOCALE)
_FORMATTER = string.Formatter()


# ---------------------------------------------------------------------------------------------------------------
# Locale selection
# ---------------------------------------------------------------------------------------------------------------

def current_locale() -> str:
    """Return the locale of the current context (a member of SUPPORTED)."""
    return _current.get()


def resolve(tag: str | None) -> str | None:
    """Return the supported locale a language tag names (``zh``, ``zh-CN``, ``zh_Hans``, ``zh_CN.UTF-8``, ``en-GB``),
    else None. Any Chinese tag maps to the one Chinese catalog (zh_CN), any English tag to en."""
    if not tag:
        return None
    tag = tag.strip().split(".", 1)[0].split("@", 1)[0].replace("-", "_")
    if not tag or tag == "*" or tag.upper() in {"C", "POSIX"}:
        return None
    lowered = tag.lower()
    for locale in SUPPORTED:
        if locale.lower() == lowered:
            return locale
    language = lowered.split("_", 1)[0]
    return next((loc for loc in SUPPORTED if loc.split("_", 1)[0].lower() == language), None)


def _preferences(candidates: str | Iterable[str | None] | None) -> list[str]:
    """Return language tags in order of preference from tags, an Accept-Language value or a LANGUAGE list."""
    if candidates is None:
        return []
    items = [candidates] if isinstance(candidates, str) else [c for c in candidates if c]
    weighted: list[tuple[float, int, str]] = []
    for item in items:
        for part in re.split(r"[,:]", item):
            tag, _sep, params = part.partition(";")
            quality = 1.0
            match = re.search(r"q\s*=\s*([0-9.]+)", params)
            if match:
                try:
                    quality = float(match.group(1))
                except ValueError:
                    quality = 0.0
            if tag.strip() and quality > 0:
                weighted.append((-quality, len(weighted), tag.strip()))
    return [tag for _q, _i, tag in sorted(weighted)]


def negotiate(candidates: str | Iterable[str | None] | None, default: str = DEFAULT_LOCALE) -> str:
    """Return the first supported locale among candidates, else ``default``.

    Candidates: one tag (``?lang=zh``), several in order of preference, an Accept-Language header
    (``fr-FR,zh-CN;q=0.8,en;q=0.5`` -> zh_CN by quality), or a POSIX locale (``zh_CN.UTF-8``).
    """
    for tag in _preferences(candidates):
        locale = resolve(tag)
        if locale:
            return locale
    return default


def from_environment(environ: Mapping[str, str] | None = None, default: str = DEFAULT_LOCALE) -> str:
    """Return the locale the POSIX environment asks for (LANGUAGE, then LC_ALL / LC_MESSAGES / LANG), else default."""
    env = os.environ if environ is None else environ
    effective = env.get("LC_ALL") or env.get("LC_MESSAGES") or env.get("LANG") or ""
    candidates = [effective]
    # Like gettext: LANGUAGE (a colon-separated list) comes first unless the locale is C/POSIX (or unset).
    if env.get("LANGUAGE") and effective and effective.split(".", 1)[0].upper() not in {"C", "POSIX"}:
        candidates.insert(0, env["LANGUAGE"])
    return negotiate(candidates, default)


def _checked(locale: str) -> str:
    resolved = resolve(locale)
    if resolved is None:
        raise ValueError(f"unsupported locale {locale!r}; supported: {', '.join(SUPPORTED)}")
    return resolved


def set_locale(locale: str) -> None:
    """Set the locale of the current context (``zh``, ``zh_CN``, ``en``...; ValueError when unsupported)."""
    _current.set(_checked(locale))


@contextlib.contextmanager
def use_locale(locale: str | None) -> Iterator[str]:
    """Run a block in a locale (None: keep the current one); yield the locale in use."""
    if locale is None:
        yield current_locale()
        return
    resolved = _checked(locale)
    token = _current.set(resolved)
    try:
        yield resolved
    finally:
        _current.reset(token)


def url_code(locale: str | None = None) -> str:
    """Return the short code of a locale for URLs and ``--lang`` (zh_CN -> ``zh``, en -> ``en``)."""
    return (locale or current_locale()).split("_", 1)[0]


def language_name(locale: str) -> str:
    """Return a language's name in that language (for the language switcher): 中文, English."""
    from babel import Locale

    return Locale.parse(locale).language_name or locale


# ---------------------------------------------------------------------------------------------------------------
# Catalogs
# ---------------------------------------------------------------------------------------------------------------

def catalog_path(locale: str) -> Path:
    """Return the path of a locale's .po catalog."""
    return LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def _complete(message: Any) -> bool:
    strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
    return all(strings) and not message.fuzzy


@functools.lru_cache(maxsize=None)
def translations(locale: str) -> _gettext.NullTranslations:
    """Return the compiled translations of a locale (cached; ``reload()`` drops the cache)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    path = catalog_path(locale)
    if not path.exists():
        return _gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale, domain=DOMAIN)
    # Only complete, non-fuzzy entries: a half-translated plural or a fuzzy guess falls back to the English text.
    for message in list(catalog):
        if message.id and not _complete(message):
            catalog.delete(message.id, context=message.context)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def reload() -> None:
    """Forget the loaded catalogs (after editing a .po file in a running process)."""
    translations.cache_clear()


# ---------------------------------------------------------------------------------------------------------------
# Translating
# ---------------------------------------------------------------------------------------------------------------

def placeholders(text: str) -> set[str]:
    """Return the names of the ``{name}`` fields of a message (``{value:,.1f}`` -> ``value``)."""
    names: set[str] = set()
    try:
        for _literal, field, _spec, _conv in _FORMATTER.parse(text):
            if field is not None:
                names.add(re.split(r"[.\[]", field, maxsplit=1)[0])
    except ValueError:
        names.add("<malformed>")
    return names


def _value(value: Any) -> Any:
    """Return a keyword argument ready for a message: dates through fmt, floats refused (format them first).

    A datetime at exactly midnight is shown as a date: pandas turns every DATE column into midnight timestamps.
    """
    from ecomops.i18n import fmt

    if isinstance(value, _dt.datetime) or type(value).__name__ == "Timestamp":
        midnight = (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0)
        return fmt.date(value) if midnight else fmt.datetime(value)
    if isinstance(value, _dt.date):
        return fmt.date(value)
    if isinstance(value, float) or type(value).__module__ == "decimal" or "float" in type(value).__name__:
        raise TypeError(f"format the number {value!r} with ecomops.i18n.fmt before passing it to a message")
    return value


def _format(text: str, source: str, kwargs: dict[str, Any]) -> str:
    if not kwargs:
        return text
    values = {name: _value(value) for name, value in kwargs.items()}
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError, AttributeError) as exc:
        if text is source:
            raise
        _log.warning("translation of %r does not format (%s); showing the English text", source, exc)
        return source.format(**values)


def gettext(msgid: str) -> str:
    """Return the translation of a message id in the current locale, unformatted."""
    return translations(current_locale()).gettext(msgid)


def _(msgid: str, /, **kwargs: Any) -> str:
    """Return a message translated into the current locale, its ``{name}`` fields filled from kwargs.

    Numbers must arrive already formatted (``fmt.count(n)``); a float raises TypeError. Dates are formatted here.
    Without kwargs the text is returned as is (so literal braces need no doubling then).
    """
    return _format(translations(current_locale()).gettext(msgid), msgid, kwargs)


def N_(msgid: str, /) -> str:
    """Mark a message id for extraction without translating it (translate later with ``_(value)``)."""
    return msgid


def NP_(context: str, msgid: str, /) -> str:
    """Mark a message id with its context for extraction (translate later with ``pgettext(context, value)``)."""
    return msgid


def _count_kwargs(n: int | float, kwargs: dict[str, Any]) -> dict[str, Any]:
    if "n" not in kwargs:
        from ecomops.i18n import fmt

        kwargs = dict(kwargs, n=fmt.count(n))
    return kwargs


def _plural_n(n: int | float) -> int:
    """Return the integer gettext selects a plural form with (1.5 days is plural, like 2 days)."""
    return int(n) if float(n).is_integer() else 2


def ngettext(singular: str, plural: str, n: int | float, /, **kwargs: Any) -> str:
    """Return the singular or plural message for n, translated and formatted; ``{n}`` defaults to ``fmt.count(n)``."""
    text = translations(current_locale()).ngettext(singular, plural, _plural_n(n))
    return _format(text, singular if _plural_n(n) == 1 else plural, _count_kwargs(n, kwargs))


def pgettext(context: str, msgid: str, /, **kwargs: Any) -> str:
    """Return a message translated in a context (one English word, two Chinese translations), then formatted."""
    return _format(translations(current_locale()).pgettext(context, msgid), msgid, kwargs)


def npgettext(context: str, singular: str, plural: str, n: int | float, /, **kwargs: Any) -> str:
    """Return ngettext in a context."""
    text = translations(current_locale()).npgettext(context, singular, plural, _plural_n(n))
    return _format(text, singular if _plural_n(n) == 1 else plural, _count_kwargs(n, kwargs))
