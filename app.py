"""ecomops: the e-commerce operations dashboard (entry point: page config, shared sidebar, navigation)."""
from pathlib import Path

import streamlit as st

from ecomops.ui import navigation, sidebar, state

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
state.connection()
sidebar.render()
current.run()
