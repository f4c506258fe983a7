"""From case records to the report dict: the one place the session and the CLI share.

``report.json`` is this dict. Its shape is versioned (``schema``) and documented in
the README; renderers (terminal, Markdown, HTML) read only this dict, so a report can
be re-rendered from a stored JSON without the results directory.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from harness.analysis import ScoreRow, analyse, build_report, rows_from_cases
from harness.records import CaseKey, CaseResult

REPORT_SCHEMA = 1


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


def build_run_report(
    results: Sequence[CaseResult],
    same_as: Mapping[str, str],
    expected: set[CaseKey] | None = None,
    run: Mapping[str, Any] | None = None,
    extra: Mapping[str, Any] | None = None,
    rows: Sequence[ScoreRow] = (),
) -> dict[str, Any]:
    """The full report: analysis groups plus per-case rows, data issues and gaps.

    ``rows`` adds score rows that did not come from cases (a published table).
    """
    all_rows = list(rows_from_cases(results)) + list(rows)
    cells = None
    if expected is not None:
        cells = [(k.task, k.dataset, k.generator, k.model) for k in expected]
    groups = analyse(all_rows, same_as=dict(same_as), expected=cells)
    report = build_report(groups)
    report["schema"] = REPORT_SCHEMA
    issues = _data_issues(results)
    for g in report["groups"]:
        g["data"] = dict(sorted(issues.get((g["task"], g["dataset"]), {}).items()))
    from harness.quality.summary import add_quality

    add_quality(report["groups"], run or {})  # per-source data quality, cached per file
    by_status: dict[str, int] = {}
    for r in results:
        by_status[r.status] = by_status.get(r.status, 0) + 1
    missing = sorted(expected - {r.key for r in results}) if expected is not None else []
    report["run"] = dict(run or {})
    report["same_as"] = dict(sorted(same_as.items()))
    report["cases"] = {
        "counts": dict(sorted(by_status.items())),
        "missing": [k.to_dict() for k in missing],
        "not_ok": [_case_row(r) for r in sorted(results, key=lambda r: r.key) if r.status != "ok"],
        "all": [_case_row(r) for r in sorted(results, key=lambda r: r.key)],
    }
    report.update(extra or {})
    from harness.textsafe import count_unencodable, replaced_note

    # report.json keeps every string exactly (escaped); people see U+FFFD instead.
    if replaced := count_unencodable(report):
        report["text_safety"] = {
            "replaced_when_rendered": replaced,
            "note": replaced_note(replaced, "the terminal, Markdown, HTML and JUnit reports"),
        }
    return report
