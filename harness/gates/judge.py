"""Verdicts: every covered cell of a gate judged against its threshold, then the gate."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

from harness.gates.coverage import Coverage, coverage, named
from harness.gates.kinds import Drops, PairedDrop, SavedDrop, bound, groups_of, matches, op_of
from harness.gates.kinds import passes as kind_passes
from harness.gates.model import (
    CANNOT_JUDGE,
    FAILED,
    INCOMPLETE,
    NOT_JUDGED,
    PASSED,
    SKIPPED,
    THRESHOLD,
    Check,
    Figure,
    Gate,
    Verdict,
)
from harness.gates.registry import describe, kind_of

if TYPE_CHECKING:  # judged by attribute; the report layer is not imported at run time
    from harness.report.model import Report


def judge_figure(gate: Gate, fig: Figure) -> Check:
    """One cell: the pessimistic bound (or the point) against the threshold."""
    kind = kind_of(gate.kind)
    judged = fig.value if gate.on == "point" else bound(kind, fig)
    if judged is None:
        reason = fig.reason or (
            'no interval (no per-example outcomes); use on = "point" to judge the point value'
            if fig.value is not None
            else "figure missing"
        )
        return Check(fig.cell, SKIPPED, fig.value, fig.low, fig.high, reason=reason)
    ok = kind_passes(kind, judged, gate.threshold)
    word = "bound" if gate.on == "interval" else "value"
    op = op_of(kind) if ok else f"not {op_of(kind)}"
    text = f"{word} {judged:.4g} {op} {gate.threshold:g}"
    status = PASSED if ok else FAILED
    return Check(fig.cell, status, fig.value, fig.low, fig.high, judged=judged, reason=text)


def judge_gate(
    gate: Gate,
    report: Report,
    paired: PairedDrop | None = None,
    saved: SavedDrop | None = None,
    declared: Collection[Sequence[str]] | None = None,
    selected: Collection[Sequence[str]] | None = None,
) -> Verdict:
    """The verdict of one gate on the typed report (with ``ci`` for intervals).

    ``declared`` are the suite's (task, dataset, generator, model) cells, ``selected``
    the ones this invocation selected (``harness.gates.coverage`` says how a covered
    cell without a result makes the gate incomplete or not judged). Rules, in order:
    more cells without a result than ``allow_missing`` fail the gate as *incomplete*
    when one of them crashed, was skipped or was selected and never arrived, and
    leave it *not judged* when all of them lie outside this run's selection; then
    every covered figure is judged against the threshold.
    """
    cov = coverage(gate, report, declared, selected)
    allowed = gate.allow_missing
    if cov.without_result > allowed and cov.gaps:
        return Verdict(gate, FAILED, _incomplete(cov, allowed), rule=INCOMPLETE)
    figures = kind_of(gate.kind).figures(gate, report, Drops(paired, saved))
    checks = tuple(judge_figure(gate, f) for f in figures)
    failed = [c for c in checks if c.status == FAILED]
    if cov.without_result > allowed:
        why = _not_judged(cov, allowed)
        if failed and not kind_of(gate.kind).whole_group:
            # A cell's own figure failed: that stands whatever the other cells say.
            return Verdict(gate, FAILED, f"{_failure(failed)}; {why}", checks, rule=THRESHOLD)
        return Verdict(gate, SKIPPED, f"not judged: {why}", checks, rule=NOT_JUDGED)
    unjudged = SKIPPED if gate.optional else FAILED
    if not checks:
        if cause := kind_of(gate.kind).absent(gate, report):
            return Verdict(gate, unjudged, f"cannot be judged: {cause}", rule=CANNOT_JUDGE)
        sel = " ".join(f"{k}={v}" for k, v in gate.selectors().items() if v) or "(any)"
        return Verdict(
            gate,
            unjudged,
            f"cannot be judged: no cell matches {sel}{_missing(gate, report)}",
            rule=CANNOT_JUDGE,
        )
    blind = [c for c in checks if c.status == SKIPPED]
    note = _allowed(cov, allowed)
    if failed:
        return Verdict(gate, FAILED, _failure(failed) + note, checks, rule=THRESHOLD)
    if blind:
        c = blind[0]
        more = f" (and {len(blind) - 1} more)" if len(blind) > 1 else ""
        return Verdict(
            gate,
            unjudged,
            f"cannot be judged: {c.cell}: {c.reason}{more}",
            checks,
            rule=CANNOT_JUDGE,
        )
    return Verdict(gate, PASSED, f"{len(checks)} cell(s) pass{note}", checks, rule=THRESHOLD)


def _failure(failed: Sequence[Check]) -> str:
    worst = failed[0]
    more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
    return f"{worst.cell}: {worst.reason}{more}"


def _incomplete(cov: Coverage, allowed: int) -> str:
    """Why a gate fails as incomplete, naming the cells (crashed ones first)."""
    gaps = (*cov.gaps, *cov.unjudged)
    return (
        f"incomplete: {cov.without_result} of its {cov.cells} cell(s) have no result "
        f"(allow_missing = {allowed}): {named(gaps)}"
    )


def _not_judged(cov: Coverage, allowed: int) -> str:
    return (
        f"{len(cov.unjudged)} of its {cov.cells} cell(s) were not selected in this run "
        f"(-m/-k/--synth-shard) and have no stored result (allow_missing = {allowed}): "
        f"{named(cov.unjudged, 3, why=False)}"
    )


def _allowed(cov: Coverage, allowed: int) -> str:
    """The note of a gate judged with cells missing that ``allow_missing`` tolerates."""
    if not cov.without_result:
        return ""
    gaps = (*cov.gaps, *cov.unjudged)
    return (
        f"; judged without {cov.without_result} of its {cov.cells} cell(s) "
        f"(allow_missing = {allowed}): {named(gaps, 3, why=not cov.unjudged)}"
    )


def _missing(gate: Gate, report: Report) -> str:
    """Name the missing cells a gate would have covered (the run did not deliver them)."""
    gone = [
        (k.task, k.dataset, k.generator, k.model)
        for k in (m.key for m in report.cases.missing)
        if matches(gate, task=k.task, dataset=k.dataset, generator=k.generator, model=k.model)
    ]
    gone += [
        (g.task, g.dataset, c.generator, c.model)
        for g in groups_of(gate, report)
        for c in g.missing
        if matches(gate, generator=c.generator, model=c.model)
    ]
    if not gone:
        return ""
    names = sorted({"/".join(c) for c in gone})
    return f" (missing cells: {', '.join(names[:5])}{' ...' if len(names) > 5 else ''})"


def judge_gates(
    gates: Sequence[Gate],
    report: Report,
    paired: PairedDrop | None = None,
    saved: SavedDrop | None = None,
    declared: Collection[Sequence[str]] | None = None,
    selected: Collection[Sequence[str]] | None = None,
) -> list[Verdict]:
    """Every gate's verdict, in declaration order."""
    return [judge_gate(g, report, paired, saved, declared, selected) for g in gates]


def gates_section(verdicts: Sequence[Verdict]) -> dict[str, Any]:
    """The report's ``gates`` entry: counts, overall status, one dict per gate."""
    counts = {s: sum(v.status == s for v in verdicts) for s in (PASSED, FAILED, SKIPPED)}
    return {
        "status": FAILED if counts[FAILED] else PASSED,
        "counts": counts,
        "gates": [verdict_dict(v) for v in verdicts],
    }


def verdict_dict(v: Verdict) -> dict[str, Any]:
    """One gate's verdict in the report's JSON form (``harness.report.verdicts`` reads it)."""
    g = v.gate
    return {
        "name": g.name,
        "kind": g.kind,
        "threshold": g.threshold,
        "on": g.on,
        "optional": g.optional,
        "allow_missing": g.allow_missing,
        "selectors": {k: val for k, val in g.selectors().items() if val},
        "description": describe(g),
        "status": v.status,
        "reason": v.reason,
        "rule": v.rule,
        "where": g.where,
        "checks": [c.to_dict() for c in v.checks],
    }
