"""Funnel & scroll depth.

Visit → product view → add to cart → checkout → purchase, by channel and device, with step conversion and the
biggest drop highlighted; session-level conversion; and how far detail-page visitors scroll (where they leave).
"""
import streamlit as st

from ecomops import charts
from ecomops import traffic
from ecomops.traffic import charts as traffic_charts
from ecomops.traffic import funnel as traffic_funnel
from ecomops.ui import columns as colfmt
from ecomops.ui import downloads, page, state


f = page.setup(__file__)
st.title("Funnel & scroll depth")
have = state.cached(traffic.availability)
if not (have["traffic_daily"] or have["traffic_sessions"] or have["scroll_depth"]):
    st.info(traffic.upload_hint("traffic_daily") + " Or: " + traffic.upload_hint("traffic_sessions") + " "
            + traffic.upload_hint("scroll_depth"))
    st.stop()

funnel = state.cached(traffic_funnel.funnel_overview, f)


def show_funnel(steps, dimensions, source: str) -> None:
    """Draw the overall funnel with its biggest drop and a step table per dimension."""
    overall = steps[steps["dimension"] == "all"]
    if overall.empty:
        st.info(f"No {source} in this range for these filters: widen the date range or clear the channel filter.")
        return
    drop = traffic_funnel.biggest_drop(steps)
    if drop:
        st.markdown(f"Biggest drop: **{drop['from']} → {drop['to']}**, only {drop['step_conversion']:.1%} continue "
                    f"({drop['drop']:.1%} lost).")
    if overall["exceeds_previous"].any():
        st.caption("A step above 100%: this export counts product views, not visitors who viewed a product.")
    st.plotly_chart(traffic_charts.funnel_chart(overall), width="stretch")
    by = st.segmented_control("Split by", dimensions, default=dimensions[0], key=f"split_{source}",
                              format_func=lambda d: traffic_funnel.DIMENSION_LABELS[d])
    table = traffic_funnel.step_table(steps, by or dimensions[0])
    st.plotly_chart(traffic_charts.step_heatmap(table, title="Step conversion"), width="stretch")
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={c: colfmt.PERCENT for c in table.columns if "→" in c and c != "biggest_drop"}
                 | {"key": traffic_funnel.DIMENSION_LABELS[by or dimensions[0]], "conversion": colfmt.PERCENT,
                    "visits": colfmt.count("Visits"), "biggest_drop": "Biggest drop"})


if funnel["daily"] is not None:
    st.subheader("Funnel (daily traffic)")
    st.caption("Visits = summed daily UV; purchase = buyers (distinct customers with a valid order), so visit → "
               "purchase is the conversion rate.")
    show_funnel(funnel["daily"], ["channel", "device"], "daily traffic")

if funnel["sessions"] is not None:
    st.subheader("Funnel (sessions)")
    conv = funnel["session_conversion"]
    cols = st.columns(3)
    cols[0].metric("Sessions", charts.format_value("sessions", conv["sessions"]))
    cols[1].metric("Sessions with a purchase", charts.format_value("purchases", conv["purchases"]))
    cols[2].metric("Session conversion rate", charts.format_value("conversion_rate", conv["conversion_rate"]))
    if conv["undated_sessions"]:
        st.caption(f"{conv['undated_sessions']:,} sessions carry a month but no day: they are shown whatever the "
                   "date range.")
    show_funnel(funnel["sessions"], ["channel", "visitor_type", "device"], "sessions")
    by_month = funnel["by_month"]
    st.plotly_chart(charts.bar_line(by_month, "month", "sessions", "conversion_rate", "Sessions", "Conversion rate",
                                    title="Sessions and conversion by month"), width="stretch")

st.subheader("Scroll depth of detail pages")
if not have["scroll_depth"]:
    st.info(traffic.upload_hint("scroll_depth"))
else:
    scroll = state.cached(traffic_funnel.scroll_depth, f)
    if scroll.empty:
        st.info("No scroll-depth data in this range: widen the date range.")
    else:
        devices = traffic_funnel.scroll_devices(scroll)
        device = st.selectbox("Device", devices, index=0)
        summary = traffic_funnel.scroll_summary(scroll, device)
        if summary:
            st.markdown(f"**{summary['leave_share']:.0%}** of detail-page visitors leave at screen "
                        f"**{summary['screen']}**; {summary['reach_next']:.0%} reach screen {summary['screen'] + 1}.")
        st.plotly_chart(traffic_charts.scroll_chart(traffic_funnel.scroll_of_device(scroll, device)),
                        width="stretch")
        st.download_button("Download scroll depth (CSV)", downloads.csv(scroll, "utf-8"),
                           file_name=f"ecomops_scroll_depth_{f.start}_{f.end}.csv", mime="text/csv", on_click="ignore")
