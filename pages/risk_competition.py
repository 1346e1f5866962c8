"""Competition.

Risk → Competition: our price vs competitors over time, undercut and loss-leader alerts with a suggested response,
and the competitors' promotions and new products.
"""
import streamlit as st

from ecomops import charts
from ecomops.risk import competition
from ecomops.exports import escape_markdown as md
from ecomops.i18n import _, fmt
from ecomops.ui import columns as colfmt
from ecomops.ui import downloads, page, state

f = page.setup(__file__)
DAY = colfmt.day()
st.title(_("Competition"))
st.caption(_("Competitor observations {period} (latest per product and competitor). The category filter applies; "
             "channels do not.", period=fmt.date_range(f.start, f.end)))

left, right = st.columns(2)
threshold = left.slider(_("Alert when a competitor is cheaper by more than"), 0.0, 0.5,
                        competition.UNDERCUT_THRESHOLD, 0.01, format="%.2f", key="risk_undercut",
                        help=_("Gap = 1 − competitor price / our list price."))
loss_leader = right.number_input(_("Loss-leader price (¥, at or under)"), 0.0, 1000.0,
                                 competition.LOSS_LEADER_PRICE, 1.0, key="risk_loss_leader")

summary = state.cached(competition.competition_summary, f, threshold)
if summary["products_watched"] == 0:
    st.info(_("No competitor prices in this range: upload a competitor price watch (day, product, competitor, price, "
              "promotion) on Data → Upload, or widen the date range."))
    st.stop()

c1, c2, c3, c4 = st.columns(4)
c1.metric(_("Products watched"), fmt.count(summary["products_watched"]),
          help=_("{n} competitors", n=fmt.count(summary["competitors"])))
c2.metric(_("Products undercut"), fmt.count(summary["undercut_products"]))
c3.metric(_("Loss leaders"), fmt.count(summary["loss_leaders"]))
c4.metric(_("Promotions / new products"),
          f"{fmt.count(summary['promotions'])} / {fmt.count(summary['new_products'])}")

st.subheader(_("Undercut alerts"))
alerts = state.cached(competition.undercut_alerts, f, threshold, loss_leader)
if alerts.empty:
    st.success(_("No competitor is below our price by more than the threshold."))
else:
    for row in alerts.itertuples():
        if row.alert != "loss leader":
            break  # loss leaders come first
        st.warning(_("**{competitor}** sells **{title}** at {price} (ours {ours}, {day}). {response}",
                     competitor=md(row.competitor), title=md(row.title), price=fmt.money(row.competitor_price),
                     ours=fmt.money(row.our_price), day=fmt.date(row.day), response=md(row.suggested_response)),
                   icon="🚨")
    alert_columns = ["alert", "product_id", "title", "competitor", "day", "competitor_price", "our_price", "gap",
                     "promotion", "suggested_response"]
    st.dataframe(colfmt.with_labels(alerts[alert_columns], {"alert": "competitor_alert"}), hide_index=True,
                 width="stretch",
                 column_config=colfmt.headers(alert_columns, {
                     "gap": st.column_config.NumberColumn(format="percent"), "day": DAY,
                     "competitor_price": st.column_config.NumberColumn(format="¥%.2f"),
                     "our_price": st.column_config.NumberColumn(format="¥%.2f")}))
    st.download_button(_("Download alerts (CSV)"), downloads.csv(alerts, "utf-8-sig"),
                       file_name="competitor_alerts.csv", mime="text/csv", on_click="ignore")

st.subheader(_("Our price vs competitors over time"))
labels = state.cached(competition.watched_products, f)
product = st.selectbox(_("Product"), list(labels), format_func=labels.get, key="risk_comp_product")
history = state.cached(competition.price_history, f, product)
page.chart(st, charts.line(history, "day", "price", color="series", title=labels[product]), width="stretch")

st.subheader(_("Competitor promotions and new products"))
activity = state.cached(competition.competitor_activity, f)
st.dataframe(activity, hide_index=True, width="stretch", column_config=colfmt.headers(activity.columns, {"day": DAY}))
