"""Shared st.dataframe column formats, so every page shows money, counts, shares and ratios the same way."""
import streamlit as st

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
