"""Display rules: every number, date and duration a user sees is formatted here, for the current locale.

Money is in the store's currency with its symbol and thousands separators and at most 2 decimals (compact forms
¥623.0万 / ¥1.25亿 in zh, CN¥6.23M in en); counts are integers; rates are percentages; a change of a rate is in
percentage points (+1.2 pp / +1.2个百分点); a relative change of a count or an amount is a signed percentage; dates
are dates (no 00:00:00), and missing values show as "—". Everything goes through Babel (CLDR data): the locale's
symbols, separators and patterns; the few choices that differ between languages (the date pattern, the unit of
percentage points, hours and days) are catalog entries, so a third language chooses its own in its catalog.

Numbers are rounded half away from zero (2.345 -> 2.35, as Excel and a manager's calculator do), not Babel's
default half-even. All functions are pure; the locale comes from the context (``use_locale``) unless passed.
"""
from __future__ import annotations

import datetime as _dt
import decimal
import functools
import math
import re
import unicodedata
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import get_currency_precision, get_plus_sign_symbol, parse_pattern

from ecomops.i18n.core import NP_, current_locale, npgettext, pgettext, use_locale

NONE = "—"  # what a missing value shows as
DEFAULT_CURRENCY = "CNY"
FIRST_WEEKDAY = 0  # weeks start on Monday (ISO 8601), in every locale
# fmt.metric(): how each KPI code is shown.
MONEY_METRICS = frozenset({"gmv", "spend_per_buyer", "aov", "spend", "attributed_gmv", "cpc", "monetary",
                           "avg_monetary", "unit_price", "price"})
RATE_METRICS = frozenset({"conversion_rate", "repurchase_rate", "ctr", "negative_review_rate"})
RATIO_METRICS = frozenset({"roi", "lift", "confidence"})

# Patterns a translator may change for their language (msgstr in the catalog); English gets ISO 8601 dates.
_DATE_PATTERN = NP_("date pattern", "yyyy-MM-dd")
_MONTH_PATTERN = NP_("month pattern", "yyyy-MM")
_DATETIME_PATTERN = NP_("datetime pattern", "yyyy-MM-dd HH:mm")


def is_missing(value: Any) -> bool:
    """Return True for None, NaN, NaT and pandas NA."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, NaT
    except (TypeError, ValueError):
        return type(value).__name__ in {"NAType", "NaTType"}


def _decimal(value: Any, decimals: int) -> decimal.Decimal:
    """Return value rounded half away from zero to ``decimals`` places, without a negative zero."""
    number = value if isinstance(value, decimal.Decimal) else decimal.Decimal(repr(float(value)))
    rounded = number.quantize(decimal.Decimal(1).scaleb(-decimals), rounding=decimal.ROUND_HALF_UP)
    return rounded if rounded != 0 else decimal.Decimal(0).quantize(rounded)


def _with_decimals(pattern: str, decimals: int) -> str:
    """Return a CLDR number pattern with exactly ``decimals`` fraction digits (``#,##0.00`` -> ``#,##0.0``)."""
    fraction = "." + "0" * decimals if decimals > 0 else ""
    return re.sub(r"0(?:\.[0#]+)?", lambda _m: "0" + fraction, pattern)


@functools.lru_cache(maxsize=None)
def _locale(locale: str) -> Locale:
    """Return Babel's Locale (parsing an identifier costs more than formatting a number, hence the cache)."""
    return Locale.parse(locale)


_pattern = functools.lru_cache(maxsize=1024)(parse_pattern)
_precision = functools.lru_cache(maxsize=None)(get_currency_precision)
_plus_sign = functools.lru_cache(maxsize=None)(get_plus_sign_symbol)


def _apply(pattern: str, number: decimal.Decimal, locale: str, currency: str | None = None) -> str:
    with decimal.localcontext() as ctx:
        ctx.rounding = decimal.ROUND_HALF_UP
        return _pattern(pattern).apply(number, _locale(locale), currency=currency, currency_digits=False,
                                       decimal_quantization=True)


def _signed(text: str, number: decimal.Decimal, locale: str) -> str:
    """Return text with an explicit plus sign when number > 0 (negative numbers carry their own minus sign)."""
    return _plus_sign(locale) + text if number > 0 else text


def _compact_unit(value: Any, locale: str, kind: str) -> tuple[decimal.Decimal, str] | None:
    """Return (scaled number, number pattern) of a compact form, or None when the value is below the first unit.

    The unit comes from the locale's compact patterns (万/亿 in zh, K/M/B in en, as Babel's format_compact_* pick
    them); the decimals are fixed so that figures read alike: 1 for units below a million (623.0万, 12.3K), 2 from
    there on (1.25亿, 6.23M). Babel's own compact functions only cap the decimals (¥623万), hence this.
    """
    number = value if isinstance(value, decimal.Decimal) else decimal.Decimal(repr(float(value)))
    data = getattr(_locale(locale), f"compact_{kind}_formats")["short"]["other"]
    magnitudes = sorted((int(m) for m in data), reverse=True)
    for index, magnitude in enumerate(magnitudes):
        if abs(number) < magnitude:
            continue
        pattern = data[str(magnitude)].pattern
        if pattern.replace("¤", "").strip() == "0":
            return None  # the locale does not abbreviate at this size (zh: thousands)
        divisor = magnitude // 10 ** (pattern.count("0") - 1)
        decimals = 1 if divisor < 1_000_000 else 2
        scaled = _decimal(number / divisor, decimals)
        if index > 0 and abs(scaled) * divisor >= magnitudes[index - 1]:
            # Rounding carried into the next unit (99,999,999 -> 10000.0万): show it in that unit (1.00亿).
            return _compact_unit(decimal.Decimal(magnitudes[index - 1]).copy_sign(number), locale, kind)
        return scaled, re.sub(r"0+", "#,##0." + "0" * decimals, pattern, count=1)
    return None


def money(value: Any, currency: str = DEFAULT_CURRENCY, *, compact: bool = False, decimals: int | None = None,
          signed: bool = False, locale: str | None = None) -> str:
    """Return an amount with the currency's symbol for the locale and thousands separators (¥1,234.50, CN¥1,234.50,
    £1,234.50); ``compact``: ¥623.0万 / ¥1.25亿 (zh), CN¥6.23M (en); ``decimals`` default: the currency's (≤ 2)."""
    if is_missing(value):
        return NONE
    locale = locale or current_locale()
    unit = _compact_unit(value, locale, "currency") if compact else None
    if unit:
        number_, pattern = unit
    else:
        digits = min(2, _precision(currency) if decimals is None else decimals)
        number_ = _decimal(value, digits)
        pattern = _with_decimals(_locale(locale).currency_formats["standard"].pattern, digits)
    text = _apply(pattern, number_, locale, currency)
    return _signed(text, number_, locale) if signed else text


def number(value: Any, decimals: int = 1, *, compact: bool = False, signed: bool = False,
           locale: str | None = None) -> str:
    """Return a number with separators and exactly ``decimals`` decimals (1,234.5); compact: 12.3万 / 12.3K."""
    if is_missing(value):
        return NONE
    locale = locale or current_locale()
    unit = _compact_unit(value, locale, "decimal") if compact else None
    if unit:
        number_, pattern = unit
    else:
        number_ = _decimal(value, decimals)
        pattern = _with_decimals(_locale(locale).decimal_formats[None].pattern, decimals)
    text = _apply(pattern, number_, locale)
    return _signed(text, number_, locale) if signed else text


def count(value: Any, *, compact: bool = False, signed: bool = False, locale: str | None = None) -> str:
    """Return a count as an integer with separators (409.0 -> 409, 12345 -> 12,345; compact: 1.2万 / 12.3K)."""
    return number(value, 0, compact=compact, signed=signed, locale=locale)


def percent(rate: Any, decimals: int = 1, *, signed: bool = False, locale: str | None = None) -> str:
    """Return a rate as a percentage (0.1234 -> 12.3%)."""
    if is_missing(rate) or not math.isfinite(float(rate)):
        return NONE
    locale = locale or current_locale()
    rounded = _decimal(decimal.Decimal(repr(float(rate))) * 100, decimals) / 100
    standard = _locale(locale).percent_formats[None].pattern
    text = _apply(_with_decimals(standard, decimals), rounded, locale)
    return _signed(text, rounded, locale) if signed else text


def change(relative: Any, decimals: int = 1, *, locale: str | None = None) -> str:
    """Return a relative change of a count or an amount as a signed percentage (+12.3%, -4.0%, 0.0%)."""
    return percent(relative, decimals, signed=True, locale=locale)


def pp(delta_rate: Any, decimals: int = 1, *, locale: str | None = None) -> str:
    """Return a change of a rate in percentage points (0.012 -> +1.2 pp; zh +1.2个百分点)."""
    if is_missing(delta_rate) or not math.isfinite(float(delta_rate)):
        return NONE
    with use_locale(locale):
        value = number(float(delta_rate) * 100, decimals, signed=True)
        return pgettext("percentage points", "{value} pp", value=value)


def times(value: Any, decimals: int = 1, *, locale: str | None = None) -> str:
    """Return a multiple (7.8 -> 7.8×; zh 7.8倍)."""
    if is_missing(value):
        return NONE
    with use_locale(locale):
        return pgettext("multiple", "{value}×", value=number(value, decimals))


def metric(name: str, value: Any, currency: str = DEFAULT_CURRENCY, *, compact: bool = False,
           locale: str | None = None) -> str:
    """Return a KPI value by its code: money, a rate (2 decimals), a ratio (ROI, 2 decimals) or a count."""
    if name in MONEY_METRICS:
        return money(value, currency, compact=compact, locale=locale)
    if name in RATE_METRICS or name.endswith(("_rate", "_share")):
        return percent(value, 2, locale=locale)  # as 生意参谋 shows conversion rates: 3.52%
    if name in RATIO_METRICS:
        return number(value, 2, locale=locale)
    return count(value, compact=compact, locale=locale)


def _as_date(value: Any) -> _dt.date:
    if isinstance(value, str):
        return _dt.date.fromisoformat(value[:10])
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        value = value.to_pydatetime()
    if type(value).__name__ == "datetime64":
        import pandas as pd

        value = pd.Timestamp(value).to_pydatetime()
    return value.date() if isinstance(value, _dt.datetime) else value


def date(value: Any, *, locale: str | None = None) -> str:
    """Return a date (a datetime shows its day only): en 2026-11-15 (ISO), zh 2026年11月15日."""
    if is_missing(value):
        return NONE
    with use_locale(locale) as loc:
        return format_date(_as_date(value), pgettext("date pattern", _DATE_PATTERN), locale=loc)


def weekday(value: Any, *, locale: str | None = None) -> str:
    """Return the weekday name of a date from the locale's calendar data: en Tuesday, zh 星期二."""
    if is_missing(value):
        return NONE
    with use_locale(locale) as loc:
        return format_date(_as_date(value), "EEEE", locale=loc)


def month(value: Any, *, locale: str | None = None) -> str:
    """Return the month of a date: en 2026-11, zh 2026年11月."""
    if is_missing(value):
        return NONE
    with use_locale(locale) as loc:
        return format_date(_as_date(value), pgettext("month pattern", _MONTH_PATTERN), locale=loc)


def week_start(value: Any) -> _dt.date:
    """Return the Monday that starts the week of a date (weeks start on Monday)."""
    day = _as_date(value)
    return day - _dt.timedelta(days=(day.weekday() - FIRST_WEEKDAY) % 7)


def week(value: Any, *, locale: str | None = None) -> str:
    """Return the ISO week (Monday to Sunday) of a date: en 2026-W46, zh 2026年第46周."""
    if is_missing(value):
        return NONE
    year, week_number, _day = _as_date(value).isocalendar()
    with use_locale(locale):  # {year} is a string (no separators); a translation may drop the week's padding
        return pgettext("ISO week", "{year}-W{week:0>2}", year=str(year), week=week_number)


def date_range(start: Any, end: Any, *, locale: str | None = None) -> str:
    """Return a date range: en 2026-11-09 – 2026-11-15, zh 2026年11月9日至2026年11月15日."""
    with use_locale(locale):
        return pgettext("date range", "{start} – {end}", start=date(start), end=date(end))


def datetime(value: Any, *, locale: str | None = None) -> str:
    """Return a date and time to the minute: en 2026-11-15 14:30, zh 2026年11月15日 14:30."""
    if is_missing(value):
        return NONE
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, str):
        value = _dt.datetime.fromisoformat(value)
    if not isinstance(value, _dt.datetime):
        value = _dt.datetime.combine(_as_date(value), _dt.time())
    with use_locale(locale) as loc:
        return format_datetime(value, pgettext("datetime pattern", _DATETIME_PATTERN), locale=loc)


def hours(value: Any, decimals: int = 1, *, locale: str | None = None) -> str:
    """Return a duration in hours: en 26.5 h, zh 26.5小时."""
    if is_missing(value):
        return NONE
    with use_locale(locale):
        return pgettext("duration", "{value} h", value=number(value, decimals))


def days(value: Any, decimals: int = 0, *, locale: str | None = None) -> str:
    """Return a duration in days: en 1 day / 23 days / 2.5 days, zh 23天."""
    if is_missing(value):
        return NONE
    with use_locale(locale):
        text = number(value, decimals)
        shown = float(_decimal(value, decimals))
        return npgettext("duration", "{value} day", "{value} days", shown, value=text)


def duration(*, hours: Any = None, days: Any = None, locale: str | None = None) -> str:
    """Return a duration given in hours or in days (exactly one of them)."""
    if (hours is None) == (days is None):
        raise TypeError("give exactly one of hours= or days=")
    return _hours(hours, locale=locale) if days is None else _days(days, locale=locale)


_hours, _days = hours, days


def width(text: str) -> int:
    """Return the terminal width of a text (CJK characters take two columns)."""
    return sum(2 if unicodedata.east_asian_width(ch) in {"W", "F"} else 1 for ch in text)


def pad(text: str, columns: int) -> str:
    """Return text padded with spaces to ``columns`` terminal columns (for aligned command-line output)."""
    return text + " " * max(0, columns - width(text))


__all__ = ["NONE", "change", "count", "date", "date_range", "datetime", "days", "duration", "hours", "is_missing",
           "metric", "money", "month", "number", "pad", "percent", "pp", "times", "week", "week_start", "width"]
