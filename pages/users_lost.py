"""Lost customers.

Why customers leave: survey reasons, win-back of lost customers, and their behaviour before leaving (last
categories, discount reliance, returns, negative reviews) compared with customers who stay.
"""
import streamlit as st

from ecomops import charts, derived
from ecomops.users import charts as users_charts
from ecomops.users import lost
from ecomops.exports import escape_markdown as md
from ecomops.i18n import _, fmt, label
from ecomops.ui import columns as colfmt
from ecomops.ui import downloads, page, state

f = page.setup(__file__)
t = state.thresholds()
state.ensure_derived(derived.USERS_ORDERS)
st.title(_("Lost customers"))
st.caption(_("Lost = no valid order for more than {dormant} days as of {day}; dormant = {low}–{dormant} days. Whole "
             "order history, all channels.", dormant=fmt.count(t.dormant_days), day=f.end,
             low=fmt.count(t.active_days + 1)))

profile = state.cached(lost.behaviour_profile, f)
if profile["customers"].sum() == 0:
    st.info(_("No buyers yet: upload an orders export with customer ids on Data → Upload."))
    st.stop()

comeback = state.cached(lost.winback, f).set_index("segment")
lost_now = int(profile.set_index("segment").loc["lost", "customers"])
a, b, c = st.columns(3)
a.metric(_("Lost customers"), fmt.count(lost_now))
b.metric(_("Win-back rate"), fmt.percent(comeback.loc["lost", "rate"], 2),
         help=_("Of the {customers} customers lost on the day before {day}, {back} placed a valid order in the range.",
                customers=fmt.count(comeback.loc["lost", "customers"]), day=f.start,
                back=fmt.count(comeback.loc["lost", "came_back"])))
c.metric(_("Reactivation rate (dormant)"), fmt.percent(comeback.loc["dormant", "rate"], 2),
         help=_("Of the {customers} customers dormant the day before the range, {back} ordered in the range.",
                customers=fmt.count(comeback.loc["dormant", "customers"]),
                back=fmt.count(comeback.loc["dormant", "came_back"])))

st.header(_("What they say"))
reasons = state.cached(lost.survey_reasons, f)
if reasons.empty:
    st.info(_("No survey answers yet: upload customer survey results (customer id, date, reason) on Data → Upload "
              "to see why customers leave. Returns and reviews below still show what they did."))
else:
    left, right = st.columns([3, 2])
    shown = reasons if reasons["lost"].sum() else reasons.assign(lost=reasons["responses"])
    page.chart(left, users_charts.horizontal_bars(shown, "reason", "lost",
                                                   title=_("Survey reasons of lost customers")
                                                   if reasons["lost"].sum() else _("Survey reasons (all answers)")),
                      width="stretch")
    right.dataframe(reasons, hide_index=True, width="stretch",
                    column_config={"reason": _("Reason"), "lost": colfmt.count(label("lifecycle", "lost")),
                                   "dormant": colfmt.count(label("lifecycle", "dormant")),
                                   "responses": colfmt.count(_("Answers")),
                                   "share_of_lost": colfmt.percent(_("Share of lost"))})

st.header(_("What they did before leaving"))
for finding in lost.profile_findings(profile):
    st.warning(md(finding))
table = lost.profile_table(profile, state.currency())
st.dataframe(table, hide_index=True, width="stretch")
st.caption(_("Orders with a discount = valid orders carrying an order-level discount; returns = orders with status "
             "'returned'; negative review = rating ≤ {rating} on or before the date.",
             rating=fmt.count(t.negative_rating_max)))

categories = state.cached(lost.last_categories, f)
if not categories.empty:
    page.chart(st, charts.bar(categories, "category", "difference", y_format="+.1%",
                               title=_("Last-order categories: lost minus active customers (share points)")),
                    width="stretch")
    st.download_button(_("Download last-order categories (CSV)"), downloads.csv(categories, "utf-8-sig"),
                       file_name=f"ecomops_lost_categories_{f.end}.csv", mime="text/csv", on_click="ignore")
