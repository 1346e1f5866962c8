"""Monitoring.

Coming soon.
"""
import streamlit as st

st.title("Monitoring")
st.info("This page is coming soon.")
