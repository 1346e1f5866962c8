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


def ensure_scale_db(customers: int = 1_000_000, path: Path = SCALE_DB,
                    churn_model: bool = True) -> tuple[Path, float | None]:
    """Return the scale database path (built with the demo generator when missing, then given a churn model) and the
    build time if built (or a model trained)."""
    built = None
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "ecomops", "demo", "--customers", str(customers), "--db", str(path)],
                       check=True, cwd=PROJECT_ROOT)
        built = time.perf_counter() - started
    if churn_model:
        try:
            trained = ensure_churn_model(path)
        except subprocess.CalledProcessError:  # e.g. out of memory at 10M customers: measure the pages without it
            print(f"churn training failed on {path}: the Churn page is measured without a model", file=sys.stderr,
                  flush=True)
            trained = None
        built = (built or 0.0) + trained if trained is not None else built
    return path, built


def has_churn_model(path: Path) -> bool:
    """Return True when the database holds a registered churn model (checked read-only in a child process, so this
    process can open the database read-write later)."""
    probe = ("import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
             "print(con.execute(\"SELECT count(*) FROM model_registry WHERE name = 'churn'\").fetchone()[0])")
    out = subprocess.run([sys.executable, "-c", probe, str(path)], check=True, capture_output=True, text=True)
    return int(out.stdout.strip()) > 0


def ensure_churn_model(path: Path = SCALE_DB) -> float | None:
    """Train a churn model on the database once (`churn train`, ~60-90 s at 1M customers; it also stores the dormant
    customers' scores) when none is registered, so the Churn page is measured with its model; return the seconds
    spent, or None when a model was there. The model file goes to the models folder the pages read ($ECOMOPS_MODELS,
    else data/models): a file elsewhere is refused by the Churn page, which would then retrain while measured."""
    if has_churn_model(path):
        return None
    print(f"training a churn model on {path} once (the Churn page needs one) …", file=sys.stderr, flush=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ecomops", "churn", "train", "--db", str(path)], check=True,
                   cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


class Timer:
    """Context manager measuring wall time in seconds (``.s``)."""

    def __enter__(self) -> "Timer":
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.s = time.perf_counter() - self.started
