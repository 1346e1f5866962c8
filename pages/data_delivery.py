"""Scheduled delivery.

Where the weekly and monthly review and the alerts that need action are sent (email, WeCom, DingTalk, Feishu, Slack,
a JSON webhook), what is sent when, a test message per destination, and the delivery log with retries. Writes go
through ecomops/ui/actions.py; secrets are never shown after saving.
"""
import streamlit as st

from ecomops.i18n import _, label, language_name, url_code
from ecomops.ops.delivery import model, views
from ecomops.ui import actions, page, state

NOTICE_KEY = "delivery_notice"
ERROR_KEY = "delivery_error"
CLEAR_KEY = "delivery_clear"

page.setup(__file__)
con = state.connection()
st.title(_("Scheduled delivery"))
st.caption(_("The weekly and monthly review and the alerts that need action, sent by themselves to email and to "
             "WeCom, DingTalk, Feishu or Slack groups. Each message is sent once; failures are retried with growing "
             "waits and listed below."))
for cleared in st.session_state.pop(CLEAR_KEY, []):
    st.session_state[cleared] = ""
notice, error = st.session_state.pop(NOTICE_KEY, None), st.session_state.pop(ERROR_KEY, None)
if notice:
    st.success(notice)
if error:
    st.error(error)


def _done(message: str, failed: bool = False, clear: list[str] | None = None) -> None:
    """Keep a notice for the next run and rerun, so the tables show what is now stored; empty the text inputs
    ``clear`` on that run, before they are drawn (a saved secret must not stay in the form or the browser)."""
    st.session_state[CLEAR_KEY] = clear or []
    st.session_state[ERROR_KEY if failed else NOTICE_KEY] = message
    st.rerun()


# --- Destinations -------------------------------------------------------------------------------------------------
st.header(_("Destinations"))
destinations = views.destinations_table(con)
if destinations.empty:
    st.info(_("No destinations yet: add an email account or a group robot below, then send it a test message."))
else:
    st.dataframe(destinations, hide_index=True, width="stretch",
                 column_config={"name": _("Name"), "kind": _("Kind"), "target": _("Sends to"),
                                "signed": st.column_config.CheckboxColumn(_("Signed")),
                                "enabled": st.column_config.CheckboxColumn(_("Enabled"))})
    for name in destinations["name"]:
        left, test, delete = st.columns([4, 2, 1], vertical_alignment="center")
        left.text(name)
        if test.button(_("Send test message"), key=f"delivery_test_{name}"):
            with st.spinner(_("Sending a test message to {name}…", name=name)):
                outcome = actions.send_test_message(name, url_code())
            if outcome.status == "sent":
                _done(_("Test message sent to {name}: it should arrive in a moment.", name=name))
            _done(_("The test message to {name} failed: {error}", name=name, error=outcome.error or ""), failed=True)
        if delete.button(_("Delete"), key=f"delivery_delete_{name}"):
            try:
                actions.delete_destination(name)
            except ValueError as exc:
                _done(_("Not deleted: {reason}", reason=str(exc)), failed=True)
            _done(_("Destination {name} deleted.", name=name))

st.subheader(_("Add or change a destination"))
kind = st.selectbox(_("Kind"), model.DESTINATION_KINDS, format_func=lambda code: label("destination_kind", code),
                    key="delivery_kind")
with st.form("delivery_destination"):
    name = st.text_input(_("Name"), key="delivery_name",
                         help=_("Letters, digits, '_', '.' or '-'. Saving under an existing name replaces it; secrets "
                                "left empty keep their stored values."))
    values, text_keys = {}, ["delivery_name"]
    for spec in views.FORM_FIELDS[kind]:
        key = f"delivery_field_{kind}_{spec.key}"
        if spec.choices:
            values[spec.key] = st.selectbox(_(spec.label), spec.choices, index=1 if "starttls" in spec.choices else 0,
                                            format_func=lambda code: _(views.SECURITY_LABELS.get(code, code)), key=key,
                                            help=_(spec.help) if spec.help else None)
        else:
            text_keys.append(key)
            values[spec.key] = st.text_input(_(spec.label), type="password" if spec.secret else "default", key=key,
                                             help=_(spec.help) if spec.help else None)
    enabled = st.checkbox(_("Enabled"), value=True, key="delivery_enabled")
    save = st.form_submit_button(_("Save destination"), type="primary")
if save:
    try:
        actions.save_destination(views.destination_from_form(name, kind, values, enabled))
    except ValueError as exc:
        st.error(_("Not saved: {reason}", reason=str(exc)))
    else:
        _done(_("Destination {name} saved.", name=name.strip()), clear=text_keys)

# --- Subscriptions ------------------------------------------------------------------------------------------------
st.header(_("Subscriptions"))
subscriptions = views.subscriptions_table(con)
if subscriptions.empty:
    st.info(_("Nothing is sent yet: add a subscription below (the weekly review on Mondays, alerts every day …)."))
else:
    st.dataframe(subscriptions, hide_index=True, width="stretch",
                 column_config={"name": _("Name"), "kind": _("What is sent"), "destinations": _("Destinations"),
                                "when": _("When"), "language": _("Language"),
                                "enabled": st.column_config.CheckboxColumn(_("Enabled"))})
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    chosen = left.selectbox(_("Subscription"), subscriptions["name"], key="delivery_subscription_chosen")
    if right.button(_("Delete subscription"), key="delivery_subscription_delete"):
        actions.delete_subscription(chosen)
        _done(_("Subscription {name} deleted.", name=chosen))

if destinations.empty:
    st.caption(_("Add a destination first: a subscription sends to one or more destinations."))
else:
    st.subheader(_("Add or change a subscription"))
    sub_kind = st.selectbox(_("What is sent"), model.SUBSCRIPTION_KINDS,
                            format_func=lambda code: label("subscription_kind", code), key="delivery_sub_kind")
    with st.form("delivery_subscription"):
        sub_name = st.text_input(_("Name"), key="delivery_sub_name")
        sub_destinations = st.multiselect(_("Destinations"), list(destinations["name"]), key="delivery_sub_dests")
        a, b, c = st.columns(3)
        time_of_day = a.text_input(_("Time (HH:MM)"), value=model.DEFAULT_TIME, key="delivery_sub_time")
        zone = b.text_input(_("Time zone"), value=model.DEFAULT_TIMEZONE, key="delivery_sub_zone")
        language = c.selectbox(_("Language"), ("zh", "en"), format_func=language_name,
                               index=0 if url_code() == "zh" else 1, key="delivery_sub_language")
        attach_pdf, severities = True, model.ALERT_SEVERITIES
        if sub_kind in ("weekly_review", "monthly_review"):
            attach_pdf = st.checkbox(_("Attach the review as a PDF (email)"), value=True, key="delivery_sub_pdf")
        if sub_kind == "alerts":
            severities = st.multiselect(_("Severities"), model.ALERT_SEVERITIES, default=list(model.ALERT_SEVERITIES),
                                        format_func=lambda code: label("severity", code), key="delivery_sub_sev")
        sub_enabled = st.checkbox(_("Enabled"), value=True, key="delivery_sub_enabled")
        save_sub = st.form_submit_button(_("Save subscription"), type="primary")
    if save_sub:
        try:
            actions.save_subscription(model.Subscription(
                sub_name.strip(), sub_kind, tuple(sub_destinations), time_of_day.strip(), zone.strip(), language,
                attach_pdf, tuple(severities), sub_enabled))
        except ValueError as exc:
            st.error(_("Not saved: {reason}", reason=str(exc)))
        else:
            _done(_("Subscription {name} saved.", name=sub_name.strip()), clear=["delivery_sub_name"])

# --- Log ----------------------------------------------------------------------------------------------------------
st.header(_("Delivery log"))
log = views.log_table(con)
if log.empty:
    st.info(_("Nothing has been sent yet. Messages appear here with their status once the schedule runs."))
else:
    st.dataframe(log, hide_index=True, width="stretch",
                 column_order=["time", "what", "destination", "status", "attempts", "next_attempt", "error"],
                 column_config={"time": _("Time"), "what": _("Message"), "destination": _("Destination"),
                                "status": _("Status"), "attempts": _("Attempts"), "next_attempt": _("Next attempt"),
                                "error": _("Error")})
    failed = views.retryable(con)
    if failed:
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        log_id = left.selectbox(_("Failed message"), list(failed), format_func=failed.get, key="delivery_retry_id")
        if right.button(_("Send again on the next run"), key="delivery_retry"):
            actions.retry_delivery(log_id)
            _done(_("Queued: the next scheduled run sends it again."))

with st.expander(_("How the schedule runs")):
    st.markdown(_("A scheduled task runs the send command every 10 minutes: it sends what is due since the last run, "
                  "once, and catches up a missed window once. Or let the built-in scheduler run it."))
    st.code("*/10 * * * * python -m ecomops deliver --due\npython -m ecomops scheduler", language="bash")
