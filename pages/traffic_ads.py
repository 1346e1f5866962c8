"""Ads.

Ad spend, clicks, CPC, attributed GMV and ROI by campaign, audience and channel; the best and worst audiences.
"""
import streamlit as st

from ecomops import charts, config
from ecomops import traffic
from ecomops.traffic import ads as traffic_ads
from ecomops.traffic import charts as traffic_charts
from ecomops.i18n import _, fmt
from ecomops.ui import columns as colfmt
from ecomops.ui import downloads, page, state

AD_COLUMNS = {
    "key": "Name", "spend": colfmt.yen("Spend"),
    "spend_share": colfmt.percent("Share of spend"),
    "impressions": colfmt.count("Impressions"),
    "clicks": colfmt.count("Clicks"),
    "ctr": colfmt.percent("CTR"),
    "cpc": st.column_config.NumberColumn("CPC", format="¥%.2f"),
    "attributed_gmv": colfmt.yen("Attributed GMV"),
    "roi": st.column_config.NumberColumn("ROI", format="%.2f"),
    "rank": "Rank",
}

f = page.setup(__file__)
t = state.thresholds()
floor = config.shown(t, "roi_floor")
AD_COLUMNS["roi_flag"] = st.column_config.CheckboxColumn(_("ROI < {floor}", floor=floor))
st.title("Ads")
page.stop_unless(state.cached(traffic.availability)["ad_spend"], traffic.upload_hint("ad_spend"))

ads = state.cached(traffic_ads.ads_overview, f)
total = ads["total"]
st.caption(f"{f.start:%Y-%m-%d} – {f.end:%Y-%m-%d}. ROI = attributed GMV / spend; CPC = spend / clicks; "
           "CTR = clicks / impressions. The channel filter applies; categories do not (ads carry none).")
if total["spend"] is None:
    st.info("No ad spend in this range: widen the date range, or upload an ad spend export on Data → Upload.")
    st.stop()

cards = [("Spend", charts.format_value("spend", total["spend"])), ("Clicks", charts.format_value("clicks", total["clicks"])),
         ("CPC", charts.format_value("spend", total["cpc"])),
         ("Attributed GMV", charts.format_value("attributed_gmv", total["attributed_gmv"])),
         ("ROI", "—" if total["roi"] is None else f"{total['roi']:.2f}")]
for row in (cards[:3], cards[3:]):
    for col, (label, text) in zip(st.columns(3), row):
        col.metric(label, text)

st.subheader("Best and worst audiences")
st.caption(_("By ROI, among audiences with at least {share} of the spend (smaller ones are too noisy to rank). Red "
             "bars: ROI < {floor}.", share=fmt.percent(traffic_ads.BEST_WORST_MIN_SPEND_SHARE, 0), floor=floor))
ranked = traffic_ads.best_worst_audiences(ads["audience"])
left, right = st.columns([3, 2])
left.dataframe(ranked, hide_index=True, width="stretch", column_config=AD_COLUMNS)
right.plotly_chart(traffic_charts.roi_bars(ads["audience"], key="key", title="ROI by audience", floor=t.roi_floor),
                   width="stretch")

st.subheader("By campaign")
st.dataframe(ads["campaign"], hide_index=True, width="stretch", column_config=AD_COLUMNS)
left, right = st.columns(2)
left.plotly_chart(traffic_charts.roi_bars(ads["channel"], key="key", title="ROI by channel", floor=t.roi_floor),
                  width="stretch")
right.plotly_chart(traffic_charts.roi_trend(ads["trend"], x="key", color=None, title=f"ROI by {ads['grain']}",
                                            floor=t.roi_floor), width="stretch")
st.subheader("All audiences")
st.dataframe(ads["audience"], hide_index=True, width="stretch", column_config=AD_COLUMNS)
st.download_button("Download campaigns (CSV)", downloads.csv(ads["campaign"], "utf-8"),
                   file_name=f"ecomops_ad_campaigns_{f.start}_{f.end}.csv", mime="text/csv", on_click="ignore")
st.download_button("Download audiences (CSV)", downloads.csv(ads["audience"], "utf-8"),
                   file_name=f"ecomops_ad_audiences_{f.start}_{f.end}.csv", mime="text/csv", on_click="ignore")
