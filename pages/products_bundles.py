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
from ecomops.i18n import _, fmt
from ecomops.ui import columns as colfmt
from ecomops.ui import downloads, page, state


f = page.setup(__file__)
state.ensure_derived(derived.PRODUCTS_LINES)
st.title("Bundles: frequently bought together")
c1, c2, c3, c4 = st.columns(4)
min_product = c1.number_input("Minimum orders per product", min_value=1, value=bundles.DEFAULT_MIN_PRODUCT_ORDERS,
                              key="bundle_min_product")
min_pair = c2.number_input("Minimum orders per pair", min_value=1, value=bundles.DEFAULT_MIN_PAIR_ORDERS,
                           key="bundle_min_pair")
max_basket = c3.number_input("Leave out orders with more products than", min_value=2,
                             value=bundles.DEFAULT_MAX_BASKET, key="bundle_max_basket",
                             help="Bulk orders add pairs with the square of their size and say little about bundles.")
sort_by = c4.selectbox("Sort pairs by", list(bundles.PAIR_SORTS), key="bundle_sort")
window = bundles.pair_window(f)
st.caption(f"Valid orders of {window.start:%Y-%m-%d} – {window.end:%Y-%m-%d} ({window.days} days"
           + (f", the last {bundles.DEFAULT_MAX_DAYS} days of the sidebar range" if window != f else "")
           + f"; orders with more than {max_basket} products left out as bulk orders), "
           "sidebar channels; with a "
           "category filter both products must be in the chosen categories. Support = share of orders holding both; "
           "confidence A→B = P(B | A); lift = confidence / P(B).")

pairs = state.cached(bundles.pairs, f, int(min_product), int(min_pair), max_basket=int(max_basket))

if pairs.empty:
    if not state.cached(products.available)["orders"]:
        st.info(products.UPLOAD_HINTS["orders"])
    else:
        st.info("No pair reaches the minimum counts in this range: lower them or widen the date range.")
    st.stop()

summary = bundles.pair_summary(pairs)
m1, m2, m3, m4 = st.columns(4)
capped = summary["pairs"] >= bundles.DEFAULT_LIMIT
m1.metric("Pairs found", f"{summary['pairs']:,}{'+' if capped else ''}",
          help=f"The {bundles.DEFAULT_LIMIT} most frequent pairs are kept." if capped else None)
m2.metric("Orders in range", f"{summary['orders']:,}")
m3.metric("Highest lift", f"{summary['best_lift']:.2f}")
ranked = bundles.rank_pairs(pairs, sort_by)
top = ranked.iloc[0]
m4.metric("AOV with the top pair", charts.format_value("aov", top["aov_with_pair"]),
          charts.format_change(top["uplift_aov"]),
          help=f"{md(top['title_a'])} + {md(top['title_b'])}: AOV of orders holding both vs "
               f"{charts.format_value('aov', top['aov_without_pair'])} for the other orders.")

if pairs["bulk_orders"].iloc[0]:
    st.caption(f"{int(pairs['bulk_orders'].iloc[0]):,} bulk orders left out of the counts.")
view = st.radio("View", ["Matrix", "Network"], horizontal=True, key="bundle_view")
if view == "Matrix":
    st.plotly_chart(products_charts.lift_matrix(bundles.pair_matrix(pairs, top=15),
                                                title="Lift between the 15 most-paired products"), width="stretch")
else:
    st.plotly_chart(products_charts.pair_network(pairs, top=40, title="The 40 strongest pairs (edge width = lift)"),
                    width="stretch")

st.dataframe(ranked[["title_a", "title_b", "pair_orders", "support", "confidence_a_to_b", "confidence_b_to_a", "lift",
                     "aov_with_pair", "aov_without_pair", "uplift_aov", "product_a", "product_b"]],
             column_config={"support": colfmt.PERCENT, "confidence_a_to_b": colfmt.PERCENT, "confidence_b_to_a": colfmt.PERCENT, "lift": colfmt.DECIMAL,
                            "aov_with_pair": colfmt.MONEY, "aov_without_pair": colfmt.MONEY, "uplift_aov": colfmt.PERCENT},
             hide_index=True, width="stretch")
st.download_button("Download pairs (CSV)", downloads.csv(ranked, "utf-8"),
                   file_name=f"ecomops_pairs_{f.start}_{f.end}.csv", mime="text/csv", on_click="ignore")

st.subheader("AOV of orders holding the pair vs the other orders")
st.plotly_chart(charts.bar(bundles.aov_comparison(pairs), "pair", "aov", color="orders", barmode="group",
                           title="Top 10 pairs by lift"), width="stretch")

st.subheader("Bundle suggestions: slow movers with strong partners")
st.caption(_("Slow mover = class C (else B) in the ABC classes of the {days} days to the end date; strong partner = "
             "class A; the pair's lift must exceed 1. Attach rate = share of the partner's orders already holding it.",
             days=fmt.count(state.thresholds().abc_window_days)))
ideas = bundles.bundle_suggestions(pairs, state.cached(inventory.abc_table, f))
if ideas.empty:
    st.info("No slow mover sells with an A item above lift 1 at these minimum counts: lower them to see more.")
else:
    st.dataframe(ideas, column_config={"lift": colfmt.DECIMAL, "attach_rate": colfmt.PERCENT, "aov_with_pair": colfmt.MONEY,
                                       "aov_without_pair": colfmt.MONEY}, hide_index=True, width="stretch")
