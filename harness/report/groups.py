"""From case records to the report's groups: analysis, data issues, data quality.

``harness.report.finish`` calls ``report_groups`` for the one report pipeline;
``build_run_report`` is the same for code that holds records but no store (tests,
notebooks). Renderers read only the JSON form, so a report can be re-rendered from a
stored ``report.json`` without the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from harness.analysis.agreement import ScoreRow, analyse, build_report, rows_from_cases
from harness.core.families import Families
from harness.core.records import CaseKey, CaseResult
from harness.report.model import REPORT_SCHEMA

__all__ = ["REPORT_SCHEMA", "build_run_report", "report_groups"]


def _case_row(r: CaseResult) -> dict[str, Any]:
    d = r.to_dict()
    d.pop("schema", None)
    d.pop("data", None)
    return d


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
    from harness.quality.summary import add_quality

    add_quality(groups, run or {})  # per-source data quality, cached per file
    return groups


def build_run_report(
    results: Sequence[CaseResult],
    same_as: Mapping[str, str],
    expected: set[CaseKey] | None = None,
    run: Mapping[str, Any] | None = None,
    extra: Mapping[str, Any] | None = None,
    rows: Sequence[ScoreRow] = (),
    families: Families | None = None,
) -> dict[str, Any]:
    """The report dict of ``results`` alone (no store, no provenance)."""
    by_status: dict[str, int] = {}
    for r in results:
        by_status[r.status] = by_status.get(r.status, 0) + 1
    missing = sorted(expected - {r.key for r in results}) if expected is not None else []
    ordered = sorted(results, key=lambda r: r.key)
    report: dict[str, Any] = {
        "schema": REPORT_SCHEMA,
        "groups": report_groups(results, same_as, expected, run, rows, families),
        "run": dict(run or {}),
        "same_as": dict(sorted(same_as.items())),
        **({"families": families.to_dict()} if families else {}),
        "cases": {
            "counts": dict(sorted(by_status.items())),
            "missing": [k.to_dict() for k in missing],
            "not_ok": [_case_row(r) for r in ordered if r.status != "ok"],
            "all": [_case_row(r) for r in ordered],
        },
    }
    report.update(extra or {})
    from harness.core.textsafe import count_unencodable, replaced_note

    # report.json keeps every string exactly (escaped); people see U+FFFD instead.
    if replaced := count_unencodable(report):
        report["text_safety"] = {
            "replaced_when_rendered": replaced,
            "note": replaced_note(replaced, "the terminal, Markdown, HTML and JUnit reports"),
        }
    return report
