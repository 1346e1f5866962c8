"""Overview.

Home: the eight KPIs with their change against the previous period, the daily GMV/orders trend, GMV by channel and
the "needs attention" list (the alert engine of Monitoring: the same rules, baselines and list for the same range).
"""
import streamlit as st

from ecomops import charts, metrics
from ecomops.i18n import _, fmt, label
from ecomops.ops import monitoring
from ecomops.ui import downloads, page, state

f = page.setup(__file__)
st.title(_("Overview"))
st.caption(_("{range} ({days} days), compared with the previous {days} days.",
             range=fmt.date_range(f.start, f.end), days=fmt.count(f.days)))

comparison = state.cached(metrics.kpi_comparison, f)
if comparison.loc[comparison["metric"] == "orders", "value"].iloc[0] == 0:
    st.info(_("No orders in this range. Widen the date range, or upload an orders export on Data → Upload."))

for row_start in (0, 4):
    for col, row in zip(st.columns(4), comparison.iloc[row_start:row_start + 4].itertuples()):
        col.metric(label("metric", row.metric), fmt.metric(row.metric, row.value),
                   monitoring.change_text(row.metric, row.value, row.previous),
                   help=_("Previous period: {value}", value=fmt.metric(row.metric, row.previous)))
if comparison.loc[comparison["metric"] == "uv", "value"].isna().iloc[0]:
    st.caption(_("UV and conversion rate need traffic data: upload a daily traffic export on Data → Upload."))

trend = state.cached(metrics.daily_trend, f)
left, right = st.columns([2, 1])
page.chart(left, charts.bar_line(trend, "day", "gmv", "orders", label("metric", "gmv"), label("metric", "orders"),
                                  title=_("Daily GMV and orders")), width="stretch")
by_channel = state.cached(metrics.gmv_by_channel, f)
page.chart(right, charts.donut(monitoring.labelled_contributions(by_channel, "channel"), "channel", "gmv",
                                title=_("GMV by channel")), width="stretch")

st.subheader(_("Needs attention"))
attention = state.cached(monitoring.overview, f)["alerts"]  # the same cached result as Monitoring's
if attention.empty:
    st.success(_("No alert rule fired in this range: every monitored metric stayed inside its expected band."))
else:
    st.dataframe(monitoring.alert_table(attention), hide_index=True, width="stretch")

st.download_button(_("Download daily figures (CSV)"), downloads.csv(trend, "utf-8"),
                   file_name=f"ecomops_daily_{f.start}_{f.end}.csv", mime="text/csv", on_click="ignore")
