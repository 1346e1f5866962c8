"""Churn & reactivation.

Churn model (out-of-time metrics next to recency alone and BG/NBD alone), dormant customers ranked by return
probability with reasons and recommended products, a target list with a held-out control group, and treatment-vs-
control uplift. Training runs on a background thread (ecomops.users.model_jobs), never inside the request.
"""
import streamlit as st

from ecomops import derived
from ecomops.exports import escape_markdown as md
from ecomops.i18n import _, fmt
from ecomops.ui import actions, downloads, page, state
from ecomops.users import charts as users_charts
from ecomops.users import churn, model_jobs, targeting

page.setup(__file__)
con = state.connection()
t = state.thresholds()
dormant_window = {"low": fmt.count(t.active_days + 1), "high": fmt.count(t.dormant_days)}
st.title(_("Churn & reactivation"))
st.caption(_("Churn = no valid order within the horizon after a cutoff. Dormant = last order {low}-{high} days before "
             "the last day of data. These figures use all data, not the sidebar filters.", **dormant_window))

st.subheader(_("1. Churn model"))
left, right = st.columns([1, 3])
horizon = left.number_input(_("Horizon (days)"), min_value=min(30, t.churn_horizon_days), max_value=365,
                            value=t.churn_horizon_days, step=15, key="churn_horizon")
if left.button(_("Train model"), type="primary", key="churn_train", disabled=not page.can("train_model")):
    actions.train_churn_model(int(horizon))

try:  # a model file that fails its checks is retrained, never loaded
    model, refused = churn.latest_usable_model(con)
except churn.InsufficientHistoryError as exc:
    model, refused = None, str(exc)
if refused:
    st.warning(md(refused))
last_day = churn.last_order_day(con)
if model is not None and last_day is not None and model["cutoff"] < last_day:
    # Orders imported after the model's cutoff: retrain in the background; the page keeps showing the current model.
    model_jobs.start_churn_training(con, int(model["horizon_days"]))


def training_progress() -> None:
    """Show the background training's progress; rerun the page once its model is registered."""
    job = model_jobs.churn_job(con)
    if job is None:
        return
    if job.state == "running":
        with st.status(_("Training the churn model in the background…"), expanded=True):
            for message in job.messages[-4:]:
                st.write(md(message))
    elif job.state == "failed":
        st.warning(_("Training failed: {error}", error=md(job.error)))
    elif model is None or model["model_id"] < job.model_id:
        st.rerun()  # the new model is registered: draw the whole page with it


running_job = model_jobs.churn_job(con)
with right:  # polls every 2 s only while a training runs
    st.fragment(training_progress, run_every=2 if running_job and running_job.state == "running" else None)()

if model is None:
    right.info(_("No churn model yet: press Train model (it needs an order history of at least two horizons; upload "
                 "orders on Data → Upload)."))
else:
    tables = churn.stored_tables(model)
    comparison = tables["metrics"].set_index("scorer")
    right.caption(_("Model #{model_id}, cutoff {cutoff}, horizon {horizon}, trained {trained}. Out-of-time test: "
                    "fitted on the history up to two horizons before the cutoff, tested on the next horizon.",
                    model_id=model["model_id"], cutoff=model["cutoff"], horizon=fmt.days(model["horizon_days"]),
                    trained=fmt.datetime(model["trained_at"])))
    cards = [("model", _("ROC AUC: churn model")), ("baseline", _("ROC AUC: recency alone")),
             ("bgnbd_order", _("ROC AUC: BG/NBD alone"))]
    for col, (scorer, name) in zip(right.columns(3), cards):
        if scorer in comparison.index:
            col.metric(name, fmt.number(comparison.loc[scorer, "auc"], 3),
                       help=_("{name}; same test customers and window for all three.",
                              name=comparison.loc[scorer, "name"]))
    if tables["dormant_customers"]:
        dormant_auc = tables["dormant"].set_index("scorer")["auc"]
        right.caption(_("Among the {n} test customers who were dormant at the test cutoff (the slice targeted below): "
                        "ROC AUC {model} for the model, {recency} for recency alone, {bgnbd} for BG/NBD alone.",
                        n=fmt.count(tables["dormant_customers"]), model=fmt.number(dormant_auc.get("model"), 3),
                        recency=fmt.number(dormant_auc.get("baseline"), 3),
                        bgnbd=fmt.number(dormant_auc.get("bgnbd_order"), 3)))
    chart_left, chart_right = st.columns(2)
    page.chart(chart_left, users_charts.calibration(tables["calibration"]), width="stretch")
    page.chart(chart_right, users_charts.importance(tables["importance"]), width="stretch")
    with st.expander(_("Metrics: the model against recency alone and BG/NBD alone")):
        shown = tables["metrics"].drop(columns="scorer").rename(columns={
            "name": _("Scorer"), "auc": _("ROC AUC"), "pr_auc": _("PR AUC"), "lift_top_decile": _("Top-decile lift")})
        st.dataframe(shown, hide_index=True, width="stretch",
                     column_config={c: st.column_config.NumberColumn(format="%.3f")
                                    for c in (_("ROC AUC"), _("PR AUC"), _("Top-decile lift"))})

st.subheader(_("2. Dormant customers to win back"))
if model:  # its file was checked above (latest_usable_model)
    state.ensure_derived(derived.CHURN_SCORES)  # stored right after training and after imports; rebuilt if stale
dormant_count = state.cached(targeting.stored_count, model["model_id"]) if model else None
if dormant_count is None:
    st.info(_("Train the churn model above to score dormant customers."))
elif dormant_count == 0:
    st.info(_("No dormant customers right now (nobody's last order is {low}-{high} days old).", **dormant_window))
else:
    c1, c2 = st.columns(2)
    budget = c1.number_input(_("Customers to contact (budget)"), min_value=1, max_value=dormant_count,
                             value=min(500, dormant_count), step=50, key="churn_budget")
    threshold = c2.slider(_("Minimum return probability"), 0.0, 1.0, 0.0, 0.01, key="churn_threshold")
    # Only the rows of the target list are read from the stored scores (ranked by P(return)).
    targets = state.cached(targeting.stored_targets, model["model_id"], int(budget), float(threshold))
    outcome = targeting.expected_outcome(targets)
    m1, m2, m3 = st.columns(3)
    m1.metric(_("Dormant customers"), fmt.count(dormant_count))
    m2.metric(_("Expected returns in target list"),
              _("{returns} of {customers}", returns=fmt.count(outcome["expected_returns"]),
                customers=fmt.count(outcome["customers"])))
    m3.metric(_("Expected revenue"), fmt.money(outcome["expected_revenue"], decimals=0))
    table = targets[targeting.TABLE_COLUMNS]
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "customer_id": _("Customer"),
        "p_return": st.column_config.ProgressColumn(_("P(return)"), format="percent", min_value=0.0, max_value=1.0),
        "expected_value": st.column_config.NumberColumn(_("Expected value"), format="%.0f"),
        "recency_days": st.column_config.NumberColumn(_("Days since last order"), format="%d"),
        "frequency": st.column_config.NumberColumn(_("Orders"), format="%d"),
        "monetary": st.column_config.NumberColumn(_("Spent"), format="%.0f"),
        "top_category": _("Top category"), "recommendations": _("Recommended products"),
        "suggested_offer": _("Suggested offer"), "reasons": _("Why")})

    with st.form("churn_outreach"):
        f1, f2, f3, f4 = st.columns(4)
        control_share = f1.slider(_("Control group (not contacted)"), 0.05, 0.5, targeting.CONTROL_SHARE, 0.05)
        seed = f2.number_input(_("Random seed"), min_value=0, value=7, step=1)
        sent_date = f3.date_input(_("Sent date"), value=targeting.next_send_date(con))
        offer = f4.text_input(_("Offer"), value=_("Time-limited comeback gift + personalised picks"))
        submitted = st.form_submit_button(_("Record outreach and prepare the export"), disabled=not page.can("outreach"))
    if submitted:
        assigned = actions.record_outreach(targets, sent_date, control_share, int(seed), offer)
        st.session_state["churn_export"] = targeting.export_frame(assigned)
        arms = targeting.arm_counts(assigned)
        st.success(_("Recorded {n} customers for {day}: {control} held out as control, {treatment} to contact.",
                     n=fmt.count(len(assigned)), day=sent_date, control=fmt.count(arms["control"]),
                     treatment=fmt.count(arms["treatment"])))
    if "churn_export" in st.session_state:
        st.download_button(_("Download the contact list (CSV, treatment only)"),
                           downloads.csv(st.session_state["churn_export"], "utf-8-sig"),
                           file_name="reactivation_targets.csv", mime="text/csv", key="churn_download")

st.subheader(_("3. Did it work? Treatment vs control"))
results = state.cached(targeting.reactivation_results)
if results.empty:
    st.info(_("No outreach recorded yet: record a target list above (or upload an outreach file on Data → Upload)."))
else:
    latest = results.iloc[-1]
    r1, r2, r3 = st.columns(3)
    r1.metric(_("Treatment reactivated"), fmt.percent(latest["treatment_rate"]),
              help=_("{n} customers", n=fmt.count(latest["treatment_customers"])))
    r2.metric(_("Control reactivated"), fmt.percent(latest["control_rate"]),
              help=_("{n} customers", n=fmt.count(latest["control_customers"])))
    r3.metric(_("Uplift"), fmt.pp(latest["uplift"]),
              help=targeting.uplift_text(latest["uplift"], latest["ci_low"], latest["ci_high"]))
    st.caption(_("Outreach of {day}: a customer reactivated with a valid order within {window} after the sent date "
                 "({observed} observed so far). Uplift {uplift}.", day=latest["sent_date"],
                 window=fmt.days(t.churn_horizon_days), observed=fmt.days(latest["days_observed"]),
                 uplift=targeting.uplift_text(latest["uplift"], latest["ci_low"], latest["ci_high"])))
    page.chart(st, users_charts.reactivation(results), width="stretch")
    st.dataframe(results, hide_index=True, width="stretch", column_config={
        "sent_date": st.column_config.DateColumn(_("Sent on")), "offer": _("Offer"),
        "days_observed": st.column_config.NumberColumn(_("Days observed"), format="%d"),
        "treatment_customers": st.column_config.NumberColumn(_("Treatment customers"), format="%d"),
        "treatment_rate": st.column_config.NumberColumn(_("Treatment reactivated"), format="percent"),
        "control_customers": st.column_config.NumberColumn(_("Control customers"), format="%d"),
        "control_rate": st.column_config.NumberColumn(_("Control reactivated"), format="percent"),
        "uplift": st.column_config.NumberColumn(_("Uplift"), format="percent"),
        "ci_low": st.column_config.NumberColumn(_("95% CI low"), format="percent"),
        "ci_high": st.column_config.NumberColumn(_("95% CI high"), format="percent")})
