"""Shared benchmark helpers: the scale data set, timing, peak memory, machine description."""
from __future__ import annotations

import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import psutil

PROJECT_ROOT = Path(__file__).resolve().parents[1]
OUT = PROJECT_ROOT / "bench" / "out"
SCALE_DB = Path(os.environ.get("ECOMOPS_SCALE_DB", OUT / "scale.duckdb"))


def machine() -> str:
    """Return a one-line description of this machine."""
    mem = psutil.virtual_memory().total / 2**30
    cpu = platform.processor() or platform.machine()
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, Python {platform.python_version()}, {platform.system()}"


def peak_rss_mb() -> float:
    """Return this process's peak resident memory in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ensure_scale_db(customers: int = 1_000_000, path: Path = SCALE_DB) -> tuple[Path, float | None]:
    """Return the scale database path (built with the demo generator when missing) and the build time if built."""
    if path.exists():
        return path, None
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ecomops", "demo", "--customers", str(customers), "--db", str(path)],
                   check=True, cwd=PROJECT_ROOT)
    return path, time.perf_counter() - started


class Timer:
    """Context manager measuring wall time in seconds (``.s``)."""

    def __enter__(self) -> "Timer":
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.s = time.perf_counter() - self.started
