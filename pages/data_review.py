"""Weekly/monthly review.

The review a manager takes into the weekly or monthly meeting: KPIs with WoW/MoM and YoY change, top movers, channel
ROI, alerts and causes, reactivation results and risk items; downloadable as one HTML file or a PDF.
"""
import streamlit as st

from ecomops import charts
from ecomops.i18n import _, fmt
from ecomops.ops import report
from ecomops.exports import escape_markdown as md
from ecomops.ui import columns as colfmt, page
from ecomops.ui import state
from ecomops.users import targeting

con = state.connection()
f = page.setup(__file__)
st.title("Weekly/monthly review")

left, right = st.columns([1, 2])
kind = left.radio("Period", report.PERIODS, horizontal=True, format_func=lambda k: "Week" if k == "week" else "Month")
anchor = right.date_input("Any day of the period", value=f.end, key="review_anchor")
try:
    review = state.cached(report.build_review, kind, anchor, f)
except ValueError as exc:
    st.info(f"No review for this choice: {md(exc)}. Pick another day, or upload orders on Data → Upload.")
    st.stop()
p = review.period
st.caption(f"{p.label}, compared with {p.previous_start} – {p.previous_end} ({p.change_name}) and "
           f"{p.year_ago_start} – {p.year_ago_end} (YoY). Channel and category filters of the sidebar apply.")

download_left, download_right = st.columns(2)
stem = f"ecomops_{kind}_review_{p.start}"
download_left.download_button("Download HTML (interactive)", data=lambda: report.render_html(review).encode("utf-8"),
                              file_name=f"{stem}.html", mime="text/html", width="stretch")
download_right.download_button("Download PDF", data=lambda: report.render_pdf(review), file_name=f"{stem}.pdf",
                               mime="application/pdf", width="stretch")

st.subheader("Highlights")
st.markdown("\n".join(f"- {md(line)}" for line in review.highlights) or "Nothing stood out.")

st.subheader("KPIs")
for row_start in (0, 4):
    for col, row in zip(st.columns(4), review.kpis.iloc[row_start:row_start + 4].itertuples()):
        col.metric(row.label, charts.format_value(row.metric, row.value), charts.format_change(row.change),
                   help=f"{p.change_name}: previous {charts.format_value(row.metric, row.previous)}; YoY "
                        f"{charts.format_change(row.yoy) or '—'} (year ago {charts.format_value(row.metric, row.year_ago)})")
figs = report.figures(review)
st.plotly_chart(figs["daily"], width="stretch")

st.subheader(f"Top movers ({p.change_name})")
tab_products, tab_channels, tab_keywords = st.tabs(["Products (GMV)", "Channels (GMV)", "Keywords (searches)"])
percent = {"change_pct": colfmt.percent("change %")}
tab_products.dataframe(review.movers["products"], hide_index=True, width="stretch", column_config=percent)
if "products" in figs:
    tab_products.plotly_chart(figs["products"], width="stretch")
tab_channels.dataframe(review.movers["channels"], hide_index=True, width="stretch", column_config=percent)
if review.movers["keywords"].empty:
    tab_keywords.info("No search keyword data: upload a keyword export on Data → Upload.")
else:
    tab_keywords.dataframe(review.movers["keywords"], hide_index=True, width="stretch", column_config=percent)

st.subheader("Channel ROI review")
if review.roi.empty:
    st.info("No ad spend in this period: upload an ad spend export on Data → Upload.")
else:
    st.dataframe(review.roi, hide_index=True, width="stretch")
    st.plotly_chart(figs["roi"], width="stretch")

st.subheader("Alerts and their causes")
if review.alerts.empty:
    st.success("No alert rule fired in this period.")
else:
    st.dataframe(review.alerts[["day", "severity", "message", "cause"]], hide_index=True, width="stretch")

st.subheader("Reactivation results")
if review.reactivation.empty:
    st.info(_("No reactivation outreach in the {days} days up to this period: upload outreach results on Data → "
              "Upload.", days=fmt.count(report.REACTIVATION_LOOKBACK_DAYS)))
else:
    uplift = report.reactivation_uplift(review.reactivation)
    st.dataframe(review.reactivation, hide_index=True, width="stretch",
                 column_config={"rate": colfmt.percent("conversion")})
    if uplift is not None:
        first = review.reactivation.iloc[0]
        st.metric(_("Uplift (treatment − control)"), fmt.pp(uplift),
                  help=targeting.uplift_text(first["uplift"], first["ci_low"], first["ci_high"]))

st.subheader("Risk items")
st.dataframe(review.risks, hide_index=True, width="stretch")
