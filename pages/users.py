"""Customers.

Lifecycle states (new / active / dormant / lost / prospect) as of the end of the range with their month-over-month
movement and GMV share, and RFM segments with a downloadable customer list per segment.
"""
import streamlit as st

from ecomops import charts, derived
from ecomops.i18n import _
from ecomops.users import charts as users_charts
from ecomops.users import lifecycle
from ecomops.users import rfm as users_rfm
from ecomops.ui import columns as colfmt
from ecomops.ui import page, state

PAGE_SIZE = 200

f = page.setup(__file__)
state.ensure_derived(derived.USERS_ORDERS)
con = state.connection()
st.title("Customers")
st.caption(f"States as of {f.end:%Y-%m-%d} (end of the selected range), from each customer's whole order history "
           "across all channels. GMV shares use the sidebar range, channels and categories. Guest orders never "
           "count as customers.")

overview = state.cached(lifecycle.lifecycle_overview, f)
summary, flow = overview["summary"], overview["flow"]
if summary["customers"].sum() == 0:
    st.info("No customers yet: upload an orders export (with customer ids) or a customers export on Data → Upload.")
    st.stop()

monthly = state.cached(lifecycle.lifecycle_monthly, f, 12)
before = lifecycle.snapshot_dates(f.end, 2)[0]
previous = monthly[monthly["snapshot"] == before].set_index("segment")["customers"]
for col, row in zip(st.columns(5), summary[summary["segment"] != "guest"].itertuples()):
    col.metric(row.label, f"{row.customers:,}", f"{row.customers - int(previous.get(row.segment, 0)):+,}",
               delta_color="off", help=f"{row.customer_share:.1%} of customers; change since {before:%Y-%m-%d}; "
                                       f"{row.gmv_share:.1%} of GMV in the range")
with st.expander("How states are assigned"):
    rules = lifecycle.lifecycle_rules(state.thresholds())
    st.table({_("State"): [r[0] for r in rules], _("Rule"): [r[1] for r in rules]})

left, right = st.columns(2)
left.plotly_chart(users_charts.share_bars(summary, title="Share of customers vs share of GMV"), width="stretch")
right.plotly_chart(users_charts.lifecycle_sankey(flow, f"{before:%m-%d}", f"{f.end:%m-%d}",
                                                 title=f"Movement {before:%Y-%m-%d} → {f.end:%Y-%m-%d}"),
                   width="stretch")
for line in lifecycle.lifecycle_movement_text(flow):
    right.markdown(f"- {line}")
st.plotly_chart(users_charts.lifecycle_stack(monthly, title="Customers by state, month over month"), width="stretch")
if "guest" in set(summary["segment"]):
    guest = summary.set_index("segment").loc["guest"]
    st.caption(f"Guest orders (no customer id) made {guest['gmv_share']:.1%} of GMV in the range.")

st.header("RFM segments")
rfm = state.cached(users_rfm.rfm_summary, f)
segments = rfm["segments"]
st.caption(f"Buyers scored as of {f.end:%Y-%m-%d} on Recency, Frequency and Monetary (whole history), each 1–5 by "
           "quintile (ties share a score: 1 + floor(5 × share of buyers strictly worse)); FM = average of F and M "
           "rounded half up. Segments come from R and FM.")
with st.expander("Segment rules and suggested actions"):
    st.dataframe(users_rfm.rfm_rules_table(), hide_index=True, width="stretch")
left, right = st.columns([3, 2])
left.plotly_chart(users_charts.rfm_treemap(segments, users_rfm.RFM_COLORS, title="Buyers per segment"), width="stretch")
right.plotly_chart(users_charts.rfm_grid(rfm["grid"], title="Buyers per R × FM score"), width="stretch")
st.dataframe(
    segments, hide_index=True, width="stretch",
    column_config={
        "segment": "Segment", "customers": colfmt.count("Buyers"),
        "customer_share": colfmt.percent("Share of buyers"),
        "avg_recency_days": st.column_config.NumberColumn("Avg days since last order", format="%.0f"),
        "avg_frequency": st.column_config.NumberColumn("Avg orders", format="%.1f"),
        "avg_monetary": st.column_config.NumberColumn("Avg spend (¥)", format="%.0f"),
        "monetary": colfmt.count("Spend (¥)"),
        "monetary_share": colfmt.percent("Share of spend"),
        "action": "Suggested action",
    })

st.subheader("Customers in a segment")
non_empty = segments[segments["customers"] > 0]
pick, page_col = st.columns([3, 1])
segment = pick.selectbox("Segment", non_empty["segment"].tolist(), key="users_rfm_segment")
size = int(non_empty.set_index("segment").loc[segment, "customers"])
pages = max(1, -(-size // PAGE_SIZE))
page_no = page_col.number_input(f"Page (of {pages})", min_value=1, max_value=pages, value=1, step=1, key="users_rfm_page")
table = state.cached(users_rfm.rfm_segment_customers, f, segment, PAGE_SIZE, (int(page_no) - 1) * PAGE_SIZE)
st.caption(f"{size:,} buyers in {segment}, biggest spenders first; showing {len(table):,} of them.")
st.dataframe(table, hide_index=True, width="stretch",
             column_config={"monetary": st.column_config.NumberColumn("monetary (¥)", format="%.2f"),
                            "first_order_date": st.column_config.DateColumn(format="YYYY-MM-DD"),
                            "last_order_date": st.column_config.DateColumn(format="YYYY-MM-DD")})
st.download_button(f"Download all {size:,} {segment} buyers (CSV)",
                   lambda: users_rfm.rfm_segment_csv(con, f, segment),
                   file_name=f"ecomops_rfm_{segment.replace(' ', '_').replace(chr(39), '')}_{f.end}.csv",
                   mime="text/csv", on_click="ignore")
st.caption(charts.format_value("gmv", float(segments["monetary"].sum())) + " spent by all scored buyers.")
