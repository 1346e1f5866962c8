"""Delivery's tables (migration 910): settings, destinations, subscriptions and the delivery log.

Configuration writes go through ``db.transaction(con, sales_data=False)`` (they bump the data version, not the
sales version). Delivery-log writes use ``db.transaction(con, bump_version=False)``: the log changes with every
send, and bumping the data version would throw away every cached page result each time a message goes out; the
log is read uncached (it is small). Times are stored in UTC without zone and returned as aware UTC datetimes.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, timezone
from typing import Any, Iterable

import duckdb

from ecomops import db
from ecomops.ops.delivery.model import (
    DEFAULT_LANGUAGE, DEFAULT_TIMEZONE, Destination, Subscription, check_timezone, validate_destination,
    validate_subscription,
)
from ecomops.ops.delivery.texts import check_language

LOG_STATUSES = ("sending", "sent", "retrying", "pending", "failed", "interrupted", "empty", "skipped")
# Statuses whose covered data days count as handled (a failed message's days are looked at again next time).
COVERING_STATUSES = ("sent", "empty", "retrying", "pending", "sending", "interrupted")
TEST_SUBSCRIPTION = "(test)"


@dataclass(frozen=True)
class DeliverySettings:
    """Delivery-wide settings: link base, default timezone and language, retry policy."""

    base_url: str | None = None  # the dashboard's address, for links in messages (none: no link)
    timezone: str = DEFAULT_TIMEZONE  # for subscriptions without one and for --now without an offset
    language: str = DEFAULT_LANGUAGE  # of test messages
    max_attempts: int = 5  # attempts per message before it is marked failed
    retry_base_seconds: float = 30.0  # wait after the n-th failed attempt: base * 2 ** (n - 1)
    inline_wait_limit: float = 120.0  # a run waits for retries itself up to this many seconds in all


def _validate_settings(s: DeliverySettings) -> DeliverySettings:
    if s.base_url is not None and not str(s.base_url).startswith(("https://", "http://")):
        raise ValueError(f"base_url must start with https:// or http:// (got {s.base_url!r})")
    check_timezone(s.timezone)
    check_language(s.language)
    if not isinstance(s.max_attempts, int) or not 1 <= s.max_attempts <= 20:
        raise ValueError("max_attempts must be 1-20")
    if not 0 < float(s.retry_base_seconds) <= 3600:
        raise ValueError("retry_base_seconds must be more than 0 and at most 3600")
    if not 0 <= float(s.inline_wait_limit) <= 3600:
        raise ValueError("inline_wait_limit must be 0-3600 seconds")
    return s


def settings(con: duckdb.DuckDBPyConnection) -> DeliverySettings:
    """Return the delivery settings (defaults for keys never saved)."""
    stored = dict(db.query_df(con, "SELECT key, value FROM delivery_settings").itertuples(index=False))
    values: dict[str, Any] = {}
    for f in fields(DeliverySettings):
        if f.name in stored:
            values[f.name] = json.loads(stored[f.name])
    return DeliverySettings(**values)


def save_settings(con: duckdb.DuckDBPyConnection, **changes: Any) -> DeliverySettings:
    """Validate and store changed settings; return the settings now in force."""
    known = {f.name for f in fields(DeliverySettings)}
    unknown = set(changes) - known
    if unknown:
        raise ValueError(f"unknown delivery setting(s): {', '.join(sorted(unknown))}")
    merged = _validate_settings(DeliverySettings(**{**asdict(settings(con)), **changes}))
    with db.transaction(con, sales_data=False) as cur:
        for key in changes:
            cur.execute("INSERT INTO delivery_settings (key, value) VALUES ($k, $v) "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        {"k": key, "v": json.dumps(getattr(merged, key))})
    return merged


# --------------------------------------------------------------------------------------------------------------
# Destinations and subscriptions


def destinations(con: duckdb.DuckDBPyConnection) -> dict[str, Destination]:
    """Return every destination by name, secrets included (for the senders only)."""
    rows = db.query_df(con, "SELECT name, kind, settings, secrets, enabled FROM delivery_destinations ORDER BY name")
    return {r.name: Destination(r.name, r.kind, json.loads(r.settings), json.loads(r.secrets), bool(r.enabled))
            for r in rows.itertuples(index=False)}


def destinations_redacted(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Return every destination as it may be shown: plain settings, secrets only as '(set)' or a URL's host."""
    return [d.redacted() for d in destinations(con).values()]


def save_destination(con: duckdb.DuckDBPyConnection, dest: Destination, keep_secrets: bool = True) -> Destination:
    """Validate and insert or replace a destination; return it as stored.

    With ``keep_secrets``, a secret left out (or empty) keeps its stored value: a form that never shows secrets
    can still save the other settings.
    """
    current = destinations(con).get(dest.name)
    if keep_secrets and current is not None and current.kind == dest.kind:
        merged = {**current.secrets, **{k: v for k, v in dest.secrets.items() if v not in (None, "")}}
        dest = Destination(dest.name, dest.kind, dest.settings, merged, dest.enabled)
    dest = validate_destination(dest)
    with db.transaction(con, sales_data=False) as cur:
        cur.execute("""
            INSERT INTO delivery_destinations (name, kind, settings, secrets, enabled, updated_at)
            VALUES ($name, $kind, $settings, $secrets, $enabled, $now)
            ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, settings = excluded.settings,
                secrets = excluded.secrets, enabled = excluded.enabled, updated_at = excluded.updated_at""",
                    {"name": dest.name, "kind": dest.kind, "settings": json.dumps(dest.settings),
                     "secrets": json.dumps(dest.secrets), "enabled": dest.enabled, "now": _utc_naive(_now())})
    return dest


def delete_destination(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Delete a destination no subscription uses (ValueError otherwise)."""
    users = [s.name for s in subscriptions(con).values() if name in s.destinations]
    if users:
        raise ValueError(f"destination {name} is used by subscription(s) {', '.join(users)}")
    with db.transaction(con, sales_data=False) as cur:
        cur.execute("DELETE FROM delivery_destinations WHERE name = $name", {"name": name})


def subscriptions(con: duckdb.DuckDBPyConnection) -> dict[str, Subscription]:
    """Return every subscription by name."""
    rows = db.query_df(con, """
        SELECT name, kind, destinations, time_of_day, timezone, language, attach_pdf, severities, enabled
        FROM delivery_subscriptions ORDER BY name""")
    return {r.name: Subscription(r.name, r.kind, tuple(r.destinations), r.time_of_day, r.timezone, r.language,
                                 bool(r.attach_pdf), tuple(r.severities), bool(r.enabled))
            for r in rows.itertuples(index=False)}


def save_subscription(con: duckdb.DuckDBPyConnection, sub: Subscription) -> Subscription:
    """Validate (destinations must exist) and insert or replace a subscription; return it as stored."""
    sub = validate_subscription(sub, set(destinations(con)))
    with db.transaction(con, sales_data=False) as cur:
        cur.execute("""
            INSERT INTO delivery_subscriptions (name, kind, destinations, time_of_day, timezone, language, attach_pdf,
                                                severities, enabled, updated_at)
            VALUES ($name, $kind, $destinations, $time_of_day, $timezone, $language, $attach_pdf, $severities,
                    $enabled, $now)
            ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, destinations = excluded.destinations,
                time_of_day = excluded.time_of_day, timezone = excluded.timezone, language = excluded.language,
                attach_pdf = excluded.attach_pdf, severities = excluded.severities, enabled = excluded.enabled,
                updated_at = excluded.updated_at""",
                    {"name": sub.name, "kind": sub.kind, "destinations": list(sub.destinations),
                     "time_of_day": sub.time_of_day, "timezone": sub.timezone, "language": sub.language,
                     "attach_pdf": sub.attach_pdf, "severities": list(sub.severities), "enabled": sub.enabled,
                     "now": _utc_naive(_now())})
    return sub


def delete_subscription(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Delete a subscription (its delivery log stays)."""
    with db.transaction(con, sales_data=False) as cur:
        cur.execute("DELETE FROM delivery_subscriptions WHERE name = $name", {"name": name})


# --------------------------------------------------------------------------------------------------------------
# The delivery log


@dataclass(frozen=True)
class LogEntry:
    """One row of the delivery log."""

    log_id: int
    subscription: str
    occurrence: str
    destination: str
    kind: str
    due_on: date
    due_at: datetime
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    sent_at: datetime | None
    error: str | None
    receipt: str | None
    title: str | None
    covers_start: date | None
    covers_end: date | None
    superseded: int


_LOG_COLUMNS = [f.name for f in fields(LogEntry)]
_TIME_COLUMNS = ("due_at", "next_attempt_at", "last_attempt_at", "sent_at")


def _entry(row: tuple) -> LogEntry:
    values = dict(zip(_LOG_COLUMNS, row))
    for key in _TIME_COLUMNS:
        if values[key] is not None:
            values[key] = values[key].replace(tzinfo=timezone.utc)
    return LogEntry(**values)


def _select(con: duckdb.DuckDBPyConnection, where_sql: str, params: dict[str, Any]) -> list[LogEntry]:
    cur = con.cursor()
    try:
        rows = cur.execute(f"SELECT {', '.join(_LOG_COLUMNS)} FROM delivery_log WHERE {where_sql} ORDER BY log_id",
                           params).fetchall()
    finally:
        cur.close()
    return [_entry(r) for r in rows]


def log_entry(con: duckdb.DuckDBPyConnection, subscription: str, occurrence: str, destination: str) -> LogEntry | None:
    """Return the log row of (subscription, occurrence, destination), or None."""
    found = _select(con, "subscription = $s AND occurrence = $o AND destination = $d",
                    {"s": subscription, "o": occurrence, "d": destination})
    return found[0] if found else None


def log_entry_by_id(con: duckdb.DuckDBPyConnection, log_id: int) -> LogEntry | None:
    """Return one log row by id, or None."""
    found = _select(con, "log_id = $id", {"id": log_id})
    return found[0] if found else None


def previous_entry(con: duckdb.DuckDBPyConnection, subscription: str, destination: str,
                   before: date) -> LogEntry | None:
    """Return the latest log row of (subscription, destination) due before the local day ``before``."""
    found = _select(con, "subscription = $s AND destination = $d AND due_on < $before AND log_id = ("
                         "SELECT max(log_id) FROM delivery_log WHERE subscription = $s AND destination = $d "
                         "AND due_on < $before)", {"s": subscription, "d": destination, "before": before})
    return found[0] if found else None


def covered_until(con: duckdb.DuckDBPyConnection, subscription: str, destination: str) -> date | None:
    """Return the last data day a message of (subscription, destination) already looked at, or None."""
    row = db.query_one(con, "SELECT max(covers_end) FROM delivery_log WHERE subscription = $s AND destination = $d "
                            "AND list_contains($statuses, status)",
                       {"s": subscription, "d": destination, "statuses": list(COVERING_STATUSES)})
    return row[0] if row else None


def due_retries(con: duckdb.DuckDBPyConnection, now: datetime) -> list[LogEntry]:
    """Return the rows waiting for another attempt whose time has come."""
    return _select(con, "status IN ('retrying', 'pending') AND subscription <> $test "
                        "AND (next_attempt_at IS NULL OR next_attempt_at <= $now)",
                   {"now": _utc_naive(now), "test": TEST_SUBSCRIPTION})


def next_retry_at(con: duckdb.DuckDBPyConnection, after: datetime) -> datetime | None:
    """Return when the earliest retry waiting past ``after`` is due, or None (rows due by then were just run, or
    wait for a disabled subscription or destination)."""
    row = db.query_one(con, "SELECT min(next_attempt_at) FROM delivery_log "
                            "WHERE status IN ('retrying', 'pending') AND next_attempt_at > $after",
                       {"after": _utc_naive(after)})
    return row[0].replace(tzinfo=timezone.utc) if row and row[0] is not None else None


def insert_entry(con: duckdb.DuckDBPyConnection, *, subscription: str, occurrence: str, destination: str, kind: str,
                 due_on: date, due_at: datetime, status: str, title: str | None = None, error: str | None = None,
                 covers: tuple[date, date] | None = None, superseded: int = 0) -> LogEntry | None:
    """Insert a log row; return it, or None when the (subscription, occurrence, destination) row already exists."""
    with db.transaction(con, bump_version=False) as cur:
        row = cur.execute("""
            INSERT INTO delivery_log (subscription, occurrence, destination, kind, due_on, due_at, status, title,
                                      error, covers_start, covers_end, superseded)
            VALUES ($s, $o, $d, $kind, $due_on, $due_at, $status, $title, $error, $cs, $ce, $superseded)
            ON CONFLICT DO NOTHING
            RETURNING log_id""",
                          {"s": subscription, "o": occurrence, "d": destination, "kind": kind, "due_on": due_on,
                           "due_at": _utc_naive(due_at), "status": status, "title": title, "error": error,
                           "cs": covers[0] if covers else None, "ce": covers[1] if covers else None,
                           "superseded": superseded}).fetchone()
    return log_entry_by_id(con, row[0]) if row else None


def update_entry(con: duckdb.DuckDBPyConnection, log_id: int, **values: Any) -> None:
    """Update columns of one log row (names from the log's columns only)."""
    allowed = {"status", "attempts", "next_attempt_at", "last_attempt_at", "sent_at", "error", "receipt", "title"}
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"not an updatable log column: {', '.join(sorted(unknown))}")
    if "status" in values and values["status"] not in LOG_STATUSES:
        raise ValueError(f"unknown log status {values['status']!r}")
    params = {k: _utc_naive(v) if isinstance(v, datetime) else v for k, v in values.items()}
    assignments = ", ".join(f"{k} = ${k}" for k in params)
    with db.transaction(con, bump_version=False) as cur:
        cur.execute(f"UPDATE delivery_log SET {assignments} WHERE log_id = $log_id", {**params, "log_id": log_id})


def mark_interrupted(con: duckdb.DuckDBPyConnection) -> int:
    """Mark rows left 'sending' by a process that stopped mid-send as 'interrupted'; return how many.

    Such a message may or may not have reached the platform, so it is never resent automatically (a rerun must
    not send twice); ``retry`` sends it again on request.
    """
    row = db.query_one(con, "SELECT count(*) FROM delivery_log WHERE status = 'sending'")
    if row and row[0]:
        with db.transaction(con, bump_version=False) as cur:
            cur.execute("UPDATE delivery_log SET status = 'interrupted', error = coalesce(error, "
                        "'the sending process stopped before the answer was recorded: it may or may not have arrived')"
                        " WHERE status = 'sending'")
    return int(row[0]) if row else 0


def retry(con: duckdb.DuckDBPyConnection, log_id: int) -> LogEntry:
    """Queue a failed, interrupted or skipped message for the next run (its attempts start again)."""
    entry = log_entry_by_id(con, log_id)
    if entry is None:
        raise ValueError(f"no delivery log row {log_id}")
    if entry.subscription == TEST_SUBSCRIPTION:
        raise ValueError("test messages are not retried: send another test")
    if entry.status not in ("failed", "interrupted", "skipped"):
        raise ValueError(f"log row {log_id} is {entry.status}: only failed, interrupted or skipped ones are retried")
    update_entry(con, log_id, status="pending", attempts=0, next_attempt_at=None)
    return log_entry_by_id(con, log_id)


def recent_log(con: duckdb.DuckDBPyConnection, limit: int = 50) -> list[LogEntry]:
    """Return the latest ``limit`` log rows, newest first."""
    rows = _select(con, "log_id IN (SELECT log_id FROM delivery_log ORDER BY log_id DESC LIMIT $n)", {"n": limit})
    return list(reversed(rows))


def log_frame(con: duckdb.DuckDBPyConnection, limit: int = 200):
    """Return the latest log rows as a DataFrame, newest first (what a page shows; errors hold no secrets)."""
    return db.query_df(con, f"SELECT {', '.join(_LOG_COLUMNS)} FROM delivery_log ORDER BY log_id DESC LIMIT $n",
                       {"n": limit})


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _utc_naive(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError("delivery times must be timezone-aware")
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def entries_as_dicts(entries: Iterable[LogEntry]) -> list[dict[str, Any]]:
    """Return log rows as JSON-ready dicts."""
    return [asdict(e) for e in entries]
