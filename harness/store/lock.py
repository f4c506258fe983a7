"""The store's one lock: around the run record and the report files, nothing else."""

from __future__ import annotations

from pathlib import Path

from filelock import FileLock

#: Long enough for another run's report (bootstrap, HTML) to finish writing.
TIMEOUT_S = 900.0


def store_lock(root: Path) -> FileLock:
    """An inter-process lock on ``root``'s report files (``.report.lock``)."""
    root.mkdir(parents=True, exist_ok=True)
    return FileLock(str(root / ".report.lock"), timeout=TIMEOUT_S)
