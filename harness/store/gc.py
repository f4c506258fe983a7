"""Pruning a store: case files no suite cell of the latest run points to.

No run deletes anything; results of older inputs pile up beside the current ones
(a changed data file, a new parameter). ``synthbench store gc DIR`` lists them, and
removes them with ``--delete``. Run records under ``runs/`` are kept: they are small
and say where a reused result came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.store.files import StoreError, case_name, check_store, iter_case_files
from harness.store.runs import read_run_record


@dataclass(frozen=True)
class Pruning:
    """The case files a gc keeps and those it removes (or would)."""

    keep: tuple[Path, ...]
    drop: tuple[Path, ...]


def plan(root: Path) -> Pruning:
    """Which case files the latest run's cells point to; the others can go."""
    check_store(root)
    record = read_run_record(root)
    if record is None:
        raise StoreError(f"{root}: no run.json, so no suite cells to keep; nothing is pruned")
    wanted = {case_name(c.key, c.fingerprint) for c in record.cells if c.fingerprint}
    keep: list[Path] = []
    drop: list[Path] = []
    for path in iter_case_files(root):
        (keep if path.name in wanted else drop).append(path)
    return Pruning(tuple(keep), tuple(drop))


def prune(root: Path) -> Pruning:
    """Remove what ``plan`` drops; returns the plan carried out."""
    done = plan(root)
    for path in done.drop:
        path.unlink(missing_ok=True)
    return done
