"""The run's state on the controller: which cases were expected, which arrived.

With ``-n 0`` the controller is the only process; with xdist it is the process that
receives every worker's test reports. Case records arrive one by one, inside each
test report's ``user_properties``, as soon as the case finishes, so a worker that dies
later cannot take finished cases with it. At the end the session turns what it has
into a report (analysis is pure and lives in ``harness.analysis``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from harness.config import Suite
from harness.records import CaseKey, CaseResult
from harness.results import REPORT_JSON, atomic_write_text, clear_cases, write_run
from harness.runner import iter_cases
from harness.textsafe import json_dumps

#: The user-property name under which a case record travels on a test report.
PROPERTY = "synthbench_case"


def param_id(nodeid: str) -> str:
    """``path::test[intent-snips-real-m]`` -> ``intent-snips-real-m``.

    Under xdist's loadgroup mode node ids carry an ``@group`` suffix: dropped.
    """
    if "@" in nodeid and "]@" in nodeid:
        nodeid = nodeid[: nodeid.rindex("]@") + 1]
    if nodeid.endswith("]") and "[" in nodeid:
        return nodeid[nodeid.index("[") + 1 : -1]
    return ""


@dataclass
class SynthSession:
    """Collects case records on the controller and reports them at the end."""

    suite: Suite
    results_dir: Path
    settings: dict[str, Any] = field(default_factory=dict)
    expected: dict[str, CaseKey] = field(default_factory=dict)  # nodeid -> key
    results: dict[CaseKey, CaseResult] = field(default_factory=dict)
    started: float = field(default_factory=time.time)
    report: dict[str, Any] | None = None
    #: ``harness.postrun.PostRunOptions``: intervals, gates, baselines, report files.
    post: Any = None
    verdicts: list[Any] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)

    @property
    def gates_failed(self) -> bool:
        """A gate failed: the run must exit with status 1."""
        return any(v.failed for v in self.verdicts)

    def __post_init__(self) -> None:
        self._by_id = {k.id: k for k in iter_cases(self.suite)}

    # ---------------------------------------------------------------- collection

    def start(self) -> None:
        """Forget the previous run's case files; write what this run expects."""
        clear_cases(self.results_dir)

    def set_collected(self, nodeids: Sequence[str]) -> None:
        """The node ids selected for this run (after ``-m``/``-k`` deselection)."""
        for nodeid in nodeids:
            key = self._by_id.get(param_id(nodeid))
            if key is not None:
                self.expected[nodeid] = key
        write_run(
            self.results_dir,
            self.expected.values(),
            self.suite.same_as(),
            {"suite": self.suite.path, "settings": self.settings},
        )

    # ---------------------------------------------------------------- reports

    def add_report(self, report: pytest.TestReport) -> None:
        """Take the case record a test report carries, or note a crash or error."""
        for name, value in report.user_properties:
            if name == PROPERTY:
                result = CaseResult.from_dict(json.loads(str(value)))
                # A call-phase record supersedes a setup-phase one of the same case.
                self.results[result.key] = result
                return
        key = self.expected.get(report.nodeid)
        if key is None or not report.failed or key in self.results:
            return
        # No record at all: the worker crashed, or setup failed before the case ran.
        reason = str(report.longrepr).strip().splitlines()[-1:] if report.longrepr else []
        self.results[key] = CaseResult(key, "error", reason=reason[0] if reason else "failed")

    # ---------------------------------------------------------------- the end

    def finish(self, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """Analyse what arrived and write ``report.json``; returns the report dict."""
        from harness.reporting import build_run_report

        self.report = build_run_report(
            list(self.results.values()),
            same_as=self.suite.same_as(),
            expected=set(self.expected.values()) or None,
            run={
                "suite": self.suite.path,
                "results_dir": str(self.results_dir),
                "duration_s": round(time.time() - self.started, 3),
                **self.settings,
            },
            extra={**_cache_figures(), **(extra or {})},
        )
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        if self.post is not None:
            from harness.postrun import complete_report

            self.verdicts = complete_report(
                self.report,
                self.results_dir,
                list(self.results.values()),
                self.suite.same_as(),
                self.post,
                stamp,
            )
        atomic_write_text(
            self.results_dir / REPORT_JSON,
            json_dumps(self.report, indent=1, sort_keys=False) + "\n",
        )
        if self.post is not None:
            from harness.postrun import write_reports

            self.written = write_reports(self.report, self.results_dir, self.post, stamp)
        return self.report


def _cache_figures() -> dict[str, Any]:
    """This run's response-cache hits and misses, summed over all processes."""
    from harness.cache import cache_stats

    stats = cache_stats()
    if stats.hits + stats.misses == 0:
        return {}
    return {"cache": stats.to_dict()}
