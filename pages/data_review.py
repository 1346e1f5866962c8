"""Weekly review.

Coming soon.
"""
import streamlit as st

st.title("Weekly review")
st.info("This page is coming soon.")
