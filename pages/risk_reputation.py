"""Reputation.

Risk → Reputation: the negative-review queue, reply time and reply-SLA breaches, and the negative-review rate
against its target by product and over time (text-only reviews classified by the review model); the SLA and the
target are settings.
"""
from datetime import datetime

import streamlit as st

from ecomops import charts, config, derived
from ecomops.risk import reputation
from ecomops.risk import reviews_model
from ecomops.exports import escape_markdown as md
from ecomops.i18n import _, fmt, label, pgettext
from ecomops.ui import columns as colfmt
from ecomops.ui import downloads, page, state

f = page.setup(__file__)
t = state.thresholds()
sla = config.formatted("reply_sla_hours", t.reply_sla_hours)
st.title(_("Reputation"))
st.caption(_("Reviews created {period}, as of the end of that day. Negative = rating ≤ {rating}, or classified "
             "negative when there is text and no rating. SLA: answer negative reviews within {sla}.",
             period=fmt.date_range(f.start, f.end), rating=fmt.count(t.negative_rating_max), sla=sla))

if reviews_model.cached_metrics() is None:
    with st.status(_("First use: training the review classifier (about a minute)…")) as status:
        try:
            reviews_model.get_model(progress=lambda message: status.write(md(message)))
            status.update(label=_("Review classifier ready"), state="complete")
        except reviews_model.ReviewsModelUnavailable as exc:
            status.update(label=_("Review classifier unavailable"), state="error")
            st.warning(md(exc))
state.ensure_derived(derived.RISK_REVIEW_LABELS)  # the classifier's labels, stored once per data change / model

summary = state.cached(reputation.reputation_summary, f)
if summary["reviews"] == 0:
    st.info(_("No reviews in this range: upload a reviews export on Data → Upload, or widen the date range."))
    st.stop()
if summary["model_message"]:
    st.warning(md(summary["model_message"]))

target = summary["target"]
c1, c2, c3, c4, c5 = st.columns(5)
c1.metric(label("metric", "negative_review_rate"), fmt.metric("negative_rate", summary["negative_rate"]),
          _("{pp} vs {target} target", pp=fmt.pp(summary["negative_rate"] - target), target=fmt.percent(target, 0)),
          delta_color="inverse")
c2.metric(_("Negative reviews"), f"{fmt.count(summary['negative'])} / {fmt.count(summary['reviews'])}",
          help=_("{n} of them classified from text by the model", n=fmt.count(summary["negative_by_model"])))
c3.metric(_("Median reply time"), fmt.hours(summary["median_response_hours"]),
          help=_("Negative reviews replied by the end of the range."))
c4.metric(_("SLA breaches"), fmt.count(summary["sla_breaches"]),
          help=_("Negative reviews answered after {sla} or still open after {sla}.", sla=sla))
c5.metric(_("Open and overdue"), fmt.count(summary["open_overdue"]))

st.subheader(_("Negative-review queue"))
open_only = st.toggle(_("Only reviews without a reply"), value=True, key="risk_queue_open")
queue = state.cached(reputation.negative_queue, f, open_only)
if queue.empty:
    st.success(_("No negative review waiting for a reply."))
else:
    st.dataframe(colfmt.with_labels(queue, {"sla_status": "sla_status", "source": "review_source"}),
                 hide_index=True, width="stretch",
                 column_config=colfmt.headers(queue.columns, {"hours": colfmt.days()}))
    st.download_button(_("Download queue (CSV)"), downloads.csv(queue, "utf-8-sig"),
                       file_name="negative_review_queue.csv", mime="text/csv", on_click="ignore")

trend = state.cached(reputation.negative_rate_over_time, f)
trend_title = (_("Negative-review rate per week vs target") if trend.attrs.get("grain") == "week"
               else _("Negative-review rate per day vs target"))
page.chart(st, charts.line(trend, "period", ["negative_rate", "target"], y_format=".0%", title=trend_title,
                            names={"negative_rate": label("metric", "negative_review_rate"),
                                   "target": pgettext("chart", "Target")}),
                width="stretch")

st.subheader(_("By product"))
by_product = state.cached(reputation.negative_rate_by_product, f)
st.dataframe(by_product, hide_index=True, width="stretch",
             column_config=colfmt.headers(by_product.columns, {
                 "negative_rate": st.column_config.NumberColumn(format="percent")}))

metrics = reviews_model.cached_metrics()
if metrics:
    languages = pgettext("list separator", ", ").join(
        _("{language} {accuracy} (majority baseline {baseline}, {n} reviews)",
          language=_(reviews_model.LANGUAGE_NAMES.get(lang, lang)), accuracy=fmt.percent(m["accuracy"]),
          baseline=fmt.percent(m["majority_baseline"]), n=fmt.count(m["test_rows"]))
        for lang, m in metrics["languages"].items())
    st.caption(_("Review classifier held-out accuracy: {languages} · trained {when}.", languages=languages,
                 when=fmt.datetime(datetime.fromisoformat(metrics["trained_at"]))))
