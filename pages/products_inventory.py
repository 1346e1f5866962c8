"""Inventory (ABC).

ABC classes per SKU with the Pareto chart, on-hand units, days of cover and turnover days, stock-out and overstock
alerts, a suggested action per class, and a downloadable replenishment list.
"""
import streamlit as st

from ecomops import charts, derived, products
from ecomops.products import charts as products_charts
from ecomops.products import inventory
from ecomops.i18n import _, fmt
from ecomops.ui import columns as colfmt
from ecomops.ui import downloads, page, state


f = page.setup(__file__)
t = state.thresholds()
state.ensure_derived(derived.PRODUCTS_LINES)
st.title("Inventory: ABC classes, cover and replenishment")
st.caption(inventory.windows_caption(f, t.abc_window_days, t.cover_window_days))
have = state.cached(products.available)
abc = state.cached(inventory.abc_table, f)

if abc.empty:
    st.info(products.UPLOAD_HINTS["orders"])
    st.stop()

summary = inventory.class_summary(abc)
for col, row in zip(st.columns(3), summary.itertuples()):
    col.metric(f"Class {row.abc_class} SKUs", f"{row.skus:,}", help=row.action)
    col.caption(f"{row.gmv_share:.1%} of GMV · {row.action}")

left, right = st.columns([3, 2])
left.plotly_chart(products_charts.pareto(inventory.pareto_curve(abc), title="Pareto: cumulative GMV by SKU rank"),
                  width="stretch")
right.dataframe(summary, column_config={"gmv": colfmt.MONEY, "gmv_share": colfmt.PERCENT, "median_days_of_cover": colfmt.DAYS},
                hide_index=True, width="stretch")

st.subheader("Stock alerts")
if not have["inventory_snapshots"]:
    st.info(products.UPLOAD_HINTS["inventory_snapshots"] + " ABC classes above need orders only.")
else:
    st.caption(f"Stock as of {state.cached(inventory.inventory_as_of, f)} (latest snapshot on or before the end date).")
    c1, c2 = st.columns(2)
    a_min = c1.number_input("Alert A items under N days of cover", min_value=1, value=t.a_min_cover_days,
                            key="inv_a_min_cover")
    c_max = c2.number_input("Alert C items over N days of cover", min_value=1, value=t.c_max_cover_days,
                            key="inv_c_max_cover")
    alerts = inventory.stock_alerts(abc, a_min, c_max, t.cover_window_days)
    risk = int((alerts["alert"] != "Overstock").sum())
    m1, m2 = st.columns(2)
    m1.metric("A items at stock-out risk", f"{risk:,}")
    m2.metric("C items overstocked", f"{len(alerts) - risk:,}")
    if alerts.empty:
        st.success("No A item is under its cover threshold and no C item is over it.")
    else:
        st.dataframe(alerts, column_config={"days_of_cover": colfmt.DAYS, "daily_units": colfmt.DAYS}, hide_index=True,
                     width="stretch")

st.subheader("All SKUs")
st.dataframe(abc, column_order=[c for c in inventory.ABC_COLUMNS if c != "gmv_rank"],
             column_config={"gmv": colfmt.MONEY, "price": colfmt.MONEY, "share": colfmt.PERCENT, "cum_share": colfmt.PERCENT, "daily_units": colfmt.DAYS,
                            "days_of_cover": colfmt.DAYS, "avg_on_hand": colfmt.DAYS, "period_daily_units": colfmt.DAYS,
                            "turnover_days": colfmt.DAYS}, hide_index=True, width="stretch")
st.download_button("Download ABC table (CSV)", downloads.csv(abc, "utf-8"),
                   file_name=f"ecomops_abc_{f.end}.csv", mime="text/csv", on_click="ignore")

st.subheader("Replenishment list")
if not have["inventory_snapshots"]:
    st.info(products.UPLOAD_HINTS["inventory_snapshots"])
else:
    if not have["product_suppliers"]:
        st.info(products.UPLOAD_HINTS["product_suppliers"])
    lead = st.number_input("Default supplier lead time (days) where none is known", min_value=0.0,
                           value=inventory.DEFAULT_LEAD_TIME_DAYS, step=1.0, key="inv_default_lead")
    plan = inventory.replenishment_list(abc, state.cached(inventory.lead_times), default_lead_time_days=lead)
    extra = ", ".join(_("{days} days for {abc_class}", days=fmt.count(d), abc_class=c)
                      for c, d in inventory.TARGET_EXTRA_DAYS.items())
    st.caption(_("Suggested quantity = average daily units ({days} days) × (lead time + {extra}) − on hand.",
                 days=fmt.count(t.cover_window_days), extra=extra))
    st.metric("SKUs to reorder", f"{len(plan):,}", help="Units suggested: " + charts.format_value(
        "units", float(plan["suggested_qty"].sum()) if len(plan) else 0.0))
    st.dataframe(plan, column_config={"daily_units": colfmt.DAYS, "days_of_cover": colfmt.DAYS}, hide_index=True, width="stretch")
    st.download_button("Download replenishment list (CSV)", downloads.csv(plan, "utf-8"),
                       file_name=f"ecomops_replenishment_{f.end}.csv", mime="text/csv", on_click="ignore")
