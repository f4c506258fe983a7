"""The terminal summary: one compact block per (task, dataset), at most ``width`` wide.

Reads only the report dict, so ``synthbench report`` prints the same text as the
pytest session. Wide tables are split into column chunks instead of wrapping. Every
string of the report is made visible first (``harness.core.textsafe.visible_tree``): a
control or bidi character in a name is printed as its escape, never raw.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

from harness.core.names import ENSEMBLES
from harness.core.textsafe import visible_tree
from harness.report.render.cells import (
    AGREEMENT_COLUMNS,
    family_cells,
    family_preference_note,
    never_reported,
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


def _value(v: Any) -> Any:
    """Figures are plain numbers or ``{"value": x, ...}`` dicts (with intervals)."""
    if isinstance(v, Mapping):
        return v.get("value")
    return v


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


def with_ci(value: Any, ci: Any, signed: bool = False) -> str:
    """``0.812 [0.790,0.834]`` when the report has an interval, else the plain figure."""
    text = fmt(_value(value), signed)
    if (
        isinstance(ci, Mapping)
        and ci.get("low") is not None
        and ci.get("high") is not None
        and text != NA
    ):
        text += f" [{fmt(ci['low'], signed)},{fmt(ci['high'], signed)}]"
    return text


def _ci(group: Mapping[str, Any], *path: str) -> Any:
    node: Any = group.get("ci", {})
    for key in path:
        node = node.get(key, {}) if isinstance(node, Mapping) else {}
    return node or None


def _scores(group: Mapping[str, Any], width: int) -> list[str]:
    scores: Mapping[str, Mapping[str, Any]] = group.get("scores", {})
    models = sorted({m for row in scores.values() for m in row})
    rows = [
        [gen, *(with_ci(scores[gen].get(m), _ci(group, "scores", gen, m)) for m in models)]
        for gen in scores
    ]
    return table(["generator \\ model", *models], rows, width)




def _agreement(group: Mapping[str, Any], width: int) -> list[str]:
    agreement: Mapping[str, Mapping[str, Any]] = group.get("agreement", {})
    rows = []
    for gen, a in agreement.items():
        cells = []
        for col in AGREEMENT_COLUMNS:
            v = _value(a.get(col))
            ci = _ci(group, "agreement", gen, col) if col == "spearman" else None
            cells.append(str(v) if col == "n_models" else with_ci(v, ci))
        p = (_ci(group, "agreement", gen, "spearman") or {}).get("p_value")
        rows.append([gen, *cells, NA if p is None else f"{p:.3f}"])
    lines = table(["agreement with real", *AGREEMENT_COLUMNS, "p"], rows, width)
    best = _best(agreement)
    if best:
        lines.append(f"  closest to real (Spearman): {best}")
    return lines


def _best(agreement: Mapping[str, Mapping[str, Any]]) -> str:
    # The ensembles by name: a generator called "mean-gpt" is a generator, not an ensemble.
    synth = {g: _value(a.get("spearman")) for g, a in agreement.items() if g not in ENSEMBLES}
    defined = {g: v for g, v in synth.items() if v is not None}
    if not defined:
        return ""
    top = max(defined.values())
    return ", ".join(sorted(g for g, v in defined.items() if v == top)) + f" ({top:.3f})"


def _bias(group: Mapping[str, Any]) -> list[str]:
    bias: Mapping[str, Mapping[str, Any]] = group.get("bias", {})
    if not bias:
        return []
    parts = [
        f"{m} on {b.get('generator')}: "
        f"{with_ci(b.get('value'), _ci(group, 'bias', m), signed=True)}"
        for m, b in bias.items()
    ]
    return ["  bias factor: " + "; ".join(parts)]


def _family_bias(group: Mapping[str, Any]) -> list[str]:
    """The family biases beside the bias factor; nothing without suite families."""

    rows = family_cells(group, with_ci)
    if not rows:
        return []
    parts = [f"{m} on {fam}: {value} p={p}" for m, fam, value, p, _ in rows]
    lines = ["  family bias: " + "; ".join(parts)]
    if note := family_preference_note(group):
        lines.append("  " + note)
    return lines


def _undefined(group: Mapping[str, Any]) -> list[str]:
    """Reasons for every n/a, so no blank is left unexplained."""
    reasons: list[str] = []
    for gen, a in group.get("agreement", {}).items():
        for col, why in sorted((a.get("undefined") or {}).items()):
            reasons.append(f"{gen} {col}: {why}")
    for model, b in group.get("bias", {}).items():
        why = b.get("reason") or (b.get("undefined") if isinstance(b.get("undefined"), str) else "")
        if why:
            reasons.append(f"bias {model}: {why}")
    for model, b in group.get("family_bias", {}).items():
        if why := b.get("reason"):
            reasons.append(f"family bias {model}: {why}")
    uniq = list(dict.fromkeys(reasons))
    return [f"  n/a: {r}" for r in uniq[:8]] + (
        [f"  ... {len(uniq) - 8} more"] if len(uniq) > 8 else []
    )


DATA_COUNTS = ("duplicates", "repaired_entities", "dropped_entities", "dropped_records")


def _data_notes(group: Mapping[str, Any]) -> list[str]:
    out = []
    for gen, issues in group.get("data", {}).items():
        # Only sources the loader had to touch: a clean source needs no line.
        if not any(issues.get(k) for k in DATA_COUNTS):
            continue
        for note in issues.get("notes", []):
            out.append(f"  data {gen}: {note}")
    return out


def _fit(line: str, width: int) -> str:
    """Wrap a long prose line under its own indent; tables are already split to fit."""
    if len(line) <= width:
        return line
    indent = " " * (len(line) - len(line.lstrip()) + 4)
    return textwrap.fill(line, width, subsequent_indent=indent, break_on_hyphens=False)


def render_group(group: Mapping[str, Any], width: int = 100) -> str:
    group = visible_tree(group)
    title = f"{group['task']} / {group['dataset']}  ({group['metric']})"
    lines = [
        title,
        *_scores(group, width),
        *_agreement(group, width),
        *_bias(group),
        *_family_bias(group),
    ]
    missing = group.get("missing", [])
    if missing:
        cells = ", ".join(f"{c['generator']} x {c['model']}" for c in missing[:6])
        more = f" and {len(missing) - 6} more" if len(missing) > 6 else ""
        lines.append(f"  missing cells: {cells}{more}")
    lines += _undefined(group) + _data_notes(group)
    return "\n".join(_fit(line, width) for line in lines)


def render_gates(report: Mapping[str, Any], width: int = 100) -> list[str]:
    """The gate table: one line per gate, failures first in the eye (FAIL)."""
    section = visible_tree(report.get("gates"))
    if not section:
        return []
    c = section["counts"]
    lines = [
        f"gates: {section['status'].upper()} ({c['passed']} passed, {c['failed']} failed, "
        f"{c['skipped']} skipped)"
    ]
    tags = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP"}
    for g in section["gates"]:
        lines.append(
            _fit(f"  {tags.get(g['status'], g['status'])}  {g['name']}: {g['description']}", width)
        )
        lines.append(_fit(f"        {g['reason']}", width))
    return lines


def render_terminal(report: Mapping[str, Any], width: int = 100) -> str:
    """The whole summary: every group, then case counts, missing cases and the gates."""
    report = visible_tree(report)
    blocks = [render_group(g, width) for g in report.get("groups", [])]
    cases = report.get("cases", {})
    counts = ", ".join(f"{n} {s}" for s, n in cases.get("counts", {}).items())
    tail = [f"cases: {counts or 'none'}"]
    cache = report.get("cache")
    if cache:
        tail.append(f"llm response cache: {cache['hits']} hits, {cache['misses']} misses")
    if line := request_line(report):  # failed requests apart from bad answers
        tail.append(line[:width])
    missing, unselected = never_reported(cases)
    if unselected:
        tail.append(f"not selected in this run, no stored result: {unselected}")
    if missing:
        tail.append(f"missing (never reported): {len(missing)}")
        for k in missing[:10]:
            tail.append(f"  {k['task']}-{k['dataset']}-{k['generator']}-{k['model']}")
    for r in cases.get("not_ok", [])[:10]:
        tail.append(
            f"  {r['status']}: {r['task']}-{r['dataset']}-{r['generator']}-{r['model']}: "
            f"{r.get('reason', '')}"[:width]
        )  # one line per case: cut, see report.json
    boot = report.get("bootstrap")
    if boot:
        tail.append(
            f"intervals: {boot['level']:.0%} bootstrap, {boot['resamples']} resamples; "
            "p: one-sided permutation test of Spearman"
        )
    gates = render_gates(report, width)
    return "\n\n".join([*blocks, "\n".join(tail), *(["\n".join(gates)] if gates else [])])
