"""The report files through the format registry (``harness.report.formats``).

``harness.report.finish.write_files`` is the one writer of the session and
``synthbench report``; ``write_reports`` writes the requested formats of a report's
JSON form (for tools that hold a ``report.json``, and the tests). Verdicts are
decided in ``finish`` through ``harness.gates``; rendering never decides.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.report.formats import REPORT_FORMATS, FormatContext, format_names

REPORT_MD = "report.md"
REPORT_HTML = "report.html"
#: The formats a run writes unless told otherwise (``report.json`` always).
FORMATS = ("md", "html")

__all__ = ["FORMATS", "format_names", "requested", "step_summary_from_env", "write_reports"]


def step_summary_from_env(env: Mapping[str, str] = os.environ) -> Path | None:
    """GitHub's step summary file (``GITHUB_STEP_SUMMARY``), or None outside Actions."""
    value = env.get("GITHUB_STEP_SUMMARY", "")
    return Path(value) if value else None


def requested(
    formats: Sequence[str], junit_xml: Path | None = None, step_summary: Path | None = None
) -> list[str]:
    """The format names a run writes besides ``report.json``, each once, in order."""
    names = [*formats, *(["junit"] if junit_xml else [])]
    names += ["step-summary"] if step_summary else []
    return [n for n in dict.fromkeys(names) if n not in ("json", "none")]


def write_reports(
    report: Mapping[str, Any],
    results_dir: Path,
    formats: Sequence[str] = FORMATS,
    timestamp: str = "",
    store: Path | None = None,
    junit_xml: Path | None = None,
    step_summary: Path | None = None,
) -> list[Path]:
    """Write ``formats`` (and JUnit, the step summary when given) of the JSON-form
    ``report`` to ``results_dir``; returns the paths of the files written (the step
    summary, appended to, is not one of them)."""
    ctx = FormatContext(report, results_dir, store, timestamp, junit_xml, step_summary)
    written = []
    for name in requested(formats, junit_xml, step_summary):
        path = REPORT_FORMATS.get(name).write(ctx)
        if name != "step-summary":
            written.append(path)
    return written
