"""Campaigns.

Campaign calendar, lift against a baseline of comparable days, pre-sale share of GMV for big sales, and the effect
of member days and flash sales.
"""
import streamlit as st

from ecomops import derived
from ecomops import traffic
from ecomops.traffic import campaigns
from ecomops.traffic import charts as traffic_charts
from ecomops.exports import escape_markdown as md
from ecomops.i18n import _, fmt, label, ngettext
from ecomops.ui import columns as colfmt, page
from ecomops.ui import downloads, state

f = page.setup(__file__)
currency = state.currency()
LIFT_COLUMNS = {
    "campaign_id": _("Campaign"), "name": _("Name"), "kind": _("Kind"), "label": _("Kind"),
    "start_date": _("Start"), "end_date": _("End"), "campaign_days": _("Days"), "baseline_days": _("Baseline days"),
    "baseline_rule": _("Baseline days of"), "overlaps": _("Inside"), "events": _("Campaigns"),
    "gmv": colfmt.money(_("GMV / day"), currency),
    "baseline_gmv": colfmt.money(_("Baseline GMV / day"), currency),
    "gmv_lift": colfmt.percent(_("GMV lift")),
    "orders_lift": colfmt.percent(_("Orders lift")),
    "buyers_lift": colfmt.percent(_("Buyers lift")),
    "uv_lift": colfmt.percent(_("UV lift")),
    "conversion_rate_lift": colfmt.percent(_("Conversion rate lift")),
    "presale_gmv_lift": colfmt.percent(_("Pre-sale GMV lift")),
    "presale_start": _("Pre-sale from"),
    "presale_gmv": colfmt.money(_("Pre-sale GMV"), currency),
    "presale_share": colfmt.percent(_("Pre-sale share")),
    "orders": colfmt.count(label("metric", "orders")),
    "presale_orders": colfmt.count(_("Pre-sale orders")),
}
LIFT_ORDER = ["name", "kind", "start_date", "end_date", "overlaps", "gmv", "baseline_gmv", "gmv_lift", "orders_lift",
              "uv_lift", "conversion_rate_lift", "presale_gmv_lift", "baseline_days", "baseline_rule"]

st.title(_("Campaigns"))
page.stop_unless(state.cached(traffic.availability)["campaigns"], traffic.upload_hint("campaigns"))

state.ensure_derived(derived.SALES_ROLLUP)
data = state.cached(campaigns.campaign_overview, f)
calendar = data["calendar"]
if calendar.empty:
    st.info(_("No campaign overlaps this date range: widen it, or upload a campaign calendar on Data → Upload."))
    st.stop()

page.chart(st, traffic_charts.campaign_timeline(calendar), width="stretch")
page.chart(st, traffic_charts.campaign_gmv(data["daily"], calendar), width="stretch")

st.subheader(_("Member-day and flash-sale effects"))
st.caption(_("Average lift per kind, leaving out campaigns that sit inside a bigger event."))
by_kind = data["by_kind"]
for col, row in zip(st.columns(max(1, len(by_kind))), by_kind.itertuples()):
    col.metric(_("{kind} GMV lift", kind=md(row.label)), fmt.change(row.gmv_lift),
               help=ngettext("{n} campaign; conversion rate lift {lift}", "{n} campaigns; conversion rate lift {lift}",
                             int(row.events), lift=fmt.change(row.conversion_rate_lift)))
st.dataframe(by_kind, hide_index=True, width="stretch", column_config=LIFT_COLUMNS,
             column_order=["label", "events", "gmv_lift", "orders_lift", "buyers_lift", "uv_lift",
                           "conversion_rate_lift"])

presale = data["presale"]
if not presale.empty:
    st.subheader(_("Pre-sale share of big sales"))
    st.caption(_("GMV of pre-sale orders / GMV of all orders of the campaign (tagged with it, or untagged inside its "
                 "window from pre-sale start to end)."))
    st.dataframe(presale, hide_index=True, width="stretch", column_config=LIFT_COLUMNS,
                 column_order=["name", "presale_start", "start_date", "end_date", "gmv", "presale_gmv",
                               "presale_share", "orders", "presale_orders"])

st.subheader(_("Lift per campaign"))
st.caption(_("Lift = campaign average per day / baseline average per day − 1 (conversion rate: pooled buyers / UV). "
             "Baseline: the {days} days before the campaign (before its pre-sale), without big-sale, flash-sale or "
             "member days, of the same day type (weekday / weekend) when at least {min_days} remain. Big sales are "
             "measured on their sale days.", days=fmt.count(campaigns.BASELINE_DAYS),
             min_days=fmt.count(campaigns.MIN_BASELINE_DAYS)))
st.dataframe(colfmt.labelled(data["lift"], kind="campaign_kind", baseline_rule="baseline_rule"), hide_index=True,
             width="stretch", column_config=LIFT_COLUMNS, column_order=LIFT_ORDER)
st.download_button(_("Download campaign lift (CSV)"), downloads.csv(data["lift"], "utf-8"),
                   file_name=f"ecomops_campaign_lift_{f.start}_{f.end}.csv", mime="text/csv", on_click="ignore")
