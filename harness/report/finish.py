"""The one pipeline from stored results to verdicts and report files.

``finish`` is called by the pytest session at the end of a run and by
``synthbench report``: view of the stores -> analysis -> intervals -> baseline ->
gates -> a frozen ``Report`` -> files. The settings it needs (bootstrap, level,
seed, gates, formats) travel in the run record, so a re-report with no arguments
gives the session's report again; options given to the command override them, and
the report's ``run.report_settings`` records what was used.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.analysis.agreement import ScoreRow
from harness.analysis.baseline import BaselineError, SavedComparison, baseline_doc, load_baseline
from harness.analysis.baseline import save_baseline as save
from harness.analysis.intervals import (
    BootstrapSettings,
    bootstrap_cases,
    generator_comparisons,
    group_intervals,
    invalid_samples,
    paired_drops,
)
from harness.core.families import Families
from harness.core.textsafe import count_unencodable, json_dumps, replaced_note
from harness.gates import Gate, SavedDrop, Verdict, judge_gates, suite_gates
from harness.report import figurecache
from harness.report.formats import REPORT_FORMATS, FormatContext
from harness.report.groups import report_groups
from harness.report.model import CaseRow, Cases, Group, MissingCell, Report, StoreSection
from harness.report.partial import report_dir
from harness.report.sections import BaselineSection, RunSection, TextSafety, WholeRun
from harness.report.verdicts import GatesSection
from harness.report.write import requested
from harness.store.files import write_failure
from harness.store.runs import RunRecord
from harness.store.view import MISSING, View, build_view

REPORT_JSON = "report.json"


@dataclass(frozen=True)
class ReportSettings:
    """How to turn stored results into a report; recorded with every run."""

    resamples: int = 1000
    level: float = 0.95
    seed: int = 0
    #: The suite's ``[[gates]]`` tables, and where they came from (for messages).
    gates: tuple[Mapping[str, Any], ...] = ()
    gates_from: str = "suite.toml"
    #: One-off gates, ``KIND key=value ...``.
    gate_options: tuple[str, ...] = ()
    #: A saved baseline file to compare with (``max_drop`` gates with ``baseline = "saved"``).
    compare: str = ""
    formats: tuple[str, ...] = ("md", "html")
    junit_xml: str = ""

    def parsed_gates(self) -> list[Gate]:
        """The gates, parsed; a bad one raises ``GateError`` naming file and key."""
        return suite_gates({"gates": list(self.gates)}, self.gates_from, self.gate_options)

    def bootstrap(self) -> BootstrapSettings | None:
        return BootstrapSettings(self.resamples, self.level, self.seed) if self.resamples else None

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["gates"] = [dict(g) for g in self.gates]
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ReportSettings:
        known = {f.name for f in dataclasses.fields(cls)}
        kw: dict[str, Any] = {k: v for k, v in d.items() if k in known}
        for name in ("gates", "gate_options", "formats"):
            if name in kw:
                kw[name] = tuple(kw[name])
        return cls(**kw)


@dataclass(frozen=True)
class Finished:
    """What ``finish`` made: the report, the gate verdicts and the files written."""

    report: Report
    verdicts: tuple[Verdict, ...]
    written: tuple[Path, ...] = ()
    #: Files that could not be written (full disk, read-only store, a folder in the
    #: way), one line each: the verdicts stand, the run says so and exits non-zero.
    failures: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        return any(v.failed for v in self.verdicts)


def _cases(view: View) -> Cases:
    rows = tuple(CaseRow(e.result, e.state, e.run) for e in view.entries if e.result is not None)
    missing = tuple(MissingCell(e.key, e.reason) for e in view.entries if e.state == MISSING)
    return Cases(rows, missing)


def _saved(
    settings: ReportSettings,
    reps: Any,
    same_as: Mapping[str, str],
    families: Families | None = None,
) -> tuple[SavedDrop | None, dict[str, str]]:
    if not settings.compare:
        return None, {}

    boot = settings.bootstrap() or BootstrapSettings()
    try:
        saved = SavedComparison(
            load_baseline(Path(settings.compare)), reps, boot, same_as, families
        )
        return saved, {"compared_with": settings.compare}
    except BaselineError as exc:
        # The gates that need it cannot be judged, and say why; the run still reports.
        return _unavailable(str(exc)), {"error": str(exc)}


def _unavailable(reason: str) -> Callable[[str, str, str, str], str]:
    def saved(task: str, dataset: str, generator: str, model: str) -> str:
        return reason

    return saved


def _cells(keys: Sequence[Any]) -> list[tuple[str, str, str, str]]:
    return [(k.task, k.dataset, k.generator, k.model) for k in keys]


def _cell_identities(view: View) -> list[dict[str, Any]]:
    """What the figures depend on per cell: the result's inputs, status and run."""
    out = []
    for e in view.entries:
        r = e.result
        out.append(
            {"cell": e.key.id}
            if r is None
            else {"cell": e.key.id, "fp": r.fingerprint, "status": r.status, "run": e.run}
        )
    return out


def _figures(
    view: View,
    run: Mapping[str, Any],
    rows: Sequence[ScoreRow],
    same_as: Mapping[str, str],
    families: Families,
    boot: BootstrapSettings | None,
) -> tuple[dict[str, Any], dict[Any, Any]]:
    """The groups' figures and the bootstrap's sections (JSON form), and the resamples."""
    figures = report_groups(view.results(), same_as, view.keys(), run, rows, families)
    sections: dict[str, Any] = {}
    reps: dict[Any, Any] = {}
    found = {}
    if boot is not None:
        cases = view.with_outcomes()
        reps = bootstrap_cases(cases, boot)
        which = generator_comparisons(reps, boot)
        found = group_intervals(figures, reps, same_as, boot, families, which)
        sections["bootstrap"] = boot.to_dict()
        if which.tasks:  # which generator, per task (harness.analysis.whichgen)
            sections["generators"] = which.to_dict()
        if samples := invalid_samples(cases):
            sections["invalid_samples"] = samples
    groups = []
    for fig in figures:
        got = found.get((fig["task"], fig["dataset"]))
        if got is not None:  # the bootstrap's beside the analysis' figures
            fig = {**fig, "ci": got.ci, **({"items": got.items} if got.items else {})}
        groups.append(fig)
    # Through JSON, as the cache returns them: a computed and a cached report are
    # then the same objects for every renderer (string keys, lists, not tuples).
    value = json.loads(json_dumps({"groups": groups, "sections": sections}))
    return value, reps


def build(
    inputs: Sequence[tuple[Path, RunRecord]],
    settings: ReportSettings,
    rows: Sequence[ScoreRow] = (),
    save_baseline: Path | None = None,
    timestamp: str = "",
) -> Finished:
    """The report and verdicts over the stores ``inputs`` (no files written)."""
    records = [rec for _, rec in inputs]
    view = build_view(inputs)
    same_as: dict[str, str] = {}
    extra: dict[str, Any] = {}
    families = Families()
    for rec in records:
        same_as.update(rec.same_as)
        extra.update(rec.extra)
        families = families.merged(rec.families)
    run = dict(records[-1].run) if records else {}
    if len(inputs) > 1:
        run["inputs"] = [str(p) for p, _ in inputs]
    run["report_settings"] = settings.to_dict()
    gates = settings.parsed_gates()
    boot = settings.bootstrap()
    # Gates on paired drops and saved baselines read the resamples themselves, which the
    # figure cache does not keep: those runs compute everything.
    needs_reps = (
        bool(settings.compare)
        or save_baseline is not None
        or any(g.kind == "max_drop" for g in gates)
    )
    key = figurecache.figures_key(
        _cell_identities(view),
        {
            "bootstrap": boot.to_dict() if boot else None,
            "same_as": same_as,
            "families": families.to_dict() if families else None,
            "rows": [dataclasses.astuple(r) for r in rows],
        },
        run,
    )
    stored = None if needs_reps else figurecache.load(key)
    reps: dict[Any, Any] = {}
    if stored is None:
        stored, reps = _figures(view, run, rows, same_as, families, boot)
        figurecache.save(key, stored)
    # The run record's ``extra`` (the response cache's counts) and the bootstrap's.
    whole = WholeRun.from_dict({**extra, **stored["sections"]}, "report")
    # The typed figures, built once here from the analysis' (or the cache's) JSON form.
    groups = tuple(Group.from_dict(g, f"group {i}") for i, g in enumerate(stored["groups"]))
    states: dict[str, int] = {}
    for e in view.entries:
        states[e.state] = states.get(e.state, 0) + 1
    report = Report(
        groups=groups,
        cases=_cases(view),
        store=StoreSection(states, view.runs, view.damaged, view.conflicts, view.superseded),
        same_as=same_as,
        run=RunSection.from_dict(run, "report: run"),
        sections=whole.rest,
        families=families,
        bootstrap=whole.bootstrap,
        invalid_samples=whole.invalid_samples,
        cache=whole.cache,
        generators=whole.generators,
    )

    # report.json keeps every string exactly (escaped); people see U+FFFD instead.
    if replaced := count_unencodable(report.to_dict()):
        where = "the terminal, Markdown, HTML and JUnit reports"
        safety = TextSafety(replaced, replaced_note(replaced, where))
        report = dataclasses.replace(report, text_safety=safety)
    saved, baseline = _saved(settings, reps, same_as, families)
    level = (boot or BootstrapSettings()).level
    verdicts = judge_gates(
        gates,
        report,
        paired_drops(reps, level),
        saved,
        declared=_cells(view.keys()),
        selected=_cells(view.selected()),
    )
    failures: list[str] = []
    if save_baseline is not None and reps:

        name = save_baseline.stem
        try:
            save(
                save_baseline,
                baseline_doc(name, reps, boot or BootstrapSettings(), same_as, timestamp, families),
            )
            baseline["saved_to"] = str(save_baseline)
        except OSError as exc:
            failures.append(write_failure(save_baseline, exc))
            baseline["save_error"] = failures[-1]
    report = dataclasses.replace(
        report,
        gates=GatesSection.of(verdicts) if gates else None,
        baseline=BaselineSection.from_dict(baseline, "report: baseline") if baseline else None,
    )
    return Finished(report, tuple(verdicts), failures=tuple(failures))


def write_files(
    done: Finished,
    out: Path,
    settings: ReportSettings,
    timestamp: str = "",
    step_summary: Path | None = None,
) -> Finished:
    """``report.json`` and the recorded formats in ``out`` (caller holds the store lock);
    a partial run's beside the store's full report (``harness.report.partial``).

    Each file is written on its own: one that cannot be (full disk, read-only folder,
    a folder at its path) is a line in ``failures``, and the others are still tried.
    """

    report = done.report.to_dict()
    store, out = out, report_dir(out, report)
    junit = Path(settings.junit_xml) if settings.junit_xml else None
    ctx = FormatContext(report, out, store, timestamp, junit, step_summary)
    written: list[Path] = []
    failures = list(done.failures)
    # report.json first, then each format on its own: one that cannot be written is a
    # line in ``failures``, and the others are still tried.
    for name in ["json", *requested(settings.formats, junit, step_summary)]:
        fmt = REPORT_FORMATS.get(name)
        try:
            path = fmt.write(ctx)
        except OSError as exc:
            failures.append(write_failure(fmt.target(ctx), exc))
            continue
        if name != "step-summary":  # appended to, GitHub's file: not one of ours
            written.append(path)
    return dataclasses.replace(done, written=tuple(written), failures=tuple(failures))
