"""Products.

Coming soon.
"""
import streamlit as st

st.title("Products")
st.info("This page is coming soon.")
