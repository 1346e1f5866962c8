"""Product review.

The weekly product review: per-product table with week-over-week change, products whose repurchase rate is far below
their category's with the likely reason from reviews, and a detail view of one product.
"""
import streamlit as st

from ecomops import charts, derived, products
from ecomops.products import review as product_review
from ecomops.ui import columns as colfmt
from ecomops.ui import downloads, page, state


f = page.setup(__file__)
state.ensure_derived(derived.PRODUCTS_LINES)
st.title("Weekly product review")
st.caption(product_review.weekly_caption(f))
have = state.cached(products.available)
weekly = state.cached(product_review.weekly_table, f)

if weekly.empty:
    st.info(products.UPLOAD_HINTS["orders"])
    st.stop()
if not have["reviews"]:
    st.info(products.UPLOAD_HINTS["reviews"] + " Ratings, negative-review share and the reasons behind low "
            "repurchase need it; sales columns work without.")

totals = product_review.week_totals(weekly)
for col, (label, metric, now, change) in zip(st.columns(4), totals):
    col.metric(label, charts.format_value(metric, now), charts.format_change(change))

columns = ["product_id", "title", "category", "gmv", "gmv_wow", "units", "units_wow", "orders", "repurchase_rate",
           "return_rate", "return_rate_wow", "rating", "rating_wow", "negative_share", "avg_price", "avg_price_wow"]
st.dataframe(weekly[columns],
             column_config={"gmv": colfmt.MONEY, "avg_price": colfmt.MONEY, "rating": colfmt.DECIMAL, **{c: colfmt.PERCENT for c in columns if
                            c.endswith("_wow") or c.endswith("_rate") or c == "negative_share"}},
             hide_index=True, width="stretch")
st.download_button("Download the weekly table (CSV)", downloads.csv(weekly, "utf-8"),
                   file_name=f"ecomops_product_week_{f.end}.csv", mime="text/csv", on_click="ignore")

st.subheader("Repurchase far below the category")
days = st.select_slider("Window for the repurchase comparison (days)", [90, 180, 365], value=product_review.FLAG_WINDOW_DAYS,
                        key="review_flag_days", help="A longer window gives small stores enough repeat buyers to judge.")
window = product_review.flag_window(f, days)
st.caption(f"Over {window.label()}: product repurchase rate under half of its category's typical product (median) "
           f"and not by chance (z ≤ {product_review.FLAG_MAX_Z:g}), products with {product_review.FLAG_MIN_BUYERS}+ buyers. "
           "Likely reason = the complaint theme most of its low-rated reviews mention.")
flags = state.cached(product_review.repurchase_flags, f, days)
if flags.empty:
    st.success("No product's repurchase rate is far below its category's in this window.")
else:
    st.dataframe(flags[["product_id", "title", "category", "buyers", "repurchase_rate", "category_repurchase_rate",
                        "z_score", "likely_reason"]],
                 column_config={"repurchase_rate": colfmt.PERCENT, "category_repurchase_rate": colfmt.PERCENT,
                                "z_score": st.column_config.NumberColumn(format="%.1f")},
                 hide_index=True, width="stretch")

st.subheader("Product detail")
choices = product_review.product_choices(weekly, flags)
product_id = st.selectbox("Product", list(choices), format_func=choices.get, key="review_product")
daily = state.cached(product_review.product_daily, f, product_id)
st.plotly_chart(charts.bar_line(daily, "day", "gmv", "units", "GMV", "Units",
                                title=f"{choices[product_id]}: {f.start:%Y-%m-%d} – {f.end:%Y-%m-%d}"),
                width="stretch")
left, right = st.columns(2)
left.markdown("**Latest reviews in the range**")
reviews = state.cached(product_review.product_reviews, f, product_id)
if reviews.empty:
    left.info(products.UPLOAD_HINTS["reviews"] if not have["reviews"] else "No reviews of it in this range.")
else:
    left.dataframe(reviews, hide_index=True, width="stretch")
right.markdown("**Its buyers also bought**")
also = state.cached(product_review.also_bought, f, product_id)
if also.empty:
    right.info("No other purchases by its (registered) buyers in this range.")
else:
    right.dataframe(also, column_config={"share_of_buyers": colfmt.PERCENT}, hide_index=True, width="stretch")
