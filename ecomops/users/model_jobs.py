"""Training outside the request: the first run (``python -m ecomops demo`` and the app's first-run demo) trains the
churn model and the review classifier and stores their outputs, and a page starts retraining after imports on a
background thread whose progress any page run can read.

Why: training takes tens of seconds (the review classifier over a minute on two busy cores); inside a page request
it blocked the first visit of the Churn page and the weekly review. A fresh install now shows scored dormant
customers and classified reviews at once.
"""
from __future__ import annotations

import contextvars
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

import duckdb

from ecomops import db, derived

Progress = Callable[[str], None]


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

    # The thread keeps the session's language for its progress messages.
    job.thread = threading.Thread(target=contextvars.copy_context().run, args=(run,), daemon=True,
                                  name="churn-training")
    job.thread.start()
    return job


def churn_job(con: duckdb.DuckDBPyConnection) -> Job | None:
    """Return the latest background churn training of this database (None when none was started)."""
    return _jobs.get(_key(con))


def _key(con: duckdb.DuckDBPyConnection) -> str:
    """Return the database file the connection works on (":memory:" databases by connection)."""
    return db.database_file(con) or f"memory:{id(con)}"
