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

from ecomops import i18n
from ecomops.filters import Filters
from ecomops.i18n import _
from ecomops.ui import navigation, sidebar, state

LANGUAGE_KEY = "ecomops_language"


def _language() -> str:
    """Set this run's language and return it: ``?lang=zh|en`` in the URL (kept in shared links), else the language
    chosen earlier in this session, else the browser's (its locale, then its Accept-Language header)."""
    requested = i18n.resolve(st.query_params.get("lang"))
    if requested is None:
        requested = st.session_state.get(LANGUAGE_KEY) or i18n.negotiate(
            [st.context.locale, st.context.headers.get("Accept-Language")])
    st.session_state[LANGUAGE_KEY] = requested
    i18n.set_locale(requested)
    return requested


def _language_switch(current: str) -> None:
    """Draw the language choice in the sidebar; a change is written to the URL and applied on the rerun."""
    def chosen() -> None:
        st.session_state[LANGUAGE_KEY] = st.session_state["ecomops_language_choice"]
        st.query_params["lang"] = i18n.url_code(st.session_state[LANGUAGE_KEY])

    st.sidebar.selectbox(_("Language"), i18n.SUPPORTED, index=i18n.SUPPORTED.index(current),
                         format_func=i18n.language_name, key="ecomops_language_choice", on_change=chosen)


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
    language = _language()
    entry = navigation.entry_for(page_file)
    st.set_page_config(page_title=f"{navigation.title(entry)} · ecomops", page_icon="📦", layout="wide")
    state.connection()
    _language_switch(language)
    _menu(entry)
    return sidebar.render()
