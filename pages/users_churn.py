"""Churn & reactivation.

Coming soon.
"""
import streamlit as st

st.title("Churn & reactivation")
st.info("This page is coming soon.")
