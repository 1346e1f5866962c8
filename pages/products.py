"""Demand.

Rising demand: keywords and categories ranked by search growth (last 4 weeks vs the 4 before, and year over year),
fast-growing queries with few matching products, category sales growth, and niche high-price items in steady demand.
"""
import streamlit as st

from ecomops import derived, products
from ecomops.i18n import _
from ecomops.products import demand
from ecomops.products import charts as products_charts
from ecomops.ui import columns as colfmt
from ecomops.ui import downloads, page, state


f = page.setup(__file__)
state.ensure_derived(derived.PRODUCTS_LINES)
st.title(_("Rising demand"))
st.caption(_("{windows} Search data has no channel: only the category filter applies to it.",
             windows=demand.windows(f).caption()))
have = state.cached(products.available)

st.subheader(_("Search demand: keywords and categories by growth"))
if not have["search_keywords"]:
    st.info(products.upload_hint("search_keywords"))
else:
    min_searches = st.number_input(_("Minimum searches in the last 4 weeks"), min_value=0, value=50, step=10,
                                   key="demand_min_searches")
    keywords = state.cached(demand.search_growth, f, "keyword", min_searches=int(min_searches))
    categories = state.cached(demand.search_growth, f, "category")
    left, right = st.columns(2)
    page.chart(left, products_charts.growth_bars(keywords, "keyword", title=_("Fastest-growing keywords")),
                      width="stretch")
    page.chart(right, products_charts.growth_bars(categories, "category", title=_("Categories by search growth")),
                       width="stretch")
    keyword_columns = ["keyword", "category", "searches", "searches_prev", "growth", "searches_yoy", "yoy_growth",
                       "clicks", "orders", "ctr", "conversion", "gmv", "is_new"]
    st.dataframe(keywords, column_order=keyword_columns,
                 column_config=colfmt.headers(keyword_columns, {
                     "growth": colfmt.PERCENT, "yoy_growth": colfmt.PERCENT, "ctr": colfmt.PERCENT,
                     "conversion": colfmt.PERCENT, "gmv": colfmt.MONEY}),
                 hide_index=True, width="stretch")
    st.download_button(_("Download keyword growth (CSV)"), downloads.csv(keywords, "utf-8"),
                       file_name=f"ecomops_keyword_growth_{f.end}.csv", mime="text/csv", on_click="ignore")

    st.subheader(_("New demand: fast-growing queries with few matching products"))
    c1, c2 = st.columns(2)
    min_growth = c1.number_input(_("Minimum growth (1.0 = +100%)"), min_value=0.0, value=1.0, step=0.25,
                                 key="demand_min_growth")
    max_products = c2.number_input(_("At most this many matching products"), min_value=0, value=2, step=1,
                                   key="demand_max_products")
    fresh = state.cached(demand.new_demand, f, min_growth=float(min_growth), min_searches=int(min_searches),
                         max_products=int(max_products))
    if fresh.empty:
        st.success(_("No fast-growing query lacks products right now."))
    else:
        st.dataframe(fresh, column_config=colfmt.headers(fresh.columns, {
                         "growth": colfmt.PERCENT, "conversion": colfmt.PERCENT}),
                     hide_index=True, width="stretch")
        st.caption(_("A product matches a query when every word of the query is in its title or description."))

st.subheader(_("Sales demand by category"))
sales = state.cached(demand.category_sales_growth, f)
if sales.empty:
    st.info(products.upload_hint("orders"))
else:
    left, right = st.columns([1, 1])
    page.chart(left, products_charts.growth_bars(sales, "category", title=_("Category GMV growth, last 4 weeks")),
                      width="stretch")
    sales_columns = ["category", "gmv", "gmv_prev", "growth", "gmv_yoy", "yoy_growth", "units", "units_growth"]
    right.dataframe(sales, column_order=sales_columns,
                    column_config=colfmt.headers(sales_columns, {
                        "gmv": colfmt.MONEY, "gmv_prev": colfmt.MONEY, "gmv_yoy": colfmt.MONEY,
                        "growth": colfmt.PERCENT, "yoy_growth": colfmt.PERCENT, "units_growth": colfmt.PERCENT}),
                    hide_index=True, width="stretch")

st.subheader(_("Niche demand: high price, steady sales"))
st.caption(demand.niche_caption(f))
niche = state.cached(demand.niche_products, f)
if niche.empty:
    st.info(_("No product meets the niche rule in this window (or there are too few orders): widen the date range."))
else:
    niche_columns = ["product_id", "title", "category", "avg_price", "category_price_p75", "units",
                     "category_median_units", "weeks_with_sales", "weekly_cv", "gmv"]
    st.dataframe(niche, column_order=niche_columns,
                 column_config=colfmt.headers(niche_columns, {
                     "avg_price": colfmt.MONEY, "category_price_p75": colfmt.MONEY, "gmv": colfmt.MONEY}),
                 hide_index=True, width="stretch")
