"""Streamlit's page machinery in one place: every page starts with ``f = page.setup(__file__)``.

Why each page sets itself up (and app.py only declares the navigation): the design keeps the pages in a top-level
``pages/`` folder, which Streamlit also reads as its legacy multipage mode. In that mode Streamlit runs a page file
*without* app.py — the first request of a fresh server process for a deep link such as ``/users_churn``, and every
AppTest run of a switched page — and it stays in that mode until some request runs app.py's ``st.navigation``. A page
that draws its own frame (tab title, menu, shared sidebar) renders the same in both modes, with no patching of
Streamlit's internals. Streamlit's own menu is hidden in both modes (``client.showSidebarNavigation = false`` in
.streamlit/config.toml and ``position="hidden"`` in app.py); the menu drawn here from ``ui/navigation.PAGES`` has the
sections and translated titles. tests/test_page_machinery.py pins the behaviour (a deep link on a fresh server).
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from ecomops.filters import Filters
from ecomops.i18n import _
from ecomops.ui import navigation, sidebar, state


def _menu(current: navigation.PageEntry) -> None:
    """Draw the page menu in the sidebar: sections with their pages, the current one marked."""
    with st.sidebar:
        for section, entries in navigation.sections().items():
            st.caption(_(section))
            for entry in entries:
                st.page_link(str(entry.path), label=navigation.title(entry), disabled=entry == current)


def stop_unless(ready: bool, message: str) -> None:
    """Stop the page run with ``message`` (which data it needs and where to upload it) unless ``ready``."""
    if not ready:
        st.info(message)
        st.stop()


def setup(page_file: str | Path) -> Filters:
    """Set up the page run: tab title, database connection, menu and shared sidebar; return the chosen filters."""
    entry = navigation.entry_for(page_file)
    st.set_page_config(page_title=f"{navigation.title(entry)} · ecomops", page_icon="📦", layout="wide")
    state.connection()
    _menu(entry)
    return sidebar.render()
