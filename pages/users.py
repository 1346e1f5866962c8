"""Customers.

Lifecycle states (new / active / dormant / lost / prospect) as of the end of the range with their month-over-month
movement and GMV share, RFM segments with a downloadable customer list per segment, and what customers are worth:
predicted 12-month value by state and segment, the top customers, and the base forecast of orders and revenue from
existing customers (BG/NBD + Gamma-Gamma, ecomops.users.value; docs/clv.md).
"""
import streamlit as st

from ecomops import config, derived
from ecomops.exports import escape_markdown as md
from ecomops.i18n import _, fmt, label
from ecomops.users import charts as users_charts
from ecomops.users import lifecycle
from ecomops.users import rfm as users_rfm
from ecomops.users import value
from ecomops.ui import columns as colfmt
from ecomops.ui import page, state

PAGE_SIZE = 200
TOP_CUSTOMERS = 100

f = page.setup(__file__)
state.ensure_derived(derived.USERS_ORDERS, derived.CUSTOMER_VALUE)
con = state.connection()
currency = config.store_currency(con)
st.title(_("Customers"))
st.caption(_("States as of {day} (end of the selected range), from each customer's whole order history across all "
             "channels. GMV shares use the sidebar range, channels and categories. Guest orders never count as "
             "customers.", day=f.end))

overview = state.cached(lifecycle.lifecycle_overview, f)
summary, flow = overview["summary"], overview["flow"]
if summary["customers"].sum() == 0:
    st.info(_("No customers yet: upload an orders export (with customer ids) or a customers export on Data → Upload."))
    st.stop()

monthly = state.cached(lifecycle.lifecycle_monthly, f, 12)
before = lifecycle.snapshot_dates(f.end, 2)[0]
previous = monthly[monthly["snapshot"] == before].set_index("segment")["customers"]
for col, row in zip(st.columns(5), summary[summary["segment"] != "guest"].itertuples()):
    col.metric(label("lifecycle", row.segment), fmt.count(row.customers),
               fmt.count(row.customers - int(previous.get(row.segment, 0)), signed=True), delta_color="off",
               help=_("{share} of customers; change since {day}; {gmv_share} of GMV in the range",
                      share=fmt.percent(row.customer_share), day=before, gmv_share=fmt.percent(row.gmv_share)))
with st.expander(_("How states are assigned")):
    rules = lifecycle.lifecycle_rules(state.thresholds())
    st.table({_("State"): [r[0] for r in rules], _("Rule"): [r[1] for r in rules]})

left, right = st.columns(2)
page.chart(left, users_charts.share_bars(summary, title=_("Share of customers vs share of GMV")), width="stretch")
page.chart(right, users_charts.lifecycle_sankey(flow, fmt.date(before), fmt.date(f.end),
                                                 title=_("Movement {start} → {end}", start=before, end=f.end)),
                   width="stretch")
for line in lifecycle.lifecycle_movement_text(flow):
    right.markdown(f"- {md(line)}")
page.chart(st, users_charts.lifecycle_stack(monthly, title=_("Customers by state, month over month")),
                width="stretch")
if "guest" in set(summary["segment"]):
    guest = summary.set_index("segment").loc["guest"]
    st.caption(_("Guest orders (no customer id) made {share} of GMV in the range.",
                 share=fmt.percent(guest["gmv_share"])))

st.header(_("RFM segments"))
rfm = state.cached(users_rfm.rfm_summary, f)
segments = rfm["segments"]
st.caption(_("Buyers scored as of {day} on Recency, Frequency and Monetary (whole history), each 1–5 by quintile (ties "
             "share a score: 1 + floor(5 × share of buyers strictly worse)); FM = average of F and M rounded half up. "
             "Segments come from R and FM.", day=f.end))
with st.expander(_("Segment rules and suggested actions")):
    st.dataframe(users_rfm.rfm_rules_table(), hide_index=True, width="stretch",
                 column_config={"segment": _("Segment"), "action": _("Suggested action")})
left, right = st.columns([3, 2])
page.chart(left, users_charts.rfm_treemap(segments, users_rfm.RFM_COLORS, title=_("Buyers per segment")),
                  width="stretch")
page.chart(right, users_charts.rfm_grid(rfm["grid"], title=_("Buyers per R × FM score")), width="stretch")
st.dataframe(
    segments.assign(segment=[label("rfm_segment", s) for s in segments["segment"]]), hide_index=True, width="stretch",
    column_config={
        "segment": _("Segment"), "customers": colfmt.count(_("Buyers")),
        "customer_share": colfmt.percent(_("Share of buyers")),
        "avg_recency_days": st.column_config.NumberColumn(_("Avg days since last order"), format="%.0f"),
        "avg_frequency": st.column_config.NumberColumn(_("Avg orders"), format="%.1f"),
        "avg_monetary": st.column_config.NumberColumn(_("Avg spend"), format="%.0f"),
        "monetary": colfmt.count(_("Spend")),
        "monetary_share": colfmt.percent(_("Share of spend")),
        "action": _("Suggested action"),
    })

st.subheader(_("Customers in a segment"))
non_empty = segments[segments["customers"] > 0]
pick, page_col = st.columns([3, 1])
segment = pick.selectbox(_("Segment"), non_empty["segment"].tolist(), key="users_rfm_segment",
                         format_func=lambda code: label("rfm_segment", code))
size = int(non_empty.set_index("segment").loc[segment, "customers"])
pages = max(1, -(-size // PAGE_SIZE))
page_no = page_col.number_input(_("Page (of {pages})", pages=fmt.count(pages)), min_value=1, max_value=pages, value=1,
                                step=1, key="users_rfm_page")
table = state.cached(users_rfm.rfm_segment_customers, f, segment, PAGE_SIZE, (int(page_no) - 1) * PAGE_SIZE)
st.caption(_("{size} buyers in {segment}, biggest spenders first; showing {shown} of them.", size=fmt.count(size),
             segment=label("rfm_segment", segment), shown=fmt.count(len(table))))
st.dataframe(table.assign(segment=[label("rfm_segment", s) for s in table["segment"]]), hide_index=True,
             width="stretch",
             column_config={"customer_id": _("Customer"), "segment": _("Segment"),
                            "recency_days": colfmt.count(_("Days since last order")),
                            "frequency": colfmt.count(_("Orders")),
                            "monetary": st.column_config.NumberColumn(_("Spend"), format="%.2f"),
                            "first_order_date": st.column_config.DateColumn(_("First order"), format="YYYY-MM-DD"),
                            "last_order_date": st.column_config.DateColumn(_("Last order"), format="YYYY-MM-DD")})
st.download_button(_("Download all {size} buyers of {segment} (CSV)", size=fmt.count(size),
                     segment=label("rfm_segment", segment)),
                   lambda: users_rfm.rfm_segment_csv(con, f, segment),
                   file_name=f"ecomops_rfm_{segment.replace(' ', '_').replace(chr(39), '')}_{f.end}.csv",
                   mime="text/csv", on_click="ignore")
st.caption(_("{amount} spent by all scored buyers.", amount=fmt.money(float(segments["monetary"].sum()), currency)))

# ------------------------------------------------------------------------------------------------ customer value
st.header(_("Customer value"))
info = state.cached(value.fit_info)
if info["status"] != value.STATUS_FITTED:
    st.info(value.fit_status_text(info))
    st.stop()
st.caption(_("Predicted as of {day}, the last day of data (not the sidebar range), from each customer's order days, "
             "their timing and spend (BG/NBD + Gamma-Gamma models, fitted on {n} customers of whom {repeat} ordered "
             "on two or more days). Orders on one day count as one order. Value = expected GMV in the next 12 "
             "months.", day=info["as_of"], n=fmt.count(info["customers"]), repeat=fmt.count(info["repeat_customers"])))
forecast = state.cached(value.base_forecast)
for col, row in zip(st.columns(3), forecast.itertuples()):
    col.metric(_("Next {weeks} weeks: orders from existing customers", weeks=fmt.count(row.weeks)),
               fmt.count(round(row.expected_orders)),
               help=_("Expected revenue {revenue}. The {weeks} weeks before: {orders} repeat orders, {past_revenue}.",
                      revenue=fmt.money(row.expected_revenue, currency, decimals=0), weeks=fmt.count(row.weeks),
                      orders=fmt.count(row.past_orders), past_revenue=fmt.money(row.past_revenue, currency,
                                                                                  decimals=0)))
st.dataframe(forecast, hide_index=True, width="stretch",
             column_config={"weeks": colfmt.count(_("Weeks ahead")),
                            "expected_orders": st.column_config.NumberColumn(_("Expected orders"), format="%.0f"),
                            "expected_revenue": st.column_config.NumberColumn(_("Expected revenue"), format="%.0f"),
                            "past_orders": st.column_config.NumberColumn(_("Repeat orders, same weeks before"),
                                                                         format="%.0f"),
                            "past_revenue": st.column_config.NumberColumn(_("Their revenue"), format="%.0f")})
weekly = state.cached(value.weekly)
measure = st.radio(_("Show"), ["orders", "revenue"], horizontal=True, key="users_clv_measure",
                   format_func=lambda m: _("Orders") if m == "orders" else _("Revenue"))
page.chart(st, users_charts.tracking(weekly, measure, title=_("Repeat orders of existing customers: actual, model "
                                                                 "and the next 52 weeks")
                                      if measure == "orders" else _("Revenue of repeat orders: actual, model and the "
                                                                    "next 52 weeks")),
                width="stretch")
st.caption(_("Actual = orders after each customer's first order day, per week ending on the last day of data; model = "
             "what the fitted model expects for the same customers (revenue at the average spend per order); the "
             "forecast leaves out customers who have not ordered yet."))

by_state = state.cached(value.value_by_state)
by_segment = state.cached(value.value_by_segment)
left, right = st.columns(2)
page.chart(left, users_charts.value_bars(by_state, "lifecycle", title=_("Predicted value by lifecycle state")),
                  width="stretch")
page.chart(right, users_charts.value_bars(by_segment, "rfm_segment", title=_("Predicted value by RFM segment")),
                   width="stretch")
value_columns = {"customers": colfmt.count(_("Customers")),
                 "p_alive": colfmt.percent(_("Average P(alive)")),
                 "expected_orders_365": st.column_config.NumberColumn(_("Expected orders, 12 months"), format="%.0f"),
                 "value_365": st.column_config.NumberColumn(_("Predicted value, 12 months"), format="%.0f"),
                 "avg_value_365": st.column_config.NumberColumn(_("Value per customer"), format="%.2f"),
                 "value_share": colfmt.percent(_("Share of value"))}
left.dataframe(by_state.assign(segment=[label("lifecycle", s) for s in by_state["segment"]]), hide_index=True,
               width="stretch", column_config={"segment": _("State"), **value_columns})
right.dataframe(by_segment.assign(segment=[label("rfm_segment", s) for s in by_segment["segment"]]), hide_index=True,
                width="stretch", column_config={"segment": _("Segment"), **value_columns})

st.subheader(_("Top customers by predicted value"))
top = state.cached(value.top_customers, TOP_CUSTOMERS)
st.caption(_("The {n} customers with the highest predicted value in the next 12 months. An empty next order date "
             "means unlikely to buy again within a year.", n=fmt.count(len(top))))
st.dataframe(top, hide_index=True, width="stretch",
             column_config={"customer_id": _("Customer"), "purchase_days": colfmt.count(_("Order days")),
                            "last_order_date": st.column_config.DateColumn(_("Last order"), format="YYYY-MM-DD"),
                            "p_alive": colfmt.percent(_("P(alive)")),
                            "expected_orders_30": st.column_config.NumberColumn(_("Orders, 30 days"), format="%.2f"),
                            "expected_orders_90": st.column_config.NumberColumn(_("Orders, 90 days"), format="%.2f"),
                            "expected_orders_365": st.column_config.NumberColumn(_("Orders, 365 days"),
                                                                                 format="%.2f"),
                            "expected_spend": st.column_config.NumberColumn(_("Spend per order"), format="%.2f"),
                            "value_365": st.column_config.NumberColumn(_("Value, 12 months"), format="%.2f"),
                            "next_order_date": st.column_config.DateColumn(_("Expected next order"),
                                                                           format="YYYY-MM-DD")})
st.download_button(_("Download every customer's predicted value (CSV)"), lambda: value.customers_csv(con),
                   file_name=f"ecomops_customer_value_{info['as_of']}.csv", mime="text/csv", on_click="ignore",
                   key="users_clv_download")
