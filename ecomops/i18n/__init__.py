"""Internationalisation: message catalogs (zh_CN, en), the current locale, display rules and code labels.

Streamlit-free. Use::

    from ecomops.i18n import _, N_, ngettext, pgettext, label, fmt

    _("Customers slipping away")                      # translated into the current locale
    _("{n} customers need a reply", n=fmt.count(n))   # placeholders filled from keyword arguments
    ngettext("{n} order", "{n} orders", n)             # {n} is fmt.count(n) unless given
    label("channel", "paid_ads")                      # "Paid ads" / "付费广告"; unknown codes humanised
    fmt.money(6_230_000, compact=True)                # "¥623.0万" in zh_CN, "CN¥6.23M" in en
    with use_locale("zh_CN"): ...                     # the locale of the current context (ContextVar)

See docs/i18n.md for the conventions, the catalogs and the tooling (``python -m ecomops.i18n extract|check``).
"""
from __future__ import annotations

from ecomops.i18n import fmt
from ecomops.i18n.core import (
    DEFAULT_LOCALE, SOURCE_LOCALE, SUPPORTED, N_, NP_, _, catalog_path, current_locale, from_environment, gettext,
    language_name, negotiate, ngettext, npgettext, pgettext, reload, resolve, set_locale, url_code, use_locale,
)
from ecomops.i18n.labels import KINDS, label, labels

__all__ = ["DEFAULT_LOCALE", "KINDS", "N_", "NP_", "SOURCE_LOCALE", "SUPPORTED", "_", "catalog_path", "current_locale",
           "fmt", "from_environment", "gettext", "label", "labels", "language_name", "negotiate", "ngettext",
           "npgettext", "pgettext", "reload", "resolve", "set_locale", "url_code", "use_locale"]
