"""Shared st.dataframe column formats and headers, so every page shows money, counts, shares and ratios the same
way and every column header in the user's language."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

import pandas as pd
import streamlit as st

from ecomops.i18n import current_locale, label

PERCENT = st.column_config.NumberColumn(format="percent")
MONEY = st.column_config.NumberColumn(format="¥%.2f")
DECIMAL = st.column_config.NumberColumn(format="%.2f")
DAYS = st.column_config.NumberColumn(format="%.1f")


def yen(label: str, **options) -> st.column_config.NumberColumn:
    """Return a labelled column of yuan amounts (¥1,234)."""
    return st.column_config.NumberColumn(label, format="yen", **options)


def count(label: str, **options) -> st.column_config.NumberColumn:
    """Return a labelled column of counts with thousands separators."""
    return st.column_config.NumberColumn(label, format="localized", **options)


def percent(label: str, **options) -> st.column_config.NumberColumn:
    """Return a labelled column of shares and rates shown as percentages."""
    return st.column_config.NumberColumn(label, format="percent", **options)


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
    shown = frame.copy()
    for column, kind in kinds.items():
        if column in shown.columns:
            values = shown[column]
            mapping = {code: label(kind, code) for code in values.dropna().unique()}
            shown[column] = values.map(mapping)
    return shown
