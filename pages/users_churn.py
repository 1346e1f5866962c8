"""Churn & reactivation.

Churn model (out-of-time metrics next to the recency baseline), dormant customers ranked by return probability with
reasons and recommended products, a target list with a held-out control group, and treatment-vs-control uplift.
"""
import streamlit as st

from ecomops import derived
from ecomops.users import charts as users_charts
from ecomops.users import churn
from ecomops.users import targeting
from ecomops.exports import escape_markdown as md
from ecomops.i18n import _, fmt
from ecomops.ui import actions, downloads, page, state

page.setup(__file__)
con = state.connection()
t = state.thresholds()
dormant_window = {"low": fmt.count(t.active_days + 1), "high": fmt.count(t.dormant_days)}
st.title("Churn & reactivation")
st.caption(_("Churn = no valid order within the horizon after a cutoff. Dormant = last order {low}-{high} days before "
             "the last day of data. These figures use all data, not the sidebar filters.", **dormant_window))

st.subheader("1. Churn model")
left, right = st.columns([1, 3])
horizon = left.number_input("Horizon (days)", min_value=min(30, t.churn_horizon_days), max_value=365,
                            value=t.churn_horizon_days, step=15, key="churn_horizon")
if left.button("Train model", type="primary", key="churn_train", disabled=not page.can("train_model")):
    with st.status("Training the churn model…", expanded=True) as status:
        try:
            trained = actions.train_churn_model(int(horizon), progress=lambda message: status.write(md(message)))
            status.update(label=f"Model #{trained.model_id} trained and registered", state="complete", expanded=False)
        except churn.InsufficientHistoryError as exc:
            status.update(label="Not enough history to train", state="error")
            st.warning(md(exc))

try:  # a model file that fails its checks is retrained, never loaded
    with st.spinner("Checking the churn model file…"):
        model, refused = churn.latest_usable_model(con)
except churn.InsufficientHistoryError as exc:
    model, refused = None, str(exc)
if refused:
    st.warning(md(refused))
if model is None:
    right.info("No churn model yet: press **Train model** (it needs an order history of at least two horizons; "
               "upload orders on Data → Upload).")
else:
    tables = churn.stored_tables(model)
    cards = tables["cards"]
    right.caption(f"Model #{model['model_id']}, cutoff {model['cutoff']:%Y-%m-%d}, horizon {model['horizon_days']} "
                  f"days, trained {model['trained_at']:%Y-%m-%d %H:%M}. Out-of-time test: fit at T−2H, "
                  "tested at T−H on the next horizon.")
    for col, name in zip(right.columns(3), ("ROC AUC", "PR AUC", "Top-decile lift")):
        col.metric(name, f"{cards[name]['model']:.3f}", f"{cards[name]['difference']:+.3f} vs recency",
                   help=f"Baseline (rank by recency alone): {cards[name]['recency_baseline']:.3f}")
    dormant = tables["dormant"].iloc[0]
    if dormant["customers"]:
        right.caption(f"Among the {dormant['customers']:,} test customers who were dormant at the test cutoff (the "
                      f"slice targeted below): ROC AUC {dormant['model_auc']:.3f} vs {dormant['baseline_auc']:.3f} "
                      "for recency alone.")
    chart_left, chart_right = st.columns(2)
    chart_left.plotly_chart(users_charts.calibration(tables["calibration"]), width="stretch")
    chart_right.plotly_chart(users_charts.importance(tables["importance"]), width="stretch")
    with st.expander("Metrics and calibration table"):
        st.dataframe(tables["metrics"], hide_index=True, width="stretch")
        st.dataframe(tables["calibration"], hide_index=True, width="stretch")

st.subheader("2. Dormant customers to win back")
if model:  # its file was checked above (latest_usable_model)
    state.ensure_derived(derived.CHURN_SCORES)  # stored right after training and after imports; rebuilt if stale
dormant_count = state.cached(targeting.stored_count, model["model_id"]) if model else None
if dormant_count is None:
    st.info("Train the churn model above to score dormant customers.")
elif dormant_count == 0:
    st.info(_("No dormant customers right now (nobody's last order is {low}-{high} days old).", **dormant_window))
else:
    c1, c2 = st.columns(2)
    budget = c1.number_input("Customers to contact (budget)", min_value=1, max_value=dormant_count,
                             value=min(500, dormant_count), step=50, key="churn_budget")
    threshold = c2.slider("Minimum return probability", 0.0, 1.0, 0.0, 0.01, key="churn_threshold")
    # Only the rows of the target list are read from the stored scores (ranked by P(return)).
    targets = state.cached(targeting.stored_targets, model["model_id"], int(budget), float(threshold))
    outcome = targeting.expected_outcome(targets)
    m1, m2, m3 = st.columns(3)
    m1.metric("Dormant customers", f"{dormant_count:,}")
    m2.metric("Expected returns in target list", f"{outcome['expected_returns']:,.0f} of {outcome['customers']:,}")
    m3.metric("Expected revenue", f"¥{outcome['expected_revenue']:,.0f}")
    st.dataframe(targets[targeting.TABLE_COLUMNS], hide_index=True, width="stretch",
                 column_config={"p_return": st.column_config.ProgressColumn("P(return)", format="percent",
                                                                            min_value=0.0, max_value=1.0),
                                "expected_value": st.column_config.NumberColumn("Expected value", format="¥%.0f")})

    with st.form("churn_outreach"):
        f1, f2, f3, f4 = st.columns(4)
        control_share = f1.slider("Control group (not contacted)", 0.05, 0.5, targeting.CONTROL_SHARE, 0.05)
        seed = f2.number_input("Random seed", min_value=0, value=7, step=1)
        sent_date = f3.date_input("Sent date", value=targeting.next_send_date(con))
        offer = f4.text_input("Offer", value="Time-limited comeback gift + personalised picks")
        submitted = st.form_submit_button("Record outreach and prepare the export", disabled=not page.can("outreach"))
    if submitted:
        assigned = actions.record_outreach(targets, sent_date, control_share, int(seed), offer)
        st.session_state["churn_export"] = targeting.export_frame(assigned)
        arms = targeting.arm_counts(assigned)
        st.success(f"Recorded {len(assigned):,} customers for {sent_date}: {arms['control']:,} held out as control, "
                   f"{arms['treatment']:,} to contact.")
    if "churn_export" in st.session_state:
        st.download_button("Download the contact list (CSV, treatment only)",
                           downloads.csv(st.session_state["churn_export"], "utf-8-sig"),
                           file_name="reactivation_targets.csv", mime="text/csv", key="churn_download")

st.subheader("3. Did it work? Treatment vs control")
results = state.cached(targeting.reactivation_results, int(horizon))
if results.empty:
    st.info("No outreach recorded yet: record a target list above (or upload an outreach file on Data → Upload).")
else:
    latest = results.iloc[-1]
    r1, r2, r3 = st.columns(3)
    r1.metric("Treatment reactivated", f"{latest['treatment_rate']:.1%}", help=f"{latest['treatment_customers']:,} customers")
    r2.metric("Control reactivated", f"{latest['control_rate']:.1%}", help=f"{latest['control_customers']:,} customers")
    r3.metric("Uplift", f"{latest['uplift'] * 100:+.1f} pts",
              help=f"95% CI {latest['ci_low'] * 100:+.1f} to {latest['ci_high'] * 100:+.1f} points")
    st.caption(f"Outreach of {latest['sent_date']:%Y-%m-%d}: a customer reactivated with a valid order within "
               f"{int(horizon)} days after the sent date ({latest['days_observed']} days observed so far). Uplift "
               f"{latest['uplift'] * 100:+.1f} points, 95% CI [{latest['ci_low'] * 100:+.1f}, "
               f"{latest['ci_high'] * 100:+.1f}].")
    st.plotly_chart(users_charts.reactivation(results), width="stretch")
    st.dataframe(results, hide_index=True, width="stretch")
