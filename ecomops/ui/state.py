"""Per-process connection, shared filters and cached calls for pages.

Pages call ``connection()``, ``filters()``, ``thresholds()`` and ``cached(fn, f, ...)``; results are cached on the function, its
arguments and the data version, which every import bumps, so an upload shows at once on every page.
"""
from __future__ import annotations

import importlib
import time
from pathlib import Path
from typing import Any, Callable

import duckdb
import streamlit as st

from ecomops import config, db, derived, i18n
from ecomops.i18n import _, fmt
from ecomops.filters import Filters, default_filters
from ecomops.metrics import data_range
from ecomops.users import model_jobs

FILTERS_KEY = "ecomops_filters"
BACKGROUND_POLL_SECONDS = 0.5
BACKGROUND_NEWS_SECONDS = 15 * 60  # how long the upload page says a background update has ended


@st.cache_resource(show_spinner="Opening the database…")
def _first_start(path: str) -> bool:
    """Create the demo store when the database file does not exist yet; return whether it was created just now."""
    # A first start creates the demo store; the Spark engine's file is a cache of the warehouse instead.
    fresh = not Path(path).exists() and config.engine_name() == "duckdb"
    con = db.connect(path)
    if fresh:
        from ecomops import demo  # imported lazily: only a first start needs the generator

        with st.spinner(i18n._("First start: creating the demo database and training its models (about a minute)…")):
            demo.generate(con)
            model_jobs.prepare_models(con)  # the first visit of every page then reads stored model outputs
    return fresh


def connection() -> duckdb.DuckDBPyConnection:
    """Return the database connection, creating the demo database on the very first start (with a toast)."""
    path = str(config.db_path().resolve())
    created = _first_start(path)
    # db.connect hands out the process's one connection and reopens it when a command or test closed it, so a
    # page never holds on to a closed handle.
    con = db.connect(path)
    if config.engine_name() == "spark":
        from ecomops.engine import summary

        summary.remote_notice = _spark_notice  # raw rows read in Spark take seconds: the page says so meanwhile
    if created and not st.session_state.get("_demo_toast_shown"):
        st.session_state["_demo_toast_shown"] = True
        st.toast(_("No database found: created a demo data set."), icon="🧪")
    return con


def _spark_notice():
    """Return the spinner a page shows while a query reads raw rows in Spark."""
    return st.spinner(_("Reading order rows from the warehouse in Spark…"))


def ensure_derived(*tables: derived.DerivedTable) -> None:
    """Bring the page's stale summary tables up to date (from the last import's orders when they can, else in full)
    behind a progress bar that says so, then say how long it took: the figures below include the import. A page
    never shows a summary table older than the data without saying so: a session waiting for another one's update
    shows the bar too."""
    con = connection()
    stale = [t for t in tables if not derived.is_fresh(con, t)]
    if not stale:
        return
    title = _("Updating the summary tables with the latest data…")
    bar = st.progress(0.0, text=title)
    job = model_jobs.refresh_job(con)
    names = {t.name for t in stale}
    if job is not None and job.covers(names):
        # Updated on a background thread since an import (model outputs): wait for it, showing its progress.
        while job.covers(names):
            bar.progress(job.fraction(), text=_("{title} (in the background, {seconds} s so far)", title=title,
                                                seconds=fmt.count(job.elapsed())))
            time.sleep(BACKGROUND_POLL_SECONDS)
        stale = [t for t in stale if not derived.is_fresh(con, t)]  # (what a failed job left is updated below)
        if not stale:
            bar.empty()
            return

    def progress(fraction: float, _table: str) -> None:
        done = min(int(round(fraction * len(stale))), len(stale))
        bar.progress(fraction, text=_("{title} ({done} of {total})", title=title, done=fmt.count(done),
                                      total=fmt.count(len(stale))))

    started = time.perf_counter()
    derived.refresh(con, stale, progress)
    bar.empty()
    names = {t.name for t in stale}
    modes = {mode for name, mode, _r, _s, _at in derived.last_updates(con) if name in names}
    how = _("from the imported orders") if modes == {"incremental"} else _("rebuilt in full")
    st.caption(_("Summary tables updated {how} in {seconds} s: the figures include the latest data.", how=how,
                 seconds=fmt.number(time.perf_counter() - started, 1)))


def update_after_import() -> None:
    """After an import or undo: update here the summary tables pages read (progress bar), and start the model outputs
    (customer value, churn scores: minutes at 10M customers) on a background thread, so this page and every page not
    reading them are usable at once; the pages reading them wait for it with its progress."""
    ensure_derived(*[t for t in derived.REGISTRY if not t.background])
    model_jobs.start_refresh(connection(), [t for t in derived.REGISTRY if t.background])


def background_refresh_status() -> None:
    """Show the background update of the model outputs: its progress while it runs (polling every 2 s, then the page
    runs again), or why it failed."""
    job = model_jobs.refresh_job(connection())
    if job is None or (job.finished is not None and time.monotonic() - job.finished > BACKGROUND_NEWS_SECONDS):
        return  # (none, or ended long enough ago to be old news)

    def status() -> None:
        if job.state == "running":
            st.progress(job.fraction(), text=_(
                "Updating the customer value and the churn scores with the latest data in the background ({seconds} s "
                "so far). The Users and Churn pages wait for it; every other page is up to date.",
                seconds=fmt.count(job.elapsed())))
        elif job.state == "failed":
            st.warning(_("Updating the customer value and the churn scores in the background failed; the Users and "
                         "Churn pages update them when opened."))
        elif st.session_state.get("_background_refresh_seen") is not job:
            st.session_state["_background_refresh_seen"] = job
            st.rerun()  # done: the page's figures and this status are drawn again without polling
        else:
            st.caption(_("The customer value and the churn scores were updated with the latest data in the background "
                         "in {seconds} s.", seconds=fmt.count(job.elapsed())))

    st.fragment(status, run_every=BACKGROUND_POLL_SECONDS * 4 if job.state == "running" else None)()


def data_version() -> int:
    """Return the current data version (bumped by every write)."""
    return db.data_version(connection())


@st.cache_data(show_spinner=False, max_entries=1000, ttl=6 * 3600)
def _call(module: str, name: str, db_path: str, version: int, key: str, _args: tuple, _kwargs: dict) -> Any:
    fn = getattr(importlib.import_module(module), name)
    return fn(connection(), *_args, **_kwargs)


def cached(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Return ``fn(con, *args, **kwargs)``, cached on the arguments, the data version and the language (results
    may hold translated labels and sentences).

    Arguments must have a faithful repr (Filters, dates, numbers, strings, tuples).
    """
    key = repr((args, sorted(kwargs.items()), i18n.current_locale()))
    return _call(fn.__module__, fn.__qualname__, str(config.db_path()), data_version(), key, args, kwargs)


def thresholds() -> config.Thresholds:
    """Return the thresholds in force (the Settings page's values), cached on the data version that saving them
    bumps: every page shows a saved value at once."""
    return cached(config.thresholds)


def currency() -> str:
    """Return the store's currency code (every money figure is shown in it), cached on the data version."""
    return cached(config.store_currency)


def filters() -> Filters:
    """Return the filters of this session's shared sidebar (drawn by ``ui.page.setup``), else the default view."""
    current = st.session_state.get(FILTERS_KEY)
    if current is None:
        span = data_range(connection())
        current = default_filters(span.start, span.end)
    return current


def set_filters(value: Filters) -> None:
    """Store the filters for every page of this session."""
    st.session_state[FILTERS_KEY] = value
