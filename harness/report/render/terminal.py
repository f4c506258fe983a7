"""The terminal summary: one compact block per (task, dataset), at most ``width`` wide.

Reads only the report (typed, ``harness.report.model``; its JSON form is read first),
so ``synthbench report`` prints the same text as the pytest session. Wide tables are
split into column chunks instead of wrapping. Every string of the report is made
visible first (``harness.report.render.cells.visible_report``): a control or bidi
character in a name is printed as its escape, never raw.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

from harness.core.names import ENSEMBLES
from harness.report.figures import AgreementFigures, Group, Interval
from harness.report.model import Report
from harness.report.render.cells import (
    AGREEMENT_COLUMNS,
    Bounded,
    family_cells,
    family_preference_note,
    never_reported,
    visible_group,
    visible_report,
)
from harness.report.render.requests import request_line

NA = "n/a"


def fmt(value: Any, signed: bool = False) -> str:
    """A number with 3 decimals, or ``n/a`` for undefined (None)."""
    if value is None:
        return NA
    if isinstance(value, float | int):
        return f"{value:+.3f}" if signed else f"{value:.3f}"
    return str(value)


def table(
    header: Sequence[str], rows: Sequence[Sequence[str]], width: int, indent: str = "  "
) -> list[str]:
    """Render a left-labelled table, splitting the value columns to fit ``width``."""
    if not rows:
        return []
    label_w = max(len(header[0]), *(len(r[0]) for r in rows))
    col_w = [max(len(header[i]), *(len(r[i]) for r in rows)) for i in range(1, len(header))]
    lines: list[str] = []
    start = 0
    while start < len(col_w):
        end, used = start, len(indent) + label_w
        while end < len(col_w) and (end == start or used + 2 + col_w[end] <= width):
            used += 2 + col_w[end]
            end += 1
        cols = range(start, end)
        lines.append(
            indent
            + header[0].ljust(label_w)
            + "".join("  " + header[c + 1].rjust(col_w[c]) for c in cols)
        )
        for r in rows:
            lines.append(
                indent
                + r[0].ljust(label_w)
                + "".join("  " + r[c + 1].rjust(col_w[c]) for c in cols)
            )
        start = end
    return lines


def with_ci(value: float | Interval | None, ci: Bounded | None, signed: bool = False) -> str:
    """``0.812 [0.790,0.834]`` when the report has an interval, else the plain figure."""
    text = fmt(value.value if isinstance(value, Interval) else value, signed)
    if ci is not None and ci.low is not None and ci.high is not None and text != NA:
        text += f" [{fmt(ci.low, signed)},{fmt(ci.high, signed)}]"
    return text


def _score_ci(group: Group, source: str, model: str) -> Interval | None:
    return group.ci.scores.get(source, {}).get(model) if group.ci is not None else None


def _spearman_ci(group: Group, source: str) -> Interval | None:
    found = group.ci.agreement.get(source) if group.ci is not None else None
    return found.of("spearman") if found is not None else None


def _scores(group: Group, width: int) -> list[str]:
    scores = group.scores
    models = sorted({m for row in scores.values() for m in row})
    rows = [
        [gen, *(with_ci(scores[gen].get(m), _score_ci(group, gen, m)) for m in models)]
        for gen in scores
    ]
    return table(["generator \\ model", *models], rows, width)


def _agreement(group: Group, width: int) -> list[str]:
    rows = []
    for gen, a in group.agreement.items():
        spearman = _spearman_ci(group, gen)
        cells = [
            str(a.n_models)
            if col == "n_models"
            else with_ci(a.figure(col), spearman if col == "spearman" else None)
            for col in AGREEMENT_COLUMNS
        ]
        p = spearman.p_value if spearman is not None else None
        rows.append([gen, *cells, NA if p is None else f"{p:.3f}"])
    lines = table(["agreement with real", *AGREEMENT_COLUMNS, "p"], rows, width)
    best = _best(group.agreement)
    if best:
        lines.append(f"  closest to real (Spearman): {best}")
    return lines


def _best(agreement: Mapping[str, AgreementFigures]) -> str:
    # The ensembles by name: a generator called "mean-gpt" is a generator, not an ensemble.
    synth = {g: a.spearman for g, a in agreement.items() if g not in ENSEMBLES}
    defined = {g: v for g, v in synth.items() if v is not None}
    if not defined:
        return ""
    top = max(defined.values())
    return ", ".join(sorted(g for g, v in defined.items() if v == top)) + f" ({top:.3f})"


def _bias(group: Group) -> list[str]:
    if not group.bias:
        return []
    intervals = group.ci.bias if group.ci is not None else {}
    parts = []
    for m, b in group.bias.items():
        ci = intervals.get(m)
        shown = with_ci(b.value, ci.interval if ci is not None else None, signed=True)
        parts.append(f"{m} on {b.owner}: {shown}")
    return ["  bias factor: " + "; ".join(parts)]


def _family_bias(group: Group) -> list[str]:
    """The family biases beside the bias factor; nothing without suite families."""

    rows = family_cells(group, with_ci)
    if not rows:
        return []
    parts = [f"{m} on {fam}: {value} p={p}" for m, fam, value, p, _ in rows]
    lines = ["  family bias: " + "; ".join(parts)]
    if note := family_preference_note(group):
        lines.append("  " + note)
    return lines


def _undefined(group: Group) -> list[str]:
    """Reasons for every n/a, so no blank is left unexplained."""
    reasons: list[str] = []
    for gen, a in group.agreement.items():
        for col, why in sorted(a.undefined.items()):
            reasons.append(f"{gen} {col}: {why}")
    for model, b in group.bias.items():
        if b.reason:
            reasons.append(f"bias {model}: {b.reason}")
    for model, b in (group.family_bias or {}).items():
        if b.reason:
            reasons.append(f"family bias {model}: {b.reason}")
    uniq = list(dict.fromkeys(reasons))
    return [f"  n/a: {r}" for r in uniq[:8]] + (
        [f"  ... {len(uniq) - 8} more"] if len(uniq) > 8 else []
    )


DATA_COUNTS = ("duplicates", "repaired_entities", "dropped_entities", "dropped_records")


def _data_notes(group: Group) -> list[str]:
    out = []
    for gen, issues in group.data.items():
        # Only sources the loader had to touch: a clean source needs no line.
        if not any(getattr(issues, k) for k in DATA_COUNTS):
            continue
        for note in issues.notes:
            out.append(f"  data {gen}: {note}")
    return out


def _fit(line: str, width: int) -> str:
    """Wrap a long prose line under its own indent; tables are already split to fit."""
    if len(line) <= width:
        return line
    indent = " " * (len(line) - len(line.lstrip()) + 4)
    return textwrap.fill(line, width, subsequent_indent=indent, break_on_hyphens=False)


def render_group(group: Group | Mapping[str, Any], width: int = 100) -> str:
    """One group's block (its strings made visible first)."""
    return _group_block(visible_group(group), width)


def _group_block(group: Group, width: int) -> str:
    title = f"{group.task} / {group.dataset}  ({group.metric})"
    lines = [
        title,
        *_scores(group, width),
        *_agreement(group, width),
        *_bias(group),
        *_family_bias(group),
    ]
    missing = group.missing
    if missing:
        cells = ", ".join(f"{c.generator} x {c.model}" for c in missing[:6])
        more = f" and {len(missing) - 6} more" if len(missing) > 6 else ""
        lines.append(f"  missing cells: {cells}{more}")
    lines += _undefined(group) + _data_notes(group)
    return "\n".join(_fit(line, width) for line in lines)


def render_gates(report: Report | Mapping[str, Any], width: int = 100) -> list[str]:
    """The gate table: one line per gate, failures first in the eye (FAIL)."""
    return _gates(visible_report(report), width)


def _gates(report: Report, width: int) -> list[str]:
    section = report.gates
    if section is None:
        return []
    c = section.counts
    lines = [
        f"gates: {section.status.upper()} ({c['passed']} passed, {c['failed']} failed, "
        f"{c['skipped']} skipped)"
    ]
    tags = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP"}
    for g in section.gates:
        lines.append(_fit(f"  {tags.get(g.status, g.status)}  {g.name}: {g.description}", width))
        lines.append(_fit(f"        {g.reason}", width))
    return lines


def _cache(report: Report) -> tuple[Any, Any] | None:
    """The LLM response cache's ``(hits, misses)``; None when the run had none."""
    cache = report.cache
    return (cache.hits, cache.misses) if cache is not None else None


def _bootstrap(report: Report) -> tuple[Any, Any] | None:
    """The bootstrap's ``(level, resamples)``; None when no bootstrap ran."""
    boot = report.bootstrap
    return (boot.level, boot.resamples) if boot is not None else None


def render_terminal(report: Report | Mapping[str, Any], width: int = 100) -> str:
    """The whole summary: every group, then case counts, missing cases and the gates."""
    report = visible_report(report)
    blocks = [_group_block(g, width) for g in report.groups]
    cases = report.cases
    counts = ", ".join(f"{n} {s}" for s, n in cases.counts.items())
    tail = [f"cases: {counts or 'none'}"]
    if cache := _cache(report):
        tail.append(f"llm response cache: {cache[0]} hits, {cache[1]} misses")
    if line := request_line(report):  # failed requests apart from bad answers
        tail.append(line[:width])
    missing, unselected = never_reported(cases)
    if unselected:
        tail.append(f"not selected in this run, no stored result: {unselected}")
    if missing:
        tail.append(f"missing (never reported): {len(missing)}")
        for cell in missing[:10]:
            c = cell.key
            tail.append(f"  {c.task}-{c.dataset}-{c.generator}-{c.model}")
    for row in cases.not_ok[:10]:
        r, k = row.result, row.result.key
        tail.append(
            f"  {r.status}: {k.task}-{k.dataset}-{k.generator}-{k.model}: {r.reason}"[:width]
        )  # one line per case: cut, see report.json
    if boot := _bootstrap(report):
        tail.append(
            f"intervals: {boot[0]:.0%} bootstrap, {boot[1]} resamples; "
            "p: one-sided permutation test of Spearman"
        )
    gates = _gates(report, width)
    return "\n\n".join([*blocks, "\n".join(tail), *(["\n".join(gates)] if gates else [])])
