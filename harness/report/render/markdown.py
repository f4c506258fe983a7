"""``report.md``: the terminal summary's tables with intervals, and the gate table.

Reads only the report dict. Every name that comes from the suite, the data or a
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

from harness.core.textsafe import isolate, visible_tree
from harness.report.render.cells import (
    AGREEMENT_COLUMNS,
    FAMILY_COLUMNS,
    agreement_cells,
    family_cells,
    family_preference_note,
    score_cells,
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


def _scores(group: Mapping[str, Any]) -> list[str]:
    models, rows = score_cells(group)
    rows = [[md(r[0]), *r[1:]] for r in rows]
    return table(["generator \\ model", *(md(m) for m in models)], rows) if rows else []


def _agreement(group: Mapping[str, Any]) -> list[str]:
    rows = [[md(r[0]), *r[1:]] for r in agreement_cells(group)]
    return table(["agreement with real", *AGREEMENT_COLUMNS], rows) if rows else []


def _reference(group: Mapping[str, Any]) -> list[str]:
    """One line per synthetic source against real subsamples of its size, and the
    real-vs-real agreement with the task's other datasets (docs/analysis.md); the
    words are the card's (``verdict.references``), as in every renderer."""
    return ["- " + reference_text(r, md, md) for r in references(group)]


def _bias(group: Mapping[str, Any]) -> list[str]:
    bias = group.get("bias", {})
    ci = group.get("ci", {}).get("bias", {})
    rows = []
    for m in dict.fromkeys([*bias, *ci]):
        b = bias.get(m, ci.get(m, {}))
        b = b if isinstance(b, Mapping) else {"value": b}
        why = b.get("reason") or ""
        rows.append(
            [
                md(m),
                md(b.get("generator", "")),
                with_ci(b.get("value"), ci.get(m), signed=True),
                md(why),
            ]
        )
    return table(["model", "own data", "bias factor", "note"], rows, "llrl") if rows else []


def _family_bias(group: Mapping[str, Any]) -> list[str]:
    """The family biases and their joint test; nothing without suite families."""
    rows = [[md(m), md(fam), value, p, md(why)] for m, fam, value, p, why in family_cells(group)]
    if not rows:
        return []
    note = family_preference_note(group)
    return [*table(list(FAMILY_COLUMNS), rows, "llrrl"), *(["", note] if note else [])]


def _paired(group: Mapping[str, Any]) -> list[str]:
    pairs = group.get("ci", {}).get("paired", {})
    rows = []
    for gen, items in pairs.items():
        for p in items:
            rows.append(
                [
                    md(gen),
                    f"{md(p['better'])} - {md(p['worse'])}",
                    with_ci(p.get("value"), p, signed=True),
                    "n/a" if p.get("p_value") is None else f"{p['p_value']:.3f}",
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


def _notes(group: Mapping[str, Any]) -> list[str]:
    out = []
    for gen, a in group.get("agreement", {}).items():
        for col, why in sorted((a.get("undefined") or {}).items()):
            out.append(f"- n/a: {md(gen)} {md(col)}: {md(why)}")
    missing = group.get("missing", [])
    if missing:
        cells = ", ".join(f"{md(c.get('generator'))} x {md(c.get('model'))}" for c in missing)
        out.append(f"- missing cells: {cells}")
    for gen, issues in group.get("data", {}).items():
        for note in issues.get("notes", []):
            out.append(f"- data {md(gen)}: {md(note)}")
    return out


def render_group(group: Mapping[str, Any]) -> list[str]:
    title = f"### {md(group['task'])} / {md(group['dataset'])} ({md(group.get('metric', ''))})"
    parts = [
        [title],
        _scores(group),
        _agreement(group),
        _reference(group),
        _bias(group),
        _family_bias(group),
        _paired(group),
        _notes(group),
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


def render_answer(report: Mapping[str, Any]) -> list[str]:
    """The answer first: a verdict row per (task, dataset), then dataset x generator."""
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


def render_gates(report: Mapping[str, Any]) -> list[str]:
    section = report.get("gates")
    if not section:
        return []
    rows = [
        [
            GATE_ICONS.get(g["status"], md(g["status"])),
            md(g["name"]),
            md(g["description"]),
            md(g["reason"]),
        ]
        for g in section["gates"]
    ]
    c = section["counts"]
    counts = f"{c['passed']} passed, {c['failed']} failed, {c['skipped']} skipped"
    head = f"## Gates: {md(section['status'].upper())} ({counts})"
    return [head, "", *table(["", "gate", "rule", "verdict"], rows, "llll"), ""]


def render_markdown(report: Mapping[str, Any], timestamp: str = "") -> str:
    """The whole Markdown report."""
    report = visible_tree(report)  # a field left unescaped below still shows no control
    lines = ["# synthbench report", ""]
    if timestamp:
        lines += [f"_generated {md(timestamp)}_", ""]
    boot = report.get("bootstrap")
    if boot:
        lines += [
            f"Intervals: {boot['level']:.0%} {md(interval_method(boot))}, {boot['resamples']} "
            f"resamples of the examples (paired across models), seed {boot['seed']}; p: one-sided "
            f"permutation test of the agreement ({boot['permutations']} permutations).",
            "",
        ]
    lines += render_answer(report)
    lines += render_gates(report)
    for group in report.get("groups", []):
        lines += render_group(group)
    cases = report.get("cases", {})
    counts = ", ".join(f"{n} {md(s)}" for s, n in cases.get("counts", {}).items())
    lines.append(f"Cases: {counts or 'none'}.")
    if line := request_line(report):  # failed requests apart from bad answers
        lines.append(md(line[:1].upper() + line[1:]) + ".")
    missing = cases.get("missing", [])
    if missing:
        lines.append(
            f"Missing (never reported): {len(missing)}: "
            + ", ".join(
                md(f"{k['task']}-{k['dataset']}-{k['generator']}-{k['model']}")
                for k in missing[:20]
            )
        )
    for r in cases.get("not_ok", [])[:20]:
        lines.append(
            f"- {md(r['status'])}: {md(r['task'])}-{md(r['dataset'])}-{md(r['generator'])}-"
            f"{md(r['model'])}: {md(r.get('reason', ''))}"
        )
    return "\n".join(lines).rstrip() + "\n"
