"""The run's state on the controller: which cases were selected, which arrived.

With ``-n 0`` the controller is the only process; with xdist it is the process that
receives every worker's test reports. Case records arrive one by one, inside each
test report's ``user_properties``, as soon as the case finishes, so a worker that dies
later cannot take finished cases with it. At the end the session records the run
(every suite cell with its fingerprint, what was selected, what was skipped or
failed) in the store and hands it to ``harness.report.finish``, the same pipeline
``synthbench report`` uses. Nothing is written before the end, and nothing when no
suite case was selected.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from harness.core.records import CaseKey, CaseResult
from harness.run.runner import RunSettings, fingerprint_of, iter_cases
from harness.run.suite import Suite

if TYPE_CHECKING:  # the report is built at the end only (``finish``): imported there
    from harness.report.model import Report

#: The user-property name under which a case record travels on a test report.
PROPERTY = "synthbench_case"
#: The user property of a reused case: the id of the run that computed it.
REUSED = "synthbench_reused"


def param_id(nodeid: str) -> str:
    """``path::test[intent-snips-real-m]`` -> ``intent-snips-real-m``.

    Under xdist's loadgroup mode node ids carry an ``@group`` suffix: dropped.
    """
    if "@" in nodeid and "]@" in nodeid:
        nodeid = nodeid[: nodeid.rindex("]@") + 1]
    if nodeid.endswith("]") and "[" in nodeid:
        return nodeid[nodeid.index("[") + 1 : -1]
    return ""


def reused_from(report: pytest.TestReport) -> str:
    """The run a reported case was reused from, or '' when it was evaluated."""
    return next((str(v) for n, v in report.user_properties if n == REUSED), "")


@dataclass
class SynthSession:
    """Collects case records on the controller and reports them at the end."""

    suite: Suite
    results_dir: Path
    settings: dict[str, Any] = field(default_factory=dict)
    expected: dict[str, CaseKey] = field(default_factory=dict)  # nodeid -> key
    results: dict[CaseKey, CaseResult] = field(default_factory=dict)
    reused: dict[CaseKey, str] = field(default_factory=dict)
    started: float = field(default_factory=time.time)
    #: The run's report, typed (``harness.report.model``): read by attribute.
    report: Report | None = None
    #: ``harness.report.finish.ReportSettings`` of this run.
    post: Any = None
    #: A saved-baseline file to write (``--synth-save-baseline``).
    save_baseline: Path | None = None
    step_summary: Path | None = None
    run_settings: RunSettings | None = None
    verdicts: list[Any] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    #: Files the end of the run could not write, one line each (the run exits non-zero).
    write_failures: list[str] = field(default_factory=list)
    #: A gate failed in a shard's run, where it does not set the exit status.
    gates_deferred: bool = False

    @property
    def gates_failed(self) -> bool:
        """A gate failed: the run must exit with status 1."""
        return any(v.failed for v in self.verdicts)

    def unsaved(self) -> list[str]:
        """Each file the run could not write, and each result it computed but could not
        store, one line each: such a run exits non-zero."""
        lines = [f"synthbench: {line}" for line in self.write_failures]
        for key, r in sorted(self.results.items()):
            if r.status == "error" and "unstored" in r.extra:
                lines.append(f"synthbench: {key.id}: {r.reason}")
        return lines

    def __post_init__(self) -> None:
        self._by_id = {k.id: k for k in iter_cases(self.suite)}

    # ---------------------------------------------------------------- collection

    def set_collected(self, nodeids: Sequence[str]) -> None:
        """The node ids selected for this run (after ``-m``/``-k``/shard deselection)."""
        for nodeid in nodeids:
            key = self._by_id.get(param_id(nodeid))
            if key is not None:
                self.expected[nodeid] = key

    # ---------------------------------------------------------------- reports

    def add_report(self, report: pytest.TestReport) -> None:
        """Take the case record a test report carries, or note a crash or error."""
        for name, value in report.user_properties:
            if name == PROPERTY:
                result = CaseResult.from_dict(json.loads(str(value)))
                # A call-phase record supersedes a setup-phase one of the same case.
                self.results[result.key] = result
                if origin := reused_from(report):
                    self.reused[result.key] = origin
                return
        key = self.expected.get(report.nodeid)
        if key is None or not report.failed or key in self.results:
            return
        # No record at all: the worker crashed, or setup failed before the case ran.
        reason = str(report.longrepr).strip().splitlines()[-1:] if report.longrepr else []
        self.results[key] = CaseResult(key, "error", reason=reason[0] if reason else "failed")

    # ---------------------------------------------------------------- the end

    def record(self) -> Any:
        """This run as a ``RunRecord``: every suite cell, what was selected and settled."""
        from harness.backends.cache import cache_stats
        from harness.store.files import now
        from harness.store.runs import Cell, RunRecord

        assert self.run_settings is not None
        selected = set(self.expected.values())
        cells = []
        for key in iter_cases(self.suite):
            got = self.results.get(key)
            if got is not None and got.fingerprint:
                digest = got.fingerprint  # what the worker saw is what it stored
            else:
                digest = fingerprint_of(key, self.suite, self.run_settings).digest
            cells.append(Cell(key, digest, key in selected))
        settled = tuple(r for _, r in sorted(self.results.items()) if r.status != "ok")
        stats = cache_stats()
        extra = {"cache": stats.to_dict()} if stats.hits + stats.misses else {}
        run = {
            "suite": self.suite.path,
            "results_dir": str(self.results_dir),
            "duration_s": round(time.time() - self.started, 3),
            **self.settings,
        }
        return RunRecord(
            self.run_settings.run_id,
            tuple(cells),
            self.suite.same_as(),
            settled,
            run=run,
            report=self.post.to_dict() if self.post is not None else {},
            extra=extra,
            families=self.suite.families,
            time=now(),
        )

    def finish(self) -> Report | None:
        """Record the run and write the report files; the report, None when nothing was
        selected."""
        if not self.expected:
            return None
        from harness.report.finish import ReportSettings, build, write_files
        from harness.store.files import STORE_FILE, open_store, parse_once, write_failure
        from harness.store.lock import lock_or_note
        from harness.store.runs import RUN_FILE, write_run_record

        settings = self.post or ReportSettings()
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        record = self.record()
        root = self.results_dir
        # A write that fails (full disk, read-only store, a folder in the way) is one
        # line in write_failures: the report is still built and its verdicts shown.
        failures: list[str] = []
        try:
            open_store(root)
        except OSError as exc:
            failures.append(write_failure(root / STORE_FILE, exc))
        # Several runs may share a store: run.json and the report files come from
        # one run, written under the lock; case files need none (content-addressed).
        with lock_or_note(root, failures) as locked, parse_once():
            if locked:
                try:
                    write_run_record(root, record)
                except OSError as exc:
                    failures.append(write_failure(Path(exc.filename or root / RUN_FILE), exc))
            done = build([(root, record)], settings, (), self.save_baseline, stamp)
            if locked:
                done = write_files(done, root, settings, stamp, self.step_summary)
        self.verdicts = list(done.verdicts)
        self.written = list(done.written)  # report.json first: maybe beside the full one
        self.write_failures = [*failures, *done.failures]
        self.report = done.report
        return self.report
