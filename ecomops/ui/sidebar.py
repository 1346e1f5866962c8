"""The shared sidebar: date range, channel and category, kept across pages and mirrored in the URL query string."""
from __future__ import annotations

from datetime import date

import streamlit as st

from ecomops import config, metrics
from ecomops import i18n
from ecomops.filters import Filters, default_filters
from ecomops.i18n import _, fmt, label
from ecomops.ui import state


DEFAULT_DAYS = 30  # the default view: the last 30 days of the data


def _parse_day(text: str | None, fallback: date) -> date:
    try:
        return date.fromisoformat(text) if text else fallback
    except ValueError:
        return fallback


def _seed_widgets(span: metrics.DataRange, options: dict[str, list[str]]) -> None:
    """Give the widgets their values when they have none: this session's filters, else the URL, else defaults.

    Widget values vanish when a page runs without the sidebar, so the filters also live under a plain key.
    """
    if "flt_range" in st.session_state:
        return
    current = st.session_state.get(state.FILTERS_KEY)
    if current is None:
        default = default_filters(span.start, span.end, DEFAULT_DAYS)
        params = st.query_params
        start = _parse_day(params.get("start"), default.start)
        end = _parse_day(params.get("end"), default.end)
        if start > end:
            start, end = default.start, default.end
        current = Filters(start, end,
                          tuple(c for c in params.get_all("channel") if c in options["channels"]),
                          tuple(c for c in params.get_all("category") if c in options["categories"]))
    st.session_state["flt_range"] = (current.start, current.end)
    st.session_state["flt_channels"] = list(current.channels)
    st.session_state["flt_categories"] = list(current.categories)


def engine_note() -> str:
    """Return which engine the figures come from and, with Spark, from which refresh of the warehouse."""
    if config.engine_name() != "spark":
        return _("Engine: DuckDB (the local file).")
    from ecomops.engine import summary

    refresh = state.cached(summary.latest)
    if refresh is None:
        return _("Engine: Spark. The summary tables are built from the warehouse on first use.")
    return _("Engine: Spark. Summary tables refreshed {when} from the warehouse (load {load}).",
             when=fmt.datetime(refresh.refreshed_at), load=refresh.load_id.split(":", 1)[-1][:8])


def render() -> Filters:
    """Draw the filters in the sidebar, store them for the pages and in the URL; return them."""
    span = state.cached(metrics.data_range)
    options = state.cached(metrics.filter_options)
    _seed_widgets(span, options)
    with st.sidebar:
        st.markdown("### " + _("Filters"))
        chosen = st.date_input(_("Date range"), key="flt_range",
                               min_value=min(span.start, st.session_state["flt_range"][0]),
                               max_value=max(span.end, st.session_state["flt_range"][-1]),
                               format="YYYY-MM-DD", help=_("Defaults to the last {days} days of the data.",
                                                           days=fmt.count(DEFAULT_DAYS)))
        st.multiselect(_("Channel"), options["channels"], key="flt_channels", placeholder=_("All channels"),
                       format_func=lambda code: label("channel", code))
        st.multiselect(_("Category"), options["categories"], key="flt_categories", placeholder=_("All categories"))
        if st.button(_("Reset to the last {days} days", days=fmt.count(DEFAULT_DAYS)), width="stretch"):
            st.query_params.clear()
            for key in (state.FILTERS_KEY, "flt_range", "flt_channels", "flt_categories"):
                st.session_state.pop(key, None)
            st.query_params["lang"] = i18n.url_code()
            st.rerun()
        if span.empty:
            st.caption(_("No orders yet: upload an orders export on Data → Upload."))
        else:
            st.caption(_("Data from {start} to {end}.", start=fmt.date(span.start), end=fmt.date(span.end)))
        st.caption(engine_note())
    # While the user has picked only the first day of a range, keep the previous end.
    start, end = (chosen[0], chosen[1]) if len(chosen) == 2 else (chosen[0], chosen[0]) if chosen else (span.start, span.end)
    current = Filters(start=start, end=end, channels=tuple(st.session_state["flt_channels"]),
                      categories=tuple(st.session_state["flt_categories"]))
    state.set_filters(current)
    st.query_params.from_dict({
        "start": current.start.isoformat(), "end": current.end.isoformat(),
        "channel": list(current.channels), "category": list(current.categories), "lang": i18n.url_code(),
    })
    return current
