"""Reputation.

Risk → Reputation: the negative-review queue, reply time and reply-SLA breaches, and the negative-review rate
against its target by product and over time (text-only reviews classified by the review model); the SLA and the
target are settings.
"""
import streamlit as st

from ecomops import charts, config, derived
from ecomops.risk import reputation
from ecomops.risk import reviews_model
from ecomops.exports import escape_markdown as md
from ecomops.i18n import _, fmt
from ecomops.ui import downloads, page, state

f = page.setup(__file__)
t = state.thresholds()
sla = config.formatted("reply_sla_hours", t.reply_sla_hours)
st.title("Reputation")
st.caption(_("Reviews created {period}, as of the end of that day. Negative = rating ≤ {rating}, or classified "
             "negative when there is text and no rating. SLA: answer negative reviews within {sla}.",
             period=fmt.date_range(f.start, f.end), rating=fmt.count(t.negative_rating_max), sla=sla))

if reviews_model.cached_metrics() is None:
    with st.status("First use: training the review classifier (about a minute)…") as status:
        try:
            reviews_model.get_model(progress=lambda message: status.write(md(message)))
            status.update(label="Review classifier ready", state="complete")
        except reviews_model.ReviewsModelUnavailable as exc:
            status.update(label="Review classifier unavailable", state="error")
            st.warning(md(exc))
state.ensure_derived(derived.RISK_REVIEW_LABELS)  # the classifier's labels, stored once per data change / model

summary = state.cached(reputation.reputation_summary, f)
if summary["reviews"] == 0:
    st.info("No reviews in this range: upload a reviews export on Data → Upload, or widen the date range.")
    st.stop()
if summary["model_message"]:
    st.warning(md(summary["model_message"]))

target = summary["target"]
c1, c2, c3, c4, c5 = st.columns(5)
c1.metric("Negative-review rate", charts.format_value("negative_rate", summary["negative_rate"]),
          f"{(summary['negative_rate'] - target) * 100:+.1f} pp vs {target:.0%} target", delta_color="inverse")
c2.metric("Negative reviews", f"{summary['negative']:,} / {summary['reviews']:,}",
          help=f"{summary['negative_by_model']} of them classified from text by the model")
c3.metric("Median reply time", "—" if summary["median_response_hours"] is None
          else f"{summary['median_response_hours']:.1f} h", help="Negative reviews replied by the end of the range.")
c4.metric("SLA breaches", f"{summary['sla_breaches']:,}",
          help=_("Negative reviews answered after {sla} or still open after {sla}.", sla=sla))
c5.metric("Open and overdue", f"{summary['open_overdue']:,}")

st.subheader("Negative-review queue")
open_only = st.toggle("Only reviews without a reply", value=True, key="risk_queue_open")
queue = state.cached(reputation.negative_queue, f, open_only)
if queue.empty:
    st.success("No negative review waiting for a reply.")
else:
    st.dataframe(queue, hide_index=True, width="stretch",
                 column_config={"hours": st.column_config.NumberColumn("hours open / to reply", format="%.1f")})
    st.download_button("Download queue (CSV)", downloads.csv(queue, "utf-8-sig"),
                       file_name="negative_review_queue.csv", mime="text/csv", on_click="ignore")

trend = state.cached(reputation.negative_rate_over_time, f)
st.plotly_chart(charts.line(trend, "period", ["negative_rate", "target"], y_format=".0%",
                            title=f"Negative-review rate per {trend.attrs.get('grain', 'day')} vs target"),
                width="stretch")

st.subheader("By product")
by_product = state.cached(reputation.negative_rate_by_product, f)
st.dataframe(by_product, hide_index=True, width="stretch",
             column_config={"negative_rate": st.column_config.NumberColumn(format="percent")})

metrics = reviews_model.cached_metrics()
if metrics:
    langs = metrics["languages"]
    st.caption("Review classifier held-out accuracy: " + ", ".join(
        f"{lang} {m['accuracy']:.1%} (majority baseline {m['majority_baseline']:.1%}, {m['test_rows']:,} reviews)"
        for lang, m in langs.items()) + f" · trained {metrics['trained_at']}.")
