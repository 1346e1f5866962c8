"""The words of delivered messages in Chinese and English: message ids here, translations in the catalogs.

Every sentence a message carries goes through :func:`text` (and the name functions below), in the subscription's
language (``"zh"`` or ``"en"``), whatever the language of the process that sends it (the scheduler, a page, cron).
The ids are marked with ``N_`` / ``NP_`` so the catalog tool extracts them; the Chinese is in the zh_CN catalog.
"""
from __future__ import annotations

import math
from datetime import date
from typing import Any

from ecomops.i18n import N_, NP_
from ecomops.i18n.core import gettext, pgettext, use_locale

LANGUAGES = ("zh", "en")
_LOCALES = {"zh": "zh_CN", "en": "en"}

_TEXTS: dict[str, str] = {
    "weekly_title": N_("Weekly review {week} ({start} – {end})"),
    "monthly_title": N_("Monthly review {month} ({start} – {end})"),
    "partial": N_("Partial period: the data ends on {end}."),
    "kpi": N_("{label}: {value} ({change} {change_name}, {yoy} YoY)"),
    "roi_cut": N_("ROI below {floor}: {channels}. Cut or fix the spend."),
    "review_alerts": N_("{n} alert(s) in the period; most severe: {alert}"),
    "review_risks": N_("Risk items to act on: {items}."),
    "pdf_attached": N_("The full review is attached as a PDF."),
    "open_review": N_("Open the review"),
    "alerts_title": N_("{n} alert(s) on core metrics, {start} – {end}"),
    "alert": N_("[{severity}] {label} {change} on {weekday} {day} (expected {baseline}, actual {value})"),
    "alert_segment": N_("[{severity}] {label} of {segment} {change} on {weekday} {day}: {buyers} buyers where "
                        "{expected} were expected (expected {baseline}, actual {value})"),
    "alert_cause": N_("  likely cause: {cause}"),
    "open_monitoring": N_("Open Monitoring for the root cause"),
    "stockouts_title": N_("A items out of stock or at risk: {n} (as of {day})"),
    "out_of_stock": N_("Out of stock: {title} ({category})"),
    "stockout_risk": N_("Stock-out risk: {title} ({category}), {cover} days of cover, {on_hand} on hand"),
    "open_inventory": N_("Open Inventory (ABC)"),
    "sla_title": N_("Negative reviews past the {hours} h reply SLA: {n} ({start} – {end})"),
    "sla_counts": N_("{negative} negative of {reviews} reviews ({rate}; target ≤ {target}); {open} still open."),
    "sla_open": N_("Open {hours} h: {title} ({category}), rating {rating}"),
    "open_reputation": N_("Open Reputation"),
    "more": N_("… and {n} more"),
    "test_title": N_("ecomops test message"),
    "test_body": N_("This destination ({name}, {kind}) is set up: scheduled reviews and alerts will arrive here."),
}
_METRICS: dict[str, tuple[str, str]] = {
    "gmv": ("delivery metric", NP_("delivery metric", "GMV")),
    "orders": ("delivery metric", NP_("delivery metric", "Orders")),
    "buyers": ("delivery metric", NP_("delivery metric", "Buyers")),
    "uv": ("delivery metric", NP_("delivery metric", "UV")),
    "conversion_rate": ("delivery metric", NP_("delivery metric", "Conversion rate")),
    "spend_per_buyer": ("delivery metric", NP_("delivery metric", "Spend per buyer")),
    "aov": ("delivery metric", NP_("delivery metric", "AOV")),
    "repurchase_rate": ("delivery metric", NP_("delivery metric", "Repurchase rate")),
}
_SEVERITIES: dict[str, tuple[str, str]] = {
    "critical": ("delivery severity", NP_("delivery severity", "critical")),
    "warning": ("delivery severity", NP_("delivery severity", "warning")),
    "info": ("delivery severity", NP_("delivery severity", "info")),
}
_CHANGE_NAMES: dict[str, tuple[str, str]] = {
    "WoW": ("delivery change", NP_("delivery change", "WoW")),
    "MoM": ("delivery change", NP_("delivery change", "MoM")),
}
# The review's risk items (report.risks) by their English names.
_RISK_ITEMS = {
    "Negative-review rate": NP_("risk item", "Negative-review rate"),
    "Reply SLA breaches": NP_("risk item", "Reply SLA breaches"),
    "SKUs without a backup supplier": NP_("risk item", "SKUs without a backup supplier"),
    "Competitor undercuts": NP_("risk item", "Competitor undercuts"),
}
_WEEKDAYS = (NP_("weekday", "Mon"), NP_("weekday", "Tue"), NP_("weekday", "Wed"), NP_("weekday", "Thu"), NP_("weekday", "Fri"), NP_("weekday", "Sat"), NP_("weekday", "Sun"))
_LIST_SEPARATOR = NP_("list separator", ", ")


def check_language(lang: str) -> str:
    """Return ``lang`` when it is a supported message language, else raise ValueError."""
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)} (got {lang!r})")
    return lang


def _in(lang: str, msgid: str, context: str | None = None) -> str:
    """Return a message id translated into ``lang`` (zh|en), unformatted."""
    with use_locale(_LOCALES[check_language(lang)]):
        return pgettext(context, msgid) if context else gettext(msgid)


def text(lang: str, key: str, **values: Any) -> str:
    """Return the message sentence ``key`` in ``lang`` with ``values`` filled in."""
    return _in(lang, _TEXTS[key]).format(**values)


def metric_name(lang: str, metric: str) -> str:
    """Return the display name of a KPI in ``lang`` (the metric key when unknown)."""
    return _in(lang, _METRICS[metric][1], _METRICS[metric][0]) if metric in _METRICS else metric


def severity_name(lang: str, severity: str) -> str:
    """Return the name of an alert severity in ``lang``."""
    return _in(lang, _SEVERITIES[severity][1], _SEVERITIES[severity][0]) if severity in _SEVERITIES else severity


def change_name(lang: str, name: str) -> str:
    """Return 'WoW' / 'MoM' in ``lang``."""
    return _in(lang, _CHANGE_NAMES[name][1], _CHANGE_NAMES[name][0]) if name in _CHANGE_NAMES else name


def risk_item(lang: str, item: str) -> str:
    """Return a review risk item's name in ``lang``."""
    return _in(lang, _RISK_ITEMS[item], "risk item") if item in _RISK_ITEMS else item


def weekday(lang: str, day: date) -> str:
    """Return the short weekday name of ``day`` in ``lang``."""
    return _in(lang, _WEEKDAYS[day.weekday()], "weekday")


def join(lang: str, items: list[str]) -> str:
    """Return ``items`` joined as a list in ``lang``."""
    return _in(lang, _LIST_SEPARATOR, "list separator").join(items)


def percent_change(value: float | None) -> str:
    """Return a relative change as '+12.3%' ('—' when undefined)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:+.1%}"
