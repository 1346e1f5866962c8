"""Cohorts & members.

Monthly acquisition cohorts (repurchase retention, cumulative spend per customer), new-customer conversion from
signup to first order, and members vs non-members (repurchase cycle, repurchase rate, spend per buyer).
"""
import streamlit as st
from babel.numbers import get_currency_symbol

from ecomops import charts, derived
from ecomops.users import charts as users_charts
from ecomops.users import cohorts as users_cohorts
from ecomops.exports import escape_markdown as md
from ecomops.i18n import _, current_locale, fmt, label
from ecomops.ui import columns as colfmt, page
from ecomops.ui import downloads, state

f = page.setup(__file__)
currency = state.currency()
symbol = get_currency_symbol(currency, locale=current_locale())
state.ensure_derived(derived.USERS_ORDERS)
st.title(_("Cohorts & members"))

st.header(_("Acquisition cohorts"))
cohorts = state.cached(users_cohorts.cohorts, f, 12)
if cohorts.empty:
    st.info(_("No buyers yet: upload an orders export with customer ids on Data → Upload."))
else:
    st.caption(_("A cohort is the month of a customer's first valid order (cohorts up to {month}, orders up to {day}; "
                 "the last month may be partial). Retention in month k = share of the cohort placing a repeat order "
                 "in that month (M0: a second order within the first month). Sidebar channels select customers by "
                 "the channel of their first order; categories are not applied.", month=fmt.month(f.end), day=f.end))
    headline = users_cohorts.cohort_summary(cohorts)
    a, b, c = st.columns(3)
    a.metric(_("Buyers in these cohorts"), fmt.count(headline["buyers"]))
    b.metric(_("Reorder in month 1"), fmt.metric("repurchase_rate", headline["retention_m1"]))
    c.metric(_("Reorder in month 3"), fmt.metric("repurchase_rate", headline["retention_m3"]))
    tab_retention, tab_spend = st.tabs([_("Repurchase retention"), _("Cumulative spend per customer")])
    page.chart(tab_retention, users_charts.cohort_heatmap(cohorts, "retention",
                                                           title=_("Share of the cohort ordering again in month k")),
                               width="stretch")
    page.chart(tab_spend, users_charts.cohort_spend_lines(
        cohorts, title=_("Cumulative spend per customer ({symbol})", symbol=symbol), symbol=symbol), width="stretch")
    page.chart(tab_spend, users_charts.cohort_heatmap(
        cohorts, "cumulative_spend", z_format=",.0f",
        title=_("Cumulative spend per customer by month k ({symbol})", symbol=symbol)), width="stretch")
    st.download_button(_("Download cohort table (CSV)"), downloads.csv(cohorts, "utf-8-sig"),
                       file_name=f"ecomops_cohorts_{f.end}.csv", mime="text/csv", on_click="ignore")

st.header(_("New-customer conversion"))
coverage = state.cached(users_cohorts.signup_coverage)
if coverage["with_signup_date"] == 0:
    st.info(_("No signup dates in the data (the orders were imported without a customers export, e.g. UCI Online "
              "Retail): signup-to-first-order conversion needs a customers export with signup dates and channels "
              "on Data → Upload."))
else:
    signup_window = st.radio(_("Signups"), list(users_cohorts.SIGNUP_WINDOWS), index=1, horizontal=True,
                             key="users_signup_window", format_func=_)
    sf = users_cohorts.trailing(f, users_cohorts.SIGNUP_WINDOWS[signup_window])
    by_channel = state.cached(users_cohorts.conversion, sf, "channel")
    total = by_channel.iloc[-1]
    st.caption(_("Customers who signed up {range}, by signup channel. 'Within N days' counts only signups whose "
                 "N-day window has passed by the last order day in the data.", range=fmt.date_range(sf.start, sf.end)))
    if total["signups"] == 0:
        st.info(_("No signups in this range: widen the date range."))
    else:
        a, b, c, d = st.columns(4)
        a.metric(_("Signups"), fmt.count(total["signups"]))
        b.metric(_("First order within 7 days"), fmt.metric("conversion_rate", total["rate_7"]))
        c.metric(_("First order within 30 days"), fmt.metric("conversion_rate", total["rate_30"]))
        d.metric(_("Median days to first order"), fmt.number(total["median_days_to_first"], 0))
        shown_channels = colfmt.labelled(by_channel, group="channel")
        left, right = st.columns([3, 2])
        page.chart(left, users_charts.conversion_bars(shown_channels.iloc[:-1],
                                                       title=_("Conversion by signup channel")), width="stretch")
        timing = state.cached(users_cohorts.time_to_first_order, sf)
        page.chart(right, charts.bar(timing, "bucket", "customers", title=_("Time from signup to first order")),
                           width="stretch")
        by_month = state.cached(users_cohorts.conversion, sf, "month")
        conversion_columns = {
            "group": _("Group"), "signups": colfmt.count(_("Signups")), "ordered": colfmt.count(_("Ordered")),
            "eligible_7": colfmt.count(_("Signups of 7+ days")), "converted_7": colfmt.count(_("Ordered within 7 days")),
            "rate_7": colfmt.percent(_("Rate within 7 days")),
            "eligible_30": colfmt.count(_("Signups of 30+ days")),
            "converted_30": colfmt.count(_("Ordered within 30 days")),
            "rate_30": colfmt.percent(_("Rate within 30 days")),
            "median_days_to_first": colfmt.ratio(_("Median days to first order"), 1),
            "avg_days_to_first": colfmt.ratio(_("Average days to first order"), 1)}
        with st.expander(_("Conversion tables (by channel and by signup month)")):
            st.dataframe(shown_channels, hide_index=True, width="stretch", column_config=conversion_columns)
            st.dataframe(by_month, hide_index=True, width="stretch", column_config=conversion_columns)

st.header(_("Members vs non-members"))
if coverage["members"] == 0:
    st.info(_("No membership data: every customer has tier 'none' (imported order histories such as UCI Online "
              "Retail have no members). Upload a customers export with a membership tier on Data → Upload."))
else:
    window = st.radio(_("Window"), list(users_cohorts.MEMBER_WINDOWS), index=2, horizontal=True,
                      key="users_member_window", format_func=_,
                      help=_("The repurchase cycle needs a long window; over one month it mostly reflects campaigns."))
    wf = users_cohorts.trailing(f, users_cohorts.MEMBER_WINDOWS[window])
    levels = state.cached(users_cohorts.members_by_level, wf)
    comparison = colfmt.labelled(levels["member"], group="member_group")
    st.caption(_("Orders {range} (sidebar channels apply, categories do not). A member has a membership tier other "
                 "than 'none' (current tier). Repurchase cycle = median days between consecutive valid orders whose "
                 "later order falls in the window.", range=fmt.date_range(wf.start, wf.end)))
    statement = users_cohorts.members_statement(levels["member"], currency)
    if statement:
        st.success(md(statement))
    else:
        st.info(_("Members or non-members placed no orders in this window: widen it."))
    left, right = st.columns([2, 3])
    page.chart(left, users_charts.members_bars(comparison, title=label("metric", "repurchase_cycle")),
                      width="stretch")
    columns = {"group": _("Group"), "buyers": colfmt.count(label("metric", "buyers")),
               "repeat_buyers": colfmt.count(_("Repeat buyers")),
               "repurchase_rate": colfmt.percent(label("metric", "repurchase_rate")),
               "gmv": colfmt.money(label("metric", "gmv"), currency, decimals=0),
               "orders": colfmt.count(label("metric", "orders")),
               "spend_per_buyer": colfmt.money(label("metric", "spend_per_buyer"), currency),
               "median_gap_days": colfmt.ratio(_("Repurchase cycle (days)"), 1),
               "gaps": colfmt.count(_("Reorders"))}
    right.dataframe(comparison, hide_index=True, width="stretch", column_config=columns)
    right.dataframe(colfmt.labelled(levels["tier"], group="member_tier"), hide_index=True, width="stretch",
                    column_config=columns)
