"""Search keywords.

On-site search: organic search traffic trend, core vs long-tail keywords, rising keywords and the keyword table
(searches, clicks, CTR, orders, conversion, GMV, growth).
"""
import streamlit as st

from ecomops import traffic
from ecomops.traffic import charts as traffic_charts
from ecomops.traffic import search
from ecomops.i18n import _, fmt, label
from ecomops.ui import columns as colfmt
from ecomops.ui import downloads, page, state

f = page.setup(__file__)
currency = state.currency()
KEYWORD_COLUMNS = {
    "keyword": _("Keyword"), "category": _("Category"), "kind": _("Class"), "words": _("Word units"),
    "searches": colfmt.count(_("Searches")),
    "search_share": colfmt.percent(_("Share of searches")),
    "clicks": colfmt.count(label("metric", "clicks")),
    "ctr": colfmt.percent(label("metric", "ctr")),
    "orders": colfmt.count(label("metric", "orders")),
    "conversion_rate": colfmt.percent(_("Search conversion"), help=_("orders / searches")),
    "gmv": colfmt.money(label("metric", "gmv"), currency),
    "previous_searches": colfmt.count(_("Searches before")),
    "growth": colfmt.percent(_("Growth"), help=_("vs the previous period of equal length; empty = new keyword")),
    "keywords": colfmt.count(_("Keywords")),
}
st.title(_("Search keywords"))
page.stop_unless(state.cached(traffic.availability)["search_keywords"], traffic.upload_hint("search_keywords"))

data = state.cached(search.search_overview, f)
totals = data["totals"]
st.caption(_("{range} vs the previous {days}. Organic search traffic = UV of the search channel (summed daily UV). The "
             "category filter applies; the channel filter does not.", range=fmt.date_range(f.start, f.end),
             days=fmt.days(f.days)))
st.info(_("**Core vs long-tail rule.** {rule}", rule=search.rule_text()), icon="🔎")

for col, (name, metric, value, change) in zip(st.columns(4), [
    (_("Organic search UV"), "uv", totals["search_uv"], totals["search_uv_change"]),
    (_("Searches"), "searches", totals["searches"], totals["searches_change"]),
    (_("Core searches"), "searches", totals["core_searches"], totals["core_searches_change"]),
    (_("Long-tail searches"), "searches", totals["long_tail_searches"], totals["long_tail_searches_change"]),
]):
    col.metric(name, fmt.metric(metric, value, compact=True), None if change is None else fmt.change(change))
if data["keywords"].empty:
    st.info(_("No searches in this range: widen the date range or clear the category filter."))
    st.stop()

page.chart(st, traffic_charts.search_trend(data["trend"]), width="stretch")
left, right = st.columns([2, 3])
left.subheader(_("Core vs long-tail"))
left.dataframe(colfmt.labelled(data["kinds"], kind="keyword_class"), hide_index=True, width="stretch",
               column_config=KEYWORD_COLUMNS)
right.subheader(_("Rising keywords"))
right.caption(_("Fastest growth among keywords with at least {n} searches.",
                n=fmt.count(search.RISING_MIN_SEARCHES)))
right.dataframe(colfmt.labelled(data["rising"], kind="keyword_class"), hide_index=True, width="stretch",
                column_config=KEYWORD_COLUMNS,
                column_order=["keyword", "kind", "searches", "previous_searches", "growth", "gmv"])

st.subheader(_("Keywords"))
kind = st.segmented_control(_("Show"), ["all", "core", "long-tail"], default="all",
                            format_func=lambda code: label("keyword_class", code))
shown = search.keywords_of_kind(data["keywords"], kind or "all")
st.dataframe(colfmt.labelled(shown, kind="keyword_class"), hide_index=True, width="stretch",
             column_config=KEYWORD_COLUMNS)
st.download_button(_("Download keywords (CSV)"), downloads.csv(shown, "utf-8"),
                   file_name=f"ecomops_keywords_{f.start}_{f.end}.csv", mime="text/csv", on_click="ignore")
