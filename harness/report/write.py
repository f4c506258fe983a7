"""The report files (Markdown, HTML, JUnit, step summary), and intervals for bare records.

``harness.report.finish`` is the pipeline of the session and ``synthbench report``;
it writes its files through ``write_reports``. ``complete_report`` adds intervals
and verdicts to a report dict made by ``build_run_report`` from records alone (tests,
notebooks). Verdicts are decided through ``harness.gates``; rendering never decides.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.analysis.intervals import BootstrapSettings, intervals_for_run, paired_drops
from harness.core.families import Families
from harness.core.records import CaseResult
from harness.gates import Gate, SavedDrop, Verdict, gates_section, judge_gates
from harness.store.files import atomic_write_text

REPORT_MD = "report.md"
REPORT_HTML = "report.html"
FORMATS = ("md", "html")


@dataclass(frozen=True)
class PostRunOptions:
    """What the plugin options (or the CLI flags) ask of the end of a run."""

    bootstrap: BootstrapSettings | None = field(default_factory=BootstrapSettings)
    gates: tuple[Gate, ...] = ()
    save_baseline: str = ""
    compare: str = ""
    baseline_dir: Path = Path("benchmarks/baselines")
    junit_xml: Path | None = None
    formats: tuple[str, ...] = FORMATS
    step_summary: Path | None = None
    #: The suite's (task, dataset, generator, model) cells; gates on deselected cells skip.
    declared: tuple[tuple[str, str, str, str], ...] | None = None

    @staticmethod
    def step_summary_from_env(env: Mapping[str, str] = os.environ) -> Path | None:
        value = env.get("GITHUB_STEP_SUMMARY", "")
        return Path(value) if value else None


def complete_report(
    report: dict[str, Any],
    results_dir: Path | None,
    results: Sequence[CaseResult],
    same_as: Mapping[str, str],
    opts: PostRunOptions,
    timestamp: str = "",
    families: Families | None = None,
) -> list[Verdict]:
    """Add intervals, baseline comparison and gate verdicts to ``report``; returns verdicts."""
    from harness.analysis.baseline import (
        BaselineError,
        SavedComparison,
        baseline_doc,
        baseline_path,
        load_baseline,
        save_baseline,
    )

    reps: dict[Any, Any] = {}
    if opts.bootstrap is not None and results_dir is not None:
        reps = intervals_for_run(report, results_dir, results, same_as, opts.bootstrap, families)
    settings = opts.bootstrap or BootstrapSettings()
    saved: SavedDrop | None = None
    baseline: dict[str, str] = {}
    if opts.compare:
        try:
            path = baseline_path(opts.baseline_dir, opts.compare)
            saved = SavedComparison(load_baseline(path), reps, settings, same_as)
            baseline["compared_with"] = str(path)
        except BaselineError as exc:
            # The gates that need it cannot be judged, and say why; the run still reports.
            saved = _unavailable(str(exc))
            baseline["error"] = str(exc)
    verdicts = judge_gates(
        opts.gates, report, paired_drops(reps, settings.level), saved, opts.declared
    )
    if opts.gates:
        report["gates"] = gates_section(verdicts)
    if opts.save_baseline and reps:
        path = baseline_path(opts.baseline_dir, opts.save_baseline)
        save_baseline(path, baseline_doc(opts.save_baseline, reps, settings, same_as, timestamp))
        baseline["saved_to"] = str(path)
    if baseline:
        report["baseline"] = baseline
    return verdicts


def _unavailable(reason: str) -> Callable[[str, str, str, str], str]:
    def saved(task: str, dataset: str, generator: str, model: str) -> str:
        return reason

    return saved


def write_reports(
    report: Mapping[str, Any],
    results_dir: Path,
    opts: PostRunOptions,
    timestamp: str = "",
    store: Path | None = None,
) -> list[Path]:
    """Write the requested report files to ``results_dir``; returns their paths.

    ``store``: where the case files are, when not in ``results_dir`` (a partial run's
    report folder beside the full report)."""
    from harness.core.textsafe import scrub_tree

    report = scrub_tree(report)[0]  # rendered for people: U+FFFD, counted in report.json
    written = []
    markdown = None
    if "md" in opts.formats or opts.step_summary is not None:
        from harness.report.render.markdown import render_markdown

        markdown = render_markdown(report, timestamp=timestamp)
    if "md" in opts.formats and markdown is not None:
        atomic_write_text(results_dir / REPORT_MD, markdown)
        written.append(results_dir / REPORT_MD)
    if "html" in opts.formats:
        from harness.report.render.html import render_html

        atomic_write_text(
            results_dir / REPORT_HTML,
            render_html(report, timestamp=timestamp, results_dir=store or results_dir),
        )
        written.append(results_dir / REPORT_HTML)
    if opts.junit_xml is not None:
        from harness.report.render.junit import render_junit

        atomic_write_text(opts.junit_xml, render_junit(report, timestamp=timestamp))
        written.append(opts.junit_xml)
    if opts.step_summary is not None and markdown is not None:
        # GitHub gives every step one file to append to; several steps share it.
        with opts.step_summary.open("a", encoding="utf-8") as fh:
            fh.write(markdown + "\n")
    return written


def any_failed(verdicts: Sequence[Verdict]) -> bool:
    """True when a gate failed: the run must exit with status 1."""
    return any(v.failed for v in verdicts)
