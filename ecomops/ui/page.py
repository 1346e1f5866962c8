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
from typing import Any

import streamlit as st

from ecomops import access, charts, i18n
from ecomops.filters import Filters
from ecomops.i18n import _
from ecomops.ui import auth, navigation, sidebar, state

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


def _menu(current: navigation.PageEntry, role: str) -> None:
    """Draw the page menu in the sidebar: sections with the pages the role may open, the current one marked."""
    with st.sidebar:
        for section, entries in navigation.sections().items():
            allowed = [entry for entry in entries if access.can(role, entry.action)]
            if allowed:
                st.caption(_(section))
            for entry in allowed:
                st.page_link(str(entry.path), label=navigation.title(entry), disabled=entry == current)


def stop_unless(ready: bool, message: str) -> None:
    """Stop the page run with ``message`` (which data it needs and where to upload it) unless ``ready``."""
    if not ready:
        st.info(message)
        st.stop()


def setup(page_file: str | Path) -> Filters:
    """Set up the page run: tab title, database connection, sign-in, menu and shared sidebar; return the chosen
    filters. Stops the run with the sign-in form when nobody is signed in (where sign-in is required), and with a
    refusal when the signed-in role may not open this page (also when its URL is opened directly)."""
    language = _language()
    entry = navigation.entry_for(page_file)
    st.set_page_config(page_title=f"{navigation.title(entry)} · ecomops", page_icon="📦", layout="wide")
    state.connection()
    _language_switch(language)
    actor = auth.gate()
    _menu(entry, actor.role)
    auth.sidebar(actor)
    if not access.can(actor.role, entry.action):
        st.error(_("This page is not open to your role ({role}): it needs {action}.",
                   role=access.role_label(actor.role), action=_(access.ACTION_LABELS[entry.action])))
        st.stop()
    return sidebar.render()


def actor() -> access.Actor | None:
    """Return who is acting in this run (the pages use it to show only the controls the role may use)."""
    return auth.current()


def can(action: str) -> bool:
    """Return True when the person acting in this run may do ``action`` (hiding a control; the write checks too)."""
    who = auth.current()
    return who is not None and access.can(who.role, action)


def chart(container: Any, fig: Any, **kwargs: Any) -> Any:
    """Draw a Plotly figure in ``container`` (st, a column, a tab) with link tags from data written as text."""
    return container.plotly_chart(charts.without_links(fig), **kwargs)
