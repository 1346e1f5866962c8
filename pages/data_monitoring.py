"""Monitoring.

Daily UV, conversion rate, spend per buyer, GMV and repurchase rate against their expected band (the weekday
baseline that knows the campaign calendar), the alert list (the same as Overview's), the root cause of any day
(traffic / conversion / spend effects and the segments behind them), and the alert rules operators edit.
"""
import streamlit as st

from ecomops.exports import escape_markdown as md
from ecomops.i18n import _, fmt, label
from ecomops.ops import charts as monitoring_charts
from ecomops.ops import monitoring
from ecomops.ui import actions, downloads, page, state

con = state.connection()
f = page.setup(__file__)
st.title(_("Monitoring"))
st.caption(_(
    "{range}. Each day is compared with the same weekday of the previous {weeks} normal weeks (sale weeks skipped); "
    "a pre-sale or sale day with the same day of the last comparable campaign. The band is ±{k} robust standard "
    "deviations of the usual gap to that expectation. Repurchase rate is the trailing 30-day rate.",
    range=fmt.date_range(f.start, f.end), weeks=fmt.count(monitoring.BASELINE_WEEKS),
    k=fmt.number(monitoring.BAND_K, 2)))

result = state.cached(monitoring.overview, f)
bands, alerts = result["bands"], result["alerts"]
if bands.loc[bands["metric"] == "gmv", "value"].fillna(0).sum() == 0:
    st.info(_("No orders in this range. Widen the date range, or upload an orders export on Data → Upload."))
    st.stop()
if bands.loc[bands["metric"] == "uv", "value"].isna().all():
    st.info(_("UV and conversion rate need traffic data: upload a daily traffic export on Data → Upload."))

st.subheader(_("Alerts"))
counts = alerts["severity"].value_counts()
for col, severity in zip(st.columns(3), monitoring.SEVERITIES):
    col.metric(_("{severity} alerts", severity=label("severity", severity)), fmt.count(counts.get(severity, 0)))
if alerts.empty:
    st.success(_("No alert rule fired in this range: every monitored metric stayed inside its expected band."))
else:
    st.dataframe(monitoring.alert_table(alerts), hide_index=True, width="stretch")
    st.download_button(_("Download alerts (CSV)"), downloads.csv(alerts, "utf-8"),
                       file_name=f"ecomops_alerts_{f.start}_{f.end}.csv", mime="text/csv", on_click="ignore")

st.subheader(_("Metrics and expected bands"))
tabs = st.tabs([label("metric", m) for m in monitoring.MONITORED])
for tab, metric in zip(tabs, monitoring.MONITORED):
    page.chart(tab, monitoring_charts.metric_band(bands, metric, title=label("metric", metric)),
                     width="stretch", key=f"band_{metric}")

st.subheader(_("Root cause"))
alert_days, day_options = monitoring.root_cause_days(alerts, bands)
left, mid, right = st.columns(3)
day = left.selectbox(_("Day"), day_options,
                     format_func=lambda d: _("{weekday} {day}", weekday=fmt.weekday(d), day=d)
                     + (" ⚠" if d in alert_days else ""))
reference = mid.radio(_("Compare with"), ["usual", "last_week"], horizontal=True,
                      format_func=lambda r: _("what the day is expected to be") if r == "usual"
                      else _("the same weekday last week"))
focus_options = ["auto", "uv", "conversion_rate", "spend_per_buyer"]
default_focus = monitoring.alert_focus(alerts, day, focus_options)
focus = right.selectbox(_("Explain"), focus_options, index=focus_options.index(default_focus),
                        format_func=lambda m: _("the largest effect") if m == "auto" else label("metric", m))
cause = state.cached(monitoring.root_cause, f, day, reference, None if focus == "auto" else focus)
st.info(md(cause.summary))
left, right = st.columns(2)
page.chart(left, monitoring_charts.effects_waterfall(cause.effects, title=_("GMV bridge: reference → day")),
                  width="stretch")
page.chart(right, monitoring_charts.contributions(cause.cells, "segment", cause.focus,
                   title=_("{effect} effect by channel × device", effect=label("effect", cause.focus))),
                   width="stretch")
st.dataframe(monitoring.cells_table(cause), hide_index=True, width="stretch")
left, right = st.columns(2)
page.chart(left, monitoring_charts.contributions(cause.by_category, "segment", "gmv_change",
                                                  title=_("GMV change by category")), width="stretch")
page.chart(right, monitoring_charts.contributions(cause.by_campaign, "segment", "gmv_change",
                                                   title=_("GMV change by campaign")), width="stretch")

with st.expander(_("Alert rules")):
    st.caption(_("A rule fires when the metric moves at least the threshold (relative, 0.05 = 5%) in its direction "
                 "against what the day is expected to be over the window (7 days = last week, 28 = 4 weeks) and the "
                 "day is outside the expected band."))
    rules = monitoring.alert_rules(con)
    edited = st.data_editor(
        rules.drop(columns=["rule_id"]), num_rows="dynamic", hide_index=True, width="stretch", key="rules_editor",
        column_config={
            "metric": st.column_config.SelectboxColumn(_("Metric"), options=list(monitoring.MONITORED), required=True,
                                                       format_func=lambda m: label("metric", m)),
            "direction": st.column_config.SelectboxColumn(_("Direction"), options=list(monitoring.DIRECTIONS),
                                                          required=True, format_func=lambda d: label("direction", d)),
            "threshold": st.column_config.NumberColumn(_("Threshold"), min_value=0.001, max_value=5.0, step=0.01,
                                                       format="%.2f", required=True),
            "window_days": st.column_config.NumberColumn(_("Window (days)"), min_value=7, max_value=91, step=7),
            "severity": st.column_config.SelectboxColumn(_("Severity"), options=list(monitoring.SEVERITIES),
                                                         required=True, format_func=lambda s: label("severity", s)),
            "enabled": st.column_config.CheckboxColumn(_("Enabled")),
        })
    editable = page.can("edit_alert_rules")
    if not editable:
        st.caption(_("Editing alert rules needs the admin role."))
    if st.button(_("Save rules"), type="primary", disabled=not editable):
        try:
            saved = actions.save_alert_rules(edited)
        except (ValueError, actions.AccessDenied) as exc:
            st.error(_("Rules not saved: {reason}", reason=md(exc)))
        else:
            st.success(_("Saved {n} rules; the alert list uses them now.", n=fmt.count(saved)))
            st.rerun()
