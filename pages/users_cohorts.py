"""Cohorts & members.

Monthly acquisition cohorts (repurchase retention, cumulative spend per customer), new-customer conversion from
signup to first order, and members vs non-members (repurchase cycle, repurchase rate, spend per buyer).
"""
import streamlit as st

from ecomops import charts, derived
from ecomops.users import charts as users_charts
from ecomops.users import cohorts as users_cohorts
from ecomops.exports import escape_markdown as md
from ecomops.ui import columns as colfmt, page
from ecomops.ui import downloads, state

f = page.setup(__file__)
state.ensure_derived(derived.USERS_ORDERS)
st.title("Cohorts & members")

st.header("Acquisition cohorts")
cohorts = state.cached(users_cohorts.cohorts, f, 12)
if cohorts.empty:
    st.info("No buyers yet: upload an orders export with customer ids on Data → Upload.")
else:
    st.caption(f"A cohort is the month of a customer's first valid order (cohorts up to {f.end:%Y-%m}, orders up to "
               f"{f.end:%Y-%m-%d}; the last month may be partial). Retention in month k = share of the cohort "
               "placing a repeat order in that month (M0: a second order within the first month). Sidebar "
               "channels select customers by the channel of their first order; categories are not applied.")
    headline = users_cohorts.cohort_summary(cohorts)
    a, b, c = st.columns(3)
    a.metric("Buyers in these cohorts", f"{headline['buyers']:,}")
    b.metric("Reorder in month 1", charts.format_value("repurchase_rate", headline["retention_m1"]))
    c.metric("Reorder in month 3", charts.format_value("repurchase_rate", headline["retention_m3"]))
    tab_retention, tab_spend = st.tabs(["Repurchase retention", "Cumulative spend per customer"])
    tab_retention.plotly_chart(users_charts.cohort_heatmap(cohorts, "retention", title="Share of the cohort "
                                                           "ordering again in month k"), width="stretch")
    tab_spend.plotly_chart(users_charts.cohort_spend_lines(cohorts, title="Cumulative spend per customer (¥)"),
                           width="stretch")
    tab_spend.plotly_chart(users_charts.cohort_heatmap(cohorts, "cumulative_spend", z_format=",.0f",
                                                       title="Cumulative spend per customer by month k (¥)"),
                           width="stretch")
    st.download_button("Download cohort table (CSV)", downloads.csv(cohorts, "utf-8-sig"),
                       file_name=f"ecomops_cohorts_{f.end}.csv", mime="text/csv", on_click="ignore")

st.header("New-customer conversion")
coverage = state.cached(users_cohorts.signup_coverage)
if coverage["with_signup_date"] == 0:
    st.info("No signup dates in the data (the orders were imported without a customers export, e.g. UCI Online "
            "Retail): signup-to-first-order conversion needs a customers export with signup dates and channels "
            "on Data → Upload.")
else:
    signup_window = st.radio("Signups", list(users_cohorts.SIGNUP_WINDOWS), index=1, horizontal=True,
                             key="users_signup_window")
    sf = users_cohorts.trailing(f, users_cohorts.SIGNUP_WINDOWS[signup_window])
    by_channel = state.cached(users_cohorts.conversion, sf, "channel")
    total = by_channel.iloc[-1]
    st.caption(f"Customers who signed up {sf.start:%Y-%m-%d} – {sf.end:%Y-%m-%d}, by signup channel. 'Within N "
               "days' counts only signups whose N-day window has passed by the last order day in the data.")
    if total["signups"] == 0:
        st.info("No signups in this range: widen the date range.")
    else:
        a, b, c, d = st.columns(4)
        a.metric("Signups", f"{int(total['signups']):,}")
        b.metric("First order within 7 days", charts.format_value("conversion_rate", total["rate_7"]))
        c.metric("First order within 30 days", charts.format_value("conversion_rate", total["rate_30"]))
        d.metric("Median days to first order", "—" if total["median_days_to_first"] != total["median_days_to_first"]
                 else f"{total['median_days_to_first']:.0f}")
        left, right = st.columns([3, 2])
        left.plotly_chart(users_charts.conversion_bars(by_channel.iloc[:-1], title="Conversion by signup channel"),
                          width="stretch")
        timing = state.cached(users_cohorts.time_to_first_order, sf)
        right.plotly_chart(charts.bar(timing, "bucket", "customers", title="Time from signup to first order"),
                           width="stretch")
        by_month = state.cached(users_cohorts.conversion, sf, "month")
        with st.expander("Conversion tables (by channel and by signup month)"):
            st.dataframe(by_channel, hide_index=True, width="stretch")
            st.dataframe(by_month, hide_index=True, width="stretch")

st.header("Members vs non-members")
if coverage["members"] == 0:
    st.info("No membership data: every customer has tier 'none' (imported order histories such as UCI Online "
            "Retail have no members). Upload a customers export with a membership tier on Data → Upload.")
else:
    window = st.radio("Window", list(users_cohorts.MEMBER_WINDOWS), index=2, horizontal=True, key="users_member_window",
                      help="The repurchase cycle needs a long window; over one month it mostly reflects campaigns.")
    wf = users_cohorts.trailing(f, users_cohorts.MEMBER_WINDOWS[window])
    levels = state.cached(users_cohorts.members_by_level, wf)
    comparison = levels["member"]
    st.caption(f"Orders {wf.start:%Y-%m-%d} – {wf.end:%Y-%m-%d} (sidebar channels apply, categories do not). A member "
               "has a membership tier other than 'none' (current tier). Repurchase cycle = median days between "
               "consecutive valid orders whose later order falls in the window.")
    statement = users_cohorts.members_statement(comparison)
    if statement:
        st.success(md(statement))
    else:
        st.info("Members or non-members placed no orders in this window: widen it.")
    left, right = st.columns([2, 3])
    left.plotly_chart(users_charts.members_bars(comparison, title="Repurchase cycle"), width="stretch")
    columns = {"group": "Group", "buyers": "Buyers", "repeat_buyers": "Repeat buyers",
               "repurchase_rate": colfmt.percent("Repurchase rate"),
               "gmv": colfmt.count("GMV (¥)"), "orders": "Orders",
               "spend_per_buyer": st.column_config.NumberColumn("Spend per buyer (¥)", format="%.2f"),
               "median_gap_days": st.column_config.NumberColumn("Repurchase cycle (days)", format="%.1f"),
               "gaps": "Reorders"}
    right.dataframe(comparison, hide_index=True, width="stretch", column_config=columns)
    right.dataframe(levels["tier"], hide_index=True, width="stretch", column_config=columns)
