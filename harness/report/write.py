"""The report files (Markdown, HTML, JUnit, step summary).

``harness.report.finish`` is the one pipeline of the session and ``synthbench
report``; it writes its files through ``write_reports``. Verdicts are decided in
``finish`` through ``harness.gates``; rendering never decides.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.store.files import atomic_write_text

REPORT_MD = "report.md"
REPORT_HTML = "report.html"
FORMATS = ("md", "html")


def step_summary_from_env(env: Mapping[str, str] = os.environ) -> Path | None:
    """GitHub's step summary file (``GITHUB_STEP_SUMMARY``), or None outside Actions."""
    value = env.get("GITHUB_STEP_SUMMARY", "")
    return Path(value) if value else None


def write_reports(
    report: Mapping[str, Any],
    results_dir: Path,
    formats: Sequence[str] = FORMATS,
    timestamp: str = "",
    store: Path | None = None,
    junit_xml: Path | None = None,
    step_summary: Path | None = None,
) -> list[Path]:
    """Write the requested report files to ``results_dir``; returns their paths.

    ``store``: where the case files are, when not in ``results_dir`` (a partial run's
    report folder beside the full report)."""
    from harness.core.textsafe import scrub_tree

    report = scrub_tree(report)[0]  # rendered for people: U+FFFD, counted in report.json
    written = []
    markdown = None
    if "md" in formats or step_summary is not None:
        from harness.report.render.markdown import render_markdown

        markdown = render_markdown(report, timestamp=timestamp)
    if "md" in formats and markdown is not None:
        atomic_write_text(results_dir / REPORT_MD, markdown)
        written.append(results_dir / REPORT_MD)
    if "html" in formats:
        from harness.report.render.html import render_html

        atomic_write_text(
            results_dir / REPORT_HTML,
            render_html(report, timestamp=timestamp, results_dir=store or results_dir),
        )
        written.append(results_dir / REPORT_HTML)
    if junit_xml is not None:
        from harness.report.render.junit import render_junit

        atomic_write_text(junit_xml, render_junit(report, timestamp=timestamp))
        written.append(junit_xml)
    if step_summary is not None and markdown is not None:
        # GitHub gives every step one file to append to; several steps share it.
        with step_summary.open("a", encoding="utf-8") as fh:
            fh.write(markdown + "\n")
    return written

