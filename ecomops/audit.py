"""The audit trail: every write made on someone's behalf (import, undo, settings, word lists, presets, alert rules,
outreach lists, accounts, SQL queries run) with who, when, through what and what changed.

Written by ecomops/ui/actions.py for the web app (the signed-in person) and by the commands for the command line
(the OS user, as admin). The table (migration 890) is hidden from the SQL console. Entries are appended after the
write succeeded, in their own small transaction that does not bump the data version (an audit entry must not
invalidate every cached page).
"""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any, Mapping

import duckdb

from ecomops import db
from ecomops.access import CLI_ROLE, Actor, os_user

if TYPE_CHECKING:  # pandas loads with a query that returns a DataFrame: the import command must not pay for it
    import pandas as pd

MAX_DETAIL_CHARS = 20_000  # a pasted 1 MB query is logged cut, not whole


def cli_actor() -> Actor:
    """Return the actor of the command line: the OS user, as admin."""
    return Actor(name=os_user(), role=CLI_ROLE, via="cli")


def _json(details: Mapping[str, Any] | None) -> str | None:
    if details is None:
        return None
    text = json.dumps(details, ensure_ascii=False, default=str, sort_keys=True)
    if len(text) > MAX_DETAIL_CHARS:
        text = json.dumps({"truncated": text[:MAX_DETAIL_CHARS]}, ensure_ascii=False)
    return text


def record(con: duckdb.DuckDBPyConnection, actor: Actor, action: str, target: str | None = None,
           details: Mapping[str, Any] | None = None) -> None:
    """Append one entry to the audit trail (time in UTC)."""
    with db.transaction(con, bump_version=False) as cur:
        cur.execute("INSERT INTO audit_log (logged_at, actor, role, via, action, target, details) "
                    "VALUES ($at, $actor, $role, $via, $action, $target, $details)",
                    {"at": datetime.now(timezone.utc).replace(tzinfo=None), "actor": actor.name, "role": actor.role,
                     "via": actor.via, "action": action, "target": None if target is None else str(target),
                     "details": _json(details)})


def entries(con: duckdb.DuckDBPyConnection, start: date | None = None, end: date | None = None,
            actor: str | None = None, action: str | None = None, limit: int = 10_000) -> "pd.DataFrame":
    """Return the audit entries, newest first, filtered by day range (inclusive, UTC), actor and action."""
    return db.query_df(con, """
        SELECT entry_id, logged_at, actor, role, via, action, target, CAST(details AS VARCHAR) AS details
        FROM audit_log
        WHERE ($start IS NULL OR logged_at >= CAST($start AS DATE))
          AND ($end IS NULL OR logged_at < CAST($end AS DATE) + INTERVAL 1 DAY)
          AND ($actor IS NULL OR actor = $actor)
          AND ($action IS NULL OR action = $action)
        ORDER BY entry_id DESC LIMIT $n""",
        {"start": start, "end": end, "actor": actor, "action": action, "n": int(limit)})


def labelled(frame: "pd.DataFrame") -> "pd.DataFrame":
    """Return audit entries with their action, role and way in as labels of the current language (for the page)."""
    from ecomops.i18n import label

    return frame.assign(action=frame["action"].map(lambda c: label("audit_action", c)),
                        role=frame["role"].map(lambda c: label("role", c)),
                        via=frame["via"].map(lambda c: label("via", c)))


def choices(con: duckdb.DuckDBPyConnection) -> tuple[list[str], list[str]]:
    """Return the actors and the actions present in the trail (for the filters of the audit page)."""
    actors = db.query_df(con, "SELECT DISTINCT actor FROM audit_log ORDER BY 1")["actor"].tolist()
    actions = db.query_df(con, "SELECT DISTINCT action FROM audit_log ORDER BY 1")["action"].tolist()
    return actors, actions
