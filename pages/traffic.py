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
from ecomops.i18n import _, fmt, label
from ecomops.ui import columns as colfmt
from ecomops.ui import downloads, page, state

f = page.setup(__file__)
t = state.thresholds()
currency = state.currency()
floor = config.shown(t, "roi_floor")
COLUMNS = {
    "channel": _("Channel"), "uv": colfmt.count(label("metric", "uv")),
    "buyers": colfmt.count(label("metric", "buyers")),
    "orders": colfmt.count(label("metric", "orders")),
    "conversion_rate": colfmt.percent(label("metric", "conversion_rate")),
    "gmv": colfmt.money(label("metric", "gmv"), currency),
    "gmv_share": colfmt.percent(label("metric", "gmv_share")),
    "spend": colfmt.money(label("metric", "spend"), currency),
    "attributed_gmv": colfmt.money(label("metric", "attributed_gmv"), currency),
    "roi": colfmt.ratio(label("metric", "roi")),
    "roi_flag": st.column_config.CheckboxColumn(_("ROI < {floor}", floor=floor)),
}
st.title(_("Channels & ROI"))
have = state.cached(traffic.availability)
if not have["orders"] and not have["traffic_daily"]:
    st.info(traffic.upload_hint("orders") + " " + traffic.upload_hint("traffic_daily"))
    st.stop()

state.ensure_derived(derived.SALES_ROLLUP)
data = state.cached(traffic_channels.channel_overview, f)
total, channels, trend = data["total"], data["channels"], data["trend"]
if channels.empty:
    st.info(_("No orders, traffic or ad spend in this date range: widen it, or upload an orders export, a daily "
              "traffic export or an ad spend export on Data → Upload."))
    st.stop()
GRAINS = {"day": _("day"), "week": _("week"), "month": _("month")}
st.caption(_("{range}, trends by {grain}. UV is summed daily UV; conversion rate = buyers / UV; ROI = attributed GMV "
             "/ ad spend. The category filter narrows orders only.", range=fmt.date_range(f.start, f.end),
             grain=GRAINS[data["grain"]]))

cards = [(m, fmt.metric(m, total[m], currency, compact=True)) for m in ("uv", "buyers", "conversion_rate")] + [
    (m, fmt.metric(m, total[m], currency, compact=True)) for m in ("gmv", "spend", "roi")]
for row in (cards[:3], cards[3:]):
    for col, (metric, text) in zip(st.columns(3), row):
        col.metric(label("metric", metric), text)
if not have["traffic_daily"]:
    st.info(_("{hint} UV and conversion need it.", hint=traffic.upload_hint("traffic_daily")))
if not have["ad_spend"]:
    st.info(_("{hint} Spend and ROI need it.", hint=traffic.upload_hint("ad_spend")))

flagged = traffic_channels.flagged_channels(channels)
if flagged:
    st.warning(_("ROI below {floor} in this range: {channels}.", floor=floor,
                 channels=md(_(", ").join(label("channel", c) for c in flagged))))

shown_channels = colfmt.labelled(channels, channel="channel")
shown_trend = colfmt.labelled(trend, channel="channel")
st.subheader(_("By channel"))
st.dataframe(shown_channels, hide_index=True, width="stretch", column_config=COLUMNS)
left, right = st.columns(2)
page.chart(left, traffic_charts.roi_bars(channels, grow=traffic_channels.ROI_GROW, floor=t.roi_floor), width="stretch")
page.chart(right, charts.bar(shown_trend, "bucket", "gmv", color="channel", title=_("GMV by channel")),
                   width="stretch")

st.subheader(_("Share of GMV over time"))
options = channels["channel"].tolist()
highlight = st.selectbox(_("Highlight channel"), options, index=options.index("wecom") if "wecom" in options else 0,
                         format_func=lambda code: label("channel", code),
                         help=_("{wecom} = the private domain (WeCom and community groups).",
                                wecom=label("channel", "wecom"))) if options else None
page.chart(st, traffic_charts.share_area(trend, highlight=highlight), width="stretch")
left, right = st.columns(2)
page.chart(left, traffic_charts.roi_trend(trend, floor=t.roi_floor), width="stretch")
page.chart(right, charts.line(shown_trend, "bucket", "conversion_rate", color="channel",
                               title=label("metric", "conversion_rate"), y_format=".1%"), width="stretch")

st.subheader(_("Monthly ROI review"))
review = state.cached(traffic_channels.roi_review, f)
st.caption(_("Review month = the month holding {day}, against the month before. Rule: **cut** when ROI < {floor}; "
             "**grow** when ROI ≥ {grow} and not down more than {fall} on last month; **watch** otherwise.",
             day=f.end, floor=floor, grow=fmt.number(traffic_channels.ROI_GROW, 0),
             fall=fmt.percent(traffic_channels.ROI_FALL_WATCH, 0)))
if review.empty:
    st.info(traffic.upload_hint("ad_spend"))
else:
    st.dataframe(colfmt.labelled(review, channel="channel", action="channel_action"), hide_index=True,
                 width="stretch", column_config={
                     "channel": _("Channel"), "month": _("Month"), "spend": COLUMNS["spend"],
                     "attributed_gmv": COLUMNS["attributed_gmv"], "roi": COLUMNS["roi"],
                     "previous_spend": colfmt.money(_("Spend last month"), currency),
                     "previous_roi": colfmt.ratio(_("ROI last month")),
                     "roi_change": colfmt.percent(_("ROI change")),
                     "action": _("Action"), "reason": _("Why")})
    st.download_button(_("Download ROI review (CSV)"), downloads.csv(review, "utf-8"),
                       file_name=f"ecomops_roi_review_{f.end:%Y-%m}.csv", mime="text/csv", on_click="ignore")
st.download_button(_("Download channel table (CSV)"), downloads.csv(channels, "utf-8"),
                   file_name=f"ecomops_channels_{f.start}_{f.end}.csv", mime="text/csv", on_click="ignore")
