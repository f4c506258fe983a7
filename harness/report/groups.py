"""From case records to the report's groups: analysis, data issues, data quality.

``harness.report.finish`` calls ``report_groups`` for the one report pipeline (tests
and notebooks go through it too, over a store: ``tests/synth_fixtures.write_store``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from harness.analysis.agreement import ScoreRow, analyse, build_report, rows_from_cases
from harness.core.families import Families
from harness.core.records import CaseKey, CaseResult
from harness.report.quality import add_quality

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
    groups: list[dict[str, Any]] = build_report(
        analyse(all_rows, same_as=dict(same_as), expected=cells, families=families)
    )["groups"]
    issues = _data_issues(results)
    for g in groups:
        g["data"] = dict(sorted(issues.get((g["task"], g["dataset"]), {}).items()))

    add_quality(groups, run or {})  # per-source data quality, cached per file
    return groups

