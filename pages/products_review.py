"""Product review.

The weekly product review: per-product table with week-over-week change, products whose repurchase rate is far below
their category's with the likely reason from reviews, and a detail view of one product.
"""
import streamlit as st

from ecomops import charts, derived, products
from ecomops.i18n import _, fmt, label
from ecomops.products import review as product_review
from ecomops.ui import columns as colfmt
from ecomops.ui import downloads, page, state


f = page.setup(__file__)
state.ensure_derived(derived.PRODUCTS_LINES)
st.title(_("Weekly product review"))
st.caption(product_review.weekly_caption(f))
have = state.cached(products.available)
weekly = state.cached(product_review.weekly_table, f)

if weekly.empty:
    st.info(products.upload_hint("orders"))
    st.stop()
if not have["reviews"]:
    st.info(_("{hint} Ratings, negative-review share and the reasons behind low repurchase need it; sales columns "
              "work without.", hint=products.upload_hint("reviews")))

totals = product_review.week_totals(weekly)
for col, (name, metric, now, change) in zip(st.columns(4), totals):
    col.metric(name, fmt.metric(metric, now, compact=True), fmt.change(change) if change is not None else None)

columns = ["product_id", "title", "category", "gmv", "gmv_wow", "units", "units_wow", "orders", "repurchase_rate",
           "return_rate", "return_rate_wow", "rating", "rating_wow", "negative_share", "avg_price", "avg_price_wow"]
st.dataframe(weekly[columns],
             column_config=colfmt.headers(columns, {
                 "gmv": colfmt.MONEY, "avg_price": colfmt.MONEY, "rating": colfmt.DECIMAL,
                 **{c: colfmt.PERCENT for c in columns
                    if c.endswith("_wow") or c.endswith("_rate") or c == "negative_share"}}),
             hide_index=True, width="stretch")
st.download_button(_("Download the weekly table (CSV)"), downloads.csv(weekly, "utf-8"),
                   file_name=f"ecomops_product_week_{f.end}.csv", mime="text/csv", on_click="ignore")

st.subheader(_("Repurchase far below the category"))
days = st.select_slider(_("Window for the repurchase comparison (days)"), [90, 180, 365],
                        value=product_review.FLAG_WINDOW_DAYS, key="review_flag_days",
                        help=_("A longer window gives small stores enough repeat buyers to judge."))
window = product_review.flag_window(f, days)
st.caption(_("Over {window}: product repurchase rate under half of its category's typical product (median) and not by "
             "chance (z ≤ {z}), products with {buyers}+ buyers. Likely reason = the complaint theme most of its "
             "low-rated reviews mention.", window=window.label(), z=fmt.count(product_review.FLAG_MAX_Z),
             buyers=fmt.count(product_review.FLAG_MIN_BUYERS)))
flags = state.cached(product_review.repurchase_flags, f, days)
if flags.empty:
    st.success(_("No product's repurchase rate is far below its category's in this window."))
else:
    flag_columns = ["product_id", "title", "category", "buyers", "repurchase_rate", "category_repurchase_rate",
                    "z_score", "likely_reason"]
    st.dataframe(flags[flag_columns],
                 column_config=colfmt.headers(flag_columns, {
                     "repurchase_rate": colfmt.PERCENT, "category_repurchase_rate": colfmt.PERCENT,
                     "z_score": st.column_config.NumberColumn(format="%.1f")}),
                 hide_index=True, width="stretch")

st.subheader(_("Product detail"))
choices = product_review.product_choices(weekly, flags)
product_id = st.selectbox(_("Product"), list(choices), format_func=choices.get, key="review_product")
daily = state.cached(product_review.product_daily, f, product_id)
page.chart(st, charts.bar_line(daily, "day", "gmv", "units", label("metric", "gmv"), _("Units"),
                                title=_("{product}: {period}", product=choices[product_id],
                                        period=fmt.date_range(f.start, f.end))),
                width="stretch")
left, right = st.columns(2)
latest_title = _("Latest reviews in the range")
left.markdown(f"**{latest_title}**")
reviews = state.cached(product_review.product_reviews, f, product_id)
if reviews.empty:
    left.info(products.upload_hint("reviews") if not have["reviews"] else _("No reviews of it in this range."))
else:
    left.dataframe(reviews, column_config=colfmt.headers(reviews.columns), hide_index=True, width="stretch")
also_title = _("Its buyers also bought")
right.markdown(f"**{also_title}**")
also = state.cached(product_review.also_bought, f, product_id)
if also.empty:
    right.info(_("No other purchases by its (registered) buyers in this range."))
else:
    right.dataframe(also, column_config=colfmt.headers(also.columns, {"share_of_buyers": colfmt.PERCENT}),
                    hide_index=True, width="stretch")
