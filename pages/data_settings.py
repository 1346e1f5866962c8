"""Settings.

The thresholds every page and report uses (METRICS.md definitions): the value in force and its default.
"""
import streamlit as st

from ecomops import config
from ecomops.ui import page, state

page.setup(__file__)
st.title("Settings")
st.dataframe(state.cached(config.thresholds_table), hide_index=True, width="stretch")
