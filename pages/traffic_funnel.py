"""Funnel & scroll depth.

Visit → product view → add to cart → checkout → purchase, by channel and device, with step conversion and the
biggest drop highlighted; session-level conversion; and how far detail-page visitors scroll (where they leave).
"""
import streamlit as st

from ecomops import charts
from ecomops import traffic
from ecomops.traffic import charts as traffic_charts
from ecomops.traffic import funnel as traffic_funnel
from ecomops.exports import escape_markdown as md
from ecomops.i18n import _, fmt, label, pgettext
from ecomops.ui import columns as colfmt
from ecomops.ui import downloads, page, state


def dimension_name(dimension: str) -> str:
    """Return the name of a funnel split (channel, device, visitor type) in the current language."""
    return pgettext("funnel dimension", traffic_funnel.DIMENSION_LABELS[dimension])


f = page.setup(__file__)
st.title(_("Funnel & scroll depth"))
have = state.cached(traffic.availability)
if not (have["traffic_daily"] or have["traffic_sessions"] or have["scroll_depth"]):
    st.info(_("{daily} Or: {sessions} {scroll}", daily=traffic.upload_hint("traffic_daily"),
              sessions=traffic.upload_hint("traffic_sessions"), scroll=traffic.upload_hint("scroll_depth")))
    st.stop()

funnel = state.cached(traffic_funnel.funnel_overview, f)
SOURCES = {"daily traffic": _("No daily traffic in this range for these filters: widen the date range or clear the "
                              "channel filter."),
           "sessions": _("No sessions in this range for these filters: widen the date range or clear the channel "
                         "filter.")}


def show_funnel(steps, dimensions, source: str) -> None:
    """Draw the overall funnel with its biggest drop and a step table per dimension."""
    overall = steps[steps["dimension"] == "all"]
    if overall.empty:
        st.info(SOURCES[source])
        return
    drop = traffic_funnel.biggest_drop(steps)
    if drop:
        st.markdown(_("Biggest drop: **{step}**, only {kept} continue ({lost} lost).",
                      step=md(f"{drop['from']} → {drop['to']}"), kept=fmt.percent(drop["step_conversion"]),
                      lost=fmt.percent(drop["drop"])))
    if overall["exceeds_previous"].any():
        st.caption(_("A step above 100%: this export counts product views, not visitors who viewed a product."))
    page.chart(st, traffic_charts.funnel_chart(overall), width="stretch")
    by = st.segmented_control(_("Split by"), dimensions, default=dimensions[0], key=f"split_{source}",
                              format_func=dimension_name) or dimensions[0]
    table = traffic_funnel.labelled_keys(traffic_funnel.step_table(steps, by), by)
    page.chart(st, traffic_charts.step_heatmap(table, title=_("Step conversion")), width="stretch")
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={c: colfmt.PERCENT for c in table.columns if "→" in c and c != "biggest_drop"}
                 | {"key": dimension_name(by), "conversion": colfmt.percent(_("Conversion")),
                    "visits": colfmt.count(_("Visits")), "biggest_drop": _("Biggest drop")})


if funnel["daily"] is not None:
    st.subheader(_("Funnel (daily traffic)"))
    st.caption(_("Visits = summed daily UV; purchase = buyers (distinct customers with a valid order), so visit → "
                 "purchase is the conversion rate."))
    show_funnel(funnel["daily"], ["channel", "device"], "daily traffic")

if funnel["sessions"] is not None:
    st.subheader(_("Funnel (sessions)"))
    conv = funnel["session_conversion"]
    cols = st.columns(3)
    cols[0].metric(_("Sessions"), fmt.count(conv["sessions"]))
    cols[1].metric(_("Sessions with a purchase"), fmt.count(conv["purchases"]))
    cols[2].metric(_("Session conversion rate"), fmt.metric("conversion_rate", conv["conversion_rate"]))
    if conv["undated_sessions"]:
        st.caption(_("{n} sessions carry a month but no day: they are shown whatever the date range.",
                     n=fmt.count(conv["undated_sessions"])))
    show_funnel(funnel["sessions"], ["channel", "visitor_type", "device"], "sessions")
    by_month = funnel["by_month"]
    page.chart(st, charts.bar_line(by_month, "month_name", "sessions", "conversion_rate", _("Sessions"),
                                    label("metric", "conversion_rate"),
                                    title=_("Sessions and conversion rate by month")), width="stretch")

st.subheader(_("Scroll depth of detail pages"))
if not have["scroll_depth"]:
    st.info(traffic.upload_hint("scroll_depth"))
else:
    scroll = state.cached(traffic_funnel.scroll_depth, f)
    if scroll.empty:
        st.info(_("No scroll-depth data in this range: widen the date range."))
    else:
        devices = traffic_funnel.scroll_devices(scroll)
        device = st.selectbox(_("Device"), devices, index=0, format_func=lambda code: label("device", code))
        summary = traffic_funnel.scroll_summary(scroll, device)
        if summary:
            st.markdown(_("**{leave}** of detail-page visitors leave at screen **{screen}**; {reach} reach screen "
                          "{next}.", leave=fmt.percent(summary["leave_share"], 0), screen=summary["screen"],
                          reach=fmt.percent(summary["reach_next"], 0), next=summary["screen"] + 1))
        page.chart(st, traffic_charts.scroll_chart(traffic_funnel.scroll_of_device(scroll, device)),
                        width="stretch")
        st.download_button(_("Download scroll depth (CSV)"), downloads.csv(scroll, "utf-8"),
                           file_name=f"ecomops_scroll_depth_{f.start}_{f.end}.csv", mime="text/csv", on_click="ignore")
