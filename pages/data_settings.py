"""Settings.

The thresholds every page, report and command uses (METRICS.md definitions): what each means, the value in force,
its default and allowed range, and one form to change them (admins: the form is shown to them only, and
ecomops/ui/actions.py checks the role again before writing and records the change in the audit trail).
"""
import streamlit as st

from ecomops import config
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
