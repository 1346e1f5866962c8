"""Customers.

Coming soon.
"""
import streamlit as st

st.title("Customers")
st.info("This page is coming soon.")
