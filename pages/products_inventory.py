"""Inventory (ABC).

ABC classes per SKU with the Pareto chart, on-hand units, days of cover and turnover days, stock-out and overstock
alerts, a suggested action per class, and a downloadable replenishment list.
"""
import streamlit as st

from ecomops import derived, products
from ecomops.products import charts as products_charts
from ecomops.products import inventory
from ecomops.i18n import _, fmt, label, pgettext
from ecomops.ui import columns as colfmt
from ecomops.ui import downloads, page, state


f = page.setup(__file__)
t = state.thresholds()
state.ensure_derived(derived.PRODUCTS_LINES)
st.title(_("Inventory: ABC classes, cover and replenishment"))
st.caption(inventory.windows_caption(f, t.abc_window_days, t.cover_window_days))
have = state.cached(products.available)
abc = state.cached(inventory.abc_table, f)

if abc.empty:
    st.info(products.upload_hint("orders"))
    st.stop()

summary = inventory.class_summary(abc)
for col, row in zip(st.columns(3), summary.itertuples()):
    col.metric(_("Class {abc_class} SKUs", abc_class=label("abc_class", row.abc_class)), fmt.count(row.skus),
               help=row.action)
    col.caption(_("{share} of GMV · {action}", share=fmt.percent(row.gmv_share), action=row.action))

left, right = st.columns([3, 2])
page.chart(left, products_charts.pareto(inventory.pareto_curve(abc), title=_("Pareto: cumulative GMV by SKU rank")),
                  width="stretch")
right.dataframe(summary, column_config=colfmt.headers(summary.columns, {
                    "gmv": colfmt.MONEY, "gmv_share": colfmt.PERCENT, "median_days_of_cover": colfmt.DAYS}),
                hide_index=True, width="stretch")

st.subheader(_("Stock alerts"))
if not have["inventory_snapshots"]:
    st.info(_("{hint} ABC classes above need orders only.", hint=products.upload_hint("inventory_snapshots")))
else:
    st.caption(_("Stock as of {day} (latest snapshot on or before the end date).",
                 day=fmt.date(state.cached(inventory.inventory_as_of, f))))
    c1, c2 = st.columns(2)
    a_min = c1.number_input(_("Alert A items under N days of cover"), min_value=1, value=t.a_min_cover_days,
                            key="inv_a_min_cover")
    c_max = c2.number_input(_("Alert C items over N days of cover"), min_value=1, value=t.c_max_cover_days,
                            key="inv_c_max_cover")
    alerts = inventory.stock_alerts(abc, a_min, c_max, t.cover_window_days)
    risk = inventory.stockout_count(alerts)
    m1, m2 = st.columns(2)
    m1.metric(_("A items at stock-out risk"), fmt.count(risk))
    m2.metric(_("C items overstocked"), fmt.count(len(alerts) - risk))
    if alerts.empty:
        st.success(_("No A item is under its cover threshold and no C item is over it."))
    else:
        st.dataframe(alerts, column_config=colfmt.headers(alerts.columns, {
                         "days_of_cover": colfmt.DAYS, "daily_units": colfmt.DAYS}),
                     hide_index=True, width="stretch")

st.subheader(_("All SKUs"))
sku_columns = [c for c in inventory.ABC_COLUMNS if c != "gmv_rank"]
st.dataframe(abc, column_order=sku_columns,
             column_config=colfmt.headers(sku_columns, {
                 "gmv": colfmt.MONEY, "price": colfmt.MONEY, "share": colfmt.PERCENT, "cum_share": colfmt.PERCENT,
                 "daily_units": colfmt.DAYS, "days_of_cover": colfmt.DAYS, "avg_on_hand": colfmt.DAYS,
                 "period_daily_units": colfmt.DAYS, "turnover_days": colfmt.DAYS}),
             hide_index=True, width="stretch")
st.download_button(_("Download ABC table (CSV)"), downloads.csv(abc, "utf-8"),
                   file_name=f"ecomops_abc_{f.end}.csv", mime="text/csv", on_click="ignore")

st.subheader(_("Replenishment list"))
if not have["inventory_snapshots"]:
    st.info(products.upload_hint("inventory_snapshots"))
else:
    if not have["product_suppliers"]:
        st.info(products.upload_hint("product_suppliers"))
    lead = st.number_input(_("Default supplier lead time (days) where none is known"), min_value=0.0,
                           value=inventory.DEFAULT_LEAD_TIME_DAYS, step=1.0, key="inv_default_lead")
    plan = inventory.replenishment_list(abc, state.cached(inventory.lead_times), default_lead_time_days=lead)
    extra = pgettext("list separator", ", ").join(
        _("{days} days for {abc_class}", days=fmt.count(d), abc_class=label("abc_class", c))
        for c, d in inventory.TARGET_EXTRA_DAYS.items())
    st.caption(_("Suggested quantity = average daily units ({days} days) × (lead time + {extra}) − on hand.",
                 days=fmt.count(t.cover_window_days), extra=extra))
    st.metric(_("SKUs to reorder"), fmt.count(len(plan)), help=_("Units suggested: {units}", units=fmt.count(
        float(plan["suggested_qty"].sum()) if len(plan) else 0.0)))
    st.dataframe(plan, column_config=colfmt.headers(plan.columns, {
                     "daily_units": colfmt.DAYS, "days_of_cover": colfmt.DAYS}),
                 hide_index=True, width="stretch")
    st.download_button(_("Download replenishment list (CSV)"), downloads.csv(plan, "utf-8"),
                       file_name=f"ecomops_replenishment_{f.end}.csv", mime="text/csv", on_click="ignore")
