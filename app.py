"""ecomops: the e-commerce operations dashboard (entry point: the page list for st.navigation).

Each page sets itself up (tab title, menu, shared sidebar) with ``ecomops.ui.page.setup``; see there why.
"""
import streamlit as st

from ecomops.ui import navigation, timing

current = st.navigation(
    [st.Page(str(entry.path), title=navigation.title(entry), url_path=entry.url_path or None,
             default=entry.stem == navigation.HOME) for entry in navigation.PAGES],
    position="hidden",
)
# The server-side time of this run (the page and its sidebar), read by bench/run.py.
with timing.timed_run(current.url_path or navigation.HOME):
    current.run()
