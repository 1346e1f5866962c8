"""Writes the app makes on behalf of its user, one function each: the role check and the audit entry in one place.

Why here: a page never writes to the database itself; it calls one of these. Each begins with ``_require(action)``
(ecomops/access.py: the signed-in person's role, read on the server in this run — a hidden button is a convenience,
this is the check) and ends with an audit entry (ecomops/audit.py) naming the signed-in person and what changed.
A refused write raises :class:`access.AccessDenied` and writes nothing.
"""
from __future__ import annotations

import os
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from ecomops import access, audit, config, db
from ecomops.access import AccessDenied, Actor
from ecomops.i18n import _
from ecomops.ops.delivery import store as delivery_store
from ecomops.ops.delivery.model import Destination, Subscription
from ecomops.ops.delivery.runner import Outcome, Runner
from ecomops.ui import auth, state

__all__ = ["AccessDenied"]


def _require(action: str) -> Actor:
    """Return the person acting in this run when their role allows ``action``; raise AccessDenied otherwise."""
    return access.require(auth.current(), action)


def _log(actor: Actor, action: str, target: Any = None, details: Mapping[str, Any] | None = None) -> None:
    audit.record(state.connection(), actor, action, target, details)


def _threshold_changes(before: config.Thresholds, after: config.Thresholds) -> dict[str, dict[str, Any]]:
    return {name: {"before": getattr(before, name), "after": getattr(after, name)}
            for name in config.INFO if getattr(before, name) != getattr(after, name)}


def save_thresholds(values: Mapping[str, Any]) -> config.Thresholds:
    """Save thresholds (stored units) through config.save_thresholds (admins only); raise config.SettingError,
    writing nothing, when a value is refused. Return the thresholds now in force."""
    actor = _require("edit_settings")
    con = state.connection()
    before = config.thresholds(con)
    after = config.save_thresholds(con, values, actor=actor.name)
    _log(actor, "settings_save", "thresholds", _threshold_changes(before, after))
    return after


def restore_default_thresholds() -> config.Thresholds:
    """Remove every stored threshold so the defaults apply again (admins only); return them."""
    actor = _require("edit_settings")
    con = state.connection()
    before = config.thresholds(con)
    after = config.restore_defaults(con, actor=actor.name)
    _log(actor, "settings_restore_defaults", "thresholds", _threshold_changes(before, after))
    return after


def save_upload(name: str, data: bytes) -> Path:
    """Keep an uploaded file for checking and importing (operators and admins); return its path."""
    _require("import")
    from ecomops.ingest import uploads

    return uploads.save_upload(name, data)


def _import_details(result: Any, names: list[str]) -> dict[str, Any]:
    return {"files": names, "kind": result.kind, "status": result.status, "rows_read": result.rows_read,
            "rows_imported": result.rows_imported, "rows_rejected": result.rows_rejected,
            "inserted": result.inserted, "updated": result.updated}


def import_file(path: str | os.PathLike, **kwargs: Any):
    """Check (``dry_run=True``) or import one file as the signed-in person (operators and admins); return the
    ImportResult. A real import is recorded under that person in the imports log and the audit trail."""
    actor = _require("import")
    from ecomops import ingest

    result = ingest.import_file(state.connection(), path, imported_by=actor.name, **kwargs)
    if not kwargs.get("dry_run"):
        _log(actor, "import", f"#{result.import_id}" if result.import_id else None,
             _import_details(result, [kwargs.get("file_name") or Path(path).name]))
    return result


def import_files(paths: list[str | os.PathLike], file_names: list[str] | None = None, **kwargs: Any):
    """Check or import several files of one export as the signed-in person (operators and admins)."""
    actor = _require("import")
    from ecomops import ingest

    result = ingest.import_files(state.connection(), paths, file_names=file_names, imported_by=actor.name, **kwargs)
    if not kwargs.get("dry_run"):
        _log(actor, "import", f"#{result.import_id}" if result.import_id else None,
             _import_details(result, file_names or [Path(p).name for p in paths]))
    return result


def undo_import(import_id: int):
    """Undo an import: one's own as an operator, anyone's as an admin; return the UndoResult."""
    actor = _require("undo_own_import")
    con = state.connection()
    row = db.query_one(con, "SELECT imported_by, file_name, kind FROM imports WHERE import_id = $i",
                       {"i": int(import_id)})
    imported_by = row[0] if row else None
    if not access.may_undo(actor, imported_by):
        access.require(actor, "undo_any_import")  # raises, naming what is missing
    from ecomops import ingest

    result = ingest.undo_import(con, int(import_id))
    _log(actor, "undo_import", f"#{int(import_id)}",
         {"imported_by": imported_by, "file_name": row[1] if row else None, "kind": row[2] if row else None,
          "removed": result.removed, "restored": result.restored})
    return result


def set_status_words(mapping: dict[str, str]) -> int:
    """Map new platform status words during an import (operators and admins); return how many were stored."""
    actor = _require("import")
    from ecomops.ingest.statuses import set_status_words as store

    count = store(state.connection(), mapping)
    _log(actor, "status_words", None, {"mapping": mapping})
    return count


def save_preset(name: str, kind: str, mapping: dict, options: dict | None = None) -> None:
    """Save a mapping preset of the Upload page (admins only)."""
    actor = _require("edit_presets")
    from ecomops.ingest.presets import save_preset as store

    store(state.connection(), name, kind, mapping, options)
    _log(actor, "preset_save", name, {"kind": kind, "mapping": mapping})


def _words(frame: pd.DataFrame) -> set[str]:
    return {str(w) for w in frame.get("word", pd.Series(dtype=str)).dropna()}


def save_banned_words(frame: pd.DataFrame) -> int:
    """Replace the compliance word list (admins only); return the number of rules saved."""
    actor = _require("edit_word_lists")
    from ecomops.risk import compliance

    con = state.connection()
    before = _words(compliance.banned_words(con))
    count = compliance.save_banned_words(con, frame)
    after = _words(compliance.banned_words(con))
    _log(actor, "word_list_save", "banned_words",
         {"rules": count, "added": sorted(after - before), "removed": sorted(before - after)})
    return count


def restore_default_words() -> int:
    """Replace the compliance word list by the shipped one (admins only); return the number of rules."""
    actor = _require("edit_word_lists")
    from ecomops.risk import compliance

    count = compliance.restore_default_words(state.connection())
    _log(actor, "word_list_restore", "banned_words", {"rules": count})
    return count


def save_alert_rules(frame: pd.DataFrame) -> int:
    """Replace the alert rules (admins only); return how many were saved."""
    actor = _require("edit_alert_rules")
    from ecomops.ops import monitoring

    con = state.connection()
    before = monitoring.alert_rules(con, seed=False)
    saved = monitoring.save_alert_rules(con, frame)
    after = monitoring.alert_rules(con, seed=False)
    _log(actor, "alert_rules_save", "alert_rules",
         {"before": before.drop(columns=["rule_id"], errors="ignore").to_dict(orient="records"),
          "after": after.drop(columns=["rule_id"], errors="ignore").to_dict(orient="records")})
    return saved


def record_outreach(targets: pd.DataFrame, sent_date: date, control_share: float, seed: int,
                    offer: str | None) -> pd.DataFrame:
    """Record an outreach list (operators and admins); return the targets with their arm."""
    actor = _require("outreach")
    from ecomops.users import targeting

    assigned = targeting.record_outreach(state.connection(), targets, sent_date, control_share, seed, offer)
    _log(actor, "outreach_record", str(sent_date),
         {"customers": int(len(assigned)), "arms": targeting.arm_counts(assigned), "offer": offer,
          "control_share": control_share, "seed": seed})
    return assigned


def train_churn_model(horizon_days: int) -> Any:
    """Start training the churn model on a background job (operators and admins); return the job, whose progress
    the page shows. The request is audited when it is made."""
    actor = _require("train_model")
    from ecomops.users import model_jobs

    job = model_jobs.start_churn_training(state.connection(), int(horizon_days))
    _log(actor, "model_train", "churn", {"model": "churn", "horizon_days": int(horizon_days)})
    return job


def _not_self(actor: Actor, name: str) -> str:
    """Return the normalised account name; refuse one's own account (an admin must not lock themselves out here)."""
    clean = access.normalise_name(name)
    if clean == access.normalise_name(actor.name):
        raise access.AccountError(_("You cannot change or remove your own account here: ask another admin, or use "
                                    "python -m ecomops users."))
    return clean


def add_account(name: str, role: str, password: str | None) -> str:
    """Create an account (admins only; ``password`` None: a single-sign-on person); return its stored name."""
    actor = _require("manage_accounts")
    con = state.connection()
    if role != "admin" and not access.has_accounts(con):
        # The first account switches sign-in on for every page: were it not an admin, nobody could manage the app.
        raise access.AccountError(_("The first account must be an admin: once it exists, every page asks for "
                                    "sign-in."))
    stored = access.add_account(con, name, role, password)
    _log(actor, "account_add", stored, {"role": role, "sso": password is None})
    return stored


def set_account_role(name: str, role: str) -> None:
    """Change another account's role (admins only)."""
    actor = _require("manage_accounts")
    clean = _not_self(actor, name)
    con = state.connection()
    before = access.account_role(con, clean)
    access.set_role(con, clean, role)
    _log(actor, "account_set_role", clean, {"before": before, "after": role})


def remove_account(name: str) -> None:
    """Remove another account (admins only)."""
    actor = _require("manage_accounts")
    clean = _not_self(actor, name)
    access.remove_account(state.connection(), clean)
    _log(actor, "account_remove", clean)


def run_sql(sql: str):
    """Run a console query (admins only); log it with its outcome. Return the QueryResult; QueryRefused as is."""
    actor = _require("sql_console")
    from ecomops.ops import sqlconsole

    try:
        result = sqlconsole.run(state.connection(), sql)
    except sqlconsole.QueryRefused as exc:
        _log(actor, "sql_query", None, {"sql": sql, "refused": str(exc)})
        raise
    _log(actor, "sql_query", None, {"sql": sql, "rows": int(len(result.frame)), "truncated_by": result.truncated_by})
    return result


def save_destination(dest: Destination) -> Destination:
    """Validate and save a delivery destination (admins only; secrets left empty keep their stored values); return
    it as stored. Raise ValueError, writing nothing, when a setting is refused. The audit trail never holds a secret."""
    actor = _require("edit_delivery")
    saved = delivery_store.save_destination(state.connection(), dest, keep_secrets=True)
    _log(actor, "delivery_destination_save", saved.name,
         {"kind": saved.kind, "settings": saved.settings, "secrets_set": sorted(saved.secrets), "enabled": saved.enabled})
    return saved


def delete_destination(name: str) -> None:
    """Delete a delivery destination (admins only; ValueError while a subscription still uses it)."""
    actor = _require("edit_delivery")
    delivery_store.delete_destination(state.connection(), name)
    _log(actor, "delivery_destination_delete", name)


def save_subscription(sub: Subscription) -> Subscription:
    """Validate and save a delivery subscription (admins only); return it as stored (ValueError when refused)."""
    actor = _require("edit_delivery")
    saved = delivery_store.save_subscription(state.connection(), sub)
    _log(actor, "delivery_subscription_save", saved.name,
         {"kind": saved.kind, "destinations": list(saved.destinations), "time": saved.time_of_day,
          "timezone": saved.timezone, "language": saved.language, "enabled": saved.enabled})
    return saved


def delete_subscription(name: str) -> None:
    """Delete a delivery subscription (admins only; its log stays)."""
    actor = _require("edit_delivery")
    delivery_store.delete_subscription(state.connection(), name)
    _log(actor, "delivery_subscription_delete", name)


def send_test_message(destination: str, language: str) -> Outcome:
    """Send a test message to one destination now, in ``language`` (zh|en) (admins only); return the Outcome."""
    actor = _require("edit_delivery")
    outcome = Runner(state.connection()).send_test(destination, datetime.now(timezone.utc), language)
    _log(actor, "delivery_test", destination, {"status": outcome.status})
    return outcome


def retry_delivery(log_id: int) -> delivery_store.LogEntry:
    """Queue a failed message of the delivery log for the next run (admins only); return its log entry."""
    actor = _require("edit_delivery")
    entry = delivery_store.retry(state.connection(), log_id)
    _log(actor, "delivery_retry", f"#{int(log_id)}")
    return entry
