"""Risk.

Coming soon.
"""
import streamlit as st

st.title("Risk")
st.info("This page is coming soon.")
