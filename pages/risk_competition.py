"""Competition.

Risk → Competition: our price vs competitors over time, undercut and loss-leader alerts with a suggested response,
and the competitors' promotions and new products.
"""
import streamlit as st

from ecomops import charts
from ecomops.risk import competition
from ecomops.exports import escape_markdown as md
from ecomops.ui import downloads, page, state

DAY = st.column_config.DateColumn("day", format="YYYY-MM-DD")
f = page.setup(__file__)
st.title("Competition")
st.caption(f"Competitor observations {f.start:%Y-%m-%d} – {f.end:%Y-%m-%d} (latest per product and competitor). "
           "The category filter applies; channels do not.")

left, right = st.columns(2)
threshold = left.slider("Alert when a competitor is cheaper by more than", 0.0, 0.5,
                        competition.UNDERCUT_THRESHOLD, 0.01, format="%.2f", key="risk_undercut",
                        help="Gap = 1 − competitor price / our list price.")
loss_leader = right.number_input("Loss-leader price (¥, at or under)", 0.0, 1000.0,
                                 competition.LOSS_LEADER_PRICE, 1.0, key="risk_loss_leader")

summary = state.cached(competition.competition_summary, f, threshold)
if summary["products_watched"] == 0:
    st.info("No competitor prices in this range: upload a competitor price watch (day, product, competitor, price, "
            "promotion) on Data → Upload, or widen the date range.")
    st.stop()

c1, c2, c3, c4 = st.columns(4)
c1.metric("Products watched", f"{summary['products_watched']:,}", help=f"{summary['competitors']} competitors")
c2.metric("Products undercut", f"{summary['undercut_products']:,}")
c3.metric("Loss leaders", f"{summary['loss_leaders']:,}")
c4.metric("Promotions / new products", f"{summary['promotions']:,} / {summary['new_products']:,}")

st.subheader("Undercut alerts")
alerts = state.cached(competition.undercut_alerts, f, threshold, loss_leader)
if alerts.empty:
    st.success("No competitor is below our price by more than the threshold.")
else:
    for row in alerts.itertuples():
        if row.alert != "loss leader":
            break  # loss leaders come first
        st.warning(f"**{md(row.competitor)}** sells **{md(row.title)}** at ¥{row.competitor_price:.2f} "
                   f"(ours ¥{row.our_price:.2f}, {row.day:%Y-%m-%d}). {md(row.suggested_response)}", icon="🚨")
    st.dataframe(alerts[["alert", "product_id", "title", "competitor", "day", "competitor_price", "our_price", "gap",
                         "promotion", "suggested_response"]], hide_index=True, width="stretch",
                 column_config={"gap": st.column_config.NumberColumn(format="percent"), "day": DAY,
                                "competitor_price": st.column_config.NumberColumn(format="¥%.2f"),
                                "our_price": st.column_config.NumberColumn(format="¥%.2f")})
    st.download_button("Download alerts (CSV)", downloads.csv(alerts, "utf-8-sig"),
                       file_name="competitor_alerts.csv", mime="text/csv", on_click="ignore")

st.subheader("Our price vs competitors over time")
labels = state.cached(competition.watched_products, f)
product = st.selectbox("Product", list(labels), format_func=labels.get, key="risk_comp_product")
history = state.cached(competition.price_history, f, product)
st.plotly_chart(charts.line(history, "day", "price", color="series", title=labels[product]), width="stretch")

st.subheader("Competitor promotions and new products")
activity = state.cached(competition.competitor_activity, f)
st.dataframe(activity, hide_index=True, width="stretch", column_config={"day": DAY})
