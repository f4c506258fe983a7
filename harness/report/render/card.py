"""The validity card of one synthetic source: a Markdown README for its Hub dataset repo.

From ``report.json`` (and, when found, the generation provenance beside the data):
provenance, data-quality figures, agreement with real data with intervals and
p-values, the bias factors of the models that are the same LLM as the source, the
models it was checked with, and the gates that judged it. Every string from the
suite, data or models is Markdown-escaped; YAML values are written as JSON strings
(valid YAML), so no name can break the front matter. The card restates figures; it
decides nothing. It reads the typed report (``harness.report.model.Report``) by
attribute; ``sources`` and ``render_card`` also take its JSON form (``as_report``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.core.names import ENSEMBLE, ENSEMBLES, REAL
from harness.core.records import DataIssues
from harness.report.figures import Group, Interval
from harness.report.model import Report, as_report
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


def sources(report: Report | Mapping[str, Any]) -> list[str]:
    """The synthetic sources of a report (every scored source but real and the ensembles)."""
    found = {s for g in as_report(report).groups for s in g.scores}
    # The ensembles by name: a generator called "mean-gpt" has a card like any other.
    return sorted(s for s in found if s != REAL and s not in ENSEMBLES)


def _groups(report: Report, source: str) -> list[Group]:
    return [g for g in report.groups if source in g.scores]


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


def _yaml(report: Report, source: str, inputs: CardInputs) -> list[str]:
    tasks = sorted({g.task for g in _groups(report, source)})
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


def _run_rows(report: Report) -> list[list[str]]:
    """The run's suite, seed and example cap (``Report.run``), one row each when set."""
    run = report.run
    rows: list[tuple[str, str | int | None]] = [
        ("suite", run.suite),
        ("seed", run.seed),
        ("max examples", run.max_examples),
    ]
    return [[name, md(value)] for name, value in rows if value not in (None, "")]


def _intervals_rows(report: Report) -> list[list[str]]:
    """How the intervals were drawn (``Report.bootstrap``), when they were."""
    boot = report.bootstrap
    if boot is None:
        return []
    return [
        [
            "intervals",
            f"{boot.level:.0%} {md(boot.method if boot.method is not None else '')} bootstrap, "
            f"{boot.resamples} resamples, seed {boot.seed}",
        ]
    ]


def _provenance(report: Report, source: str, inputs: CardInputs) -> list[str]:
    rows = [["source", md(source)]]
    if inputs.model_id:
        rows.append(["generator model", md(inputs.model_id)])
    rows += _run_rows(report)
    rows += _intervals_rows(report)
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


def _figure(group: Group, source: str, coef: str) -> Figure:
    """``source``'s agreement figure ``coef`` with its interval, when the report has one."""
    a = group.agreement.get(source)
    ci = group.ci.agreement.get(source) if group.ci is not None else None
    return Figure.of(None if a is None else a.figure(coef), None if ci is None else ci.of(coef))


def _one_left_out(ci: Interval | None) -> str:
    """The coefficient's range with each model left out (``Interval.leave_one_model_out``)."""
    loo = None if ci is None else ci.leave_one_model_out
    if loo is None or loo.low is None or loo.high is None:
        return "n/a"
    return f"{loo.low:.3f} to {loo.high:.3f} (lowest without {md(loo.lowest_without)})"


def _agreement(groups: Sequence[Group], source: str) -> list[str]:
    rows = []
    for g in groups:
        a = g.agreement.get(source)
        ci = g.ci.agreement.get(source) if g.ci is not None else None
        cells = []
        for coef in AGREEMENT:
            f = _figure(g, source, coef)
            cells.append(_fig(f) + (f" (p={f.p_value:.3f})" if f.p_value is not None else ""))
        n = a.n_models if a is not None else ci.n_models if ci is not None else "n/a"
        sp = None if ci is None else ci.of(COEFFICIENT)
        hier = Figure.of(None, None if sp is None else sp.hierarchical)
        rows.append(
            [
                f"{md(g.task)} / {md(g.dataset)}",
                md(g.metric),
                *cells,
                _fig(hier),
                _one_left_out(sp),
                _fig(_figure(g, ENSEMBLE, COEFFICIENT)),
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


def _quality_cells(group: Group, source: str) -> list[str]:
    """The source's quality summary, then real data's distinct_2 (``Group.quality``)."""
    quality = group.quality or {}
    q, real = quality.get(source), quality.get("real")
    # As written: a count stays a whole number in the card (``_num``).
    return [
        *(_num(None if q is None else getattr(q, k)) for k in QUALITY),
        _num(None if real is None else real.distinct_2),
    ]


def _loader(issues: DataIssues | None, name: str) -> str:
    return _num(None if issues is None else getattr(issues, name))


def _quality(groups: Sequence[Group], source: str) -> list[str]:
    rows = []
    notes = []
    for g in groups:
        d = g.data.get(source)
        rows.append(
            [
                f"{md(g.task)} / {md(g.dataset)}",
                *_quality_cells(g, source),
                *(_loader(d, k) for k in LOADER[1:]),
            ]
        )
        notes += [f"- {md(g.dataset)}: {md(n)}" for n in (d.notes if d is not None else ())]
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


def _bias(groups: Sequence[Group], source: str) -> list[str]:
    rows = []
    for g in groups:
        ci = g.ci.bias if g.ci is not None else {}
        for m in dict.fromkeys([*g.bias, *ci]):
            b, c = g.bias.get(m), ci.get(m)
            # The model's generator: the point figure's, else (no point) the interval's.
            owner = b.owner if b is not None else c.owner if c is not None else None
            if owner != source:
                continue
            interval = None if c is None else c.interval
            f = Figure.of(None if b is None else b.value, interval)
            p = f.p_value
            rows.append(
                [
                    f"{md(g.task)} / {md(g.dataset)}",
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


def _models(groups: Sequence[Group], source: str) -> list[str]:
    out = ["## Models it was checked with", ""]
    for g in groups:
        scores = g.scores
        models = sorted(set(scores.get(source, {})) | set(scores.get("real", {})))
        rows = [
            [md(m), _num(scores.get("real", {}).get(m)), _num(scores.get(source, {}).get(m))]
            for m in models
        ]
        out += [
            f"### {md(g.task)} / {md(g.dataset)} ({md(g.metric)})",
            "",
            *table(["model", "real", md(source)], rows),
            "",
        ]
    return out


def _gates(report: Report, source: str) -> list[str]:
    rows = []
    for gate in report.gates.gates if report.gates is not None else ():
        for c in gate.checks:
            parts = c.cell.split("/")
            if len(parts) >= 3 and parts[2] == source:
                rows.append([md(c.status.upper()), md(gate.name), md(c.cell), md(c.reason)])
    if not rows:
        return []
    return ["## Gates", "", *table(["", "gate", "cell", "reason"], rows, "llll"), ""]


def render_card(
    report: Report | Mapping[str, Any], source: str, inputs: CardInputs | None = None
) -> str:
    """The card's Markdown text. ``source`` must be one of ``sources(report)``."""
    report = as_report(report)
    known = sources(report)
    if source not in known:
        raise ValueError(
            f"no synthetic source {source!r} in the report; known: {', '.join(known) or 'none'}"
        )
    inputs = inputs or CardInputs()
    groups = _groups(report, source)
    datasets = ", ".join(md(g.dataset) for g in groups)
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
