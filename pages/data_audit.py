"""Audit trail.

Every write made through the app or the command line (imports, undos, settings, word lists, presets, alert rules,
outreach lists, accounts, SQL queries run): who, when (UTC), through what and what changed. Admins only (the page's
action in ecomops/ui/navigation.py; page.setup refuses other roles, also when the URL is opened directly).
"""
import streamlit as st

from ecomops import audit
from ecomops.i18n import _, fmt, label
from ecomops.ui import downloads, page, state

page.setup(__file__)
con = state.connection()
st.title(_("Audit trail"))
st.caption(_("Every import, undo, setting change, word-list edit, preset, alert-rule edit, outreach list, account "
             "change and SQL query run, with who did it and when (UTC). The command line acts as the OS user with "
             "the admin role."))

actors, actions = audit.choices(con)
everyone, every_action = _("(everyone)"), _("(every action)")
left, middle, right = st.columns(3)
period = left.date_input(_("Days (UTC)"), value=(), key="audit_days")
who = middle.selectbox(_("Person"), [everyone, *actors], key="audit_actor")
what = right.selectbox(_("Action"), [every_action, *actions], key="audit_action",
                       format_func=lambda code: code if code == every_action else label("audit_action", code))
start, end = (tuple(period) + (None, None))[:2] if isinstance(period, (tuple, list)) else (period, period)
log = audit.entries(con, start=start, end=end or start, actor=None if who == everyone else who,
                    action=None if what == every_action else what)
if log.empty:
    st.info(_("No entry matches these filters.") if actors else
            _("Nothing recorded yet: imports, undos, setting changes and SQL queries appear here with who made them."))
    st.stop()
st.caption(_("{n} entries", n=fmt.count(len(log))))
st.dataframe(audit.labelled(log), hide_index=True, width="stretch",
             column_config={"entry_id": "#", "logged_at": st.column_config.DatetimeColumn(_("When (UTC)")),
                            "actor": _("Person"), "role": _("Role"), "via": _("Through"), "action": _("Action"),
                            "target": _("Target"), "details": _("What changed")})
st.download_button(_("Download the audit trail (CSV)"), downloads.csv(log, "utf-8-sig"), file_name="ecomops_audit.csv",
                   mime="text/csv", on_click="ignore")
