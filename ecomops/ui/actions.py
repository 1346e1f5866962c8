"""Writes the app makes on behalf of its user, one function each, so access control has one place to check.

Why here: a page never writes to the database itself; it calls one of these. Sign-in (issue 18) wraps each of them
with the role check on the server (editing the thresholds will be for admins only) and passes the signed-in user as
``actor``; until then writes are open and unattributed.
"""
from __future__ import annotations

from typing import Any, Mapping

from ecomops import config
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
