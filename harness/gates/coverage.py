"""What a gate covers, and which of those cells have no result to judge.

A verdict is only as good as its inputs: a gate judged on the cells that happen to
have a result would pass while the ones that crashed are left out. So before any
figure is judged, every suite cell the gate covers is looked up in the report:

* a result with status ``ok`` counts (computed now or stored by an earlier run);
* any other status (``error``, ``skipped``, ``incomplete``, whatever a later status
  is called) is not a result: the cell is a *gap* that makes the gate incomplete;
* no result at all: a gap too when this invocation selected the cell (it crashed
  or never arrived); a cell outside the selection with no stored result leaves the
  gate *not judged* instead (a subset run does not fail the gates of the rest).

``Gate.allow_missing`` lets a gate tolerate that many cells without a result.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from harness.core.names import ENSEMBLES
from harness.core.records import CaseKey
from harness.gates.kinds import Cell
from harness.gates.model import Gate
from harness.gates.registry import kind_of

if TYPE_CHECKING:
    from harness.report.model import Report



@dataclass(frozen=True)
class Gap:
    """A covered cell without a result: ``cell`` as ``task/dataset/generator/model``."""

    cell: str
    why: str

    def text(self) -> str:
        return f"{self.cell} ({self.why})"


@dataclass(frozen=True)
class Coverage:
    """The cells a gate covers; ``gaps`` make it incomplete, ``unjudged`` not judged."""

    cells: int
    gaps: tuple[Gap, ...] = ()
    unjudged: tuple[Gap, ...] = ()

    @property
    def without_result(self) -> int:
        return len(self.gaps) + len(self.unjudged)


def covers(gate: Gate, cell: Cell) -> bool:
    """Whether ``gate`` reads ``cell`` (its kind decides: ``GateKindProtocol.covers``)."""
    return kind_of(gate.kind).covers(gate, cell)


def _cell(c: Sequence[str]) -> Cell:
    task, dataset, generator, model = c
    return (str(task), str(dataset), str(generator), str(model))


def _universe(report: Report, declared: Collection[Sequence[str]] | None) -> Iterator[Cell]:
    """The suite's cells, else every cell the report names (results, missing, group gaps)."""
    if declared is not None:
        yield from (_cell(c) for c in declared)
        return
    for row in report.cases.rows:
        yield _key(row.result.key)
    for m in report.cases.missing:
        yield _key(m.key)
    for g in report.groups:
        for c in g.missing:
            yield (g.task, g.dataset, c.generator, c.model)


def _key(k: CaseKey) -> Cell:
    return (k.task, k.dataset, k.generator, k.model)


def coverage(
    gate: Gate,
    report: Report,
    declared: Collection[Sequence[str]] | None = None,
    selected: Collection[Sequence[str]] | None = None,
) -> Coverage:
    """Every covered cell, sorted into results, gaps and cells not judged.

    ``declared`` are the suite's cells (default: the cells the report names);
    ``selected`` the ones this invocation selected (default: with ``declared``, the
    report's cases; without, every cell, so a cell without a result is a gap).
    """
    status = {_key(r.result.key): (r.result.status, r.result.reason) for r in report.cases.rows}
    missing = {_key(m.key): m.reason for m in report.cases.missing}
    chosen: set[Cell] | None
    if selected is not None:
        chosen = {_cell(c) for c in selected}
    elif declared is not None:
        chosen = set(status) | set(missing)
    else:
        chosen = None
    gaps: list[Gap] = []
    unjudged: list[Gap] = []
    universe = set(_universe(report, declared))
    seen = sorted(c for c in universe if covers(gate, c))
    own = gate.generator not in ("", *ENSEMBLES)
    if (gate.model and not any(c[3] == gate.model for c in universe)) or (
        own and not any(c[2] == gate.generator for c in universe)
    ):
        seen = []  # a group's other cells do not make a gate on an unknown name cover them
    for cell in seen:
        name = "/".join(cell)
        if cell in status:
            state, reason = status[cell]
            if state != "ok":
                gaps.append(Gap(name, f"{state}: {reason}" if reason else state))
        elif chosen is None or cell in chosen:
            gaps.append(Gap(name, missing.get(cell) or "no result"))
        else:
            unjudged.append(Gap(name, "not selected in this run, no stored result"))
    return Coverage(len(seen), tuple(gaps), tuple(unjudged))


def named(gaps: Sequence[Gap], limit: int = 5, why: bool = True) -> str:
    """``a (why), b (why) ... and N more``: the cells a verdict names."""
    shown = ", ".join(g.text() if why else g.cell for g in gaps[:limit])
    return shown + (f" and {len(gaps) - limit} more" if len(gaps) > limit else "")
