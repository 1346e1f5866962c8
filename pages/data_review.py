"""Weekly/monthly review.

The review a manager takes into the weekly or monthly meeting: KPIs with WoW/MoM and YoY change, top movers, channel
ROI, alerts and causes, reactivation results and risk items; downloadable as one HTML file or a PDF.
"""
import streamlit as st

from ecomops.i18n import _, fmt
from ecomops.ops import monitoring
from ecomops.ops import report
from ecomops.exports import escape_markdown as md
from ecomops.ui import page
from ecomops.ui import state
from ecomops.users import targeting

con = state.connection()
f = page.setup(__file__)
st.title(_("Weekly/monthly review"))

left, right = st.columns([1, 2])
kind = left.radio(_("Period"), report.PERIODS, horizontal=True,
                  format_func=lambda k: _("Week") if k == "week" else _("Month"))
anchor = right.date_input(_("Any day of the period"), value=f.end, key="review_anchor")
try:
    review = state.cached(report.build_review, kind, anchor, f)
except ValueError as exc:
    st.info(_("No review for this choice: {reason}. Pick another day, or upload orders on Data → Upload.",
              reason=md(exc)))
    st.stop()
p = review.period
st.caption(_("{compared}. Channel and category filters of the sidebar apply.",
             compared=report.texts(review)["compared"]))

download_left, download_right = st.columns(2)
stem = f"ecomops_{kind}_review_{p.start}"
download_left.download_button(_("Download HTML (interactive)"), data=lambda: report.render_html(review).encode("utf-8"),
                              file_name=f"{stem}.html", mime="text/html", width="stretch")
download_right.download_button(_("Download PDF"), data=lambda: report.render_pdf(review), file_name=f"{stem}.pdf",
                               mime="application/pdf", width="stretch")

st.subheader(_("Highlights"))
st.markdown("\n".join(f"- {md(line)}" for line in review.highlights) or _("Nothing stood out."))

st.subheader(_("KPIs"))
for row_start in (0, 4):
    for col, row in zip(st.columns(4), review.kpis.iloc[row_start:row_start + 4].itertuples()):
        col.metric(row.label, fmt.metric(row.metric, row.value),
                   monitoring.change_text(row.metric, row.value, row.previous),
                   help=_("{comparison}: previous {previous}; YoY {yoy} (year ago {year_ago})", comparison=p.change_name,
                          previous=fmt.metric(row.metric, row.previous),
                          yoy=monitoring.change_text(row.metric, row.value, row.year_ago) or fmt.NONE,
                          year_ago=fmt.metric(row.metric, row.year_ago)))
figs = report.figures(review)
page.chart(st, figs["daily"], width="stretch")

st.subheader(_("Top movers ({comparison})", comparison=p.change_name))
tab_products, tab_channels, tab_keywords = st.tabs([_("Products (GMV)"), _("Channels (GMV)"),
                                                    _("Keywords (searches)")])
tab_products.dataframe(report.movers_table(review, "products"), hide_index=True, width="stretch")
if "products" in figs:
    page.chart(tab_products, figs["products"], width="stretch")
tab_channels.dataframe(report.movers_table(review, "channels"), hide_index=True, width="stretch")
if review.movers["keywords"].empty:
    tab_keywords.info(_("No search keyword data: upload a keyword export on Data → Upload."))
else:
    tab_keywords.dataframe(report.movers_table(review, "keywords"), hide_index=True, width="stretch")

st.subheader(_("Channel ROI review"))
if review.roi.empty:
    st.info(_("No ad spend in this period: upload an ad spend export on Data → Upload."))
else:
    st.dataframe(report.roi_table(review), hide_index=True, width="stretch")
    page.chart(st, figs["roi"], width="stretch")

st.subheader(_("Alerts and their causes"))
if review.alerts.empty:
    st.success(_("No alert rule fired in this period."))
else:
    st.dataframe(monitoring.alert_table(review.alerts), hide_index=True, width="stretch")

st.subheader(_("Reactivation results"))
if review.reactivation.empty:
    st.info(_("No reactivation outreach in the {days} days up to this period: upload outreach results on Data → "
              "Upload.", days=fmt.count(report.REACTIVATION_LOOKBACK_DAYS)))
else:
    uplift = report.reactivation_uplift(review.reactivation)
    st.dataframe(report.reactivation_table(review), hide_index=True, width="stretch")
    if uplift is not None:
        first = review.reactivation.iloc[0]
        st.metric(_("Uplift (contacted − control)"), fmt.pp(uplift),
                  help=targeting.uplift_text(first["uplift"], first["ci_low"], first["ci_high"]))

st.subheader(_("Risk items"))
st.dataframe(report.risks_table(review), hide_index=True, width="stretch")
