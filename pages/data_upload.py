"""Upload.

Coming soon.
"""
import streamlit as st

st.title("Upload")
st.info("This page is coming soon.")
