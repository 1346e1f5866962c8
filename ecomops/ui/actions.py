"""Writes the app makes on behalf of its user, one function each, so access control has one place to check.

Why here: a page never writes to the database itself; it calls one of these. Sign-in (issue 18) wraps each of them
with the role check on the server (editing the thresholds will be for admins only) and passes the signed-in user as
``actor``; until then writes are open and unattributed.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping

from ecomops import config
from ecomops.ops.delivery import store
from ecomops.ops.delivery.model import Destination, Subscription
from ecomops.ops.delivery.runner import Outcome, Runner
from ecomops.ui import state


def _actor() -> str | None:
    """Return who is acting (the signed-in user once sign-in exists; None until then)."""
    return None


def save_thresholds(values: Mapping[str, Any]) -> config.Thresholds:
    """Save thresholds (stored units) through config.save_thresholds; raise config.SettingError, writing nothing,
    when a value is refused. Return the thresholds now in force."""
    return config.save_thresholds(state.connection(), values, actor=_actor())


def restore_default_thresholds() -> config.Thresholds:
    """Remove every stored threshold so the defaults apply again; return them."""
    return config.restore_defaults(state.connection(), actor=_actor())


def save_destination(dest: Destination) -> Destination:
    """Validate and save a delivery destination (secrets left empty keep their stored values); return it as stored.
    Raise ValueError, writing nothing, when a setting is refused."""
    return store.save_destination(state.connection(), dest, keep_secrets=True)


def delete_destination(name: str) -> None:
    """Delete a delivery destination (ValueError while a subscription still uses it)."""
    store.delete_destination(state.connection(), name)


def save_subscription(sub: Subscription) -> Subscription:
    """Validate and save a delivery subscription; return it as stored (ValueError, writing nothing, when refused)."""
    return store.save_subscription(state.connection(), sub)


def delete_subscription(name: str) -> None:
    """Delete a delivery subscription (its log stays)."""
    store.delete_subscription(state.connection(), name)


def send_test_message(destination: str, language: str) -> Outcome:
    """Send a test message to one destination now, in ``language`` (zh|en); return the delivery Outcome."""
    return Runner(state.connection()).send_test(destination, datetime.now(timezone.utc), language)


def retry_delivery(log_id: int) -> store.LogEntry:
    """Queue a failed message of the delivery log for the next run; return its log entry."""
    return store.retry(state.connection(), log_id)
