"""Campaigns.

Campaign calendar, lift against a baseline of comparable days, pre-sale share of GMV for big sales, and the effect
of member days and flash sales.
"""
import streamlit as st

from ecomops import charts, derived
from ecomops import traffic
from ecomops.traffic import campaigns
from ecomops.traffic import charts as traffic_charts
from ecomops.exports import escape_markdown as md
from ecomops.ui import columns as colfmt, page
from ecomops.ui import downloads, state

LIFT_COLUMNS = {
    "campaign_id": "Campaign", "name": "Name", "kind": "Kind", "label": "Kind", "start_date": "Start",
    "end_date": "End", "campaign_days": "Days", "baseline_days": "Baseline days", "baseline_rule": "Baseline days of",
    "overlaps": "Inside", "events": "Campaigns",
    "gmv": colfmt.yen("GMV / day"),
    "baseline_gmv": colfmt.yen("Baseline GMV / day"),
    "gmv_lift": colfmt.percent("GMV lift"),
    "orders_lift": colfmt.percent("Orders lift"),
    "buyers_lift": colfmt.percent("Buyers lift"),
    "uv_lift": colfmt.percent("UV lift"),
    "conversion_rate_lift": colfmt.percent("Conversion lift"),
    "presale_gmv_lift": colfmt.percent("Pre-sale GMV lift"),
    "presale_start": "Pre-sale from",
    "presale_gmv": colfmt.yen("Pre-sale GMV"),
    "presale_share": colfmt.percent("Pre-sale share"),
    "orders": colfmt.count("Orders"),
    "presale_orders": colfmt.count("Pre-sale orders"),
}
LIFT_ORDER = ["name", "kind", "start_date", "end_date", "overlaps", "gmv", "baseline_gmv", "gmv_lift", "orders_lift",
              "uv_lift", "conversion_rate_lift", "presale_gmv_lift", "baseline_days", "baseline_rule"]

f = page.setup(__file__)
st.title("Campaigns")
page.stop_unless(state.cached(traffic.availability)["campaigns"], traffic.upload_hint("campaigns"))

state.ensure_derived(derived.SALES_ROLLUP)
data = state.cached(campaigns.campaign_overview, f)
calendar = data["calendar"]
if calendar.empty:
    st.info("No campaign overlaps this date range: widen it, or upload a campaign calendar on Data → Upload.")
    st.stop()

st.plotly_chart(traffic_charts.campaign_timeline(calendar), width="stretch")
st.plotly_chart(traffic_charts.campaign_gmv(data["daily"], calendar), width="stretch")

st.subheader("Member-day and flash-sale effects")
st.caption("Average lift per kind, leaving out campaigns that sit inside a bigger event.")
by_kind = data["by_kind"]
for col, row in zip(st.columns(max(1, len(by_kind))), by_kind.itertuples()):
    col.metric(f"{md(row.label)} GMV lift", charts.format_change(row.gmv_lift) or "—",
               help=f"{row.events} campaigns; conversion lift {charts.format_change(row.conversion_rate_lift) or '—'}")
st.dataframe(by_kind, hide_index=True, width="stretch", column_config=LIFT_COLUMNS,
             column_order=["label", "events", "gmv_lift", "orders_lift", "buyers_lift", "uv_lift",
                           "conversion_rate_lift"])

presale = data["presale"]
if not presale.empty:
    st.subheader("Pre-sale share of big sales")
    st.caption("GMV of pre-sale orders / GMV of all orders of the campaign (tagged with it, or untagged inside its "
               "window from pre-sale start to end).")
    st.dataframe(presale, hide_index=True, width="stretch", column_config=LIFT_COLUMNS,
                 column_order=["name", "presale_start", "start_date", "end_date", "gmv", "presale_gmv",
                               "presale_share", "orders", "presale_orders"])

st.subheader("Lift per campaign")
st.caption(f"Lift = campaign average per day / baseline average per day − 1 (conversion: pooled buyers / UV). "
           f"Baseline: the {campaigns.BASELINE_DAYS} days before the campaign (before its pre-sale), without "
           "big-sale, flash-sale or member days, of the same day type (weekday / weekend) when at least "
           f"{campaigns.MIN_BASELINE_DAYS} remain. Big sales are measured on their sale days.")
st.dataframe(data["lift"], hide_index=True, width="stretch", column_config=LIFT_COLUMNS, column_order=LIFT_ORDER)
st.download_button("Download campaign lift (CSV)", downloads.csv(data["lift"], "utf-8"),
                   file_name=f"ecomops_campaign_lift_{f.start}_{f.end}.csv", mime="text/csv", on_click="ignore")
