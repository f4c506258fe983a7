"""How much is enough, read from a report: every synthetic source's measured score
intervals, handed to ``harness.analysis.plan`` (the widths' mathematics)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from harness.analysis.plan import FloatArray, PlanRow, SourceCells, plan_source
from harness.core.names import ENSEMBLES, REAL
from harness.report.figures import Interval
from harness.report.model import Report, as_report


def _cells(row: Mapping[str, Interval], models: Sequence[str]) -> tuple[FloatArray, FloatArray]:
    def arr(values: Sequence[float | None]) -> FloatArray:
        return np.array([math.nan if v is None else v for v in values], dtype=np.float64)

    return arr([row[m].value for m in models]), arr([row[m].se for m in models])


def source_cells(report: Report) -> list[SourceCells]:
    """Every synthetic source of ``report`` with intervals, a real side and a known
    example count (the most examples any of its cases scored)."""
    sizes: dict[tuple[str, str, str], int] = {}
    for case in report.cases.rows:
        k = case.result.key
        cell = (k.task, k.dataset, k.generator)
        sizes[cell] = max(sizes.get(cell, 0), case.result.n_examples)
    out = []
    for g in report.groups:
        if g.ci is None or REAL not in g.ci.scores:
            continue
        real = g.ci.scores[REAL]
        for gen, row in g.ci.scores.items():
            n = sizes.get((g.task, g.dataset, gen), 0)  # the examples scored
            if gen == REAL or gen in ENSEMBLES or n < 1:
                continue
            names = sorted(set(row) & set(real))
            s, se_s = _cells(row, names)
            r, se_r = _cells(real, names)
            out.append(SourceCells(g.task, g.dataset, gen, n, s, se_s, r, se_r))
    return out


def plan(
    report: Report | Mapping[str, Any],
    examples: Sequence[int],
    models: Sequence[int] = (),
    level: float = 0.95,
    seed: int = 0,
) -> list[PlanRow]:
    """Expected widths for every synthetic source of ``report`` at every size asked.

    ``models`` empty: the number of models measured. Sources without intervals, a
    real side, or a known example count are left out.
    """
    rows: list[PlanRow] = []
    for cells in source_cells(as_report(report)):
        rows.extend(plan_source(cells, examples, models, level, seed))
    return rows
