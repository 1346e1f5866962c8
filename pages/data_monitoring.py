"""Monitoring.

Daily UV, conversion rate, spend per buyer, GMV and repurchase rate against a weekday-aware expected band, the alert
list, the root cause of any day (traffic / conversion / spend effects and the segments behind them), and the alert
rules operators edit.
"""
import streamlit as st

from ecomops.ops import charts as monitoring_charts
from ecomops.ops import monitoring
from ecomops.exports import escape_markdown as md
from ecomops.ui import columns as colfmt, page
from ecomops.i18n import _
from ecomops.ui import actions, downloads, state

con = state.connection()
f = page.setup(__file__)
st.title("Monitoring")
st.caption(
    f"{f.start:%Y-%m-%d} – {f.end:%Y-%m-%d}. Each day is compared with the same weekday of the previous "
    f"{monitoring.BASELINE_WEEKS} weeks (median); the band is ±{monitoring.BAND_K:g} robust standard deviations "
    "(MAD) of the usual day-to-baseline gap. Repurchase rate is the trailing 30-day rate."
)

result = state.cached(monitoring.overview, f)
bands, alerts = result["bands"], result["alerts"]
if bands.loc[bands["metric"] == "gmv", "value"].fillna(0).sum() == 0:
    st.info("No orders in this range. Widen the date range, or upload an orders export on Data → Upload.")
    st.stop()
if bands.loc[bands["metric"] == "uv", "value"].isna().all():
    st.info("UV and conversion rate need traffic data: upload a daily traffic export on Data → Upload.")

st.subheader("Alerts")
counts = alerts["severity"].value_counts()
cols = st.columns(3)
for col, severity in zip(cols, monitoring.SEVERITIES):
    col.metric(f"{severity.title()} alerts", int(counts.get(severity, 0)))
if alerts.empty:
    st.success("No alert rule fired in this range: every metric stayed inside its expected band.")
else:
    st.dataframe(alerts[["day", "severity", "label", "change", "message"]], hide_index=True, width="stretch",
                 column_config={"change": colfmt.percent("change")})
    st.download_button("Download alerts (CSV)", downloads.csv(alerts, "utf-8"),
                       file_name=f"ecomops_alerts_{f.start}_{f.end}.csv", mime="text/csv", on_click="ignore")

st.subheader("Metrics and expected bands")
tabs = st.tabs([monitoring.METRIC_LABELS[m] for m in monitoring.MONITORED])
for tab, metric in zip(tabs, monitoring.MONITORED):
    tab.plotly_chart(monitoring_charts.metric_band(bands, metric, title=monitoring.METRIC_LABELS[metric]),
                     width="stretch", key=f"band_{metric}")

st.subheader("Root cause")
alert_days, day_options = monitoring.root_cause_days(alerts, bands)
left, mid, right = st.columns(3)
day = left.selectbox("Day", day_options, format_func=lambda d: f"{d:%a %Y-%m-%d}" + (" ⚠" if d in alert_days else ""))
reference = mid.radio("Compare with", ["usual", "last_week"], horizontal=True,
                      format_func=lambda r: "the usual weekday (4 weeks)" if r == "usual" else "same weekday last week")
focus_options = ["auto", "uv", "conversion_rate", "spend_per_buyer"]
default_focus = monitoring.alert_focus(alerts, day, focus_options)
focus = right.selectbox("Explain", focus_options, index=focus_options.index(default_focus),
                        format_func=lambda m: "the largest effect" if m == "auto" else monitoring.METRIC_LABELS[m])
cause = state.cached(monitoring.root_cause, f, day, reference, None if focus == "auto" else focus)
st.info(md(cause.summary))
left, right = st.columns(2)
left.plotly_chart(monitoring_charts.effects_waterfall(cause.effects, title="GMV bridge: reference → day"),
                  width="stretch")
right.plotly_chart(monitoring_charts.contributions(cause.cells, "segment", cause.focus,
    title=f"{monitoring.EFFECT_LABELS[cause.focus]} effect by channel × device"), width="stretch")
cell_columns = ["channel", "device", "uv_0", "uv_1", "buyers_0", "buyers_1", "gmv_0", "gmv_1", "traffic",
                "conversion", "spend", "share_of_focus"]
st.dataframe(cause.cells[cell_columns], hide_index=True, width="stretch",
             column_config={"share_of_focus": colfmt.percent("share of effect")})
left, right = st.columns(2)
left.plotly_chart(monitoring_charts.contributions(cause.by_category, "segment", "gmv_change",
                                                  title="GMV change by category"), width="stretch")
right.plotly_chart(monitoring_charts.contributions(cause.by_campaign, "segment", "gmv_change",
                                                   title="GMV change by campaign"), width="stretch")

with st.expander("Alert rules"):
    st.caption("A rule fires when the metric moves at least the threshold (relative, 0.05 = 5%) in its direction "
               "against the same weekday over the window (7 days = last week, 28 = median of 4 weeks) and the day "
               "is outside the expected band.")
    rules = monitoring.alert_rules(con)
    edited = st.data_editor(
        rules.drop(columns=["rule_id"]), num_rows="dynamic", hide_index=True, width="stretch", key="rules_editor",
        column_config={
            "metric": st.column_config.SelectboxColumn("metric", options=list(monitoring.MONITORED), required=True),
            "direction": st.column_config.SelectboxColumn("direction", options=list(monitoring.DIRECTIONS),
                                                          required=True),
            "threshold": st.column_config.NumberColumn("threshold", min_value=0.001, max_value=5.0, step=0.01,
                                                       format="%.3f", required=True),
            "window_days": st.column_config.NumberColumn("window (days)", min_value=7, max_value=91, step=7),
            "severity": st.column_config.SelectboxColumn("severity", options=list(monitoring.SEVERITIES),
                                                         required=True),
            "enabled": st.column_config.CheckboxColumn("enabled"),
        })
    editable = page.can("edit_alert_rules")
    if not editable:
        st.caption(_("Editing alert rules needs the admin role."))
    if st.button("Save rules", type="primary", disabled=not editable):
        try:
            saved = actions.save_alert_rules(edited)
        except (ValueError, actions.AccessDenied) as exc:
            st.error(f"Rules not saved: {md(exc)}")
        else:
            st.success(f"Saved {saved} rules; the alert list uses them now.")
            st.rerun()
