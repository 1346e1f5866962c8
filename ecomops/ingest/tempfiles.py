"""Temporary files of imports: created with their owner's process id, and swept when that process is gone.

An import converts some files to a UTF-8 copy in ``/tmp/ecomops-import-*`` and removes it when done; a process
killed mid-import (``kill -9``, a crashed server) cannot. The next import in any process therefore removes the
folders whose owner is no longer running, and rejected-rows files and saved uploads older than a day.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

PREFIX = "ecomops-import-"
OWNER_FILE = ".owner"
MAX_AGE_SECONDS = 24 * 3600
_swept = False


def new_dir() -> tempfile.TemporaryDirectory:
    """Return a new temporary folder for one import, marked with this process's id."""
    folder = tempfile.TemporaryDirectory(prefix=PREFIX)
    (Path(folder.name) / OWNER_FILE).write_text(f"{os.getpid()} {_start_time(os.getpid())}", encoding="ascii")
    return folder


def _start_time(pid: int) -> str:
    """Return the process's start time (so a reused process id is not taken for the owner)."""
    try:
        import psutil

        return f"{psutil.Process(pid).create_time():.0f}"
    except Exception:
        return ""


def _owner_alive(folder: Path) -> bool:
    try:
        pid_text, _, started = (folder / OWNER_FILE).read_text(encoding="ascii").partition(" ")
        pid = int(pid_text)
    except (OSError, ValueError):
        # No owner file: an old folder (or one being created); only an old one is removed.
        return time.time() - folder.stat().st_mtime < MAX_AGE_SECONDS
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not started or _start_time(pid) in ("", started)


def sweep(root: str | os.PathLike | None = None, force: bool = False) -> list[str]:
    """Remove import folders of processes no longer running, and rejects/uploads older than a day; return the
    paths removed. Runs once per process unless ``force``."""
    global _swept
    if _swept and not force:
        return []
    _swept = True
    base = Path(root or tempfile.gettempdir())
    removed = []
    now = time.time()
    try:
        entries = list(base.iterdir())
    except OSError:
        return removed
    for entry in entries:
        try:
            if entry.name.startswith(PREFIX) and entry.is_dir() and not _owner_alive(entry):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(str(entry))
            elif entry.name.startswith("ecomops-rejects-") and entry.is_dir() and \
                    now - entry.stat().st_mtime > MAX_AGE_SECONDS:
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(str(entry))
            elif entry.name == "ecomops-uploads" and entry.is_dir():
                for upload in entry.iterdir():
                    if now - upload.stat().st_mtime > MAX_AGE_SECONDS:
                        upload.unlink(missing_ok=True)
                        removed.append(str(upload))
        except OSError:
            continue
    return removed
