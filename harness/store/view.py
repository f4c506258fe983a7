"""The view: every suite cell with its result, from one or more stores.

A cell's result is the case file whose name carries the cell's current fingerprint
digest, in any of the stores given (later stores win), so fresh results, results of
earlier runs with the same inputs and results of other shards look alike. A cell
with no such file is listed as missing with the reason: skipped or failed in the run
that selected it, not selected and never computed on these inputs, or a damaged
file (named with file and line, never an exception that stops the report).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.records import CaseKey, CaseResult, Outcome
from harness.store.files import CASES, CaseFileError, case_name, read_case, read_head
from harness.store.runs import Cell, RunRecord

EVALUATED = "evaluated"
REUSED = "reused"
SETTLED = "settled"  # skipped or failed in the run that selected it: its own status says
MISSING = "missing"
#: The reason of a cell the run did not select and the store has no result for.
NOT_SELECTED = "not selected in this run, and no stored result matches its inputs"


@dataclass(frozen=True)
class Entry:
    """One cell of the view. ``run`` is the run that computed ``result``."""

    key: CaseKey
    state: str
    selected: bool
    result: CaseResult | None = None
    outcomes: tuple[Outcome, ...] = ()
    run: str = ""
    reason: str = ""


@dataclass(frozen=True)
class View:
    """The suite's cells and what the stores hold for them; ``runs`` are the inputs' ids."""

    entries: tuple[Entry, ...]
    runs: tuple[str, ...]
    damaged: tuple[str, ...] = ()

    def results(self) -> list[CaseResult]:
        """Records of every cell that has one (ok results and this run's skips/errors)."""
        return [e.result for e in self.entries if e.result is not None]

    def with_outcomes(self) -> list[tuple[CaseResult, list[Outcome]]]:
        return [
            (e.result, list(e.outcomes))
            for e in self.entries
            if e.result is not None and e.result.status == "ok"
        ]

    def keys(self) -> list[CaseKey]:
        return [e.key for e in self.entries]

    def selected(self) -> list[CaseKey]:
        return [e.key for e in self.entries if e.selected]


def _merge_cells(records: Sequence[RunRecord]) -> dict[CaseKey, Cell]:
    cells: dict[CaseKey, Cell] = {}
    for record in records:
        for c in record.cells:
            old = cells.get(c.key)
            selected = c.selected or (old is not None and old.selected)
            cells[c.key] = Cell(c.key, c.fingerprint, selected)
    return cells


def _find(roots: Sequence[Path], key: CaseKey, fingerprint: str) -> list[Path]:
    if not fingerprint:
        return []
    name = case_name(key, fingerprint)
    return [r / CASES / name for r in reversed(roots) if (r / CASES / name).is_file()]


def _entry(
    cell: Cell, roots: Sequence[Path], runs: set[str], settled: dict[CaseKey, CaseResult]
) -> tuple[Entry, str]:
    """The entry of one cell, and a damage message ('' when none)."""
    if cell.key in settled:
        # Tried in these runs and skipped or failed: that, not an older file, is the news.
        r = settled[cell.key]
        return Entry(cell.key, SETTLED, cell.selected, r, reason=r.reason), ""
    damage = ""
    for path in _find(roots, cell.key, cell.fingerprint):
        try:
            run = read_head(path).run
            result, outcomes = read_case(path)
        except (CaseFileError, OSError) as exc:
            damage = f"{exc}; the cell is treated as missing"
            continue
        state = EVALUATED if run in runs else REUSED
        return Entry(cell.key, state, cell.selected, result, tuple(outcomes), run), damage
    if damage:
        reason = f"damaged case file: {damage}"
    elif cell.selected:
        reason = "selected in this run but no result arrived"
    else:
        reason = NOT_SELECTED
    return Entry(cell.key, MISSING, cell.selected, reason=reason), damage


def build_view(inputs: Sequence[tuple[Path, RunRecord]]) -> View:
    """The view over stores ``inputs`` (each with its latest run record)."""
    records = [rec for _, rec in inputs]
    roots = [root for root, _ in inputs]
    runs = {rec.run_id for rec in records if rec.run_id}
    settled = {r.key: r for rec in records for r in rec.settled}
    entries, damaged = [], []
    for _, cell in sorted(_merge_cells(records).items()):
        entry, damage = _entry(cell, roots, runs, settled)
        entries.append(entry)
        if damage:
            damaged.append(damage)
    return View(tuple(entries), tuple(sorted(runs)), tuple(damaged))
