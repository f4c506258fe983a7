"""``report.md``: the terminal summary's tables with intervals, and the gate table.

Reads the typed report (``harness.report.model.Report``) by attribute; the public
functions take its JSON form too (a stored ``report.json``) and read it with
``as_report`` / ``as_group``. Every name that comes from the suite, the data or a
model is escaped, so an LLM-written label cannot inject markup into a CI summary,
and made visible (``harness.core.textsafe.isolate``): a control or bidi character is
written as its escape, and a right-to-left name is wrapped in FSI..PDI so it cannot
reorder the figures beside it (GitHub step summaries and validity cards included).
Deterministic: the same report gives the same bytes, apart from the timestamp line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from harness.core.textsafe import isolate
from harness.report.figures import Group, Interval, as_group
from harness.report.model import Report, as_report
from harness.report.render.cells import (
    AGREEMENT_COLUMNS,
    FAMILY_COLUMNS,
    agreement_cells,
    family_cells,
    family_preference_note,
    score_cells,
    visible_report,
    with_ci,
)
from harness.report.render.requests import request_line
from harness.report.render.verdict import (
    COEFFICIENT,
    Card,
    agreement_table,
    best_names,
    bias_line,
    build_cards,
    figure,
    interval_method,
    recommendations,
    reference_text,
    references,
)

_SPECIAL = re.compile(r"([\\`*_\[\]#|<>~])")


def md(text: Any) -> str:
    """Escape a data string for a Markdown table cell (markup characters, pipes, newlines).

    Hidden characters (newlines too) are spelled out first, so a cell stays one line.
    """
    s = isolate(str(text)).replace("&", "&amp;")
    return _SPECIAL.sub(r"\\\1", s)


def table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> list[str]:
    """A GitHub table; ``align`` is one letter per column (l/r), default label left, rest right."""
    align = align or "l" + "r" * (len(header) - 1)
    sep = ["---" if a == "l" else "--:" for a in align]
    return [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join(sep) + " |",
        *("| " + " | ".join(r) + " |" for r in rows),
    ]


def _with_ci(point: float | None, ci: Interval | None, signed: bool = False) -> str:
    return with_ci(point, ci, signed=signed)


def _scores(group: Group) -> list[str]:
    models, rows = score_cells(group)
    rows = [[md(r[0]), *r[1:]] for r in rows]
    return table(["generator \\ model", *(md(m) for m in models)], rows) if rows else []


def _agreement(group: Group) -> list[str]:
    rows = [[md(r[0]), *r[1:]] for r in agreement_cells(group)]
    return table(["agreement with real", *AGREEMENT_COLUMNS], rows) if rows else []


def _reference(group: Group) -> list[str]:
    """One line per synthetic source against real subsamples of its size, and the
    real-vs-real agreement with the task's other datasets (docs/analysis.md); the
    words are the card's (``verdict.references``), as in every renderer."""
    return ["- " + reference_text(r, md, md) for r in references(group)]


def _bias(group: Group) -> list[str]:
    ci = group.ci.bias if group.ci is not None else {}
    rows = []
    for m in dict.fromkeys([*group.bias, *ci]):
        point, c = group.bias.get(m), ci.get(m)
        interval = None if c is None else c.interval
        if point is not None:
            owner, value, why = point.owner, point.value, point.reason
        else:  # an interval without a point figure (never written by finish; kept as before)
            assert c is not None
            owner, value, why = c.owner, c.interval.value, ""
        rows.append([md(m), md(owner), _with_ci(value, interval, signed=True), md(why)])
    return table(["model", "own data", "bias factor", "note"], rows, "llrl") if rows else []


def _family_bias(group: Group) -> list[str]:
    """The family biases and their joint test; nothing without suite families."""
    rows = [[md(m), md(fam), value, p, md(why)] for m, fam, value, p, why in family_cells(group)]
    if not rows:
        return []
    note = family_preference_note(group)
    return [*table(list(FAMILY_COLUMNS), rows, "llrrl"), *(["", note] if note else [])]


def _paired(group: Group) -> list[str]:
    pairs = group.ci.paired if group.ci is not None else {}
    rows = []
    for gen, items in pairs.items():
        for p in items:
            rows.append(
                [
                    md(gen),
                    f"{md(p.better)} - {md(p.worse)}",
                    _with_ci(p.interval.value, p.interval, signed=True),
                    "n/a" if p.interval.p_value is None else f"{p.interval.p_value:.3f}",
                ]
            )
    if not rows:
        return []
    return [
        "<details><summary>paired differences of neighbouring models</summary>",
        "",
        *table(["source", "models", "difference", "p"], rows, "llrr"),
        "",
        "</details>",
    ]


def _notes(group: Group) -> list[str]:
    out = []
    for gen, a in group.agreement.items():
        for col, why in sorted(a.undefined.items()):
            out.append(f"- n/a: {md(gen)} {md(col)}: {md(why)}")
    if group.missing:
        cells = ", ".join(f"{md(c.generator)} x {md(c.model)}" for c in group.missing)
        out.append(f"- missing cells: {cells}")
    for gen, issues in group.data.items():
        for note in issues.notes:
            out.append(f"- data {md(gen)}: {md(note)}")
    return out


def render_group(group: Group | Mapping[str, Any]) -> list[str]:
    """One (task, dataset): scores, agreement, reference, bias, pairs, notes."""
    g = as_group(group)
    title = f"### {md(g.task)} / {md(g.dataset)} ({md(g.metric)})"
    parts = [
        [title],
        _scores(g),
        _agreement(g),
        _reference(g),
        _bias(g),
        _family_bias(g),
        _paired(g),
        _notes(g),
    ]
    out: list[str] = []
    for p in parts:
        if p:
            out += [*p, ""]
    return out


GATE_ICONS = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP"}


def card_row(card: Card) -> list[str]:
    """One verdict row: dataset, answer, ensemble, best, worst, significant bias, gates."""
    ens = card.ensemble
    ensemble = "n/a" if ens is None else f"{md(ens.name)} {figure(ens.agreement)}"
    if ens is not None and ens.agreement.p_value is not None:
        ensemble += f" (p={ens.agreement.p_value:.3f})"
    if ens is not None and ens.over_models is not None and ens.over_models.has_ci:
        ensemble += f"; over models [{ens.over_models.low:.2f}, {ens.over_models.high:.2f}]"
    best = "n/a" if card.best is None else f"{md(card.best.name)} {figure(card.best.agreement)}"
    worst = "n/a" if card.worst is None else f"{md(card.worst.name)} {figure(card.worst.agreement)}"
    bias = bias_line(card, md, "not measured")
    gates = ", ".join(f"{GATE_ICONS.get(g.status, md(g.status))} {md(g.name)}" for g in card.gates)
    title = f"{md(card.title)} ({md(card.metric)}, {card.n_models} models)"
    return [title, md(card.answer), ensemble, best, worst, bias, gates or "none"]


def render_answer(report: Report | Mapping[str, Any]) -> list[str]:
    """The answer first: a verdict row per (task, dataset), then dataset x generator."""
    report = as_report(report)
    cards = build_cards(report)
    if not cards:
        return []
    out = [
        "## Can the synthetic data stand in for real data?",
        "",
        f"Agreement: {COEFFICIENT} of the models' ranking on synthetic vs real data, with its "
        "interval; p: permutation test against chance. The gates decide; this restates them.",
        "",
        *table(
            [
                "task / dataset",
                "answer",
                "ensemble",
                "best generator",
                "worst generator",
                "significant bias",
                "gates",
            ],
            [card_row(c) for c in cards],
            "lllllll",
        ),
        "",
    ]
    grid = agreement_table(cards)
    if grid.columns:
        rows = []
        for card, figures in grid.rows:
            best = best_names(card)
            rows.append(
                [md(card.title), *(figure(f) for f in figures), ", ".join(md(b) for b in best)]
            )
        out += [
            f"### Agreement with real data ({COEFFICIENT}), dataset x generator",
            "",
            *table(["task / dataset", *(md(c) for c in grid.columns), "best"], rows),
            "",
        ]
    if found := recommendations(report):
        out += [
            "### Which generator",
            "",
            "Paired comparisons of agreement (examples and models resampled together), "
            "Holm-adjusted over each task's comparisons:",
            "",
            *(f"- {md(r.sentence)}" for r in found),
            "",
        ]
    return out


def render_gates(report: Report | Mapping[str, Any]) -> list[str]:
    section = as_report(report).gates
    if section is None:
        return []
    rows = [
        [GATE_ICONS.get(g.status, md(g.status)), md(g.name), md(g.description), md(g.reason)]
        for g in section.gates
    ]
    c = section.counts  # status -> how many gates (every status, gates.gates_section)
    counts = f"{c['passed']} passed, {c['failed']} failed, {c['skipped']} skipped"
    head = f"## Gates: {md(section.status.upper())} ({counts})"
    return [head, "", *table(["", "gate", "rule", "verdict"], rows, "llll"), ""]


def _bootstrap(report: Report) -> list[str]:
    """The header line on the intervals' method; nothing without a bootstrap."""
    boot = report.bootstrap
    if boot is None:
        return []
    return [
        f"Intervals: {boot.level:.0%} {md(interval_method(boot))}, {boot.resamples} "
        f"resamples of the examples (paired across models), seed {boot.seed}; p: one-sided "
        f"permutation test of the agreement ({boot.permutations} permutations).",
        "",
    ]


def _cases(report: Report) -> list[str]:
    """Counts per status, failed requests, the missing cells and the cases not ok."""
    cases = report.cases
    counts = ", ".join(f"{n} {md(s)}" for s, n in cases.counts.items())
    lines = [f"Cases: {counts or 'none'}."]
    if line := request_line(report):  # failed requests apart from bad answers
        lines.append(md(line[:1].upper() + line[1:]) + ".")
    if cases.missing:
        lines.append(
            f"Missing (never reported): {len(cases.missing)}: "
            + ", ".join(
                md(f"{k.task}-{k.dataset}-{k.generator}-{k.model}")
                for k in (m.key for m in cases.missing[:20])
            )
        )
    for r in (row.result for row in cases.not_ok[:20]):
        k = r.key
        lines.append(
            f"- {md(r.status)}: {md(k.task)}-{md(k.dataset)}-{md(k.generator)}-"
            f"{md(k.model)}: {md(r.reason)}"
        )
    return lines


def render_markdown(report: Report | Mapping[str, Any], timestamp: str = "") -> str:
    """The whole Markdown report."""
    # Every string made visible once, before anything reads it: a field left
    # unescaped below still shows no control character.
    shown = visible_report(report)
    lines = ["# synthbench report", ""]
    if timestamp:
        lines += [f"_generated {md(timestamp)}_", ""]
    lines += _bootstrap(shown)
    lines += render_answer(shown)
    lines += render_gates(shown)
    for group in shown.groups:
        lines += render_group(group)
    lines += _cases(shown)
    return "\n".join(lines).rstrip() + "\n"
