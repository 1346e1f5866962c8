"""ecomops: the e-commerce operations dashboard (entry point: page config, shared sidebar, navigation)."""
from pathlib import Path

import streamlit as st

from ecomops.ui import navigation, sidebar, state, timing

st.set_page_config(page_title="ecomops", page_icon="📦", layout="wide")

PAGES_DIR = Path(__file__).resolve().parent / "pages"
layout = navigation.discover(PAGES_DIR)
pages = {
    section: [
        st.Page(str(path), title=title, url_path=path.stem, default=(path.stem == "overview"))
        for path, title in members
    ]
    for section, members in layout.items()
}
current = st.navigation(pages)
# The server-side time of this run (sidebar and page; st.set_page_config and navigation are negligible).
with timing.timed_run(current.url_path or "overview"):
    state.connection()
    sidebar.render()
    # Streamlit's legacy pages/ mode can run a page file without this script (the first request of a fresh server
    # process, and every AppTest rerun); the flag tells state.filters() to draw the sidebar itself then.
    st.session_state[state.IN_APP_KEY] = True
    try:
        current.run()
    finally:
        st.session_state[state.IN_APP_KEY] = False
