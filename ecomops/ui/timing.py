"""Server-side time of each script run, kept in session state (the page benchmark reads it after each run).

Why here and not around AppTest.run(): AppTest's wall time also holds its own test-side work (turning the
script's messages into its element tree), which a real server never does; this is the time the server spends.
With ECOMOPS_PROFILE_DIR set, each run is also profiled with pyinstrument (in the script's own thread) and the
text report written there as ``<page>_<n>.txt`` — how the page benchmark's over-target pages were profiled.
"""
from __future__ import annotations

import os
import time
from contextlib import contextmanager
from itertools import count
from pathlib import Path
from typing import Iterator

import streamlit as st

RUNS_KEY = "_ecomops_run_seconds"
MAX_KEPT = 50  # a long session keeps only its latest run times
_profile_numbers = count(1)


@contextmanager
def timed_run(label: str = "page") -> Iterator[None]:
    """Append the seconds of the enclosed script run to this session's list of run times (also on st.stop/rerun)."""
    profile_dir = os.environ.get("ECOMOPS_PROFILE_DIR")
    profiler = None
    if profile_dir:
        from pyinstrument import Profiler  # a development tool: imported only when asked for

        profiler = Profiler(interval=0.001)
        profiler.start()
    started = time.perf_counter()
    try:
        yield
    finally:
        runs = st.session_state.setdefault(RUNS_KEY, [])
        runs.append(time.perf_counter() - started)
        del runs[:-MAX_KEPT]
        if profiler is not None:
            profiler.stop()
            path = Path(profile_dir) / f"{label}_{next(_profile_numbers)}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(profiler.output_text(show_all=False), encoding="utf-8")


def run_seconds() -> list[float]:
    """Return this session's recorded script-run times in seconds, oldest first."""
    return list(st.session_state.get(RUNS_KEY, []))
