"""Shared st.dataframe column formats and headers, so every page shows money, counts, shares and ratios the same
way and every column header in the user's language.

Labels are passed translated (``colfmt.count(_("Orders"))``) or come from ``headers`` (``label("column", name)``);
money columns carry the store's currency symbol in the current language (¥ in zh, CN¥ in en, as
``ecomops.i18n.fmt.money``); code columns are shown by their labels (``labelled``), never as raw codes.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

import pandas as pd
import streamlit as st
from babel.numbers import get_currency_symbol

from ecomops.i18n import current_locale, fmt, label

PERCENT = st.column_config.NumberColumn(format="percent")
MONEY = st.column_config.NumberColumn(format="¥%.2f")
DECIMAL = st.column_config.NumberColumn(format="%.2f")
DAYS = st.column_config.NumberColumn(format="%.1f")


def yen(label: str, **options) -> st.column_config.NumberColumn:
    """Return a labelled column of yuan amounts (¥1,234)."""
    return st.column_config.NumberColumn(label, format="yen", **options)


def money(label: str, currency: str = fmt.DEFAULT_CURRENCY, decimals: int = 2,
          **options) -> st.column_config.NumberColumn:
    """Return a labelled column of amounts in ``currency`` with its symbol for the current language and thousands
    separators (¥1,234.50 in zh, CN¥1,234.50 in en)."""
    symbol = get_currency_symbol(currency, locale=current_locale()).replace("%", "%%")
    return st.column_config.NumberColumn(label, format=f"{symbol}%,.{int(decimals)}f", **options)


def count(label: str, **options) -> st.column_config.NumberColumn:
    """Return a labelled column of counts with thousands separators."""
    return st.column_config.NumberColumn(label, format="localized", **options)


def percent(label: str, **options) -> st.column_config.NumberColumn:
    """Return a labelled column of shares and rates shown as percentages."""
    return st.column_config.NumberColumn(label, format="percent", **options)


def ratio(label: str, decimals: int = 2, **options) -> st.column_config.NumberColumn:
    """Return a labelled column of ratios such as ROI (2 decimals)."""
    return st.column_config.NumberColumn(label, format=f"%.{int(decimals)}f", **options)


def labelled(frame: pd.DataFrame, **kinds: str) -> pd.DataFrame:
    """Return a copy of ``frame`` whose code columns show their labels: ``labelled(t, channel="channel")`` turns
    paid_ads into 付费广告 / Paid ads (``ecomops.i18n.label``); data values no table knows pass through."""
    present = {column: kind for column, kind in kinds.items() if column in frame.columns}
    if not present:
        return frame
    return frame.assign(**{column: [label(kind, value) for value in frame[column]]
                           for column, kind in present.items()})


def days(label: str | None = None, **options) -> st.column_config.NumberColumn:
    """Return a column of days (or hours, units per day) with one decimal."""
    return st.column_config.NumberColumn(label, format="%.1f", **options)


def day(label: str | None = None, **options) -> st.column_config.DateColumn:
    """Return a date column in the locale's date format (zh 2026年11月15日, en 2026-11-15), as fmt.date shows it."""
    pattern = "YYYY年M月D日" if current_locale().startswith("zh") else "YYYY-MM-DD"
    return st.column_config.DateColumn(label, format=pattern, **options)


def headers(columns: Iterable[str], formats: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Return a ``column_config`` giving every column its header in the current language (``label("column",
    name)``; an unknown name is humanised) and the format of ``formats`` (configs from here or st.column_config,
    whose own label wins when they have one)."""
    formats = formats or {}
    out: dict[str, Any] = {}
    for name in columns:
        spec = formats.get(name)
        header = label("column", name)
        if isinstance(spec, Mapping):
            out[name] = {**spec, "label": spec.get("label") or header}
        else:
            out[name] = spec if isinstance(spec, str) else header
    return out


def with_labels(frame: pd.DataFrame, kinds: Mapping[str, str]) -> pd.DataFrame:
    """Return a copy of the frame for display with the code columns shown as labels (``{column: label kind}``)."""
    return labelled(frame, **kinds)
