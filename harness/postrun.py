"""After the analysis: intervals, baselines, gate verdicts and the extra report files.

One entry point for the pytest session and for ``synthbench report``: it adds
``ci``, ``bootstrap``, ``gates`` (and ``baseline``) to the report dict, and writes
``report.md``, ``report.html``, JUnit XML and the GitHub step summary. Verdicts are
decided here (through ``harness.gates``); the session only turns a failure into an
exit status, and rendering never decides anything.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.gates import Gate, SavedDrop, Verdict, gates_section, judge_gates
from harness.intervals import BootstrapSettings, intervals_for_run, paired_drops
from harness.records import CaseResult
from harness.results import atomic_write_text

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
) -> list[Verdict]:
    """Add intervals, baseline comparison and gate verdicts to ``report``; returns verdicts."""
    from harness.baseline import (
        BaselineError,
        SavedComparison,
        baseline_doc,
        baseline_path,
        load_baseline,
        save_baseline,
    )

    reps: dict[Any, Any] = {}
    if opts.bootstrap is not None and results_dir is not None:
        reps = intervals_for_run(report, results_dir, results, same_as, opts.bootstrap)
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
    report: Mapping[str, Any], results_dir: Path, opts: PostRunOptions, timestamp: str = ""
) -> list[Path]:
    """Write the requested report files; returns their paths."""
    from harness.textsafe import scrub_tree

    report = scrub_tree(report)[0]  # rendered for people: U+FFFD, counted in report.json
    written = []
    markdown = None
    if "md" in opts.formats or opts.step_summary is not None:
        from harness.report.markdown import render_markdown

        markdown = render_markdown(report, timestamp=timestamp)
    if "md" in opts.formats and markdown is not None:
        atomic_write_text(results_dir / REPORT_MD, markdown)
        written.append(results_dir / REPORT_MD)
    if "html" in opts.formats:
        from harness.report.html import render_html

        atomic_write_text(
            results_dir / REPORT_HTML,
            render_html(report, timestamp=timestamp, results_dir=results_dir),
        )
        written.append(results_dir / REPORT_HTML)
    if opts.junit_xml is not None:
        from harness.report.junit import render_junit

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


# --------------------------------------------------------------------------- synthbench report


def add_report_arguments(p: Any) -> None:
    """The ``synthbench report`` flags of this module (intervals, gates, extra files)."""
    p.add_argument("--md", metavar="FILE", help="also write the report as Markdown")
    p.add_argument("--html", metavar="FILE", help="also write the report as self-contained HTML")
    p.add_argument("--junit-xml", metavar="FILE", help="write the gate verdicts as JUnit XML")
    p.add_argument("--gates", metavar="SUITE", help="judge the [[gates]] of this suite file")
    p.add_argument(
        "--gate",
        action="append",
        default=[],
        metavar="SPEC",
        help="a one-off gate 'KIND key=value ...' (repeatable)",
    )
    p.add_argument("--compare", metavar="FILE", help="saved baseline file for max_drop gates")
    p.add_argument(
        "--bootstrap",
        type=int,
        default=1000,
        metavar="N",
        help="bootstrap resamples for intervals (default 1000; 0: none)",
    )
    p.add_argument("--ci-level", type=float, default=0.95, help="confidence level (default 0.95)")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")


def outcomes_from_dirs(
    dirs: Sequence[Path], results: Sequence[CaseResult]
) -> list[tuple[CaseResult, list[Any]]]:
    """Each ok case's outcomes from the last directory that holds its case file."""
    import sys

    from harness.results import CASES, CaseFileError, case_filename, read_case

    out = []
    for r in results:
        paths = [d / CASES / case_filename(r.key) for d in dirs]
        found = [p for p in paths if p.exists()]
        if r.status == "ok" and found:
            try:
                out.append((r, read_case(found[-1])[1]))
            except CaseFileError as exc:
                # The case's scores (line 1) are still reported; only its interval is lost.
                print(f"synthbench report: {exc}; no interval for {r.key.id}", file=sys.stderr)
    return out


def run_report_extras(
    report: dict[str, Any], args: Any, results: Sequence[CaseResult], same_as: Mapping[str, str]
) -> int:
    """Intervals, gates and extra files for ``synthbench report``; returns the exit status."""
    import sys

    from harness.gates import GateError, parse_gate_option, suite_gates
    from harness.intervals import bootstrap_cases, invalid_samples

    try:
        gates: list[Gate] = []
        if args.gates:
            import tomllib

            gates = suite_gates(
                tomllib.loads(Path(args.gates).read_text(encoding="utf-8")), args.gates
            )
        gates += [parse_gate_option(text, i) for i, text in enumerate(args.gate)]
        boot = (
            BootstrapSettings(args.bootstrap, args.ci_level, args.seed) if args.bootstrap else None
        )
    except (GateError, ValueError, OSError) as exc:
        print(f"synthbench report: {exc}", file=sys.stderr)
        return 2
    dirs = [Path(p) for p in args.paths if Path(p).is_dir()]
    reps: dict[Any, Any] = {}
    if boot is not None and dirs:
        cases = outcomes_from_dirs(dirs, results)
        reps = bootstrap_cases(cases, boot)
        from harness.intervals import add_intervals

        add_intervals(report, reps, same_as, boot)
        if samples := invalid_samples(cases):
            report["invalid_samples"] = samples
    saved: SavedDrop | None = None
    if args.compare:
        from harness.baseline import BaselineError, SavedComparison, load_baseline

        try:
            saved = SavedComparison(
                load_baseline(Path(args.compare)), reps, boot or BootstrapSettings(), same_as
            )
        except BaselineError as exc:
            saved = _unavailable(str(exc))
    verdicts = judge_gates(
        gates, report, paired_drops(reps, (boot or BootstrapSettings()).level), saved
    )
    if gates:
        report["gates"] = gates_section(verdicts)
    for flag, render in (("md", "markdown"), ("html", "html"), ("junit_xml", "junit")):
        target = getattr(args, flag)
        if target:
            module = __import__(f"harness.report.{render}", fromlist=["x"])
            func = getattr(module, f"render_{'markdown' if render == 'markdown' else render}")
            # The page's example browser reads the per-case files of the first results dir.
            extra = {"results_dir": dirs[0]} if render == "html" and dirs else {}
            atomic_write_text(Path(target), func(report, **extra))
    return 1 if any_failed(verdicts) else 0
