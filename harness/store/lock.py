"""The store's one lock: around the run record and the report files, nothing else."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock

#: Long enough for another run's report (bootstrap, HTML) to finish writing.
TIMEOUT_S = 900.0


def store_lock(root: Path) -> FileLock:
    """An inter-process lock on ``root``'s report files (``.report.lock``)."""
    root.mkdir(parents=True, exist_ok=True)
    return FileLock(str(root / ".report.lock"), timeout=TIMEOUT_S)


@contextlib.contextmanager
def lock_or_note(root: Path, failures: list[str]) -> Iterator[bool]:
    """The store's lock, yielding True; False, with one line in ``failures``, when it
    cannot be taken (a read-only store, a full disk, a wait past ``TIMEOUT_S``).

    The caller then writes nothing (the run record and report files belong together)
    but still builds the report, so its verdicts reach the terminal.
    """
    try:
        lock = store_lock(root)
        lock.acquire()
    except OSError as exc:  # filelock's Timeout is an OSError too
        why = exc.strerror or str(exc) or type(exc).__name__
        failures.append(
            f"cannot lock {root / '.report.lock'}: {why}; run.json and the report files "
            "were not written"
        )
        yield False
        return
    try:
        yield True
    finally:
        lock.release()
