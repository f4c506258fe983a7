"""The view: every suite cell with its result, from one or more stores.

A cell's result is a case file whose name carries the cell's fingerprint digest, in
any of the stores given, so fresh results, results of earlier runs with the same
inputs and results of other shards look alike. Several stores (shards, reruns,
machines) resolve each cell by one rule, whatever order they are given in:

1. The cell's inputs are those of the newest run (by the run record's ``time``) that
   lists it: its fingerprint digest names the files that count.
2. A result (status ``ok``) under that fingerprint wins over an error, a skip or any
   other non-ok record of the cell, whichever is newer: the inputs are the same, so
   the result stands; the set-aside record is listed in ``superseded``.
3. Between results under that fingerprint, the newer file wins (line 1's ``written``;
   files from before it: their modification time). Results that differ in their
   figures are listed in ``conflicts``: the same inputs should give the same scores.
4. With no result, the newest non-ok record (``settled`` in a run record, or a case
   file with another status) is the cell's entry; with none, the cell is missing,
   with the reason.

Each file is checked as a rerun checks it before reuse (``read_verified``: the
outcome digest, line 1 naming this cell's key and fingerprint); a file that fails is
named in ``damaged`` and not used, never an exception that stops the report.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.core.records import CaseKey, CaseResult, Outcome
from harness.store.files import CASES, CaseFileError, Stored, case_name, mtime_stamp, read_verified
from harness.store.runs import RUN_FILE, Cell, RunRecord

EVALUATED = "evaluated"
REUSED = "reused"
SETTLED = "settled"  # skipped or failed, and no result of its inputs: its own status says
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
    #: Results of the same inputs with different figures (rule 3), one line each.
    conflicts: tuple[str, ...] = ()
    #: Errors and skips set aside for a result of the same inputs (rule 2).
    superseded: tuple[str, ...] = ()

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


@dataclass(frozen=True)
class _Try:
    """A non-ok record of a cell, the run that made it and when."""

    result: CaseResult
    run: str
    time: str


def _merge_cells(timed: Sequence[tuple[str, RunRecord]]) -> dict[CaseKey, Cell]:
    """Each cell with the fingerprint of the newest run listing it (rule 1)."""
    cells: dict[CaseKey, Cell] = {}
    when: dict[CaseKey, tuple[str, str]] = {}
    for time, record in timed:
        for c in record.cells:
            old = cells.get(c.key)
            selected = c.selected or (old is not None and old.selected)
            stamp = (time, record.run_id)
            fingerprint = c.fingerprint
            if old is not None and when[c.key] > stamp:
                fingerprint = old.fingerprint
            else:
                when[c.key] = stamp
            cells[c.key] = Cell(c.key, fingerprint, selected)
    return cells


def _figures(r: CaseResult) -> str:
    d = r.to_dict()
    return json.dumps([d["metrics"], d["n_examples"], d["n_invalid"]], sort_keys=True)


def _score(stored: Stored) -> str:
    r = stored.result
    score = r.score
    shown = "undefined" if score is None or score != score else f"{score:.6g}"
    return f"{r.primary} {shown} (run {stored.run or '?'}, written {stored.written}, {stored.path})"


@dataclass
class _Notes:
    damaged: list[str]
    conflicts: list[str]
    superseded: list[str]


def _entry(
    cell: Cell, roots: Sequence[Path], runs: set[str], tries: list[_Try], notes: _Notes
) -> Entry:
    others = list(tries)
    found: list[tuple[Stored, list[Outcome]]] = []
    damage: list[str] = []
    if cell.fingerprint:
        name = case_name(cell.key, cell.fingerprint)
        for root in roots:
            path = root / CASES / name
            if path.is_dir():
                damage.append(f"{path}: a folder where the case file belongs; move it away")
                continue
            if not path.is_file():
                continue
            try:
                stored, outcomes = read_verified(path, cell.key, cell.fingerprint)
            except (CaseFileError, OSError) as exc:
                damage.append(str(exc))
                continue
            if stored.result.status == "ok":
                found.append((stored, outcomes))
            else:
                others.append(_Try(stored.result, stored.run, stored.written))
    if found:
        found.sort(key=lambda f: (f[0].written, f[0].run, str(f[0].path)))
        best, outcomes = found[-1]
        for stored, _ in found[:-1]:
            if _figures(stored.result) != _figures(best.result):
                notes.conflicts.append(
                    f"{cell.key.id}: results of the same inputs differ: {_score(stored)} vs "
                    f"{_score(best)}; the newer is used"
                )
        for t in others:
            notes.superseded.append(
                f"{cell.key.id}: {t.result.status} in run {t.run or '?'} ({t.result.reason}) "
                f"set aside: run {best.run or '?'}'s result of the same inputs stands"
            )
        notes.damaged.extend(f"{d}; not used: {best.path} is" for d in damage)
        state = EVALUATED if best.run in runs else REUSED
        return Entry(cell.key, state, cell.selected, best.result, tuple(outcomes), best.run)
    if others:
        last = max(others, key=lambda t: (t.time, t.run))
        notes.damaged.extend(f"{d}; the cell shows its last try instead" for d in damage)
        return Entry(cell.key, SETTLED, cell.selected, last.result, reason=last.result.reason)
    notes.damaged.extend(f"{d}; the cell is treated as missing" for d in damage)
    if damage:
        reason = f"damaged case file: {damage[0]}"
    elif cell.selected:
        reason = "selected in this run but no result arrived"
    else:
        reason = NOT_SELECTED
    return Entry(cell.key, MISSING, cell.selected, reason=reason)


def build_view(inputs: Sequence[tuple[Path, RunRecord]]) -> View:
    """The view over stores ``inputs`` (each with its latest run record).

    The result does not depend on the order of ``inputs`` (the module docstring's rule).
    """
    timed = [(rec.time or mtime_stamp(root / RUN_FILE), rec) for root, rec in inputs]
    runs = {rec.run_id for _, rec in inputs if rec.run_id}
    roots = sorted({root: None for root, _ in inputs}, key=str)
    tries: dict[CaseKey, list[_Try]] = {}
    for time, rec in timed:
        for r in rec.settled:
            if r.status != "ok":  # a result is a case file, never a line of a run record
                tries.setdefault(r.key, []).append(_Try(r, rec.run_id, time))
    notes = _Notes([], [], [])
    entries = [
        _entry(cell, roots, runs, tries.get(key, []), notes)
        for key, cell in sorted(_merge_cells(timed).items())
    ]
    return View(
        tuple(entries),
        tuple(sorted(runs)),
        tuple(notes.damaged),
        tuple(notes.conflicts),
        tuple(notes.superseded),
    )
