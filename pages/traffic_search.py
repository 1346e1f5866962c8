"""Search keywords.

On-site search: organic search traffic trend, core vs long-tail keywords, rising keywords and the keyword table
(searches, clicks, CTR, orders, conversion, GMV, growth).
"""
import streamlit as st

from ecomops import charts
from ecomops import traffic
from ecomops.traffic import charts as traffic_charts
from ecomops.traffic import search
from ecomops.ui import columns as colfmt
from ecomops.ui import downloads, page, state

KEYWORD_COLUMNS = {
    "keyword": "Keyword", "category": "Category", "kind": "Class", "words": "Word units",
    "searches": colfmt.count("Searches"),
    "search_share": colfmt.percent("Share of searches"),
    "clicks": colfmt.count("Clicks"),
    "ctr": colfmt.percent("CTR"),
    "orders": colfmt.count("Orders"),
    "conversion_rate": colfmt.percent("Conversion",
                                                     help="orders / searches"),
    "gmv": colfmt.yen("GMV"),
    "previous_searches": colfmt.count("Searches before"),
    "growth": colfmt.percent("Growth",
                                            help="vs the previous period of equal length; empty = new keyword"),
    "keywords": colfmt.count("Keywords"),
}

f = page.setup(__file__)
st.title("Search keywords")
page.stop_unless(state.cached(traffic.availability)["search_keywords"], traffic.upload_hint("search_keywords"))

data = state.cached(search.search_overview, f)
totals = data["totals"]
st.caption(f"{f.start:%Y-%m-%d} – {f.end:%Y-%m-%d} vs the previous {f.days} days. Organic search traffic = UV of "
           "the search channel (summed daily UV). The category filter applies; the channel filter does not.")
st.info(f"**Core vs long-tail rule.** {search.RULE_TEXT}", icon="🔎")

for col, (label, metric, value, change) in zip(st.columns(4), [
    ("Organic search UV", "uv", totals["search_uv"], totals["search_uv_change"]),
    ("Searches", "searches", totals["searches"], totals["searches_change"]),
    ("Core searches", "searches", totals["core_searches"], totals["core_searches_change"]),
    ("Long-tail searches", "searches", totals["long_tail_searches"], totals["long_tail_searches_change"]),
]):
    col.metric(label, charts.format_value(metric, value), charts.format_change(change))
if data["keywords"].empty:
    st.info("No searches in this range: widen the date range or clear the category filter.")
    st.stop()

st.plotly_chart(traffic_charts.search_trend(data["trend"]), width="stretch")
left, right = st.columns([2, 3])
left.subheader("Core vs long-tail")
left.dataframe(data["kinds"], hide_index=True, width="stretch", column_config=KEYWORD_COLUMNS)
right.subheader("Rising keywords")
right.caption(f"Fastest growth among keywords with at least {search.RISING_MIN_SEARCHES} searches.")
right.dataframe(data["rising"], hide_index=True, width="stretch", column_config=KEYWORD_COLUMNS,
                column_order=["keyword", "kind", "searches", "previous_searches", "growth", "gmv"])

st.subheader("Keywords")
kind = st.segmented_control("Show", ["all", "core", "long-tail"], default="all")
shown = search.keywords_of_kind(data["keywords"], kind or "all")
st.dataframe(shown, hide_index=True, width="stretch", column_config=KEYWORD_COLUMNS)
st.download_button("Download keywords (CSV)", downloads.csv(shown, "utf-8"),
                   file_name=f"ecomops_keywords_{f.start}_{f.end}.csv", mime="text/csv", on_click="ignore")
