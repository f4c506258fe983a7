"""The figures of ``report.html``, drawn with matplotlib (Agg) into inline SVG strings.

Self-contained and deterministic: text is drawn as paths (no fonts to fetch, and no
label can inject markup), math parsing is off (a ``$`` in a model name is just a
character), ids are salted and the date is left out, so the same report gives the
same bytes. Every function takes one report group (the typed ``Group``, or its JSON
form, read by ``as_group``) and returns SVG text, or "" when the group has nothing to
draw.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harness.core.textsafe import visible
from harness.report.figures import AGREEMENT_FIGURES, Group, Interval, as_group
from harness.report.render.plotcache import cached

_RC: dict[str, Any] = {
    "svg.fonttype": "path",
    "svg.hashsalt": "synthbench",
    "text.parse_math": False,
    "font.size": 8,
    "axes.titlesize": 9,
    "figure.dpi": 100,
}
COLORS = ("#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377", "#bbbbbb", "#000000")


def _value(v: Any) -> float | None:
    """A drawable number: finite, not a bool; an interval's point value."""
    if isinstance(v, Interval):
        v = v.value
    if v is None or isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        return None
    return float(v)


def _svg(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buf.getvalue()
    text = text[text.index("<svg") :]  # drop the XML prolog and doctype: the SVG is inline
    return re.sub(r"\s*<metadata>.*?</metadata>", "", text, flags=re.S)  # RDF boilerplate


def _figure(width: float, height: float) -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    for key, value in _RC.items():
        matplotlib.rcParams[key] = value  # type: ignore[index]
    return plt.subplots(figsize=(width, height))


def _short(name: str, limit: int = 40) -> str:
    name = visible(name)  # a control or bidi character is drawn as its escape, never raw
    return name if len(name) <= limit else name[: limit - 1] + "\u2026"


def _ci_scores(group: Group) -> Mapping[str, Mapping[str, Interval]]:
    return group.ci.scores if group.ci is not None else {}


def _sources_models(group: Group) -> tuple[list[str], list[str]]:
    scores, ci = group.scores, _ci_scores(group)
    sources = list(dict.fromkeys([*scores, *ci]))
    models = sorted({m for s in sources for m in [*scores.get(s, {}), *ci.get(s, {})]})
    return sources, models


def _score(group: Group, source: str, model: str) -> float | None:
    v: float | Interval | None = group.scores.get(source, {}).get(model)
    if v is None:
        v = _ci_scores(group).get(source, {}).get(model)
    return _value(v)


def heatmap(group: Group | Mapping[str, Any]) -> str:
    """Scores, sources (rows) x models (columns), each cell annotated; grey = not run."""
    import numpy as np

    group = as_group(group)
    sources, models = _sources_models(group)
    if not sources or not models:
        return ""
    grid = np.array(
        [
            [(_score(group, s, m) if _score(group, s, m) is not None else np.nan) for m in models]
            for s in sources
        ]
    )
    fig, ax = _figure(1.2 + 0.75 * len(models), 0.9 + 0.35 * len(sources))
    ax.set_facecolor("#dddddd")
    image = ax.imshow(np.ma.masked_invalid(grid), cmap="viridis", aspect="auto")
    ax.set_xticks(range(len(models)), [_short(m) for m in models], rotation=35, ha="right")
    ax.set_yticks(range(len(sources)), [_short(s) for s in sources])
    finite = grid[np.isfinite(grid)]
    mid = float(finite.mean()) if finite.size else 0.0
    for i in range(len(sources)):
        for j in range(len(models)):
            if np.isfinite(grid[i, j]):
                ax.text(
                    j,
                    i,
                    f"{grid[i, j]:.2f}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if grid[i, j] < mid else "black",
                )
    fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    ax.set_title(f"{group.metric} by source and model")
    return _svg(fig)


def _with_titles(svg: str, titles: Mapping[str, str]) -> str:
    """Hover text: a ``<title>`` (escaped) inside each mark's group, by its gid."""
    import html

    for gid, text in titles.items():
        shown = html.escape(visible(text))
        svg = svg.replace(f'<g id="{gid}">', f'<g id="{gid}"><title>{shown}</title>', 1)
    return svg


def spread(xs: Sequence[float], gap: float) -> list[float]:
    """Positions for labels wanted at ``xs``: in the same order, at least ``gap`` apart,
    each cluster of crowded labels centred on where its labels want to be.

    Pool-adjacent-violators on ``x_i - i * gap`` (the least-squares placement under the
    gap constraint): labels that do not crowd stay exactly where they are.
    """
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    # Blocks of ranks placed together; a block sits at the mean of its shifted targets.
    blocks: list[list[int]] = []

    def mean(block: list[int]) -> float:
        return sum(xs[order[r]] - r * gap for r in block) / len(block)

    for rank in range(len(order)):
        blocks.append([rank])
        # Merge only a real violation: rounding must not move labels that just fit.
        while len(blocks) > 1 and mean(blocks[-2]) > mean(blocks[-1]) + 1e-9 * gap:
            last = blocks.pop()
            blocks[-1] += last
    out = list(xs)
    for block in blocks:
        if len(block) > 1:  # a lone label keeps its own position, bit for bit
            at = mean(block)
            for r in block:
                out[order[r]] = at + r * gap
    return out


def scatter(group: Group | Mapping[str, Any]) -> str:
    """Each model's real score (x) against its score on each generator's data (y).

    A model's points share its real score, so they stand on one vertical line: the line
    is labelled with the model's name, and every point says on hover which model and
    generator it is. Names of models with nearly the same real score are moved apart
    (``spread``), each joined to its line by a thin leader, so none prints over another.
    """
    fig, titles = _scatter_figure(as_group(group))
    if fig is None:
        return ""
    return _with_titles(_svg(fig), titles)


#: Room between two model names above the scatter plot, in points (font size 7).
LABEL_GAP_PT = 9.0


def _scatter_figure(group: Group) -> tuple[Any, dict[str, str]]:
    """The scatter plot's figure (None when there is nothing to draw) and hover texts."""
    sources, models = _sources_models(group)
    synth = [s for s in sources if s != "real"]
    if "real" not in sources or not synth:
        return None, {}
    fig, ax = _figure(6.4, 4.4)
    lo, hi = math.inf, -math.inf
    titles: dict[str, str] = {}
    for k, gen in enumerate(synth):
        first = True
        for j, m in enumerate(models):
            x, y = _score(group, "real", m), _score(group, gen, m)
            if x is None or y is None:
                continue
            lo, hi = min(lo, x, y), max(hi, x, y)
            gid = f"pt-{k}-{j}"
            titles[gid] = f"{m} on {gen}: real {x:.3f}, synthetic {y:.3f}"
            ax.scatter(
                [x],
                [y],
                s=26 if gen == "mean" else 18,
                color=COLORS[k % len(COLORS)],
                marker="D" if gen.startswith("mean") else "o",
                label=_short(gen) if first else None,
                gid=gid,
                zorder=3,
            )
            first = False
    if not math.isfinite(lo):
        import matplotlib.pyplot as plt

        plt.close(fig)
        return None, {}
    pad = 0.05 * (hi - lo or 1.0)
    ax.plot(
        [lo - pad, hi + pad], [lo - pad, hi + pad], color="#888888", lw=1, ls="--", label="identity"
    )
    ax.set_ylim(lo - pad, hi + 2 * pad + 0.02 * (hi - lo or 1.0))
    named = [(m, x) for m in models if (x := _score(group, "real", m)) is not None]
    for _, x in named:
        ax.axvline(x, color="#dddddd", lw=0.6, zorder=1)
    # The names stand rotated in a row above the plot: one text height apart at least.
    x0, x1 = ax.get_xlim()
    width_pt = ax.get_position().width * fig.get_figwidth() * 72
    places = spread([x for _, x in named], LABEL_GAP_PT * (x1 - x0) / width_pt)
    top = ax.get_ylim()[1]
    for n, ((m, x), at) in enumerate(zip(named, places, strict=True)):
        ax.annotate(
            _short(m, 24),
            xy=(x, top),
            xycoords="data",
            xytext=(at, 8),
            textcoords=("data", "offset points"),
            rotation=90,
            ha="center",
            va="bottom",
            fontsize=7,
            annotation_clip=False,
            gid=f"name-{n}",  # an index: a model's name may hold any character
            arrowprops=None if abs(at - x) < 1e-12 else {"arrowstyle": "-", "color": "#999999",
                                                          "lw": 0.5, "shrinkA": 0, "shrinkB": 0},
        )
    ax.set_xlabel("score on real data (one vertical line per model)")
    ax.set_ylabel("score on synthetic data")
    ax.set_title("real vs synthetic score per model", pad=60)  # room for the names above
    ax.legend(fontsize=6, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    return fig, titles


def _bars(
    labels: Sequence[str],
    values: Sequence[float | None],
    cis: Sequence[Interval | None],
    title: str,
    ylabel: str,
    zero_line: bool = False,
) -> str:
    import numpy as np

    if not labels:
        return ""
    fig, ax = _figure(1.2 + 0.55 * len(labels), 2.8)
    x = np.arange(len(labels))
    vals = np.array([np.nan if v is None else v for v in values])
    err = np.zeros((2, len(labels)))
    for i, (v, c) in enumerate(zip(vals, cis, strict=True)):
        if c is not None and c.low is not None and c.high is not None and np.isfinite(v):
            err[0, i], err[1, i] = max(v - c.low, 0.0), max(c.high - v, 0.0)
    ax.bar(
        x,
        np.nan_to_num(vals),
        color=[COLORS[0] if np.isfinite(v) else "#dddddd" for v in vals],
        yerr=err,
        capsize=3,
        ecolor="#333333",
    )
    for i, v in enumerate(vals):
        if not np.isfinite(v):
            ax.text(i, 0, "n/a", ha="center", va="bottom", fontsize=7)
    if zero_line:
        ax.axhline(0, color="#888888", lw=0.8)
    ax.set_xticks(x, [_short(s) for s in labels], rotation=35, ha="right")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return _svg(fig)


def agreement_bars(group: Group | Mapping[str, Any], coefficient: str = "spearman") -> str:
    """Each synthetic source's agreement with real data, with its interval."""
    group = as_group(group)
    agreement = group.agreement
    ci = group.ci.agreement if group.ci is not None else {}
    gens = list(dict.fromkeys([*agreement, *ci]))

    def interval(g: str) -> Interval | None:
        found = ci.get(g)
        return found.of(coefficient) if found is not None else None

    def point(g: str) -> float | Interval | None:
        # The analysis' figure; the interval's point for a source it has no figure of.
        if g in agreement and coefficient in AGREEMENT_FIGURES:
            return agreement[g].figure(coefficient)
        return interval(g)

    return _bars(
        gens,
        [_value(point(g)) for g in gens],
        [interval(g) for g in gens],
        f"agreement with real ({coefficient})",
        coefficient,
        zero_line=True,
    )


def bias_bars(group: Group | Mapping[str, Any]) -> str:
    """Each model's bias factor towards its own data, with its interval; each bar is
    labelled with the model and the generator it is the same LLM as."""
    group = as_group(group)
    bias = group.bias
    ci = group.ci.bias if group.ci is not None else {}
    models = list(dict.fromkeys([*bias, *ci]))
    values = [_value(bias[m].value if m in bias else ci[m].interval) for m in models]
    own = [bias[m].owner if m in bias else ci[m].owner for m in models]
    return _bars(
        [f"{_short(m)}\non {_short(g)}'s data" for m, g in zip(models, own, strict=True)],
        values,
        [ci[m].interval if m in ci else None for m in models],
        "bias factor (own data)",
        "bias",
        zero_line=True,
    )


QUALITY_FIGURES = (
    ("duplicates", "duplicates"),
    ("label_tvd", "label TVD vs real"),
    ("distinct_2", "distinct-2"),
    ("mean_words", "mean words"),
)


COUNT_FIGURES = frozenset({"duplicates", "_entities"})


def _quality(group: Group) -> dict[str, dict[str, float | None]]:
    """source -> each of ``QUALITY_FIGURES`` from its data-quality summary
    (``harness.report.quality.compact``), None where it has none."""
    return {
        s: {k: _value(q.figure(k)) for k, _ in QUALITY_FIGURES}
        for s, q in (group.quality or {}).items()
    }


def _entities(group: Group, source: str) -> float:
    """The source's repaired plus dropped entities (0 for a source without data issues)."""
    issues = group.data.get(source)
    if issues is None:
        return 0.0
    return float(issues.repaired_entities) + float(issues.dropped_entities)


def quality_bars(group: Group | Mapping[str, Any]) -> str:
    """Small multiples of the data-quality figures of each source."""
    group = as_group(group)
    quality = _quality(group)
    sources = list(dict.fromkeys([*quality, *group.data]))
    if not sources:
        return ""
    panels = [
        (k, t)
        for k, t in QUALITY_FIGURES
        if any(quality.get(s, {}).get(k) is not None for s in sources)
    ]
    repaired = [_entities(group, s) for s in sources]
    if any(repaired):
        panels.append(("_entities", "repaired + dropped entities"))
    if not panels:
        return ""
    import matplotlib.pyplot as plt

    _figure(0.1, 0.1)  # apply rcParams
    plt.close("all")
    # Two panels a row: a row of five is wider than a laptop window.
    cols = min(2, len(panels))
    rows = (len(panels) + cols - 1) // cols
    fig, grid = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.9 * rows), squeeze=False)
    axes = [list(grid.flat)]
    for extra in axes[0][len(panels) :]:
        extra.set_visible(False)
    axes = [axes[0][: len(panels)]]
    for ax, (key, title) in zip(axes[0], panels, strict=True):
        vals = (
            repaired
            if key == "_entities"
            else [quality.get(s, {}).get(key) or 0.0 for s in sources]
        )
        ax.bar(
            range(len(sources)),
            vals,
            color=[COLORS[1] if s == "real" else COLORS[0] for s in sources],
        )
        ax.set_xticks(range(len(sources)), [_short(s) for s in sources], rotation=45, ha="right")
        if key in COUNT_FIGURES:
            from matplotlib.ticker import MaxNLocator

            ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts have no decimals
        ax.set_title(title)
    fig.tight_layout()
    return _svg(fig)


@dataclass(frozen=True)
class _SubsetRow:
    """One subset size of a source's sweep: random subsets' median and 5-95% band, and
    the median over adjacent windows of the real ranking."""

    k: int
    median: float | None
    low: float | None
    high: float | None
    windows: float | None


def _subsets(group: Group) -> dict[str, list[_SubsetRow]]:
    """source -> its subset sweep's rows that have random subsets (none: left out)."""
    agreement = group.ci.agreement if group.ci is not None else {}
    out: dict[str, list[_SubsetRow]] = {}
    for g, e in agreement.items():
        found = [
            _SubsetRow(
                r.k,
                _value(r.random.median),
                _value(r.random.low),
                _value(r.random.high),
                _value(None if r.windows is None else r.windows.median),
            )
            for r in (() if e.robustness is None else e.robustness.subsets)
            if r.random is not None
        ]
        if found:
            out[g] = found
    return out


def subset_curve(group: Group | Mapping[str, Any], coefficient: str = "spearman") -> str:
    """Agreement over model subsets of size k (``ci.agreement[g].robustness.subsets``):
    per source the median over random subsets; for the ensemble also their 5-95% band
    and the median over adjacent windows of the real ranking (dashed)."""
    rows = _subsets(as_group(group))
    if not rows:
        return ""
    fig, ax = _figure(4.2, 2.8)
    for i, (g, found) in enumerate(rows.items()):
        ks = [r.k for r in found]
        med = [r.median for r in found]
        ens = g == "mean"
        color = "#000000" if ens else COLORS[i % (len(COLORS) - 1)]
        ax.plot(
            ks,
            [math.nan if v is None else v for v in med],
            marker="o",
            ms=2.5,
            lw=1.6 if ens else 0.8,
            color=color,
            label=_short(g, 20),
        )
        if ens:
            lo = [r.low for r in found]
            hi = [r.high for r in found]
            ax.fill_between(
                ks,
                [math.nan if v is None else v for v in lo],
                [math.nan if v is None else v for v in hi],
                color="#bbbbbb",
                alpha=0.4,
            )
            win = [r.windows for r in found]
            ax.plot(
                ks,
                [math.nan if v is None else v for v in win],
                ls="--",
                lw=1.0,
                color=color,
                label="mean, adjacent",
            )
    ax.axhline(0, color="#888888", lw=0.8)
    ax.set_xlabel("models in the subset (k)")
    ax.set_ylabel(coefficient)
    ax.set_title("agreement over model subsets")
    ax.legend(fontsize=6, frameon=False, loc="lower right")
    return _svg(fig)


#: (id, title, function): the plots of one group, in page order.
# The page draws through the on-disk figure cache (harness.report.render.plotcache): a rerun
# whose groups did not change redraws nothing. The functions above stay uncached.
PLOTS = (
    ("heatmap", "Scores", cached(heatmap)),
    ("scatter", "Real vs synthetic", cached(scatter)),
    ("agreement", "Agreement with real data", cached(agreement_bars)),
    ("bias", "Bias factor", cached(bias_bars)),
    ("quality", "Data quality", cached(quality_bars)),
    ("subsets", "Agreement over model subsets", cached(subset_curve)),
)
