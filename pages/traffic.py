"""Traffic.

Coming soon.
"""
import streamlit as st

st.title("Traffic")
st.info("This page is coming soon.")
