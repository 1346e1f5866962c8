"""Settings.

The thresholds every page, report and command uses (METRICS.md definitions): what each means, the value in force,
its default and allowed range, and one form to change them (admins: the form is shown to them only, and
ecomops/ui/actions.py checks the role again before writing and records the change in the audit trail).
"""
import streamlit as st

from ecomops import access, config
from ecomops.i18n import _
from ecomops.ui import actions, page, state

NOTICE_KEY = "settings_notice"

page.setup(__file__)
st.title(_("Settings"))
st.caption(_("The thresholds of the metric definitions. A saved value applies at once on every page, report and "
             "command; the summary tables that depend on it are rebuilt on their next use."))
notice = st.session_state.pop(NOTICE_KEY, None)
if notice:
    st.success(notice)

st.dataframe(config.thresholds_table(state.connection()), hide_index=True, width="stretch",
             column_order=["setting", "value", "default", "allowed", "meaning"],
             column_config={"setting": _("Setting"), "value": _("In force"), "default": _("Default"),
                            "allowed": _("Allowed"), "meaning": _("Meaning")})


def _done(message: str) -> None:
    """Show the values now in force: forget the form's inputs, keep a notice for the next run."""
    for name in config.INFO:
        st.session_state.pop(f"threshold_{name}", None)
    st.session_state[NOTICE_KEY] = message
    st.rerun()


if not page.can("edit_settings"):
    st.info(_("Changing thresholds needs the admin role."))
    st.stop()
st.subheader(_("Change thresholds"))
t = state.thresholds()
with st.form("settings_thresholds"):
    entered = {}
    columns = st.columns(2)
    for i, (name, info) in enumerate(config.INFO.items()):
        whole = config.is_whole(name)
        cast = int if whole else float
        entered[name] = columns[i % 2].number_input(
            _("{setting} ({unit})", setting=config.label(name), unit=config.unit_name(name)),
            min_value=cast(config.display_value(name, info.low)), max_value=cast(config.display_value(name, info.high)),
            value=cast(config.display_value(name, getattr(t, name))), step=1 if whole else 0.1,
            format="%d" if whole else "%.2f", key=f"threshold_{name}",
            help=_("{meaning} Default: {default}.", meaning=_(info.description),
                   default=config.formatted(name, getattr(config.DEFAULTS, name))))
    save = st.form_submit_button(_("Save"), type="primary", key="settings_save")
if save:
    try:
        actions.save_thresholds({name: config.stored_value(name, value) for name, value in entered.items()})
    except (config.SettingError, actions.AccessDenied) as exc:
        st.error(str(exc))
    else:
        _done(_("Saved: every page now uses these values."))
if st.button(_("Restore defaults"), key="settings_restore"):
    actions.restore_default_thresholds()
    _done(_("Defaults restored."))


st.subheader(_("Accounts"))
st.caption(_("Who may sign in, and with which role. Passwords are stored only as salted hashes; accounts can also be "
             "managed on the command line."))
con = state.connection()
st.dataframe(access.list_accounts(con), hide_index=True, width="stretch",
             column_config={"name": _("Account"), "role": _("Role"), "kind": _("Sign-in"),
                            "created_at": _("Created"), "last_sign_in": _("Last sign-in"),
                            "locked_until": _("Locked until")})
roles = list(access.ROLES)
with st.form("settings_account_add", clear_on_submit=True):
    left, middle, right = st.columns(3)
    new_name = left.text_input(_("Account name"), help=_("For single sign-on: the person's e-mail address."))
    new_role = middle.selectbox(_("Role"), roles, format_func=access.role_label)
    new_password = right.text_input(_("Password (leave empty for single sign-on)"), type="password")
    add = st.form_submit_button(_("Add account"))
if add:
    try:
        actions.add_account(new_name, new_role, new_password or None)
        _done(_("Added {name}.", name=access.normalise_name(new_name)))
    except (access.AccountError, actions.AccessDenied) as exc:
        st.error(str(exc))
names = access.list_accounts(con)["name"].tolist()
if names:
    left, middle, right = st.columns([2, 1, 1])
    chosen = left.selectbox(_("Account"), names, key="settings_account")
    role = middle.selectbox(_("New role"), roles, format_func=access.role_label, key="settings_account_role")
    if middle.button(_("Change role"), key="settings_account_set_role"):
        try:
            actions.set_account_role(chosen, role)
            _done(_("{name} is now {role}.", name=chosen, role=access.role_label(role)))
        except (access.AccountError, actions.AccessDenied) as exc:
            st.error(str(exc))
    if right.button(_("Remove account"), key="settings_account_remove"):
        try:
            actions.remove_account(chosen)
            _done(_("Removed {name}.", name=chosen))
        except (access.AccountError, actions.AccessDenied) as exc:
            st.error(str(exc))
