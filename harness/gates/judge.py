"""Verdicts: every covered cell of a gate judged against its threshold, then the gate."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from harness.gates.kinds import Drops, PairedDrop, SavedDrop, groups_of, kind_of, matches
from harness.gates.model import FAILED, PASSED, SKIPPED, Check, Figure, Gate, Verdict
from harness.names import ENSEMBLES, REAL


def judge_figure(gate: Gate, fig: Figure) -> Check:
    """One cell: the pessimistic bound (or the point) against the threshold."""
    kind = kind_of(gate.kind)
    judged = fig.value if gate.on == "point" else kind.bound(fig)
    if judged is None:
        reason = fig.reason or (
            'no interval (no per-example outcomes); use on = "point" to judge the point value'
            if fig.value is not None
            else "figure missing"
        )
        return Check(fig.cell, SKIPPED, fig.value, fig.low, fig.high, reason=reason)
    ok = kind.passes(judged, gate.threshold)
    word = "bound" if gate.on == "interval" else "value"
    op = kind.op if ok else f"not {kind.op}"
    text = f"{word} {judged:.4g} {op} {gate.threshold:g}"
    status = PASSED if ok else FAILED
    return Check(fig.cell, status, fig.value, fig.low, fig.high, judged=judged, reason=text)


def judge_gate(
    gate: Gate,
    report: Mapping[str, Any],
    paired: PairedDrop | None = None,
    saved: SavedDrop | None = None,
    declared: Collection[Sequence[str]] | None = None,
    selected: Collection[Sequence[str]] | None = None,
) -> Verdict:
    """The verdict of one gate on a report dict (with ``ci`` sections for intervals).

    ``declared`` are the suite's (task, dataset, generator, model) cells: a gate whose
    cells the suite declares but this run deselected (``-m``/``-k``) is skipped with
    that reason; cells that were selected and never reported still fail it.
    ``selected`` are the cells this invocation selected (default: the report's cases).
    """
    figures = kind_of(gate.kind).figures(gate, report, Drops(paired, saved))
    checks = tuple(judge_figure(gate, f) for f in figures)
    unjudged = SKIPPED if gate.optional else FAILED
    if not checks and declared is not None and _deselected(gate, report, declared, selected):
        why = _deselected(gate, report, declared, selected)
        return Verdict(gate, SKIPPED, f"not judged: {why}")
    if not checks:
        sel = " ".join(f"{k}={v}" for k, v in gate.selectors().items() if v) or "(any)"
        return Verdict(
            gate, unjudged, f"cannot be judged: no cell matches {sel}{_missing(gate, report)}"
        )
    failed = [c for c in checks if c.status == FAILED]
    blind = [c for c in checks if c.status == SKIPPED]
    partial = _incomplete(gate, report) if kind_of(gate.kind).whole_group else ""
    if failed:
        worst = failed[0]
        more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
        return Verdict(gate, FAILED, f"{worst.cell}: {worst.reason}{more}{partial}", checks)
    if blind:
        c = blind[0]
        more = f" (and {len(blind) - 1} more)" if len(blind) > 1 else ""
        return Verdict(gate, unjudged, f"cannot be judged: {c.cell}: {c.reason}{more}", checks)
    return Verdict(gate, PASSED, f"{len(checks)} cell(s) pass{partial}", checks)


def _incomplete(gate: Gate, report: Mapping[str, Any]) -> str:
    """A note when the figure's groups miss cells (a -k subset into a fresh store, a
    failed case): agreement over some of the models is not the suite's agreement."""
    names = sorted(
        f"{g['task']}/{g['dataset']}/{c.get('generator')}/{c.get('model')}"
        for g in groups_of(gate, report)
        for c in g.get("missing", [])
    )
    if not names:
        return ""
    shown = ", ".join(names[:3]) + (" ..." if len(names) > 3 else "")
    return (
        f"; judged on an incomplete figure: {len(names)} cell(s) of its group(s) have no"
        f" result ({shown}); run them for the suite's figure"
    )


def _missing(gate: Gate, report: Mapping[str, Any]) -> str:
    """Name the missing cells a gate would have covered (the run did not deliver them)."""
    keys = ("task", "dataset", "generator", "model")
    gone = [
        c
        for c in report.get("cases", {}).get("missing", [])
        if matches(gate, **{k: c[k] for k in keys})
    ]
    gone += [
        {**c, "task": g["task"], "dataset": g["dataset"]}
        for g in groups_of(gate, report)
        for c in g.get("missing", [])
        if matches(gate, generator=c.get("generator", ""), model=c.get("model", ""))
    ]
    if not gone:
        return ""
    names = sorted(
        {f"{c['task']}/{c['dataset']}/{c.get('generator')}/{c.get('model')}" for c in gone}
    )
    return f" (missing cells: {', '.join(names[:5])}{' ...' if len(names) > 5 else ''})"


def judge_gates(
    gates: Sequence[Gate],
    report: Mapping[str, Any],
    paired: PairedDrop | None = None,
    saved: SavedDrop | None = None,
    declared: Collection[Sequence[str]] | None = None,
    selected: Collection[Sequence[str]] | None = None,
) -> list[Verdict]:
    """Every gate's verdict, in declaration order."""
    return [judge_gate(g, report, paired, saved, declared, selected) for g in gates]


def _deselected(
    gate: Gate,
    report: Mapping[str, Any],
    declared: Collection[Sequence[str]],
    chosen: Collection[Sequence[str]] | None = None,
) -> str:
    """Why a gate covers nothing this run, when that is deselection; else ""."""
    cases = report.get("cases", {})
    selected = (
        {tuple(c) for c in chosen}
        if chosen is not None
        else {
            (c["task"], c["dataset"], c["generator"], c["model"])
            for part in ("all", "missing")
            for c in cases.get(part, [])
        }
    )
    sel = gate.selectors()
    ensemble = sel["generator"] in ENSEMBLES
    covered = [
        tuple(cell)
        for cell in declared
        if matches(gate, task=cell[0], dataset=cell[1], model=cell[3])
        and (sel["generator"] in ("", cell[2]) or (ensemble and cell[2] != REAL))
    ]
    if not covered or any(c in selected for c in covered):
        return ""
    return f"none of its {len(covered)} cell(s) in the suite was selected in this run (-m/-k)"


def gates_section(verdicts: Sequence[Verdict]) -> dict[str, Any]:
    """The report's ``gates`` entry: counts, overall status, one dict per gate."""
    counts = {s: sum(v.status == s for v in verdicts) for s in (PASSED, FAILED, SKIPPED)}
    return {
        "status": FAILED if counts[FAILED] else PASSED,
        "counts": counts,
        "gates": [v.to_dict() for v in verdicts],
    }
