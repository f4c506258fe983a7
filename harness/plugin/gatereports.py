"""Verdicts as pytest test reports: one ``synthbench::gate[NAME]`` test per gate.

A gate's outcome reaches every surface pytest already feeds (``-rA``, ``--junitxml``,
the pass/fail counts, CI dashboards), so a failed gate is never only a line in the
terminal summary. The reports are made on the controller at the end of the run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import pytest

if TYPE_CHECKING:
    from harness.plugin.session import SynthSession

#: Node ids of the test reports the controller adds at the end of a run.
GATE_NODE = "synthbench::gate[{}]"
RUN_NODE = "synthbench::run"


@dataclass(frozen=True)
class _Crash:
    """What pytest's summaries read of a failure: ``-rA``'s one line, JUnit's message."""

    path: str
    lineno: int
    message: str


@dataclass(frozen=True)
class _Verdict:
    """A failure's long representation (pytest reads ``reprcrash`` and ``toterminal``)."""

    reprcrash: _Crash
    text: str

    def toterminal(self, tw: Any) -> None:
        for line in self.text.splitlines():
            tw.line(line)

    def __str__(self) -> str:
        return self.text


def synthetic_report(nodeid: str, outcome: str, text: str) -> list[pytest.TestReport]:
    """The reports of one synthetic test: its outcome, then a teardown that closes it."""
    domain = nodeid.split("::", 1)[1]
    location = ("synthbench", None, domain)
    first = text.splitlines()[0] if text else ""
    longrepr: Any = None
    when = "call"
    if outcome == "failed":
        longrepr = _Verdict(_Crash("synthbench", 0, first), text)
    elif outcome == "skipped":
        longrepr, when = ("synthbench", None, first), "setup"
    keywords: dict[str, Literal[1]] = {"synthbench": 1}
    return [
        pytest.TestReport(nodeid, location, keywords, outcome, longrepr, when),  # type: ignore[arg-type]
        pytest.TestReport(nodeid, location, keywords, "passed", None, "teardown"),
    ]


def gate_reports(verdicts: Sequence[Any], deferred: bool = False) -> list[list[pytest.TestReport]]:
    """One test per gate: failing when it failed, skipped when not judged.

    In a shard's run (``deferred``) a failed gate is skipped: the shard saw part of
    its cells, and ``synthbench report`` over every shard's store decides.
    """
    # Here, not at the top: verdicts exist only at a run's end; a dormant plugin
    # (a session with no suite) never loads the gates.
    from harness.gates import describe

    out = []
    for v in verdicts:
        text = f"{v.reason}\n{describe(v.gate)}"
        text += "".join(f"\n  {c.status}: {c.cell}: {c.reason}" for c in v.checks)
        outcome = v.status
        if deferred and v.failed:
            outcome = "skipped"
            text = f"failed on this shard's cells, decided by `synthbench report`: {text}"
        out.append(synthetic_report(GATE_NODE.format(v.gate.name), outcome, text))
    return out


def gate_exit_lines(verdicts: Sequence[Any], deferred: bool) -> list[tuple[str, bool]]:
    """Which rule set the exit status: gates that failed (and why), gates not judged."""
    failed = [f"{v.gate.name!r} ({v.rule})" for v in verdicts if v.failed]
    unjudged = [repr(v.gate.name) for v in verdicts if v.rule == "not_judged" and not v.failed]
    out = []
    if failed and not deferred:
        out.append((f"gates: exit status 1: failed {', '.join(failed)}", True))
    if unjudged:
        out.append(
            (
                f"gates: not judged (exit status unaffected): {', '.join(unjudged)}: cells "
                "outside this run's selection have no stored result",
                False,
            )
        )
    return out


def empty_run(synth: SynthSession) -> str:
    """Why this run proves nothing (every selected case skipped), or ''."""
    results = [synth.results.get(k) for k in dict.fromkeys(synth.expected.values())]
    if not results or any(r is None or r.status != "skipped" for r in results):
        return ""
    reasons = sorted({r.reason for r in results if r is not None})
    return (
        f"every selected suite case was skipped ({len(results)}): {reasons[0]}"
        + (f" (and {len(reasons) - 1} other reason(s))" if len(reasons) > 1 else "")
        + "; pass --synth-allow-empty (ini synth_allow_empty) to accept an empty run"
    )


def log_reports(session: pytest.Session, reports: list[list[pytest.TestReport]]) -> None:
    """Through the hooks every reporter listens to, as xdist's controller relays a
    worker's reports; counted as collected, so the progress ends at 100%."""
    if not reports:
        return
    config = session.config
    session.testscollected += len(reports)
    terminal = config.pluginmanager.get_plugin("terminalreporter")
    if terminal is not None and config.get_verbosity() <= 0:
        # The letters on a line of their own, not after the last file's progress
        # (under xdist that line is not the reporter's "current file").
        terminal.ensure_newline()
        if terminal._tw.width_of_current_line:
            terminal._tw.line()
        terminal.write("synthbench ")
    for group in reports:
        for r in group:
            config.hook.pytest_runtest_logreport(report=r)
        config.hook.pytest_runtest_logfinish(nodeid=group[0].nodeid, location=group[0].location)


# ------------------------------------------------------------------ running
