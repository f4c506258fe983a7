"""Where a run's report files go: over the store's report, or beside a full one.

A run that selects only some cells (``-k``, ``-m``) with other settings than the
store's last full report (another ``--synth-max-examples``, seed, data folder or
suite) finds no stored results for the rest, so its report covers a few cells only.
Written over ``report.*`` it would replace the full report with a near-empty one.
Such a report goes to a folder beside it instead, ``report-<settings>/`` (for
example ``report-max20-seed0/``), and the full report stays where it was.

"Partial" means: some suite cell is missing because the run did not select it (not
a cell that was selected and failed). A complete report, or one whose settings equal
the existing report's, is written in the store's folder as always.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from harness.report.model import Report, ReportFormatError, as_report, read_report
from harness.store.view import NOT_SELECTED

REPORT_JSON = "report.json"
#: The run settings that decide which results a report can show.
SETTINGS = ("max_examples", "seed", "data_dir", "suite")


def unselected(report: Report | Mapping[str, Any]) -> int:
    """How many suite cells are missing because the run did not select them."""
    return sum(1 for m in as_report(report).cases.missing if m.reason == NOT_SELECTED)


class _Settings(NamedTuple):
    """The run settings of ``SETTINGS`` (None when not recorded)."""

    max_examples: int | None
    seed: int | None
    data_dir: str | None
    suite: str | None


def _settings(report: Report) -> _Settings:
    run = report.run
    return _Settings(run.max_examples, run.seed, run.data_dir, run.suite)


def _read(path: Path) -> Report | None:
    try:
        return read_report(path)
    except ReportFormatError:
        return None  # no readable report (none, damaged, not ours): nothing to keep


def folder_name(report: Report | Mapping[str, Any], full: Report | Mapping[str, Any]) -> str:
    """``report-max<N>-seed<S>``, plus a digest when the data folder or suite differs."""
    report, full = as_report(report), as_report(full)
    mine = _settings(report)
    name = f"report-max{mine.max_examples or 'all'}-seed{mine.seed}"
    theirs = _settings(full)
    if (mine.data_dir, mine.suite) != (theirs.data_dir, theirs.suite):
        text = json.dumps([mine.data_dir, mine.suite], default=str)
        name += "-" + hashlib.blake2b(text.encode(), digest_size=4).hexdigest()
    return name


def report_dir(out: Path, report: Report | Mapping[str, Any]) -> Path:
    """``out``, or the folder beside the full report in ``out`` that ``report`` goes to."""
    report = as_report(report)
    if not unselected(report):
        return out
    full = _read(out / REPORT_JSON)
    if full is None or unselected(full) or _settings(full) == _settings(report):
        return out
    return out / folder_name(report, full)
