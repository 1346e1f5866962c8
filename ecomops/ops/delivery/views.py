"""What the delivery settings page shows and reads: destinations, subscriptions and the log as tables for people,
and the form fields of each destination kind turned into a Destination.

Secrets never leave this module in clear: tables show only that a secret is set (and a webhook's host).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

import duckdb
import pandas as pd

from ecomops.i18n import N_, _, fmt, label
from ecomops.i18n.core import language_name
from ecomops.ops.delivery import store
from ecomops.ops.delivery.model import (DEFAULT_PORTS, PLAIN_FIELDS, SECRET_FIELDS, SMTP_SECURITY, Destination,
                                        Subscription)


@dataclass(frozen=True)
class FormField:
    """One input of the destination form: the setting's key, its label, and how it is entered."""

    key: str
    label: str  # N_-marked English; translate where shown
    secret: bool = False
    choices: tuple[str, ...] = ()
    help: str | None = None


# The inputs of each kind, in the order a person fills them in (docs/delivery.md says where each value comes from).
_URL_HELP = N_("The robot's webhook address, copied from the group's robot settings. Stored, never shown again.")
_SIGN_HELP = N_("The signing secret of the robot's security settings (加签 / 签名校验). Leave empty to keep the "
                "stored one.")
FORM_FIELDS: dict[str, tuple[FormField, ...]] = {
    "email": (
        FormField("host", N_("SMTP server")),
        FormField("security", N_("Encryption"), choices=SMTP_SECURITY),
        FormField("port", N_("Port"), help=N_("Leave empty for the usual port: 587 with STARTTLS, 465 with SSL, 25 "
                                              "without encryption.")),
        FormField("username", N_("User name")),
        FormField("password", N_("Password"), secret=True,
                  help=N_("Stored, never shown again. Leave empty to keep the stored one.")),
        FormField("sender", N_("From address"), help=N_("Leave empty to send from the user name.")),
        FormField("to", N_("To (addresses separated by commas)")),
    ),
    "wecom": (FormField("url", N_("Webhook address"), secret=True, help=_URL_HELP),),
    "dingtalk": (FormField("url", N_("Webhook address"), secret=True, help=_URL_HELP),
                 FormField("secret", N_("Signing secret"), secret=True, help=_SIGN_HELP)),
    "feishu": (FormField("url", N_("Webhook address"), secret=True, help=_URL_HELP),
               FormField("secret", N_("Signing secret"), secret=True, help=_SIGN_HELP)),
    "slack": (FormField("url", N_("Webhook address"), secret=True, help=_URL_HELP),),
    "webhook": (FormField("url", N_("Webhook address"), secret=True, help=_URL_HELP),
                FormField("secret", N_("Signing secret"), secret=True,
                          help=N_("Optional: adds an HMAC-SHA256 signature header to every request."))),
}
SECURITY_LABELS = {"none": N_("None"), "starttls": N_("STARTTLS"), "ssl": N_("SSL/TLS")}


def destination_from_form(name: str, kind: str, values: Mapping[str, Any], enabled: bool = True) -> Destination:
    """Return the Destination a filled-in form describes (validated when saved: store.save_destination)."""
    settings: dict[str, Any] = {}
    secrets: dict[str, Any] = {}
    for spec in FORM_FIELDS[kind]:
        value = values.get(spec.key)
        if isinstance(value, str):
            value = value.strip()
        if value in (None, ""):
            continue
        if spec.key == "port":
            if not re.fullmatch(r"\d{1,5}", str(value)):
                raise ValueError(_("Port must be a whole number between 1 and 65535."))
            value = int(value)
        elif spec.key == "to":
            value = [address for address in re.split(r"[,;\s]+", value) if address]
        (secrets if spec.secret else settings)[spec.key] = value
    if kind == "email" and "port" not in settings:
        settings["port"] = DEFAULT_PORTS[settings.get("security", "starttls")]
    unknown = (set(settings) - set(PLAIN_FIELDS[kind])) | (set(secrets) - set(SECRET_FIELDS[kind]))
    assert not unknown, unknown  # the form fields are a subset of the model's fields
    return Destination(name.strip(), kind, settings, secrets, enabled)


def destination_values(con: duckdb.DuckDBPyConnection, name: str) -> dict[str, Any]:
    """Return the plain settings of a stored destination to prefill its form (secrets are never returned)."""
    dest = store.destinations(con).get(name)
    if dest is None:
        return {}
    values = {key: value for key, value in dest.settings.items()}
    if isinstance(values.get("to"), list):
        values["to"] = ", ".join(values["to"])
    if "port" in values:
        values["port"] = str(values["port"])
    return {"kind": dest.kind, "enabled": dest.enabled, **values}


def _target(dest: Destination) -> str:
    """Return where a destination sends, as may be shown: the mail server and recipients, or the webhook's host."""
    if dest.kind == "email":
        server = f"{dest.settings.get('host')}:{dest.settings.get('port')}"
        return _("{server} → {recipients}", server=server, recipients=", ".join(dest.settings.get("to", [])))
    shown = dest.redacted().get("url", "")
    return shown.replace("(set)", _("(set)"))


def destinations_table(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return the destinations as shown: name, kind, where it sends (no secret), whether signing is set, enabled."""
    rows = []
    for dest in store.destinations(con).values():
        signing = bool(dest.secrets.get("secret")) if "secret" in SECRET_FIELDS[dest.kind] else None
        rows.append({"name": dest.name, "kind": label("destination_kind", dest.kind), "target": _target(dest),
                     "signed": signing, "enabled": dest.enabled})
    return pd.DataFrame(rows, columns=["name", "kind", "target", "signed", "enabled"])


def subscriptions_table(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return the subscriptions as shown: name, what is sent, where, when (local time and zone), language."""
    rows = []
    for sub in store.subscriptions(con).values():
        what = label("subscription_kind", sub.kind)
        if sub.kind == "alerts":
            what = _("{what} ({severities})", what=what,
                     severities=", ".join(label("severity", s) for s in sub.severities))
        rows.append({"name": sub.name, "kind": what, "destinations": ", ".join(sub.destinations),
                     "when": _schedule_text(sub), "language": language_name(sub.language),
                     "enabled": sub.enabled})
    return pd.DataFrame(rows, columns=["name", "kind", "destinations", "when", "language", "enabled"])


def _schedule_text(sub: Subscription) -> str:
    if sub.kind == "weekly_review":
        return _("Mondays at {time} ({zone})", time=sub.time_of_day, zone=sub.timezone)
    if sub.kind == "monthly_review":
        return _("The 1st of each month at {time} ({zone})", time=sub.time_of_day, zone=sub.timezone)
    return _("Daily at {time} ({zone})", time=sub.time_of_day, zone=sub.timezone)


def log_table(con: duckdb.DuckDBPyConnection, limit: int = 100) -> pd.DataFrame:
    """Return the latest delivery log rows as shown, newest first: when, what, where, status, attempts, error."""
    rows = []
    for entry in reversed(store.recent_log(con, limit)):
        moment = entry.sent_at or entry.last_attempt_at or entry.due_at
        what = (_("Test message") if entry.subscription == store.TEST_SUBSCRIPTION
                else _("{subscription}: {occurrence}", subscription=entry.subscription, occurrence=entry.occurrence))
        rows.append({"log_id": entry.log_id, "time": fmt.datetime(moment) if moment else "—", "what": what,
                     "destination": entry.destination, "status": label("delivery_status", entry.status),
                     "attempts": entry.attempts,
                     "next_attempt": fmt.datetime(entry.next_attempt_at) if entry.next_attempt_at else "",
                     "error": entry.error or "", "can_retry": entry.subscription != store.TEST_SUBSCRIPTION
                     and entry.status in ("failed", "interrupted", "skipped")})
    return pd.DataFrame(rows, columns=["log_id", "time", "what", "destination", "status", "attempts", "next_attempt",
                                       "error", "can_retry"])


def retryable(con: duckdb.DuckDBPyConnection, limit: int = 100) -> dict[int, str]:
    """Return {log id: description} of the recent messages that failed and can be queued again."""
    table = log_table(con, limit)
    chosen = table[table["can_retry"]]
    return {int(r.log_id): _("{what} → {destination} ({time})", what=r.what, destination=r.destination, time=r.time)
            for r in chosen.itertuples(index=False)}
