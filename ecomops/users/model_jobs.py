"""Training outside the request: the first run (``python -m ecomops demo`` and the app's first-run demo) trains the
churn model and the review classifier and stores their outputs, and a page starts retraining after imports on a
background thread whose progress any page run can read. Likewise the stored model outputs (customer value, churn
scores: derived tables marked ``background``) are brought up to date after an import on a background thread
(``start_refresh``), so the upload page and every page that does not read them are usable as soon as the
incremental summary tables are.

Why: training takes tens of seconds (the review classifier over a minute on two busy cores); inside a page request
it blocked the first visit of the Churn page and the weekly review. A fresh install now shows scored dormant
customers and classified reviews at once. The model outputs are rescored in full after every import (a new day
moves every customer's recency): about 25 s at 1M customers and 7 minutes at 10M, which held the upload page.
"""
from __future__ import annotations

import contextvars
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import duckdb

from ecomops import db, derived

Progress = Callable[[str], None]
log = logging.getLogger(__name__)


def _quiet(_: str) -> None:
    return None


def prepare_models(con: duckdb.DuckDBPyConnection, progress: Progress = _quiet) -> dict[str, Any]:
    """Train the churn model (its training stores the dormant customers' scores) and load or train the review
    classifier, then build every stale derived table (the review labels); return what was done.

    A model that cannot be trained (too little history, no review training data) is reported, never raised: the
    data is usable without it and the pages say why.
    """
    from ecomops.risk import reviews_model
    from ecomops.users import churn

    done: dict[str, Any] = {"churn_model_id": None, "reviews_model": False, "notes": []}
    try:
        done["churn_model_id"] = churn.train(con, progress=progress).model_id
    except churn.InsufficientHistoryError as exc:
        done["notes"].append(str(exc))
    try:
        reviews_model.get_model(progress=progress)
        done["reviews_model"] = True
    except reviews_model.ReviewsModelUnavailable as exc:
        done["notes"].append(str(exc))
    progress("Storing the model outputs …")
    derived.refresh_all(con)
    return done


def ensure_churn_model(con: duckdb.DuckDBPyConnection, progress: Progress = _quiet) -> int | None:
    """Train the churn model when the store has no usable one (its training stores the dormant customers' scores);
    return the new model's id, or None when one was usable or the history is too short.

    The Spark engine's first refresh calls it: the features are computed in Spark and the fit is on a sample, so a
    team pointing ecomops at its warehouse sees scored dormant customers at once, as a fresh demo does.
    """
    from ecomops.users import churn

    entry = churn.latest_model(con)
    if entry is not None and not churn.model_file_problem(entry):
        return None
    try:
        return churn.train(con, progress=progress).model_id
    except churn.InsufficientHistoryError as exc:
        progress(str(exc))
        return None


@dataclass
class Job:
    """A background churn training: its state ('running' | 'done' | 'failed'), progress messages and result."""

    state: str = "running"
    messages: list[str] = field(default_factory=list)
    model_id: int | None = None
    error: str | None = None
    thread: threading.Thread | None = None


_jobs: dict[str, Job] = {}
_jobs_lock = threading.Lock()


def start_churn_training(con: duckdb.DuckDBPyConnection, horizon_days: int | None = None) -> Job:
    """Start training the churn model on a background thread (one at a time per database) and return its job; a
    running job is returned as it is."""
    key = _key(con)
    with _jobs_lock:
        job = _jobs.get(key)
        if job is not None and job.state == "running":
            return job
        job = Job()
        _jobs[key] = job

    def run() -> None:
        from ecomops.users import churn

        cur = con.cursor()
        try:
            trained = churn.train(cur, horizon_days=horizon_days, progress=job.messages.append)
            job.model_id, job.state = trained.model_id, "done"
        except Exception as exc:  # reported on the page; the thread must never die silently
            job.error, job.state = str(exc), "failed"
        finally:
            cur.close()

    job.thread = _start_thread(con, run, "churn-training")
    return job


def churn_job(con: duckdb.DuckDBPyConnection) -> Job | None:
    """Return the latest background churn training of this database (None when none was started)."""
    return _jobs.get(_key(con))


def _start_thread(con: duckdb.DuckDBPyConnection, run: Callable[[], None], name: str) -> threading.Thread:
    """Return a started daemon thread running ``run`` in the caller's context (the session's language, for progress
    messages), registered with the database so that closing it waits for the thread."""
    thread = threading.Thread(target=contextvars.copy_context().run, args=(run,), daemon=True, name=name)
    db.add_worker(con, thread)
    thread.start()
    return thread


def _key(con: duckdb.DuckDBPyConnection) -> str:
    """Return the database file the connection works on (":memory:" databases by connection)."""
    return db.database_file(con) or f"memory:{id(con)}"


@dataclass
class RefreshJob:
    """A background update of derived tables: state ('running' | 'done' | 'failed'), the tables it keeps fresh, the
    one it is updating, and how long their last updates took (its expected duration; None when never measured)."""

    tables: list[str]
    expected_seconds: float | None
    started: float = field(default_factory=time.monotonic)
    state: str = "running"
    current: str | None = None
    error: str | None = None
    thread: threading.Thread | None = None
    finished: float | None = None

    def elapsed(self) -> float:
        """Return the seconds the job has run (until it ended)."""
        return (self.finished or time.monotonic()) - self.started

    def fraction(self) -> float:
        """Return the estimated share done (elapsed over the last updates' time, at most 0.95 until it is done)."""
        if self.state != "running":
            return 1.0
        if not self.expected_seconds:
            return 0.0
        return min(self.elapsed() / self.expected_seconds, 0.95)

    def covers(self, names: set[str]) -> bool:
        """Return True while the job runs and will update one of the named tables."""
        alive = self.thread is None or self.thread.is_alive()  # (None: being started)
        return self.state == "running" and alive and bool(names & set(self.tables))


_refreshes: dict[str, RefreshJob] = {}


def start_refresh(con: duckdb.DuckDBPyConnection, tables: list[derived.DerivedTable]) -> RefreshJob | None:
    """Start bringing the stale ones of ``tables`` up to date on a background thread (one per database: a running
    job takes them on and checks every table again before it ends); return the job, or None when all are fresh."""
    stale = [t for t in tables if not derived.is_fresh(con, t)]
    if not stale:
        return None
    key = _key(con)
    with _jobs_lock:
        job = _refreshes.get(key)
        if job is not None and job.state == "running":
            job.tables.extend(t.name for t in stale if t.name not in job.tables)
            return job
        seconds = {name: s for name, _mode, _reason, s, _at in derived.last_updates(con)}
        known = [seconds[t.name] for t in stale if t.name in seconds]
        job = RefreshJob([t.name for t in stale], sum(known) if len(known) == len(stale) else None)
        _refreshes[key] = job

    def run() -> None:
        cur = con.cursor()
        try:
            while True:
                with _jobs_lock:
                    names = list(job.tables)
                pending = [derived.by_name(n) for n in names if not derived.is_fresh(cur, derived.by_name(n))]
                if not pending:
                    with _jobs_lock:  # (a table taken on meanwhile is checked in the next round)
                        if job.tables == names:
                            job.current, job.finished, job.state = None, time.monotonic(), "done"
                            break
                    continue
                for table in pending:
                    job.current = table.name
                    derived.ensure(cur, table)
        except Exception as exc:  # reported on the pages and logged; the thread must never die silently
            log.exception("background update of %s failed", ", ".join(job.tables))
            with _jobs_lock:
                job.error, job.finished, job.state = str(exc), time.monotonic(), "failed"
        finally:
            cur.close()

    job.thread = _start_thread(con, run, "derived-refresh")
    return job


def refresh_job(con: duckdb.DuckDBPyConnection) -> RefreshJob | None:
    """Return the latest background update of derived tables of this database (None when none was started)."""
    return _refreshes.get(_key(con))
