"""Sending what is due, once: the delivery log's unique key, catch-up, retries with exponential backoff.

One run (``Runner.run_due(now)``):

1. Rows left ``sending`` by a process that stopped mid-send become ``interrupted`` — never resent automatically, since
   the platform may already have the message (``store.retry`` queues one again on request).
2. Rows waiting for a retry whose time has come are attempted again.
3. For every enabled subscription, its *latest* occurrence at or before ``now`` (schedule.py), for every enabled
   destination of it without a log row for that occurrence: the message is built and sent. Missed older
   occurrences are not sent one by one: the row records how many it caught up for (``superseded``); the daily kinds'
   message covers the data days since the last message (content.py).

A row is inserted (``pending``) before the message is built and marked ``sending`` just before the network call;
the unique key (subscription, occurrence, destination) means no second row — so no second send — whatever runs
again. A failed attempt waits ``retry_base_seconds * 2 ** (n - 1)`` after the n-th failure; the run waits itself
while its waits add up to at most ``inline_wait_limit`` seconds, else leaves the row ``retrying`` with
``next_attempt_at`` for a later run; after ``max_attempts`` (or an error retrying cannot fix) it is ``failed``,
with the error (secrets removed) in the log.
"""
from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Callable, Protocol
from zoneinfo import ZoneInfo

import duckdb

from ecomops.ops.delivery import schedule, senders, store
from ecomops.ops.delivery.content import DomainContent, NothingToSend, test_message
from ecomops.ops.delivery.model import Destination, Message, Subscription, redact_error
from ecomops.ops.delivery.schedule import Occurrence

_RUN_LOCK = threading.Lock()  # one run at a time per process (the file lock keeps other processes out)


class Content(Protocol):
    """What the runner needs from a content builder (content.DomainContent; tests inject small ones)."""

    def coverage(self, con: duckdb.DuckDBPyConnection, sub: Subscription, occ: Occurrence,
                 covered_until: date | None) -> tuple[date, date]: ...

    def build(self, con: duckdb.DuckDBPyConnection, sub: Subscription, occ: Occurrence, covers: tuple[date, date],
              base_url: str | None) -> Message: ...


@dataclass
class Outcome:
    """What happened to one (subscription, occurrence, destination) in a run."""

    subscription: str
    occurrence: str
    destination: str
    status: str  # sent | retrying | failed | empty | skipped | planned (dry run)
    attempts: int = 0
    error: str | None = None
    receipt: str | None = None
    title: str | None = None
    lines: list[str] = field(default_factory=list)
    log_id: int | None = None
    superseded: int = 0
    covers: tuple[date, date] | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return asdict(self)


FAILED_STATUSES = ("failed", "retrying")


class Runner:
    """Runs delivery on one connection; ``send``, ``sleep`` and ``sign_clock`` are injectable for tests.

    ``sleep(seconds)`` waits between attempts; when it returns True (``threading.Event.wait`` of a stop request)
    the run stops waiting and leaves the message for the next run.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, content: Content | None = None,
                 send: Callable[..., str] = senders.send, sleep: Callable[[float], Any] = time.sleep,
                 sign_clock: Callable[[], float] = time.time) -> None:
        self.con = con
        self.content = content or DomainContent()
        self._send = send
        self._sleep = sleep
        self._sign_clock = sign_clock
        self._waited = 0.0
        self._messages: dict[tuple[str, str, tuple[date, date]], Message] = {}

    # ----------------------------------------------------------------------------------------------------------
    def run_due(self, now: datetime, dry_run: bool = False) -> list[Outcome]:
        """Send everything due at ``now`` (aware); return what happened (a dry run sends and records nothing)."""
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        with _RUN_LOCK:
            self._waited, self._messages = 0.0, {}
            cfg = store.settings(self.con)
            subs = {name: s for name, s in store.subscriptions(self.con).items() if s.enabled}
            dests = {name: d for name, d in store.destinations(self.con).items() if d.enabled}
            outcomes: list[Outcome] = []
            if not dry_run:
                store.mark_interrupted(self.con)
                for entry in store.due_retries(self.con, now):
                    sub, dest = subs.get(entry.subscription), dests.get(entry.destination)
                    if sub is None or dest is None:
                        continue  # subscription or destination removed or disabled: the row waits
                    occ = schedule.occurrence_on(sub, entry.due_on)
                    covers = (entry.covers_start, entry.covers_end) if entry.covers_start else (
                        occ.period_start, occ.period_end)
                    outcomes.append(self._deliver(entry, sub, occ, covers, dest, now, cfg))
            for sub in subs.values():
                occ = schedule.latest_occurrence(sub, now)
                for name in sub.destinations:
                    dest = dests.get(name)
                    if dest is None or store.log_entry(self.con, sub.name, occ.key, name) is not None:
                        continue
                    outcome = self._new(sub, occ, dest, now, cfg, dry_run)
                    if outcome is not None:
                        outcomes.append(outcome)
            return outcomes

    def _new(self, sub: Subscription, occ: Occurrence, dest: Destination, now: datetime,
             cfg: store.DeliverySettings, dry_run: bool) -> Outcome | None:
        previous = store.previous_entry(self.con, sub.name, dest.name, occ.local_date)
        superseded = schedule.occurrences_between(sub, previous.due_on, occ.local_date) if previous else 0
        base = dict(subscription=sub.name, occurrence=occ.key, destination=dest.name, superseded=superseded)
        try:
            covers = self.content.coverage(self.con, sub, occ, store.covered_until(self.con, sub.name, dest.name))
        except NothingToSend as nothing:
            if dry_run:
                return Outcome(**base, status=nothing.status, error=str(nothing))
            entry = store.insert_entry(self.con, kind=sub.kind, due_on=occ.local_date, due_at=occ.due_at,
                                       status=nothing.status, error=str(nothing), covers=nothing.covers,
                                       **base)
            return None if entry is None else Outcome(**base, status=nothing.status, error=str(nothing),
                                                      log_id=entry.log_id, covers=nothing.covers)
        if dry_run:
            try:
                msg = self._message(sub, occ, covers, cfg)
            except NothingToSend as nothing:
                return Outcome(**base, status=nothing.status, error=str(nothing), covers=covers)
            except Exception as exc:  # noqa: BLE001 - shown, as a real run would record it
                return Outcome(**base, status="failed", error=f"could not build the message: {type(exc).__name__}: "
                                                              f"{exc}", covers=covers)
            return Outcome(**base, status="planned", title=msg.title, lines=list(msg.scrubbed().lines), covers=covers)
        entry = store.insert_entry(self.con, kind=sub.kind, due_on=occ.local_date, due_at=occ.due_at,
                                   status="pending", covers=covers, **base)
        if entry is None:  # already there (another run in this process got to it first)
            return None
        return self._deliver(entry, sub, occ, covers, dest, now, cfg)

    def _message(self, sub: Subscription, occ: Occurrence, covers: tuple[date, date],
                 cfg: store.DeliverySettings) -> Message:
        """Return the message of (subscription, occurrence, covered days), built once per run."""
        key = (sub.name, occ.key, covers)
        if key not in self._messages:
            self._messages[key] = self.content.build(self.con, sub, occ, covers, cfg.base_url)
        return self._messages[key]

    def _deliver(self, entry: store.LogEntry, sub: Subscription, occ: Occurrence, covers: tuple[date, date],
                 dest: Destination, now: datetime, cfg: store.DeliverySettings) -> Outcome:
        """Attempt the row's message until sent, failed, or left for a later run; return the outcome."""
        attempts = entry.attempts
        result = Outcome(entry.subscription, entry.occurrence, entry.destination, entry.status, attempts,
                         log_id=entry.log_id, superseded=entry.superseded, covers=covers)
        while True:
            moment = now + timedelta(seconds=self._waited)
            try:
                msg = self._message(sub, occ, covers, cfg)
            except NothingToSend as nothing:
                store.update_entry(self.con, entry.log_id, status=nothing.status, error=str(nothing))
                result.status, result.error = nothing.status, str(nothing)
                return result
            except Exception as exc:  # noqa: BLE001 - a message that cannot be built is a failed attempt
                error: senders.DeliveryError | None = senders.DeliveryError(
                    f"could not build the message: {type(exc).__name__}: {exc}")
                attempts += 1
                store.update_entry(self.con, entry.log_id, attempts=attempts, last_attempt_at=moment)
            else:
                result.title = msg.title
                attempts += 1
                store.update_entry(self.con, entry.log_id, status="sending", attempts=attempts,
                                   last_attempt_at=moment, title=msg.title)
                error = None
                try:
                    receipt = self._send(dest, msg, with_pdf=dest.kind == "email" and sub.attach_pdf,
                                         clock=self._sign_clock)
                except senders.DeliveryError as exc:
                    error = exc
                except Exception as exc:  # noqa: BLE001 - any other failure of a sender is recorded, not fatal
                    error = senders.DeliveryError(redact_error(f"{type(exc).__name__}: {exc}", dest.secret_values()))
                if error is None:
                    store.update_entry(self.con, entry.log_id, status="sent", sent_at=moment, error=None,
                                       receipt=receipt, next_attempt_at=None)
                    result.status, result.attempts, result.receipt, result.error = "sent", attempts, receipt, None
                    return result
            result.attempts, result.error = attempts, str(error)
            if not error.retryable or attempts >= cfg.max_attempts:
                store.update_entry(self.con, entry.log_id, status="failed", error=str(error), next_attempt_at=None)
                result.status = "failed"
                return result
            delay = cfg.retry_base_seconds * 2 ** (attempts - 1)
            store.update_entry(self.con, entry.log_id, status="retrying", error=str(error),
                               next_attempt_at=moment + timedelta(seconds=delay))
            result.status = "retrying"
            if self._waited + delay > cfg.inline_wait_limit:
                return result  # a later run tries again
            # A sleep that returns True was interrupted by a stop request (the scheduler's Event.wait): the row
            # stays 'retrying' for the next run.
            if self._sleep(delay) is True:
                return result
            self._waited += delay

    # ----------------------------------------------------------------------------------------------------------
    def send_test(self, destination: str, now: datetime, language: str | None = None) -> Outcome:
        """Send a test message to one destination now (one attempt, logged as subscription '(test)')."""
        dest = store.destinations(self.con).get(destination)
        if dest is None:
            known = ", ".join(store.destinations(self.con)) or "none yet"
            raise ValueError(f"no destination {destination!r} (known: {known})")
        cfg = store.settings(self.con)
        msg = test_message(language or cfg.language, dest.name, dest.kind)
        occurrence = now.isoformat(timespec="microseconds")
        with _RUN_LOCK:
            local_day = now.astimezone(ZoneInfo(cfg.timezone)).date()
            entry = store.insert_entry(self.con, subscription=store.TEST_SUBSCRIPTION, occurrence=occurrence,
                                       destination=dest.name, kind="test", due_on=local_day, due_at=now,
                                       status="sending", title=msg.title)
            store.update_entry(self.con, entry.log_id, attempts=1, last_attempt_at=now)
            result = Outcome(store.TEST_SUBSCRIPTION, occurrence, dest.name, "sending", 1, title=msg.title,
                             log_id=entry.log_id)
            try:
                result.receipt = self._send(dest, msg, with_pdf=False, clock=self._sign_clock)
            except senders.DeliveryError as exc:
                store.update_entry(self.con, entry.log_id, status="failed", error=str(exc))
                result.status, result.error = "failed", str(exc)
                return result
            store.update_entry(self.con, entry.log_id, status="sent", sent_at=now, receipt=result.receipt)
            result.status = "sent"
            return result
