"""The default terminal summary: one screen with the answer, at 80 columns and wider.

Per (task, dataset) a three-line verdict card, then the dataset x generator agreement
table (the README's headline table, points only; the intervals are in the card and the
report files), the gates one line each, and where the full report is. The full tables
of ``harness.report.render.terminal`` stay behind ``-v`` / ``--synth-summary=full``.

Every string from the suite, data or models goes through ``plain`` so a control
character, escape sequence or bidi override in a model name cannot repaint the
terminal or reorder the figures beside it: it is shown as its escape
(``harness.core.textsafe.visible``).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

from harness.core.textsafe import visible
from harness.report.model import Report
from harness.report.render.cells import never_reported, visible_report
from harness.report.render.requests import request_line
from harness.report.render.verdict import (
    COEFFICIENT,
    Card,
    Figure,
    agreement_table,
    best_names,
    build_cards,
    family_line,
    interval_method,
    none_significant,
    recommendations,
    reference_text,
    untestable,
)

GATE_TAGS = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP"}


def plain(text: Any) -> str:
    """A data string safe to print: control, format and bidi characters shown as escapes."""
    return visible(text)


def figure(f: Figure | None, digits: int = 3, p: bool = False, signed: bool = False) -> str:
    if f is None or f.value is None:
        return "n/a"
    spec = f"+.{digits}f" if signed else f".{digits}f"
    text = format(f.value, spec)
    if f.has_ci:
        text += f" [{format(f.low, spec)}, {format(f.high, spec)}]"
    if p and f.p_value is not None:
        text += f" p={f.p_value:.3f}"
    return text


def _wrap(line: str, width: int, indent: int = 4) -> list[str]:
    if len(line) <= width:
        return [line]
    return textwrap.wrap(
        line, width, subsequent_indent=" " * indent, break_on_hyphens=False, break_long_words=True
    )


def card_lines(card: Card, width: int) -> list[str]:
    """Three lines: title and answer; the ensemble, best and worst generator; bias factor."""
    answer = plain(card.answer)  # it names models: a control character stays out
    head = f"{plain(card.title)}  ({plain(card.metric)})  {card.n_models} models: {answer}"
    parts = []
    if card.ensemble is not None:
        name = plain(card.ensemble.name)
        parts.append(f"ensemble {name} {figure(card.ensemble.agreement, 2, p=True)}")
        hier = card.ensemble.over_models
        if hier is not None and hier.has_ci:
            parts.append(f"over models [{hier.low:.2f}, {hier.high:.2f}]")
    if card.best is not None:
        parts.append(f"best {plain(card.best.name)} {figure(card.best.agreement, 2)}")
    if card.worst is not None:
        parts.append(f"worst {plain(card.worst.name)} {figure(card.worst.agreement, 2)}")
    # Whole figures per line: a figure cut between its point and its interval misreads.
    rows: list[str] = []
    for part in parts or ["agreement: n/a"]:
        if rows and len(rows[-1]) + 3 + len(part) <= width:
            rows[-1] += " | " + part
        else:
            rows.append("  " + part)
    sig = card.significant_bias
    if not card.bias:
        bias = ""  # said once for all groups by ``render_summary``
    elif sig:
        named = "; ".join(
            f"{plain(b.model)} on {plain(b.generator)} {figure(b.factor, 2, signed=True)}"
            for b in sig
        )
        bias = f"  bias factor: {named} ({len(sig)} of {len(card.bias)} significant)"
    elif not any(b.testable for b in card.bias):
        bias = f"  bias factor: {untestable(card.bias, plain)}"
    else:
        bias = f"  bias factor: {none_significant(card.bias)}"
    if bias and card.self_preference is not None and card.self_preference.p_value is not None:
        bias += f"; self-preference p={card.self_preference.p_value:.3f}"
    family = family_line(card, plain)[2:]  # '' without suite families
    refs = ["  " + reference_text(r, plain, plain) for r in card.reference]
    out: list[str] = []
    for line in (
        head, *rows, *([bias] if bias else []), *(["  " + family] if family else []), *refs
    ):
        out += _wrap(line, width)
    return out


def _split_header(name: str, w: int) -> list[str]:
    """A column name in pieces of at most ``w`` characters, cut after '-' where possible."""
    pieces: list[str] = []
    rest = name
    while len(rest) > w:
        cut = rest.rfind("-", 1, w + 1)
        cut = cut if cut > 0 else w
        pieces.append(rest[:cut])
        rest = rest[cut:]
    pieces.append(rest)
    return pieces


def headline_table(cards: Sequence[Card], width: int) -> list[str]:
    """Rows (dataset), columns (generators and the ensemble): Spearman, ``*`` = best."""
    table = agreement_table(cards)
    if not table.rows or not table.columns:
        return []
    labels = [plain(c.dataset) for c, _ in table.rows]
    label_w = max(7, *(len(s) for s in labels))
    ncols = len(table.columns)
    w = min(8, max(6, (width - 2 - label_w) // ncols - 1))
    if 2 + label_w + ncols * (w + 1) > width:
        # Too many generators for one screen: the full tables (-v) have every figure.
        return [f"  agreement with real: {ncols} sources, too many for {width} columns (-v)"]
    heads = [_split_header(plain(c), w) for c in table.columns]
    depth = max(len(h) for h in heads)
    lines = [f"agreement with real ({COEFFICIENT} of the model rankings; * best generator)"]
    for k in range(depth):
        label = "dataset" if k == depth - 1 else ""
        head = "".join(" " + (h[k] if k < len(h) else "").rjust(w) for h in heads)
        lines.append(("  " + label.ljust(label_w) + head).rstrip())
    for label, (card, figures) in zip(labels, table.rows, strict=True):
        best = set(best_names(card))
        cells = []
        for col, f in zip(table.columns, figures, strict=True):
            text = "n/a" if f is None or f.value is None else f"{f.value:.2f}"
            cells.append(text + ("*" if col in best else " "))
        row = "".join(" " + c.rjust(w) for c in cells)
        lines.append(("  " + label.ljust(label_w) + row).rstrip())
    return lines


def gate_lines(report: Report, width: int, leans: Mapping[str, str] | None = None) -> list[str]:
    """One line per gate; a failed gate adds its rule and its reason; a passed agreement
    gate that leans on one model (``leans``: gate name -> model) names it."""
    section = report.gates
    if section is None:
        return []
    c = section.counts
    lines = [
        f"gates: {section.status.upper()} ({c['passed']} passed, {c['failed']} failed, "
        f"{c['skipped']} skipped)"
    ]
    for g in section.gates:
        tag = GATE_TAGS.get(g.status, plain(g.status))
        if g.status != "failed":
            lean = (leans or {}).get(g.name)
            note = f" (passes only with `{plain(lean)}`)" if lean else ""
            lines += _wrap(f"  {tag}  {plain(g.name)}{note}", width, 8)
            continue
        # A failure says what was asked and why it failed; a pass needs only its name.
        lines += _wrap(f"  {tag}  {plain(g.name)}: {plain(g.description)}", width, 8)
        lines += _wrap(f"        {plain(g.reason)}", width, 8)
    return lines


def which_lines(report: Report, width: int) -> list[str]:
    """Which generator, one recommendation per task (``harness.analysis.whichgen``'s sentence)."""
    found = recommendations(report)
    if not found:
        return []
    lines = ["which generator (paired over examples and models; Holm per task):"]
    for r in found:
        lines += _wrap(f"  {plain(r.sentence)}", width, 6)
    return lines


def _cases_line(report: Report) -> str:
    """Cases by status; cells without a result split by why: a ``-k``/``-m`` run leaves
    most cells unselected, which is not the same as a selected case that never arrived."""
    counts = ", ".join(f"{n} {plain(s)}" for s, n in report.cases.counts.items())
    lost, unselected = never_reported(report.cases)
    parts = [f"cases: {counts or 'none'}"]
    if lost:
        parts.append(f"{len(lost)} never reported")
    if unselected:
        parts.append(f"{unselected} not selected (no stored result)")
    return "; ".join(parts)


def render_summary(report: Report | Mapping[str, Any], width: int = 100) -> str:
    """The one-screen summary; the caller adds the paths of the report files."""
    # Every string visible first, fields ``plain`` does not reach (answer, status) too.
    shown = visible_report(report)
    cards = build_cards(shown)
    blocks = ["\n".join(card_lines(c, width)) for c in cards]
    unmeasured = [c for c in cards if not c.bias]
    if unmeasured:
        where = "any group" if len(unmeasured) == len(cards) else f"{len(unmeasured)} groups"
        blocks.append(f"bias factor: not measured in {where} (no model is one of the generators)")
    table = headline_table(cards, width)
    which = which_lines(shown, width)
    tail = [_cases_line(shown)]
    if line := request_line(shown):  # failed requests apart from bad answers
        tail.append(plain(line)[:width])
    if (boot := shown.bootstrap) is not None:
        tail += _wrap(
            f"intervals: {boot.level:.0%} {plain(interval_method(boot))}; "
            f"{boot.resamples} bootstrap resamples",
            width,
        )
    tail.append("full tables: pytest -v (or --synth-summary=full)")
    leans = {g.name: g.leans_on for c in cards for g in c.gates if g.leans_on}
    gates = gate_lines(shown, width, leans)
    parts = ["\n".join(blocks), "\n".join(table), "\n".join(which)]
    parts += ["\n".join(gates)] if gates else []
    parts.append("\n".join(tail))
    return "\n\n".join(p for p in parts if p)
