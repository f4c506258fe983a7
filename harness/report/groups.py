"""From case records to the report's groups: analysis, data issues, data quality.

``harness.report.finish`` calls ``report_groups`` for the one report pipeline (tests
and notebooks go through it too, over a store: ``tests/synth_fixtures.write_store``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from harness.analysis.agreement import ScoreRow, analyse, rows_from_cases
from harness.core.families import Families
from harness.core.records import CaseKey, CaseResult
from harness.report.quality import quality_inputs

__all__ = ["report_groups"]


def _data_issues(results: Iterable[CaseResult]) -> dict[tuple[str, str], dict[str, dict[str, Any]]]:
    """(task, dataset) -> generator -> what the loader repaired, dropped, counted."""
    out: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for r in results:
        if r.data is not None:
            out.setdefault((r.key.task, r.key.dataset), {})[r.key.generator] = r.data.to_dict()
    return out


def report_groups(
    results: Sequence[CaseResult],
    same_as: Mapping[str, str],
    expected: Iterable[CaseKey] | None = None,
    run: Mapping[str, Any] | None = None,
    rows: Sequence[ScoreRow] = (),
    families: Families | None = None,
) -> list[dict[str, Any]]:
    """One JSON-form group per (task, dataset, metric): figures, data issues, quality.

    ``rows`` adds score rows that did not come from cases (a published table);
    ``families`` (the suite's) adds ``mean-lfo`` and the family bias.
    """
    all_rows = list(rows_from_cases(results)) + list(rows)
    cells = None
    if expected is not None:
        cells = [(k.task, k.dataset, k.generator, k.model) for k in expected]
    issues = _data_issues(results)
    quality = quality_inputs(run or {})  # per-source data quality, cached per file
    groups: list[dict[str, Any]] = []
    for a in analyse(all_rows, same_as=dict(same_as), expected=cells, families=families):
        data = dict(sorted(issues.get((a.task, a.dataset), {}).items()))
        g = a.to_dict()  # the analysis' figures, in report order
        g["data"] = data
        # Every source of the group's score table (ensembles too) and of its data issues.
        got = None if quality is None else quality.of(a.dataset, {*a.scores, *a.ensembles, *data})
        if got is not None:
            g["quality"], missing = got
            if missing:
                # Said, not left as a silent gap: why a source has no quality figures.
                g["quality_missing"] = missing
        groups.append(g)
    return groups
