"""Shared st.dataframe column formats, so every page shows money, shares and ratios the same way."""
import streamlit as st

PERCENT = st.column_config.NumberColumn(format="percent")
MONEY = st.column_config.NumberColumn(format="¥%.2f")
DECIMAL = st.column_config.NumberColumn(format="%.2f")
DAYS = st.column_config.NumberColumn(format="%.1f")
