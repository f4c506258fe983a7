"""``report.html``: one self-contained page (inline CSS and SVG, no script, no network).

Per (task, dataset): the score heatmap, real-vs-synthetic scatter with the identity
line, agreement and bias bars with intervals, the sources' data-quality figures, and
the tables behind them; the gate table on top. Every string from the suite, the data
or a model goes through ``html.escape``; a Content-Security-Policy that allows no
script and no fetch is a second line of defence. Deterministic apart from the
timestamp.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from harness.report.cells import agreement_cells, num, score_cells, with_ci
from harness.report.plots import PLOTS
from harness.report.terminal import AGREEMENT_COLUMNS

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1200px;color:#222;
padding:0 16px}
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:36px}
h3{font-size:15px}table{border-collapse:collapse;margin:8px 0 16px;font-size:12px}
td,th{border:1px solid #ddd;padding:3px 7px;text-align:right;white-space:nowrap}
td:first-child,th:first-child{text-align:left}.plots{display:flex;flex-wrap:wrap;gap:16px}
figure{margin:0}figcaption{font-size:12px;color:#555}svg{max-width:100%;height:auto}
.passed{color:#176b2c;font-weight:600}.failed{color:#b00020;font-weight:600}.skipped{color:#8a6d00}
.gates td{text-align:left;white-space:normal}.note{color:#555;font-size:12px}
pre{white-space:pre-wrap;background:#f6f6f6;padding:6px;font-size:12px}
"""


def esc(text: Any) -> str:
    """HTML-escape anything (quotes too: values also land in attributes)."""
    return html.escape(str(text), quote=True)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], cls: str = "") -> str:
    """Header and cells must already be escaped."""
    if not rows:
        return ""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    attr = f' class="{cls}"' if cls else ""
    return f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _scores_table(group: Mapping[str, Any]) -> str:
    models, rows = score_cells(group)
    cells = [[esc(c) for c in r] for r in rows]
    return _table(["generator \\ model", *(esc(m) for m in models)], cells)


def _agreement_table(group: Mapping[str, Any]) -> str:
    rows = [[esc(c) for c in r] for r in agreement_cells(group, p_format=" p={:.3f}")]
    return _table(["agreement with real", *AGREEMENT_COLUMNS], rows)


def _bias_table(group: Mapping[str, Any]) -> str:
    bias = group.get("bias", {})
    ci = group.get("ci", {}).get("bias", {})
    rows = []
    for m in dict.fromkeys([*bias, *ci]):
        b = bias.get(m, ci.get(m, {}))
        b = b if isinstance(b, Mapping) else {"value": b}
        rows.append(
            [
                esc(m),
                esc(b.get("generator", "")),
                esc(with_ci(b.get("value"), ci.get(m), signed=True)),
                esc(b.get("reason") or ""),
            ]
        )
    return _table(["model", "own data", "bias factor", "note"], rows)


def _quality_table(group: Mapping[str, Any]) -> str:
    quality, data = group.get("quality", {}), group.get("data", {})
    sources = list(dict.fromkeys([*quality, *data]))
    keys = sorted({k for s in sources for k in quality.get(s, {})})
    dkeys = ("duplicates", "repaired_entities", "dropped_entities", "dropped_records")
    rows = []
    for s in sources:
        q, d = quality.get(s, {}), data.get(s, {})
        rows.append(
            [
                esc(s),
                *(
                    esc(num(q.get(k)) if isinstance(q.get(k), float) else q.get(k, ""))
                    for k in keys
                ),
                *(esc(d.get(k, "")) for k in dkeys),
            ]
        )
    notes = [
        f"<li>{esc(s)}: {esc(n)}</li>" for s in sources for n in data.get(s, {}).get("notes", [])
    ]
    out = _table(["source", *(esc(k) for k in keys), *(f"loader: {k}" for k in dkeys)], rows)
    return out + (f'<ul class="note">{"".join(notes)}</ul>' if notes else "")


def _group(group: Mapping[str, Any], index: int) -> str:
    metric = esc(group.get("metric", ""))
    title = f"{esc(group['task'])} / {esc(group['dataset'])} <small>({metric})</small>"
    figures = []
    for plot_id, caption, func in PLOTS:
        svg = func(group)
        if svg:
            figures.append(
                f'<figure class="plot" data-plot="{plot_id}">'
                f"<figcaption>{esc(caption)}</figcaption>"
                f"{svg}</figure>"
            )
    missing = group.get("missing", [])
    miss = ""
    if missing:
        miss = (
            '<p class="note">missing cells: '
            + esc(", ".join(f"{c.get('generator')} x {c.get('model')}" for c in missing))
            + "</p>"
        )
    undefined = [
        f"<li>{esc(gen)} {esc(col)}: {esc(why)}</li>"
        for gen, a in group.get("agreement", {}).items()
        for col, why in sorted((a.get("undefined") or {}).items())
    ]
    und = f'<ul class="note">{"".join(undefined)}</ul>' if undefined else ""
    bias = _bias_table(group) or "<p class=note>none (no model is a generator)</p>"
    return (
        f'<section class="group" id="group-{index}"><h2>{title}</h2>'
        f'<div class="plots">{"".join(figures)}</div>'
        f"<h3>Scores</h3>{_scores_table(group)}"
        f"<h3>Agreement with real data</h3>{_agreement_table(group)}"
        f"{und}<h3>Bias factor</h3>{bias}"
        f"<h3>Data quality</h3>{_quality_table(group)}{miss}</section>"
    )


def _gates(report: Mapping[str, Any]) -> str:
    section = report.get("gates")
    if not section:
        return ""
    rows = [
        [
            f'<span class="{esc(g["status"])}">{esc(g["status"].upper())}</span>',
            esc(g["name"]),
            esc(g["description"]),
            esc(g["reason"]),
        ]
        for g in section["gates"]
    ]
    c = section["counts"]
    head = (
        f'<h2>Gates: <span class="{esc(section["status"])}">'
        f"{esc(section['status'].upper())}</span> "
        f"<small>({c['passed']} passed, {c['failed']} failed, {c['skipped']} skipped)</small></h2>"
    )
    table = _table(["", "gate", "rule", "verdict"], rows, "gates")
    return f'<section id="gates">{head}{table}</section>'


def _cases(report: Mapping[str, Any]) -> str:
    cases = report.get("cases", {})
    counts = ", ".join(f"{n} {s}" for s, n in cases.get("counts", {}).items())
    rows = [
        [
            esc(r["status"]),
            esc(f"{r['task']}-{r['dataset']}-{r['generator']}-{r['model']}"),
            esc(r.get("reason", "")),
        ]
        for r in cases.get("not_ok", [])
    ]
    missing = [
        esc(f"{k['task']}-{k['dataset']}-{k['generator']}-{k['model']}")
        for k in cases.get("missing", [])
    ]
    out = f"<h2>Cases</h2><p>{esc(counts or 'none')}</p>" + _table(
        ["status", "case", "reason"], rows
    )
    if missing:
        out += f'<p class="note">never reported: {", ".join(missing)}</p>'
    samples = report.get("invalid_samples", {})
    if samples:
        items = "".join(
            f"<li>{esc(case)} #{esc(s.get('i'))}: {esc(s.get('error') or '')}"
            f"<pre>{esc(s.get('raw') or '')}"
            f"</pre></li>"
            for case, ss in samples.items()
            for s in ss
        )
        out += f"<h3>Invalid answers (samples)</h3><ul>{items}</ul>"
    return out


def render_html(report: Mapping[str, Any], timestamp: str = "") -> str:
    """The whole page as a string."""
    boot = report.get("bootstrap")
    intro = ""
    if boot:
        intro = (
            f'<p class="note">Intervals: {boot["level"]:.0%} percentile bootstrap, '
            f"{boot['resamples']} "
            f"resamples of the examples, paired across models, seed {boot['seed']}. p: one-sided "
            f"permutation test of the agreement.</p>"
        )
    stamp = f'<p class="note">generated {esc(timestamp)}</p>' if timestamp else ""
    groups = "".join(_group(g, i) for i, g in enumerate(report.get("groups", [])))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>synthbench report</title><style>{CSS}</style></head><body>"
        f"<h1>synthbench report</h1>\n{stamp}\n{intro}{_gates(report)}{groups}{_cases(report)}"
        "</body></html>\n"
    )
