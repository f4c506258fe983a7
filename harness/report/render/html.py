"""``report.html``: one self-contained page to explore (inline CSS, SVG and one hashed script).

Order: the answer first (a verdict card per (task, dataset) and the dataset x generator
agreement table), the gates, then one folding section per (task, dataset) with its
plots, sortable tables and an example browser, then the cases. A table of contents
links every section.

Every string from the suite, the data or a model goes through ``esc``: ``html.escape``
after ``harness.core.textsafe.visible``, so a NUL, an ANSI escape or a bidi override in the
data shows as its escape instead of hiding or reordering the page; every name is also
in a ``<bdi>`` (``nm``), so a right-to-left name cannot reorder the figures beside it
(the verdict card's ``best: NAME 0.81 [0.70, 0.90]``). The one
inline script (sorting, filtering, opening a folded section from a link) is allowed
by its sha256 in the Content-Security-Policy, which forbids every other script (an
injected ``<script>`` or ``onerror=`` would not run even if it got through), every
fetch and every external resource. The script only reads text (``textContent``) and
never writes markup. Without it the page still shows everything, unsorted and
unfiltered. Deterministic apart from the timestamp.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.core.records import CaseKey, DataIssues
from harness.core.textsafe import visible
from harness.report.evidence import PER_SOURCE, Example, group_evidence
from harness.report.figures import Group, OwnedInterval
from harness.report.model import Report, as_report
from harness.report.render.cells import (
    AGREEMENT_COLUMNS,
    FAMILY_COLUMNS,
    agreement_cells,
    all_models,
    family_cells,
    family_preference_note,
    num,
    score_cells,
    with_ci,
)
from harness.report.render.plots import PLOTS
from harness.report.render.requests import request_line
from harness.report.render.verdict import (
    COEFFICIENT,
    Card,
    Figure,
    Recommendation,
    agreement_table,
    best_names,
    bias_line,
    build_card,
    figure,
    interval_method,
    recommendations,
    reference_text,
)
from harness.report.sections import ItemRow
from harness.report.verdicts import GatesSection

# Sorting (click or Enter on a header), the example filter, and opening a folded
# section when a link points into it. Reads text only; never writes markup.
SCRIPT = """(function(){
function key(c){var t=c.getAttribute('data-v');if(t===null)t=c.textContent.trim();
var n=parseFloat(t);return isNaN(n)||!/^[-+]?[0-9.]/.test(t)?[1,t.toLowerCase()]:[0,n];}
function cmp(a,b){if(a[0]!==b[0])return a[0]-b[0];return a[1]<b[1]?-1:a[1]>b[1]?1:0;}
document.querySelectorAll('table.sortable').forEach(function(tbl){
var ths=tbl.tHead?tbl.tHead.rows[0].cells:[];
Array.prototype.forEach.call(ths,function(th,col){th.tabIndex=0;th.setAttribute('aria-sort','none');
function sort(){var body=tbl.tBodies[0],rows=Array.prototype.slice.call(body.rows);
var asc=th.getAttribute('aria-sort')!=='ascending';
Array.prototype.forEach.call(ths,function(o){o.setAttribute('aria-sort','none');});
th.setAttribute('aria-sort',asc?'ascending':'descending');
rows.sort(function(a,b){return cmp(key(a.cells[col]),key(b.cells[col]))*(asc?1:-1);});
rows.forEach(function(r){body.appendChild(r);});}
th.addEventListener('click',sort);
th.addEventListener('keydown',function(e){
if(e.key==='Enter'||e.key===' '){e.preventDefault();sort();}});});});
document.querySelectorAll('.examples').forEach(function(box){
var rows=box.querySelectorAll('tbody tr'),sel=box.querySelector('select'),
q=box.querySelector('input'),out=box.querySelector('.count');
function apply(){var f=sel.value,s=q.value.toLowerCase(),n=0;
rows.forEach(function(r){var fl=(r.getAttribute('data-flags')||'').split(' ');
var ok=(f==='all'||fl.indexOf(f)>=0)&&(!s||r.textContent.toLowerCase().indexOf(s)>=0);
r.hidden=!ok;if(ok)n++;});out.textContent=n+' of '+rows.length+' examples shown';}
sel.addEventListener('change',apply);q.addEventListener('input',apply);apply();});
function reveal(){var id=decodeURIComponent(location.hash.slice(1));if(!id)return;
var el=document.getElementById(id);
for(var p=el;p;p=p.parentElement){if(p.tagName==='DETAILS')p.open=true;}
if(el)el.scrollIntoView();}
window.addEventListener('hashchange',reveal);reveal();
})();"""
SCRIPT_HASH = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    f"script-src 'sha256-{SCRIPT_HASH}'; base-uri 'none'; form-action 'none'"
)
CSS = """
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#222;background:#fff;
overflow-wrap:break-word}
.layout{display:grid;grid-template-columns:230px minmax(0,1fr);gap:24px;max-width:1500px;
margin:0 auto;padding:16px}
nav.toc{position:sticky;top:0;align-self:start;max-height:100vh;overflow:auto;font-size:13px;
padding:8px 0}
nav.toc ul{list-style:none;padding-left:12px;margin:4px 0}nav.toc>ul{padding-left:0}
nav.toc a{color:#1a4d8f;text-decoration:none;overflow-wrap:anywhere}
nav.toc a:hover{text-decoration:underline}
main{min-width:0}
h1{font-size:22px;margin:4px 0}h2{font-size:18px;margin:28px 0 8px}
h3{font-size:15px;margin:18px 0 6px}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:6px 0 14px;font-size:12px}
td,th{border:1px solid #ddd;padding:3px 7px;text-align:right;white-space:nowrap}
td:first-child,th:first-child{text-align:left}
th{background:#f4f4f4}table.sortable th{cursor:pointer}
th[aria-sort=ascending]::after{content:" \\2191"}th[aria-sort=descending]::after{content:" \\2193"}
td.best{font-weight:600;background:#eef6ee}
.plots{display:flex;flex-wrap:wrap;gap:16px}
figure{margin:0;max-width:100%}figcaption{font-size:12px;color:#555}svg{max-width:100%;height:auto}
.passed{color:#176b2c;font-weight:600}.failed{color:#b00020;font-weight:600}.skipped{color:#8a6d00}
.gates th,.gates td,.ex th,.ex td{text-align:left;white-space:normal;overflow-wrap:break-word;
min-width:7em;max-width:28em}.ex td.text{min-width:14em}
.note{color:#555;font-size:12px}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f6f6;padding:6px;font-size:12px;
margin:2px 0}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:12px}
.card{border:1px solid #ccd;border-radius:6px;padding:10px 12px;background:#fafbff}
.card h3{margin:0 0 4px}.card p{margin:3px 0}.card a{color:inherit}
.answer{font-weight:600}
details.group{border-top:1px solid #ccc;margin-top:12px}
details.group>summary{cursor:pointer;padding:8px 0;font-size:18px;font-weight:600}
.ok{color:#176b2c}.bad{color:#b00020}
.controls{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:6px 0}
.controls input{min-width:0;max-width:100%}
@media (max-width:900px){.layout{grid-template-columns:minmax(0,1fr);padding:10px}
nav.toc{position:static;max-height:none;border-bottom:1px solid #ccc}
.cards{grid-template-columns:minmax(0,1fr)}}
"""


def esc(text: Any) -> str:
    """HTML-escape anything (quotes too: values also land in attributes).

    Hidden characters (controls, bidi and other format characters) are spelled as
    escapes first; newlines and tabs stay (a raw answer keeps its lines in ``<pre>``).
    """
    return html.escape(visible(text, keep="\n\t"), quote=True)


def nm(name: Any) -> str:
    """A name (generator, model, dataset, gate, source) for element content: isolated."""
    return f"<bdi>{html.escape(visible(name), quote=True)}</bdi>"


def _table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    cls: str = "sortable",
    row_attrs: Sequence[str] | None = None,
) -> str:
    """Header and cells must already be escaped (a cell may carry ``<td ...>`` itself)."""
    if not rows:
        return ""
    head = "".join(f'<th scope="col">{h}</th>' for h in header)
    body = "".join(
        f"<tr{row_attrs[i] if row_attrs else ''}>"
        + "".join(c if c.startswith("<td") else f"<td>{c}</td>" for c in r)
        + "</tr>"
        for i, r in enumerate(rows)
    )
    attr = f' class="{cls}"' if cls else ""
    return (
        f'<div class="scroll"><table{attr}><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _cell(f: Figure | None, best: bool = False) -> str:
    """A figure cell that sorts by its point value; the interval below it, small."""
    cls = ' class="best"' if best else ""
    if f is None or f.value is None:
        return f'<td data-v=""{cls}>n/a</td>'
    ci = f"<br><small>[{f.low:.2f}, {f.high:.2f}]</small>" if f.has_ci else ""
    return f'<td data-v="{f.value:.6f}"{cls}>{f.value:.2f}{ci}</td>'


def _anchor(index: int) -> str:
    return f"group-{index}"


# --------------------------------------------------------------------------- the answer


def _card(card: Card, index: int) -> str:
    ens = card.ensemble
    lines = [f'<p class="answer">{esc(card.answer)}</p>']
    if ens is not None:
        p = ens.agreement.p_value
        lines.append(
            f"<p>ensemble {nm(ens.name)}: {esc(figure(ens.agreement))}"
            + (f" (p={p:.3f})" if p is not None else "")
            + "</p>"
        )
    if ens is not None and ens.over_models is not None and ens.over_models.has_ci:
        loo = ens.leave_one_out
        lines.append(
            f"<p>over models: [{ens.over_models.low:.2f}, {ens.over_models.high:.2f}]"
            + (
                f"; one model left out: {loo.low:.2f} to {loo.high:.2f} "
                f"(lowest without {nm(loo.lowest_without)})"
                if loo is not None
                else ""
            )
            + "</p>"
        )
    if card.best is not None:
        lines.append(f"<p>best: {nm(card.best.name)} {esc(figure(card.best.agreement))}</p>")
    if card.worst is not None:
        lines.append(f"<p>worst: {nm(card.worst.name)} {esc(figure(card.worst.agreement))}</p>")
    bias = bias_line(card, nm, "not measured (no model is one of the generators)", esc)
    lines.append(f"<p>bias factor: {bias}</p>")
    lines += [f"<p>{reference_text(r, nm, esc)}</p>" for r in card.reference]
    if card.gates:
        lines.append(
            "<p>gates: "
            + ", ".join(
                f'<span class="{esc(g.status)}">{esc(g.status.upper())}</span> {nm(g.name)}'
                for g in card.gates
            )
            + "</p>"
        )
    title = (
        f'<a href="#{_anchor(index)}">{nm(card.title)}</a> '
        f"<small>({esc(card.metric)}, {card.n_models} models)</small>"
    )
    return f'<div class="card"><h3>{title}</h3>{"".join(lines)}</div>'


def _answer(cards: Sequence[Card], which_generator: Sequence[Recommendation]) -> str:
    """The verdict cards, the dataset x generator table and which generator to use."""
    if not cards:
        return ""
    grid = agreement_table(cards)
    rows = []
    for card, figures in grid.rows:
        best = set(best_names(card))
        rows.append(
            [
                nm(card.title),
                *(_cell(f, col in best) for col, f in zip(grid.columns, figures, strict=True)),
                ", ".join(nm(b) for b in best_names(card)),
            ]
        )
    table = _table(["task / dataset", *(nm(c) for c in grid.columns), "best"], rows)
    which = "".join(f"<li>{esc(r.sentence)}</li>" for r in which_generator)
    if which:
        which = (
            '<h3 id="which-generator">Which generator</h3><p class="note">Paired comparisons '
            "of agreement (examples and models resampled together), Holm-adjusted over each "
            f"task's comparisons.</p><ul>{which}</ul>"
        )
    return (
        '<section id="answer"><h2>Can the synthetic data stand in for real data?</h2>'
        f'<p class="note">Agreement: {esc(COEFFICIENT)} of the models\' ranking on synthetic '
        "vs real data, with its interval; p: permutation test against chance. The gates "
        "decide pass or fail; the cards restate them.</p>"
        f'<div class="cards">{"".join(_card(c, i) for i, c in enumerate(cards))}</div>'
        f'<h3 id="agreement-table">Agreement with real data, dataset x generator</h3>'
        f'<p class="note">Each cell: {esc(COEFFICIENT)} [interval]; highlighted: the best '
        "generator of the row. Click a header to sort.</p>"
        f"{table}{which}</section>"
    )


# --------------------------------------------------------------------------- per group


def _scores_table(group: Group) -> str:
    models, rows = score_cells(group)
    cells = [[nm(r[0]), *(esc(c) for c in r[1:])] for r in rows]
    return _table(["generator \\ model", *(nm(m) for m in models)], cells)


def _agreement_table(group: Group) -> str:
    rows = [
        [nm(r[0]), *(esc(c) for c in r[1:])]
        for r in agreement_cells(group, p_format=" p={:.3f}")
    ]
    return _table(["agreement with real", *AGREEMENT_COLUMNS], rows)


def _two_level_table(card: Card) -> str:
    """Per source: the example interval, the interval over models too, and the range with
    one model left out (when the statistics put them in the report)."""
    ranked = [*card.generators, *([card.ensemble] if card.ensemble else [])]
    rows = [
        [
            nm(r.name),
            esc(figure(r.agreement)),
            esc(figure(r.over_models) if r.over_models else "n/a"),
            "n/a"
            if r.leave_one_out is None
            else f"{r.leave_one_out.low:.2f} to {r.leave_one_out.high:.2f}",
            "" if r.leave_one_out is None else nm(r.leave_one_out.lowest_without),
        ]
        for r in ranked
        if r.over_models is not None or r.leave_one_out is not None
    ]
    if not rows:
        return ""
    return (
        f'<p class="note">{esc(COEFFICIENT)}: the interval over examples, over examples and '
        "models (would this data rank other models like these?), and the range with one "
        "model left out (the model whose absence gives the lowest value).</p>"
        + _table(
            ["source", "over examples", "over models", "one model left out", "lowest without"],
            rows,
        )
    )


def _bias_table(group: Group) -> str:
    """One row per model with a bias factor: the point figure and, with the bootstrap,
    its interval and p-value (a model in only one of the two still gets its row)."""
    point = group.bias
    ci: Mapping[str, OwnedInterval] = group.ci.bias if group.ci is not None else {}
    rows = []
    for m in dict.fromkeys([*point, *ci]):
        b, c = point.get(m), ci.get(m)
        owner = b.owner if b is not None else c.owner if c is not None else ""
        value = b.value if b is not None else c.interval.value if c is not None else None
        p = None if c is None else c.interval.p_value
        rows.append(
            [
                nm(m),
                nm(owner),
                esc(with_ci(value, None if c is None else c.interval, signed=True)),
                "n/a" if p is None else f"{p:.3f}",
                esc(b.reason if b is not None else ""),
            ]
        )
    return _table(["model", "own data", "bias factor", "p", "note"], rows)


def _family_table(group: Group) -> str:
    """The family biases and their joint test; '' without suite families."""
    rows = [[nm(m), nm(fam), *(esc(c) for c in rest)] for m, fam, *rest in family_cells(group)]
    if not rows:
        return ""
    note = family_preference_note(group)
    return (
        '<h4>Family bias</h4><p class="note">a model of a suite family on its family\'s '
        "data against the other generators' data (docs/analysis.md)</p>"
        + _table(list(FAMILY_COLUMNS), rows)
        + (f'<p class="note">{esc(note)}</p>' if note else "")
    )


#: The loader's counts of a source (``DataIssues``), as the quality table's columns.
DATA_KEYS = ("duplicates", "repaired_entities", "dropped_entities", "dropped_records")


def _loader_counts(issues: DataIssues) -> tuple[int, ...]:
    """``issues``' counts in the order of ``DATA_KEYS``."""
    return (
        issues.duplicates,
        issues.repaired_entities,
        issues.dropped_entities,
        issues.dropped_records,
    )


def _quality_cell(value: Any) -> str:
    """A figure of the quality table: ``n/a`` where it is not defined (never ``None``)."""
    if value is None:
        return "n/a"
    return esc(num(value) if isinstance(value, float) else value)


def _quality_table(group: Group) -> str:
    quality, data = group.quality or {}, group.data
    sources = list(dict.fromkeys([*quality, *data]))
    keys = sorted({k for s in sources if s in quality for k in quality[s].names()})
    rows = []
    for s in sources:
        q, d = quality.get(s), data.get(s)
        counts = _loader_counts(d) if d is not None else ("",) * len(DATA_KEYS)
        rows.append(
            [
                nm(s),
                *(_quality_cell(None if q is None else q.value(k)) for k in keys),
                *(_quality_cell(c) for c in counts),
            ]
        )
    notes = [f"<li>{nm(s)}: {esc(n)}</li>" for s in sources if s in data for n in data[s].notes]
    out = _table(["source", *(esc(k) for k in keys), *(f"loader: {k}" for k in DATA_KEYS)], rows)
    return out + (f'<ul class="note">{"".join(notes)}</ul>' if notes else "")


def _item_cell(row: ItemRow, name: str) -> str:
    """A figure of an item row: 3 decimals; '' where the row has no such figure."""
    if name not in row.names():
        return ""
    value = row.value(name)
    return esc(num(value) if isinstance(value, float) else value)


def _items(group: Group) -> str:
    """The item diagnostics, when the report has them: one table per source."""
    out = []
    for source, found in (group.items or {}).items():
        rows = found[:10]
        if not rows:
            continue
        keys = list(dict.fromkeys(k for r in rows for k in r.names()))
        cells = [[_item_cell(r, k) for k in keys] for r in rows]
        out.append(f"<h4>{nm(source)}</h4>" + _table([nm(k) for k in keys], cells))
    if not out:
        return ""
    return "<h3>Item diagnostics</h3>" + "".join(out)


def _mark(correct: bool | None, valid: bool) -> str:
    if not valid:
        return '<span class="bad">invalid</span> '
    if correct is True:
        return '<span class="ok">\u2713</span> '
    if correct is False:
        return '<span class="bad">\u2717</span> '
    return ""


def _influence(value: float) -> str:
    """Signed, 3 decimals; small values in 3 significant digits (never "-0.000")."""
    return f"{value:+.3f}" if abs(value) >= 0.0005 else f"{value:+.2e}"


def _input(texts: Sequence[str]) -> str:
    """The example's input: one text, or a pair (similarity) as two lines."""
    if not texts:
        return '<span class="note">(text not stored)</span>'
    if len(texts) == 1:
        return esc(texts[0])
    return "<br>".join(f"<b>{chr(65 + i)}:</b> {esc(t)}" for i, t in enumerate(texts[:26]))


def _examples(examples: Sequence[Example], index: int) -> str:
    if not examples:
        return (
            '<h3>Examples</h3><p class="note">no example where the models\' real-data order '
            "inverts or a model is invalid (or no per-example results)</p>"
        )
    models = sorted({m for e in examples for m in e.answers})
    rows, attrs = [], []
    for e in examples:
        influence = ""
        if e.influence is not None:
            influence = (
                f'<span class="bad" title="{esc(e.influence.kind)} agreement with real data '
                'is this much lower with the example than without it">'
                f"misleading {_influence(e.influence.value)} "
                f"({esc(e.influence.kind)})</span> "
            )
        cells = [
            nm(e.source),
            str(e.index),
            str(e.inversions),
            f'<td class="text">{_input(e.text)}</td>',
            influence + esc(e.gold),
        ]
        for m in models:
            pred, correct, raw, error = e.answers.get(m, ("", None, "", ""))
            valid = not error and (pred != "" or correct is not None)
            extra = ""
            if raw:
                extra += f"<details><summary>raw</summary><pre>{esc(raw)}</pre></details>"
            if error:
                extra += f'<div class="note">{esc(error)}</div>'
            cells.append(f"<td>{_mark(correct, valid)}{esc(pred)}{extra}</td>")
        rows.append(cells)
        attrs.append(f' data-flags="{esc(" ".join(e.flags))}"')
    table = _table(
        ["source", "#", "inverted pairs", "text", "gold", *(nm(m) for m in models)],
        rows,
        "sortable ex",
        attrs,
    )
    fid = f"filter-{index}"
    return (
        f'<h3 id="examples-{index}">Examples</h3><div class="examples">'
        f'<p class="note">At most {PER_SOURCE} per source and reason: examples where a model '
        "that scores higher on real data is wrong (or further off) and a lower one right "
        "(inverted pairs), examples with an invalid answer, and the synthetic examples the "
        "item diagnostics find misleading (marked with their negative influence; listed "
        "examples of zero or positive influence are not marked). Search matches the texts, "
        "labels and answers.</p>"
        f'<div class="controls"><label for="{fid}">show</label><select id="{fid}">'
        '<option value="all">all</option>'
        '<option value="disagree">real and synthetic disagree</option>'
        '<option value="invalid">a model is invalid</option>'
        '<option value="misleading">misleading (item diagnostics)</option></select>'
        f'<input type="search" placeholder="search texts, labels, answers" '
        'aria-label="search examples">'
        f'<span class="count note">{len(examples)} examples</span></div>{table}</div>'
    )


SUBSECTIONS = (
    ("plots", "Plots"),
    ("scores", "Scores"),
    ("agreement", "Agreement"),
    ("bias", "Bias factor"),
    ("quality", "Data quality"),
    ("examples", "Examples"),
)


def _group(group: Group, card: Card, index: int, examples: Sequence[Example]) -> str:
    """One group's folding section; ``card`` is its verdict card (``build_card``)."""
    metric = esc(group.metric)
    title = f"{nm(group.task)} / {nm(group.dataset)} <small>({metric})</small>"
    figures = []
    for plot_id, caption, func in PLOTS:
        svg = func(group)
        if svg:
            figures.append(
                f'<figure class="plot" data-plot="{plot_id}">'
                f"<figcaption>{esc(caption)}</figcaption>"
                f"{svg}</figure>"
            )
    miss = ""
    if group.missing:
        miss = (
            '<p class="note">missing cells: '
            + ", ".join(f"{nm(c.generator)} x {nm(c.model)}" for c in group.missing)
            + "</p>"
        )
    undefined = [
        f"<li>{nm(gen)} {esc(col)}: {esc(why)}</li>"
        for gen, a in group.agreement.items()
        for col, why in sorted(a.undefined.items())
    ]
    und = f'<ul class="note">{"".join(undefined)}</ul>' if undefined else ""
    bias = _bias_table(group) or '<p class="note">none (no model is a generator)</p>'
    sp = group.ci.self_preference if group.ci is not None else None
    if sp is not None and sp.p_value is not None:
        bias += (
            '<p class="note">self-preference of '
            + esc(all_models(sp.models, "that is a generator", "that are generators"))
            + f": mean bias {num(sp.statistic, signed=True)}, permutation "
            f"p={sp.p_value:.3f} ({'exact' if sp.exact else 'sampled'})</p>"
        )
    bias += _family_table(group)
    a = _anchor(index)
    return (
        f'<details class="group" id="{a}"><summary>{title} '
        f'<small class="note">{esc(card.answer)}</small></summary>'
        f'<h3 id="{a}-plots">Plots</h3><div class="plots">{"".join(figures)}</div>'
        f'<h3 id="{a}-scores">Scores</h3>{_scores_table(group)}'
        f'<h3 id="{a}-agreement">Agreement with real data</h3>{_agreement_table(group)}'
        f"{_two_level_table(card)}"
        f'{und}<h3 id="{a}-bias">Bias factor</h3>{bias}'
        f'<h3 id="{a}-quality">Data quality</h3>{_quality_table(group)}{miss}'
        f"{_items(group)}"
        f'<div id="{a}-examples">{_examples(examples, index)}</div></details>'
    )


def _gates(section: GatesSection | None) -> str:
    if section is None:
        return ""
    rows = [
        [
            f'<span class="{esc(g.status)}">{esc(g.status.upper())}</span>',
            nm(g.name),
            esc(g.description),
            esc(g.reason),
        ]
        for g in section.gates
    ]
    passed, failed, skipped = (section.counts[s] for s in ("passed", "failed", "skipped"))
    head = (
        f'<h2>Gates: <span class="{esc(section.status)}">'
        f"{esc(section.status.upper())}</span> "
        f"<small>({passed} passed, {failed} failed, {skipped} skipped)</small></h2>"
    )
    table = _table(["", "gate", "rule", "verdict"], rows, "sortable gates")
    return f'<section id="gates">{head}{table}</section>'


def _case_name(key: CaseKey) -> str:
    return f"{key.task}-{key.dataset}-{key.generator}-{key.model}"


def _cases(report: Report, requests: str) -> str:
    """Every case's status; ``requests`` is the line on failed LLM requests (or "")."""
    counts = ", ".join(f"{n} {s}" for s, n in report.cases.counts.items())
    rows = [
        [esc(r.result.status), nm(_case_name(r.result.key)), esc(r.result.reason)]
        for r in report.cases.not_ok
    ]
    missing = [nm(_case_name(m.key)) for m in report.cases.missing]
    out = f'<section id="cases"><h2>Cases</h2><p>{esc(counts or "none")}</p>'
    out += (f"<p>{esc(requests)}</p>" if requests else "") + _table(
        ["status", "case", "reason"], rows, "sortable gates"
    )
    if missing:
        out += f'<p class="note">never reported: {", ".join(missing)}</p>'
    if report.invalid_samples:
        items = "".join(
            f"<li>{nm(case)} #{esc(s.i)}: {esc(s.error)}<pre>{esc(s.raw)}</pre></li>"
            for case, samples in report.invalid_samples.items()
            for s in samples
        )
        out += f"<h3>Invalid answers (samples)</h3><ul>{items}</ul>"
    return out + "</section>"


def _toc(report: Report, which: bool) -> str:
    """The contents; ``which``: the answer has a which-generator part."""
    link = '<li><a href="#which-generator">Which generator</a></li>' if which else ""
    items = [
        '<li><a href="#answer">The answer</a><ul>'
        '<li><a href="#agreement-table">Dataset x generator</a></li>'
        f"{link}</ul></li>"
    ]
    if report.gates is not None:
        items.append('<li><a href="#gates">Gates</a></li>')
    for i, g in enumerate(report.groups):
        a = _anchor(i)
        subs = "".join(f'<li><a href="#{a}-{k}">{esc(t)}</a></li>' for k, t in SUBSECTIONS)
        items.append(
            f'<li><a href="#{a}">{nm(g.task)} / {nm(g.dataset)}</a>'
            f"<ul>{subs}</ul></li>"
        )
    items.append('<li><a href="#cases">Cases</a></li>')
    return f'<nav class="toc" aria-label="contents"><ul>{"".join(items)}</ul></nav>'


def render_html(
    report: Report | Mapping[str, Any], timestamp: str = "", results_dir: Path | None = None
) -> str:
    """The whole page as a string; ``results_dir`` (the per-case files) feeds the examples."""
    report = as_report(report)
    intro = ""
    boot = report.bootstrap
    if boot is not None:
        intro = (
            f'<p class="note">Intervals: {boot.level:.0%} {esc(interval_method(boot))}, '
            f"{boot.resamples} bootstrap "
            f"resamples of the examples, paired across models, seed {boot.seed}. p: one-sided "
            f"permutation test of the agreement.</p>"
        )
    stamp = f'<p class="note">generated {esc(timestamp)}</p>' if timestamp else ""
    evidence = group_evidence(results_dir, report) if results_dir is not None else {}
    cards = [build_card(report, g) for g in report.groups]
    which = recommendations(report)
    sections = "".join(
        _group(g, card, i, evidence.get(g.key, []))
        for i, (g, card) in enumerate(zip(report.groups, cards, strict=True))
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>synthbench report</title><style>{CSS}</style></head><body>"
        f'<div class="layout">{_toc(report, bool(which))}<main>'
        f"<h1>synthbench report</h1>\n{stamp}\n{intro}{_answer(cards, which)}"
        f"{_gates(report.gates)}"
        f'<h2 id="groups">Per dataset</h2><p class="note">Each section folds; a link opens it.</p>'
        f"{sections}{_cases(report, request_line(report))}</main></div>"
        f"<script>{SCRIPT}</script></body></html>\n"
    )
