"""Channels & ROI.

Traffic by channel: UV, buyers, conversion, GMV, ad spend and ROI, their trend, the share of GMV over time
(e.g. the private-domain WeCom share), channels under the ROI floor (a setting) flagged, and the monthly ROI review
(cut / grow / watch).
"""
import streamlit as st

from ecomops import charts, config, derived
from ecomops import traffic
from ecomops.traffic import channels as traffic_channels
from ecomops.traffic import charts as traffic_charts
from ecomops.exports import escape_markdown as md
from ecomops.i18n import _, fmt
from ecomops.ui import columns as colfmt
from ecomops.ui import downloads, page, state

ROI = st.column_config.NumberColumn("ROI", format="%.2f")
COLUMNS = {
    "channel": "Channel", "uv": colfmt.count("UV"),
    "buyers": colfmt.count("Buyers"),
    "orders": colfmt.count("Orders"),
    "conversion_rate": colfmt.percent("Conversion"),
    "gmv": colfmt.yen("GMV"),
    "gmv_share": colfmt.percent("GMV share"),
    "spend": colfmt.yen("Ad spend"),
    "attributed_gmv": colfmt.yen("Attributed GMV"),
    "roi": ROI,
}

f = page.setup(__file__)
t = state.thresholds()
floor = config.shown(t, "roi_floor")
COLUMNS["roi_flag"] = st.column_config.CheckboxColumn(_("ROI < {floor}", floor=floor))
st.title("Channels & ROI")
have = state.cached(traffic.availability)
if not have["orders"] and not have["traffic_daily"]:
    st.info(traffic.upload_hint("orders") + " " + traffic.upload_hint("traffic_daily"))
    st.stop()

state.ensure_derived(derived.SALES_ROLLUP)
data = state.cached(traffic_channels.channel_overview, f)
total, channels, trend = data["total"], data["channels"], data["trend"]
if channels.empty:
    st.info("No orders, traffic or ad spend in this date range: widen it, or upload an orders export, a daily traffic "
            "export or an ad spend export on Data → Upload.")
    st.stop()
st.caption(f"{f.start:%Y-%m-%d} – {f.end:%Y-%m-%d}, trends by {data['grain']}. UV is summed daily UV; conversion = "
           "buyers / UV; ROI = attributed GMV / ad spend. The category filter narrows orders only.")

roi_text = "—" if total["roi"] is None else f"{total['roi']:.2f}"
cards = [("UV", charts.format_value("uv", total["uv"])), ("Buyers", charts.format_value("buyers", total["buyers"])),
         ("Conversion rate", charts.format_value("conversion_rate", total["conversion_rate"])),
         ("GMV", charts.format_value("gmv", total["gmv"])), ("Ad spend", charts.format_value("spend", total["spend"])),
         ("ROI", roi_text)]
for row in (cards[:3], cards[3:]):
    for col, (label, text) in zip(st.columns(3), row):
        col.metric(label, text)
if not have["traffic_daily"]:
    st.info(traffic.upload_hint("traffic_daily") + " UV and conversion need it.")
if not have["ad_spend"]:
    st.info(traffic.upload_hint("ad_spend") + " Spend and ROI need it.")

flagged = traffic_channels.flagged_channels(channels)
if flagged:
    st.warning(_("ROI below {floor} in this range: {channels}.", floor=floor, channels=md(", ".join(flagged))))

st.subheader("By channel")
st.dataframe(channels, hide_index=True, width="stretch", column_config=COLUMNS)
left, right = st.columns(2)
left.plotly_chart(traffic_charts.roi_bars(channels, grow=traffic_channels.ROI_GROW, floor=t.roi_floor), width="stretch")
right.plotly_chart(charts.bar(trend, "bucket", "gmv", color="channel", title="GMV by channel"), width="stretch")

st.subheader("Share of GMV over time")
options = channels["channel"].tolist()
highlight = st.selectbox("Highlight channel", options, index=options.index("wecom") if "wecom" in options else 0,
                         help="wecom = private domain (WeCom and community groups).") if options else None
st.plotly_chart(traffic_charts.share_area(trend, highlight=highlight), width="stretch")
left, right = st.columns(2)
left.plotly_chart(traffic_charts.roi_trend(trend, floor=t.roi_floor), width="stretch")
right.plotly_chart(charts.line(trend, "bucket", "conversion_rate", color="channel", title="Conversion rate",
                               y_format=".1%"), width="stretch")

st.subheader("Monthly ROI review")
review = state.cached(traffic_channels.roi_review, f)
st.caption(_("Review month = the month holding {day}, against the month before. Rule: **cut** when ROI < {floor}; "
             "**grow** when ROI ≥ {grow} and not down more than {fall} on last month; **watch** otherwise.",
             day=f.end, floor=floor, grow=fmt.number(traffic_channels.ROI_GROW, 0),
             fall=fmt.percent(traffic_channels.ROI_FALL_WATCH, 0)))
if review.empty:
    st.info(traffic.upload_hint("ad_spend"))
else:
    st.dataframe(review, hide_index=True, width="stretch", column_config={
        "channel": "Channel", "month": "Month", "spend": COLUMNS["spend"], "attributed_gmv": COLUMNS["attributed_gmv"],
        "roi": ROI, "previous_spend": colfmt.yen("Spend last month"),
        "previous_roi": st.column_config.NumberColumn("ROI last month", format="%.2f"),
        "roi_change": colfmt.percent("ROI change"),
        "action": "Action", "reason": "Why"})
    st.download_button("Download ROI review (CSV)", downloads.csv(review, "utf-8"),
                       file_name=f"ecomops_roi_review_{f.end:%Y-%m}.csv", mime="text/csv", on_click="ignore")
st.download_button("Download channel table (CSV)", downloads.csv(channels, "utf-8"),
                   file_name=f"ecomops_channels_{f.start}_{f.end}.csv", mime="text/csv", on_click="ignore")
