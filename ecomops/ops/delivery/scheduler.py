"""The schedule run by a process of its own (``python -m ecomops scheduler``) or by a thread of another process.

A loop: run what is due (runner.Runner.run_due), then sleep until the next occurrence of any enabled subscription or
the next waiting retry (at most ``max_sleep``, so edits of the subscriptions are picked up), until stopped.
The clock, the sleep and the content builder are injectable (tests run days of schedule in milliseconds);
``stop()`` ends the loop — and a wait between retries — from another thread or a signal handler at once.

The database is opened for each run and released after it, so between runs the file is free for the command line.
A database held by another process (the running app) is reported and tried again a minute later.
"""
from __future__ import annotations

import sys
import threading
from datetime import datetime, timedelta, timezone
from typing import Callable, TextIO

import duckdb

from ecomops.db import DatabaseLockedError
from ecomops.ops.delivery import schedule, store
from ecomops.ops.delivery.runner import Content, Outcome, Runner

MAX_SLEEP_SECONDS = 3600.0
LOCKED_RETRY_SECONDS = 60.0


def next_wake(con: duckdb.DuckDBPyConnection, now: datetime, max_sleep: float = MAX_SLEEP_SECONDS) -> datetime:
    """Return when something is next due: the earliest next occurrence or waiting retry, at most ``max_sleep`` away."""
    candidates = [now + timedelta(seconds=max_sleep)]
    for sub in store.subscriptions(con).values():
        if sub.enabled:
            candidates.append(schedule.next_occurrence(sub, now).due_at)
    retry_at = store.next_retry_at(con, now)
    if retry_at is not None:
        candidates.append(retry_at)
    return min(candidates)


class Scheduler:
    """Runs delivery on schedule until ``stop()``."""

    def __init__(self, connect: Callable[[], duckdb.DuckDBPyConnection], release: Callable[[], None] = lambda: None,
                 *, clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                 sleep: Callable[[float], object] | None = None,
                 content: Content | None = None,
                 max_sleep: float = MAX_SLEEP_SECONDS, out: TextIO | None = None) -> None:
        self._connect = connect
        self._release = release
        self._clock = clock
        self._stop = threading.Event()
        # Real sleeping waits on the stop event, so stop() wakes the loop at once.
        self._sleep = sleep or (lambda seconds: self._stop.wait(seconds))
        # Waits between retries use the same stoppable sleep, so stop() does not wait for a backoff to end.
        self._runner = lambda con: Runner(con, content=content, sleep=self._sleep)
        self._max_sleep = max_sleep
        self._out = out or sys.stderr
        self.runs: list[tuple[datetime, list[Outcome]]] = []

    def stop(self) -> None:
        """Ask the loop to end (safe from signal handlers and other threads)."""
        self._stop.set()

    @property
    def stopped(self) -> bool:
        """Return True once stop() was called."""
        return self._stop.is_set()

    def run_once(self, now: datetime) -> datetime:
        """Run what is due at ``now``; return when to wake next."""
        try:
            con = self._connect()
        except DatabaseLockedError as exc:
            print(f"{now:%Y-%m-%d %H:%M:%S}Z scheduler: {exc} Trying again in {LOCKED_RETRY_SECONDS:g} s.",
                  file=self._out, flush=True)
            return now + timedelta(seconds=LOCKED_RETRY_SECONDS)
        try:
            outcomes = self._runner(con).run_due(now)
            self.runs.append((now, outcomes))
            for o in outcomes:
                print(f"{now:%Y-%m-%d %H:%M:%S}Z {o.status:<9} {o.subscription} {o.occurrence} -> {o.destination}"
                      + (f": {o.error}" if o.error and o.status != "sent" else ""), file=self._out, flush=True)
            return next_wake(con, self._clock(), self._max_sleep)
        except Exception as exc:  # noqa: BLE001 - the loop outlives one bad run; the error is printed
            print(f"{now:%Y-%m-%d %H:%M:%S}Z scheduler: run failed: {type(exc).__name__}: {exc}", file=self._out,
                  flush=True)
            return now + timedelta(seconds=LOCKED_RETRY_SECONDS)
        finally:
            self._release()

    def run(self, until: datetime | None = None) -> int:
        """Loop until stopped (or the clock reaches ``until``); return the number of runs."""
        count = 0
        while not self._stop.is_set():
            now = self._clock()
            if until is not None and now >= until:
                break
            wake = self.run_once(now)
            count += 1
            if until is not None:
                wake = min(wake, until)
            delay = (wake - self._clock()).total_seconds()
            if delay > 0 and not self._stop.is_set():
                self._sleep(min(delay, self._max_sleep))
        return count
