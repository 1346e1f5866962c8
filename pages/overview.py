"""Overview.

Home: the eight KPIs with their change against the previous period, the daily GMV/orders trend, GMV by channel and
the "needs attention" list.
"""
import streamlit as st

from ecomops import charts, metrics
from ecomops.ui import downloads, page, state

f = page.setup(__file__)
st.title("Overview")
st.caption(f"{f.start:%Y-%m-%d} – {f.end:%Y-%m-%d} ({f.days} days), compared with the previous {f.days} days.")

comparison = state.cached(metrics.kpi_comparison, f)
if comparison.loc[comparison["metric"] == "orders", "value"].iloc[0] == 0:
    st.info("No orders in this range. Widen the date range, or upload an orders export on Data → Upload.")

for row_start in (0, 4):
    for col, row in zip(st.columns(4), comparison.iloc[row_start:row_start + 4].itertuples()):
        col.metric(row.label, charts.format_value(row.metric, row.value), charts.format_change(row.change),
                   help=f"Previous period: {charts.format_value(row.metric, row.previous)}")
if comparison.loc[comparison["metric"] == "uv", "value"].isna().iloc[0]:
    st.caption("UV and conversion rate need traffic data: upload a daily traffic export on Data → Upload.")

trend = state.cached(metrics.daily_trend, f)
left, right = st.columns([2, 1])
left.plotly_chart(charts.bar_line(trend, "day", "gmv", "orders", "GMV", "Orders", title="Daily GMV and orders"),
                  width="stretch")
by_channel = state.cached(metrics.gmv_by_channel, f)
right.plotly_chart(charts.donut(by_channel, "channel", "gmv", title="GMV by channel"), width="stretch")

st.subheader("Needs attention")
attention = state.cached(metrics.attention_items, f)
if attention.empty:
    st.success("No rule fired in this range: conversion, GMV and UV stayed within their usual band.")
else:
    st.dataframe(attention[["day", "severity", "message"]], hide_index=True, width="stretch")

st.download_button("Download daily figures (CSV)", downloads.csv(trend, "utf-8"),
                   file_name=f"ecomops_daily_{f.start}_{f.end}.csv", mime="text/csv", on_click="ignore")
