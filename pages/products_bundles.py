"""Bundles.

Frequently-bought-together pairs with support, confidence and lift (minimum counts as settings), a lift matrix or
network, bundle suggestions pairing slow movers with strong partners, and the AOV of orders holding a pair vs not.
"""
import streamlit as st

from ecomops import charts, derived, products
from ecomops.products import bundles
from ecomops.products import charts as products_charts
from ecomops.products import inventory
from ecomops.exports import escape_markdown as md
from ecomops.i18n import N_, _, fmt
from ecomops.ui import columns as colfmt
from ecomops.ui import downloads, page, state

VIEWS = {"Matrix": N_("Matrix"), "Network": N_("Network")}

f = page.setup(__file__)
state.ensure_derived(derived.PRODUCTS_LINES)
st.title(_("Bundles: frequently bought together"))
c1, c2, c3, c4 = st.columns(4)
min_product = c1.number_input(_("Minimum orders per product"), min_value=1,
                              value=bundles.DEFAULT_MIN_PRODUCT_ORDERS, key="bundle_min_product")
min_pair = c2.number_input(_("Minimum orders per pair"), min_value=1, value=bundles.DEFAULT_MIN_PAIR_ORDERS,
                           key="bundle_min_pair")
max_basket = c3.number_input(_("Leave out orders with more products than"), min_value=2,
                             value=bundles.DEFAULT_MAX_BASKET, key="bundle_max_basket",
                             help=_("Bulk orders add pairs with the square of their size and say little about "
                                    "bundles."))
sort_by = c4.selectbox(_("Sort pairs by"), list(bundles.PAIR_SORTS), key="bundle_sort",
                       format_func=lambda key: _(bundles.PAIR_SORT_NAMES[key]))
window = bundles.pair_window(f)
period = fmt.date_range(window.start, window.end)
if window != f:
    scope = _("Valid orders of {period} ({days} days, the last {max_days} days of the sidebar range; orders with "
              "more than {basket} products left out as bulk orders), sidebar channels.", period=period,
              days=fmt.count(window.days), max_days=fmt.count(bundles.DEFAULT_MAX_DAYS),
              basket=fmt.count(max_basket))
else:
    scope = _("Valid orders of {period} ({days} days; orders with more than {basket} products left out as bulk "
              "orders), sidebar channels.", period=period, days=fmt.count(window.days),
              basket=fmt.count(max_basket))
st.caption(_("{scope} With a category filter both products must be in the chosen categories. Support = share of "
             "orders holding both; confidence A→B = P(B | A); lift = confidence / P(B).", scope=scope))

pairs = state.cached(bundles.pairs, f, int(min_product), int(min_pair), max_basket=int(max_basket))

if pairs.empty:
    if not state.cached(products.available)["orders"]:
        st.info(products.upload_hint("orders"))
    else:
        st.info(_("No pair reaches the minimum counts in this range: lower them or widen the date range."))
    st.stop()

summary = bundles.pair_summary(pairs)
m1, m2, m3, m4 = st.columns(4)
capped = summary["pairs"] >= bundles.DEFAULT_LIMIT
m1.metric(_("Pairs found"), fmt.count(summary["pairs"]) + ("+" if capped else ""),
          help=_("The {n} most frequent pairs are kept.", n=fmt.count(bundles.DEFAULT_LIMIT)) if capped else None)
m2.metric(_("Orders in range"), fmt.count(summary["orders"]))
m3.metric(_("Highest lift"), fmt.number(summary["best_lift"], 2))
ranked = bundles.rank_pairs(pairs, sort_by)
top = ranked.iloc[0]
m4.metric(_("AOV with the top pair"), fmt.metric("aov", top["aov_with_pair"]), fmt.change(top["uplift_aov"]),
          help=_("{a} + {b}: AOV of orders holding both vs {other} for the other orders.", a=md(top["title_a"]),
                 b=md(top["title_b"]), other=fmt.metric("aov", top["aov_without_pair"])))

if pairs["bulk_orders"].iloc[0]:
    st.caption(_("{n} bulk orders left out of the counts.", n=fmt.count(pairs["bulk_orders"].iloc[0])))
view = st.radio(_("View"), list(VIEWS), horizontal=True, key="bundle_view", format_func=lambda v: _(VIEWS[v]))
if view == "Matrix":
    page.chart(st, products_charts.lift_matrix(bundles.pair_matrix(pairs, top=15),
                                                title=_("Lift between the 15 most-paired products")),
                    width="stretch")
else:
    page.chart(st, products_charts.pair_network(pairs, top=40,
                                                 title=_("The 40 strongest pairs (edge width = lift)")),
                    width="stretch")

pair_columns = ["title_a", "title_b", "pair_orders", "support", "confidence_a_to_b", "confidence_b_to_a", "lift",
                "aov_with_pair", "aov_without_pair", "uplift_aov", "product_a", "product_b"]
st.dataframe(ranked[pair_columns],
             column_config=colfmt.headers(pair_columns, {
                 "support": colfmt.PERCENT, "confidence_a_to_b": colfmt.PERCENT, "confidence_b_to_a": colfmt.PERCENT,
                 "lift": colfmt.DECIMAL, "aov_with_pair": colfmt.MONEY, "aov_without_pair": colfmt.MONEY,
                 "uplift_aov": colfmt.PERCENT}),
             hide_index=True, width="stretch")
st.download_button(_("Download pairs (CSV)"), downloads.csv(ranked, "utf-8"),
                   file_name=f"ecomops_pairs_{f.start}_{f.end}.csv", mime="text/csv", on_click="ignore")

st.subheader(_("AOV of orders holding the pair vs the other orders"))
page.chart(st, charts.bar(bundles.aov_comparison(pairs), "pair", "aov", color="orders", barmode="group",
                           title=_("Top 10 pairs by lift")), width="stretch")

st.subheader(_("Bundle suggestions: slow movers with strong partners"))
st.caption(_("Slow mover = class C (else B) in the ABC classes of the {days} days to the end date; strong partner = "
             "class A; the pair's lift must exceed 1. Attach rate = share of the partner's orders already holding it.",
             days=fmt.count(state.thresholds().abc_window_days)))
ideas = bundles.bundle_suggestions(pairs, state.cached(inventory.abc_table, f))
if ideas.empty:
    st.info(_("No slow mover sells with an A item above lift 1 at these minimum counts: lower them to see more."))
else:
    st.dataframe(ideas, column_config=colfmt.headers(ideas.columns, {
                     "lift": colfmt.DECIMAL, "attach_rate": colfmt.PERCENT, "aov_with_pair": colfmt.MONEY,
                     "aov_without_pair": colfmt.MONEY}),
                 hide_index=True, width="stretch")
