"""Ads.

Ad spend, clicks, CPC, attributed GMV and ROI by campaign, audience and channel; the best and worst audiences.
"""
import streamlit as st

from ecomops import config
from ecomops import traffic
from ecomops.traffic import ads as traffic_ads
from ecomops.traffic import charts as traffic_charts
from ecomops.i18n import _, fmt, label
from ecomops.ui import columns as colfmt
from ecomops.ui import downloads, page, state

f = page.setup(__file__)
t = state.thresholds()
currency = state.currency()
floor = config.shown(t, "roi_floor")
AD_COLUMNS = {
    "key": _("Name"), "spend": colfmt.money(label("metric", "spend"), currency),
    "spend_share": colfmt.percent(_("Share of spend")),
    "impressions": colfmt.count(label("metric", "impressions")),
    "clicks": colfmt.count(label("metric", "clicks")),
    "ctr": colfmt.percent(label("metric", "ctr")),
    "cpc": colfmt.money(label("metric", "cpc"), currency),
    "attributed_gmv": colfmt.money(label("metric", "attributed_gmv"), currency),
    "roi": colfmt.ratio(label("metric", "roi")),
    "rank": _("Rank"),
    "roi_flag": st.column_config.CheckboxColumn(_("ROI < {floor}", floor=floor)),
}
st.title(_("Ads"))
page.stop_unless(state.cached(traffic.availability)["ad_spend"], traffic.upload_hint("ad_spend"))

ads = state.cached(traffic_ads.ads_overview, f)
total = ads["total"]
st.caption(_("{range}. ROI = attributed GMV / ad spend; CPC = ad spend / clicks; CTR = clicks / impressions. The "
             "channel filter applies; categories do not (ads carry none).", range=fmt.date_range(f.start, f.end)))
if total["spend"] is None:
    st.info(_("No ad spend in this range: widen the date range, or upload an ad spend export on Data → Upload."))
    st.stop()

cards = [(m, fmt.metric(m, total[m], currency, compact=m != "cpc"))
         for m in ("spend", "clicks", "cpc", "attributed_gmv", "roi")]
for row in (cards[:3], cards[3:]):
    for col, (metric, text) in zip(st.columns(3), row):
        col.metric(label("metric", metric), text)

st.subheader(_("Best and worst audiences"))
st.caption(_("By ROI, among audiences with at least {share} of the spend (smaller ones are too noisy to rank). Red "
             "bars: ROI < {floor}.", share=fmt.percent(traffic_ads.BEST_WORST_MIN_SPEND_SHARE, 0), floor=floor))
ranked = traffic_ads.best_worst_audiences(ads["audience"])
left, right = st.columns([3, 2])
left.dataframe(colfmt.labelled(ranked, rank="audience_rank"), hide_index=True, width="stretch", column_config=AD_COLUMNS)
page.chart(right, traffic_charts.roi_bars(ads["audience"], key="key", title=_("ROI by audience"), floor=t.roi_floor,
                                           kind=None), width="stretch")

st.subheader(_("By campaign"))
st.dataframe(ads["campaign"], hide_index=True, width="stretch", column_config=AD_COLUMNS)
left, right = st.columns(2)
page.chart(left, traffic_charts.roi_bars(ads["channel"], key="key", title=_("ROI by channel"), floor=t.roi_floor),
                  width="stretch")
TREND_TITLES = {"day": _("ROI by day"), "week": _("ROI by week"), "month": _("ROI by month")}
page.chart(right, traffic_charts.roi_trend(ads["trend"], x="key", color=None, title=TREND_TITLES[ads["grain"]],
                                            floor=t.roi_floor), width="stretch")
st.subheader(_("All audiences"))
st.dataframe(ads["audience"], hide_index=True, width="stretch", column_config=AD_COLUMNS)
st.download_button(_("Download campaigns (CSV)"), downloads.csv(ads["campaign"], "utf-8"),
                   file_name=f"ecomops_ad_campaigns_{f.start}_{f.end}.csv", mime="text/csv", on_click="ignore")
st.download_button(_("Download audiences (CSV)"), downloads.csv(ads["audience"], "utf-8"),
                   file_name=f"ecomops_ad_audiences_{f.start}_{f.end}.csv", mime="text/csv", on_click="ignore")
