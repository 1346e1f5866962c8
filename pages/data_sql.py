"""SQL console.

Coming soon.
"""
import streamlit as st

st.title("SQL console")
st.info("This page is coming soon.")
