"""Checks on the text a user sees (for page tests): wrong language, debug-print numbers, raw codes, doc names.

``find_problems(texts, locale, data=..., codes=...)`` flags, in every visible string:
- zh: an English word that Chinese operators do not use as is (GMV, UV, ROI, SKU, app, pc... are allowed);
- en: Chinese characters (and full-width punctuation);
- both: a file name ending in ``.md``, a ``00:00:00`` time, a number with 3 or more decimals, a raw code
  (``paid_ads``, ``mobile_web``: by default every snake_case code of ecomops.i18n.labels).
Data values (product titles, imported channel names, keywords, campaign names) are shown as they are stored, in
whatever language: pass them as ``data`` and they are removed from a text before the language checks.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# English terms Chinese operators use as they are (compared case-insensitively).
ALLOWED_IN_ZH: frozenset[str] = frozenset(word.lower() for word in (
    "GMV", "UV", "PV", "ROI", "SKU", "SPU", "AOV", "KPI", "CTR", "CVR", "CPC", "CPM", "CPA", "LTV", "DSR", "VIP",
    "SLA", "AUC", "ROC", "PR", "CSV", "TSV", "XLSX", "Excel", "Parquet", "JSON", "SQL", "SELECT", "PDF", "HTML",
    "URL", "ID", "API", "app", "pc", "ABC", "RFM", "FM", "Top", "TOP", "UTF", "GB", "ecomops", "DuckDB", "Spark",
    # Names of protocols and services that Chinese settings screens show as they are (邮件 SMTP 服务器, 钉钉 Webhook).
    "SMTP", "SSL", "TLS", "STARTTLS", "HMAC", "SHA", "Webhook", "Slack", "UTC", "OIDC", "SSO",
    # A SQL keyword, sizes and an encoding name, as the SQL console and the importer name them.
    "WITH", "KB", "MB", "GBK",
))
# A run of letters, also after a digit (the "x" of 7.8x), but not inside an identifier such as P0001 or GB18030.
_ENGLISH_WORD = re.compile(r"(?<![A-Za-z_])[A-Za-z]+(?:['’][A-Za-z]+)?(?![A-Za-z0-9_])")
_CJK = re.compile(r"[\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
_CURRENCY_PREFIX = re.compile(r"\b[A-Z]{1,3}(?=[$¥£€₹₩])")  # US$, CN¥, R$, JP¥: part of a currency symbol
_BOTH = (
    ("doc file name", re.compile(r"\.md\b")),
    ("midnight time", re.compile(r"00:00:00")),
    ("3+ decimals", re.compile(r"(?<![\d.])\d+\.\d{3,}(?![\d.])")),
)


@dataclass(frozen=True)
class Problem:
    """One finding: the text, what is wrong and the offending part."""

    text: str
    rule: str
    match: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.match!r} in {self.text!r}"


def _without(text: str, data: list[str]) -> str:
    """Return text with every data value removed (longest first, so a value inside another goes with it)."""
    for value in data:
        if value in text:
            text = text.replace(value, " ")
    return text


def _problems(text: str, locale: str, codes: Iterable[str], allowed: frozenset[str]) -> list[Problem]:
    found: list[Problem] = []
    if locale.startswith("zh"):
        stripped = _CURRENCY_PREFIX.sub(" ", text)
        found += [Problem(text, "English word in zh", m.group(0)) for m in _ENGLISH_WORD.finditer(stripped)
                  if m.group(0).lower() not in allowed and not (len(m.group(0)) == 1 and m.group(0).isupper())]
    else:
        found += [Problem(text, "Chinese in en", m.group(0)) for m in _CJK.finditer(text)]
    for rule, pattern in _BOTH:
        found += [Problem(text, rule, m.group(0)) for m in pattern.finditer(text)]
    for code in codes:
        if re.search(r"(?<![A-Za-z0-9_])" + re.escape(code) + r"(?![A-Za-z0-9_])", text):
            found.append(Problem(text, "raw code", code))
    return found


def find_problems(texts: Iterable[str], locale: str, *, data: Iterable[str] = (), codes: Iterable[str] | None = None,
                  allowed: Iterable[str] = ALLOWED_IN_ZH) -> list[Problem]:
    """Return the problems of the visible texts in a locale (empty when all is well).

    ``data``: values shown as stored (ignored by every check); ``codes``: raw codes a user must never see (default:
    the snake_case codes of the label tables); ``allowed``: English words accepted in zh (single capital letters,
    such as ABC classes and R/F/M scores, always are).
    """
    from ecomops.i18n.labels import raw_codes

    code_list = list(raw_codes() if codes is None else codes)
    allowed_set = frozenset(word.lower() for word in allowed)
    values = sorted({v for v in data if v}, key=len, reverse=True)
    problems: list[Problem] = []
    for text in texts:
        if not text:
            continue
        # Cheap first pass on the raw text; only a text with findings is checked again without the data values.
        if _problems(text, locale, code_list, allowed_set):
            clean = _without(text, values)
            problems += [Problem(text, p.rule, p.match) for p in _problems(clean, locale, code_list, allowed_set)]
    return problems


def assert_clean(texts: Iterable[str], locale: str, **kwargs) -> None:
    """Raise AssertionError listing every problem of the visible texts (see find_problems)."""
    problems = find_problems(texts, locale, **kwargs)
    if problems:
        raise AssertionError(f"{len(problems)} visible-text problems in {locale}:\n" +
                             "\n".join(f"  {p}" for p in problems))
