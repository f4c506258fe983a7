"""The validity card of one synthetic source: a Markdown README for its Hub dataset repo.

From ``report.json`` (and, when found, the generation provenance beside the data):
provenance, data-quality figures, agreement with real data with intervals and
p-values, the bias factors of the models that are the same LLM as the source, the
models it was checked with, and the gates that judged it. Every string from the
suite, data or models is Markdown-escaped; YAML values are written as JSON strings
(valid YAML), so no name can break the front matter. The card restates figures; it
decides nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.core.names import ENSEMBLES, REAL
from harness.report.render.markdown import md, table
from harness.report.render.verdict import COEFFICIENT, Figure

AGREEMENT = ("spearman", "kendall", "pearson")
QUALITY = ("rows", "duplicates", "label_tvd", "distinct_2", "mean_words", "exact_test_matches")
LOADER = ("duplicates", "repaired_entities", "dropped_entities", "dropped_records")


@dataclass(frozen=True)
class CardInputs:
    """What the card says beyond report.json: where the data came from."""

    model_id: str = ""
    #: dataset -> the generation's provenance dict (``<source>.provenance.json``)
    provenance: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: dataset -> path of the data file in the Hub repo (for the ``configs`` header)
    data_files: Mapping[str, str] = field(default_factory=dict)


def sources(report: Mapping[str, Any]) -> list[str]:
    """The synthetic sources of a report (every scored source but real and the ensembles)."""
    found = {s for g in report.get("groups", []) for s in g.get("scores", {})}
    # The ensembles by name: a generator called "mean-gpt" has a card like any other.
    return sorted(s for s in found if s != REAL and s not in ENSEMBLES)


def _groups(report: Mapping[str, Any], source: str) -> list[Mapping[str, Any]]:
    return [g for g in report.get("groups", []) if source in g.get("scores", {})]


def _fig(f: Figure, signed: bool = False) -> str:
    if f.value is None:
        return "n/a"
    spec = "+.3f" if signed else ".3f"
    text = format(f.value, spec)
    if f.has_ci:
        text += f" [{format(f.low, spec)}, {format(f.high, spec)}]"
    return text


def _num(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return "n/a" if v is None else str(v)
    if isinstance(v, float):
        return f"{v:.3f}"
    return md(v)


def _yaml(report: Mapping[str, Any], source: str, inputs: CardInputs) -> list[str]:
    tasks = sorted({str(g.get("task")) for g in _groups(report, source)})
    name = f"{source}: synthetic benchmark data, synthbench validity card"
    lines = [
        "---",
        f"pretty_name: {json.dumps(name)}",
        "tags:",
        "- synthetic",
        "- synthbench",
        *(f"- {json.dumps(t)}" for t in tasks),
    ]
    if inputs.data_files:
        lines.append("configs:")
        for dataset, path in sorted(inputs.data_files.items()):
            lines += [f"- config_name: {json.dumps(dataset)}", f"  data_files: {json.dumps(path)}"]
    return [*lines, "---"]


def _provenance(report: Mapping[str, Any], source: str, inputs: CardInputs) -> list[str]:
    run = report.get("run", {})
    rows = [["source", md(source)]]
    if inputs.model_id:
        rows.append(["generator model", md(inputs.model_id)])
    for key in ("suite", "seed", "max_examples"):
        if run.get(key) not in (None, ""):
            rows.append([key.replace("_", " "), md(run[key])])
    boot = report.get("bootstrap")
    if boot:
        rows.append(
            [
                "intervals",
                f"{boot['level']:.0%} {md(boot.get('method', ''))} bootstrap, "
                f"{boot['resamples']} resamples, seed {boot['seed']}",
            ]
        )
    out = ["## Provenance", "", *table(["", ""], rows, "ll"), ""]
    for dataset, prov in sorted(inputs.provenance.items()):
        b = prov.get("backend", {}) if isinstance(prov.get("backend"), Mapping) else {}
        p = prov.get("parameters", {}) if isinstance(prov.get("parameters"), Mapping) else {}
        c = prov.get("counts", {}) if isinstance(prov.get("counts"), Mapping) else {}
        out.append(
            f"- {md(dataset)}: written by `{md(b.get('model', '?'))}` ({md(b.get('name', '?'))}),"
            f" {md(p.get('shots', '?'))} real example(s) per request from the "
            f"{md(p.get('examples_split', '?'))} split, seed {md(p.get('seed', '?'))}; "
            f"{md(c.get('records', '?'))} records, complete: {md(prov.get('complete', '?'))}"
        )
    if inputs.provenance:
        out.append("")
    return out


def _agreement(groups: Sequence[Mapping[str, Any]], source: str) -> list[str]:
    rows = []
    for g in groups:
        a = g.get("agreement", {}).get(source, {})
        ci = g.get("ci", {}).get("agreement", {}).get(source, {})
        cells = []
        for coef in AGREEMENT:
            f = Figure.of(a.get(coef), ci.get(coef))
            cells.append(_fig(f) + (f" (p={f.p_value:.3f})" if f.p_value is not None else ""))
        mean = Figure.of(
            g.get("agreement", {}).get("mean", {}).get(COEFFICIENT),
            g.get("ci", {}).get("agreement", {}).get("mean", {}).get(COEFFICIENT),
        )
        n = a.get("n_models", ci.get("n_models", "n/a"))
        sp = ci.get(COEFFICIENT) or {}
        hier = Figure.of(None, sp.get("hierarchical"))
        loo = sp.get("leave_one_model_out") or {}
        loo_text = "n/a"
        if loo.get("low") is not None and loo.get("high") is not None:
            loo_text = (
                f"{loo['low']:.3f} to {loo['high']:.3f} "
                f"(lowest without {md(loo.get('lowest_without', ''))})"
            )
        rows.append(
            [
                f"{md(g['task'])} / {md(g['dataset'])}",
                md(g.get("metric", "")),
                *cells,
                _fig(hier),
                loo_text,
                _fig(mean),
                md(n),
            ]
        )
    return [
        "## Agreement with real data",
        "",
        "How this source ranks the models compared with the real test set (rank correlation of"
        " the models' scores; interval: bootstrap of the examples; p: permutation test against"
        " chance). `over models`: the interval when the models are resampled too (would it rank"
        " other models like these?); `one model left out`: the range of the coefficient with"
        " each model left out in turn. `ensemble` is the mean of all generators.",
        "",
        *table(
            [
                "task / dataset",
                "metric",
                *AGREEMENT,
                f"{COEFFICIENT} over models",
                "one model left out",
                f"ensemble {COEFFICIENT}",
                "models",
            ],
            rows,
            "llrrrrrrr",
        ),
        "",
    ]


def _quality(groups: Sequence[Mapping[str, Any]], source: str) -> list[str]:
    rows = []
    notes = []
    for g in groups:
        q = g.get("quality", {}).get(source, {})
        d = g.get("data", {}).get(source, {})
        real = g.get("quality", {}).get("real", {})
        rows.append(
            [
                f"{md(g['task'])} / {md(g['dataset'])}",
                *(_num(q.get(k)) for k in QUALITY),
                _num(real.get("distinct_2")),
                *(_num(d.get(k)) for k in LOADER[1:]),
            ]
        )
        notes += [f"- {md(g['dataset'])}: {md(n)}" for n in d.get("notes", [])]
    return [
        "## Data quality",
        "",
        *table(
            ["task / dataset", *QUALITY, "distinct_2 of real", *LOADER[1:]],
            rows,
        ),
        "",
        *notes,
        *([""] if notes else []),
    ]


def _bias(groups: Sequence[Mapping[str, Any]], source: str) -> list[str]:
    rows = []
    for g in groups:
        bias = g.get("bias", {})
        ci = g.get("ci", {}).get("bias", {})
        for m in dict.fromkeys([*bias, *ci]):
            b = bias.get(m) or ci.get(m) or {}
            if not isinstance(b, Mapping) or b.get("generator") != source:
                continue
            c = dict(ci.get(m) or {})
            f = Figure.of(b.get("value"), c)
            p = f.p_value if f.p_value is not None else b.get("p_value")
            rows.append(
                [
                    f"{md(g['task'])} / {md(g['dataset'])}",
                    md(m),
                    _fig(f, signed=True),
                    "n/a" if p is None else f"{p:.3f}",
                ]
            )
    head = ["## Bias factor", ""]
    if not rows:
        return [
            *head,
            "Not measured: no model checked with this data is the same LLM as its generator"
            " (declare one with `same_as`).",
            "",
        ]
    return [
        *head,
        "How much better a model that is the same LLM as this generator scores on this data"
        " than the other models do, relative to real data (0: no self-preference).",
        "",
        *table(["task / dataset", "model", "bias factor", "p"], rows, "llrr"),
        "",
    ]


def _models(groups: Sequence[Mapping[str, Any]], source: str) -> list[str]:
    out = ["## Models it was checked with", ""]
    for g in groups:
        scores = g.get("scores", {})
        models = sorted(set(scores.get(source, {})) | set(scores.get("real", {})))
        rows = [
            [md(m), _num(scores.get("real", {}).get(m)), _num(scores.get(source, {}).get(m))]
            for m in models
        ]
        out += [
            f"### {md(g['task'])} / {md(g['dataset'])} ({md(g.get('metric', ''))})",
            "",
            *table(["model", "real", md(source)], rows),
            "",
        ]
    return out


def _gates(report: Mapping[str, Any], source: str) -> list[str]:
    rows = []
    for gate in (report.get("gates") or {}).get("gates", []):
        for c in gate.get("checks", []):
            parts = str(c.get("cell", "")).split("/")
            if len(parts) >= 3 and parts[2] == source:
                rows.append(
                    [
                        md(c.get("status", "").upper()),
                        md(gate.get("name", "")),
                        md(c["cell"]),
                        md(c.get("reason", "")),
                    ]
                )
    if not rows:
        return []
    return ["## Gates", "", *table(["", "gate", "cell", "reason"], rows, "llll"), ""]


def render_card(report: Mapping[str, Any], source: str, inputs: CardInputs | None = None) -> str:
    """The card's Markdown text. ``source`` must be one of ``sources(report)``."""
    known = sources(report)
    if source not in known:
        raise ValueError(
            f"no synthetic source {source!r} in the report; known: {', '.join(known) or 'none'}"
        )
    inputs = inputs or CardInputs()
    groups = _groups(report, source)
    datasets = ", ".join(md(g["dataset"]) for g in groups)
    lines = [
        *_yaml(report, source, inputs),
        f"# Validity card: {md(source)}",
        "",
        f"Synthetic benchmark data written by **{md(source)}**, checked with pytest-synthbench "
        f"against the real test sets of {datasets}: does it rank models the way the real data"
        " does? Figures from the run's `report.json`.",
        "",
        *_provenance(report, source, inputs),
        *_agreement(groups, source),
        *_quality(groups, source),
        *_bias(groups, source),
        *_gates(report, source),
        *_models(groups, source),
    ]
    return "\n".join(lines).rstrip() + "\n"
