"""Which generator should I use? Paired comparisons of agreement between generators.

Per (task, dataset) every synthetic generator's Spearman agreement with the real
scores, and the ensemble ``mean``'s, is computed on the bootstrap's resampled score
arrays ``(R, G, M)`` (row 0 the point, rows 1.. the example resamples) with the
models redrawn too (one seeded draw of models per resample, the same for every
source of the group): a comparison of two sources uses the *same* resample of
examples and models on both sides, so it is paired. Per comparison:

* ``difference``: agreement(a) - agreement(b) at the point, with the centred
  bootstrap interval of the resampled differences (as every derived figure);
* ``p_value``: two-sided, the share of centred resampled differences on the other
  side of zero, ``min(1, 2 (1 + k) / (1 + B))`` with ``k`` the smaller side's count
  and ``B`` the defined resamples;
* ``p_holm``: Holm's step-down adjustment over a family: the task's rollup
  comparisons (every pair of generators and each against ``mean``; the
  recommendation reads these), and separately each dataset's own comparisons.

The task rollup averages a source's agreement over the task's datasets, row by row
(each dataset's resamples are its own; both sides of a comparison share them), and
its comparisons are the paired comparisons of those means. The recommendation is
the set of generators not significantly worse (after Holm) than the best one, and
whether any of them is distinguishable from the ensemble.

Bad input (no real scores, one generator, too few models, a constant score vector)
gives an undefined figure with its reason, never an exception or a NaN.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from harness.analysis.engine import masked_mean, spearman_last
from harness.analysis.resampling import DEFAULT_LEVEL, derive_seed, intervals
from harness.core.names import ENSEMBLE, MIN_GENERATORS, MIN_MODELS, REAL

FloatArray = npt.NDArray[np.float64]
COEFFICIENT = "spearman"
#: The significance level of the comparisons (after Holm).
ALPHA = 0.05
CORRECTION = "holm"


def _num(x: Any) -> float | None:
    x = float(x)
    return round(x, 6) if math.isfinite(x) else None


@dataclass(frozen=True)
class GroupInput:
    """One (task, dataset): its sources (``real`` among them), models, ``(R, G, M)`` scores."""

    task: str
    dataset: str
    generators: tuple[str, ...]
    models: tuple[str, ...]
    scores: FloatArray


@dataclass(frozen=True)
class Agreement:
    """A source's agreement with real data: the point and its centred interval."""

    value: float | None
    low: float | None = None
    high: float | None = None
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": self.value, "low": self.low, "high": self.high}
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class Comparison:
    """agreement(a) - agreement(b), paired; ``reason`` says why it is undefined."""

    a: str
    b: str
    difference: float | None = None
    low: float | None = None
    high: float | None = None
    p_value: float | None = None
    p_holm: float | None = None
    reason: str = ""

    @property
    def defined(self) -> bool:
        return self.p_value is not None

    def significant(self, alpha: float = ALPHA) -> bool:
        """Distinguishable after Holm (an undefined comparison never is)."""
        return self.p_holm is not None and self.p_holm < alpha

    def involves(self, x: str, y: str) -> bool:
        return {self.a, self.b} == {x, y}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "a": self.a,
            "b": self.b,
            "difference": self.difference,
            "low": self.low,
            "high": self.high,
            "p_value": self.p_value,
            "p_holm": self.p_holm,
        }
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class Agreements:
    """Resampled agreement ``values[r, s]`` of each source (NaN where undefined)."""

    sources: tuple[str, ...]
    values: FloatArray
    reasons: Mapping[str, str] = field(default_factory=dict)
    n_models: int = 0
    left_out: tuple[str, ...] = ()
    #: Why nothing of the group can be compared ('' when something can).
    reason: str = ""


@dataclass(frozen=True)
class GroupGenerators:
    """The ``ci.generators`` section of one report group."""

    task: str
    dataset: str
    agreement: Mapping[str, Agreement]
    comparisons: tuple[Comparison, ...]
    n_models: int = 0
    left_out: tuple[str, ...] = ()
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "coefficient": COEFFICIENT,
            "n_models": self.n_models,
            "agreement": {g: a.to_dict() for g, a in self.agreement.items()},
            "comparisons": [c.to_dict() for c in self.comparisons],
        }
        if self.left_out:
            out["models_left_out"] = list(self.left_out)
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class TaskGenerators:
    """A task's rollup over its datasets and its one recommendation sentence."""

    task: str
    datasets: tuple[str, ...]
    agreement: Mapping[str, Agreement]
    comparisons: tuple[Comparison, ...]
    best: str = ""
    not_worse: tuple[str, ...] = ()
    worse: tuple[str, ...] = ()
    #: Per generator of ``not_worse``: "better", "worse" or "not distinguishable"
    #: than the ensemble ``mean`` (after Holm); empty without an ensemble.
    vs_ensemble: Mapping[str, str] = field(default_factory=dict)
    family_size: int = 0
    left_out: Mapping[str, str] = field(default_factory=dict)
    recommendation: str = ""
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "datasets": list(self.datasets),
            "agreement": {g: a.to_dict() for g, a in self.agreement.items()},
            "comparisons": [c.to_dict() for c in self.comparisons],
            "best": self.best,
            "not_worse": list(self.not_worse),
            "worse": list(self.worse),
            "vs_ensemble": dict(self.vs_ensemble),
            "family_size": self.family_size,
            "recommendation": self.recommendation,
        }
        if self.left_out:
            out["left_out"] = dict(self.left_out)
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class WhichGenerators:
    """Every group's comparisons and every task's rollup (the ``generators`` sections)."""

    groups: Mapping[tuple[str, str], GroupGenerators]
    tasks: Mapping[str, TaskGenerators]
    level: float = DEFAULT_LEVEL
    alpha: float = ALPHA

    def to_dict(self) -> dict[str, Any]:
        """The report's top-level ``generators`` section (the task rollups)."""
        return {
            "coefficient": COEFFICIENT,
            "alpha": self.alpha,
            "level": self.level,
            "correction": CORRECTION,
            "family": "per task, the rollup's comparisons (every pair of generators and each "
            "against mean); per dataset, that dataset's",
            "tasks": {t: v.to_dict() for t, v in self.tasks.items()},
        }


# --------------------------------------------------------------------------- arithmetic


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (same order as given)."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    out = [1.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        out[i] = running
    return out


def paired_p(diffs: npt.ArrayLike) -> tuple[float | None, int]:
    """Two-sided bootstrap p of "no difference" from ``diffs`` (row 0 the point).

    The resamples are centred on the point (as the intervals are), and the p is the
    share on the other side of zero with the +1 correction: ``2 (1 + k) / (1 + B)``.
    """
    d = np.asarray(diffs, dtype=np.float64)
    reps = d[1:][np.isfinite(d[1:])]
    if not math.isfinite(d[0]) or reps.size < 2:
        return None, int(reps.size)
    centred = reps - reps.mean() + d[0]
    tol = 1e-12  # a difference that is zero up to rounding is zero
    below = int((centred <= tol).sum())
    above = int((centred >= -tol).sum())
    p = min(1.0, 2.0 * (1 + min(below, above)) / (1 + reps.size))
    return p, int(reps.size)


def compare(a: str, b: str, va: FloatArray, vb: FloatArray, level: float) -> Comparison:
    """The paired comparison of two ``(R,)`` agreement arrays of the same resamples."""
    d = np.asarray(va, dtype=np.float64) - np.asarray(vb, dtype=np.float64)
    if not math.isfinite(d[0]):
        return Comparison(a, b, reason="undefined agreement")
    p, count = paired_p(d)
    if p is None:
        return Comparison(a, b, _num(d[0]), reason=f"defined in {count} resamples, needs 2")
    ok = np.isfinite(d[1:])
    ci = intervals(d[:1], d[1:][ok].reshape(-1, 1), level, "centred")[0]
    return Comparison(a, b, ci["value"], ci["low"], ci["high"], _num(p))


# --------------------------------------------------------------------------- one group


def group_agreements(group: GroupInput, seed: int = 0) -> Agreements:
    """Each source's Spearman agreement per resample, examples and models redrawn.

    Only the models scored on real and on every synthetic generator take part (a
    comparison is over the same models on both sides); ``left_out`` names the others.
    """
    gens = group.generators
    synth = [i for i, g in enumerate(gens) if g != REAL]
    if REAL not in gens:
        return Agreements((), np.zeros((0, 0)), reason="no real scores to agree with")
    if not synth:
        return Agreements((), np.zeros((0, 0)), reason="no synthetic generator")
    scores = np.asarray(group.scores, dtype=np.float64)
    real = scores[:, gens.index(REAL), :]
    block = scores[:, synth, :]
    ok = np.isfinite(real[0]) & np.isfinite(block[0]).all(axis=0)
    left_out = tuple(m for m, k in zip(group.models, ok, strict=True) if not k)
    n = int(ok.sum())
    names = [gens[i] for i in synth]
    if n < MIN_MODELS:
        why = f"needs at least {MIN_MODELS} models scored on real and on every generator, got {n}"
        return Agreements(tuple(names), np.zeros((0, 0)), {}, n, left_out, why)
    sources = {g: block[:, k, ok] for k, g in enumerate(names)}
    if len(names) >= MIN_GENERATORS:
        sources[ENSEMBLE] = masked_mean(block[:, :, ok])
    reasons = {}
    if np.ptp(real[0, ok]) == 0:
        why = "constant scores on real"
        return Agreements(tuple(sources), np.zeros((0, 0)), {}, n, left_out, why)
    for g, s in sources.items():
        if np.ptp(s[0]) == 0:
            reasons[g] = f"constant scores on {g}"
    # One draw of models per resample, shared by every source: paired over models too.
    rng = np.random.default_rng(derive_seed(seed, group.task, group.dataset, "whichgen"))
    r = scores.shape[0]
    pick = np.vstack([np.arange(n)[None], rng.integers(0, n, size=(r - 1, n))])
    rows = np.arange(r)[:, None]
    real_drawn = real[:, ok][rows, pick]
    stacked = np.stack([s[rows, pick] for s in sources.values()])  # (S, R, n)
    values = spearman_last(stacked, real_drawn[None]).T  # (R, S)
    return Agreements(tuple(sources), values, reasons, n, left_out)


def _agreement(values: FloatArray, reason: str, level: float) -> Agreement:
    if reason or not math.isfinite(values[0]):
        return Agreement(None, reason=reason or "undefined agreement")
    ok = np.isfinite(values[1:])
    ci = intervals(values[:1], values[1:][ok].reshape(-1, 1), level, "centred", (-1.0, 1.0))[0]
    return Agreement(ci["value"], ci["low"], ci["high"])


def _comparisons(
    sources: Sequence[str], values: FloatArray, reasons: Mapping[str, str], level: float
) -> list[Comparison]:
    """Every pair of generators, then every generator against ``mean``."""
    gens = [s for s in sources if s != ENSEMBLE]
    pairs = list(itertools.combinations(gens, 2))
    if ENSEMBLE in sources:
        pairs += [(g, ENSEMBLE) for g in gens]
    out = []
    for a, b in pairs:
        why = "; ".join(reasons[x] for x in (a, b) if x in reasons)
        if why:
            out.append(Comparison(a, b, reason=why))
            continue
        out.append(compare(a, b, values[:, sources.index(a)], values[:, sources.index(b)], level))
    return out


def _group_result(group: GroupInput, found: Agreements, level: float) -> GroupGenerators:
    if found.reason:
        return GroupGenerators(
            group.task, group.dataset, {}, (), found.n_models, found.left_out, found.reason
        )
    agreement = {
        s: _agreement(found.values[:, k], found.reasons.get(s, ""), level)
        for k, s in enumerate(found.sources)
    }
    comps = _comparisons(found.sources, found.values, found.reasons, level)
    reason = ""
    if len([s for s in found.sources if s != ENSEMBLE]) < 2:
        reason = f"one synthetic generator ({found.sources[0]}): nothing to compare it with"
    return GroupGenerators(
        group.task,
        group.dataset,
        agreement,
        tuple(comps),
        found.n_models,
        found.left_out,
        reason,
    )


# --------------------------------------------------------------------------- a task


def _rollup(
    task: str,
    found: Mapping[str, Agreements],
    level: float,
) -> tuple[tuple[str, ...], dict[str, Agreement], list[Comparison], dict[str, str], str]:
    """The mean agreement over the task's datasets and its paired comparisons."""
    usable = {d: a for d, a in found.items() if not a.reason}
    left: dict[str, str] = {}
    if not usable:
        reasons = "; ".join(f"{d}: {a.reason}" for d, a in sorted(found.items()))
        return (), {}, [], left, f"no dataset can be compared ({reasons})"
    datasets = tuple(sorted(usable))
    names = list(dict.fromkeys(s for d in datasets for s in usable[d].sources))
    keep = []
    for s in names:
        missing = [d for d in datasets if s not in usable[d].sources]
        bad = [d for d in datasets if s in usable[d].reasons]
        if missing:
            left[s] = f"not in every dataset of {task} (missing {', '.join(missing)})"
        elif bad:
            left[s] = "; ".join(f"{d}: {usable[d].reasons[s]}" for d in bad)
        else:
            keep.append(s)
    if ENSEMBLE in keep and len([s for s in keep if s != ENSEMBLE]) < MIN_GENERATORS:
        keep.remove(ENSEMBLE)  # a one-generator rollup has no ensemble
    if not keep:
        return datasets, {}, [], left, "no generator has a defined agreement in every dataset"
    # Each dataset's rows are its own resamples; the mean of row r pairs every source.
    stacked = np.stack(
        [
            np.stack([usable[d].values[:, usable[d].sources.index(s)] for d in datasets])
            for s in keep
        ]
    )  # (S, D, R)
    mean = stacked.mean(axis=1).T  # (R, S)
    agreement = {s: _agreement(mean[:, k], "", level) for k, s in enumerate(keep)}
    comps = _comparisons(keep, mean, {}, level)
    return datasets, agreement, comps, left, ""


def _with_holm(comps: Sequence[Comparison], adjusted: Iterable[float]) -> tuple[Comparison, ...]:
    it = iter(adjusted)
    out = []
    for c in comps:
        if c.defined:
            out.append(Comparison(c.a, c.b, c.difference, c.low, c.high, c.p_value, _num(next(it))))
        else:
            out.append(c)
    return tuple(out)


def _find(comps: Sequence[Comparison], x: str, y: str) -> Comparison | None:
    return next((c for c in comps if c.involves(x, y)), None)


def _side(c: Comparison, g: str, alpha: float) -> str:
    """Is ``g`` better or worse than the other side of ``c`` (after Holm)?"""
    if not c.significant(alpha) or c.difference is None:
        return "not distinguishable"
    better = c.difference > 0 if c.a == g else c.difference < 0
    return "better" if better else "worse"


def recommend(
    task: str,
    datasets: Sequence[str],
    agreement: Mapping[str, Agreement],
    comps: Sequence[Comparison],
    alpha: float = ALPHA,
) -> tuple[str, tuple[str, ...], tuple[str, ...], dict[str, str], str]:
    """(best, not_worse, worse, vs_ensemble, sentence) of a task's rollup."""
    gens = [g for g in agreement if g != ENSEMBLE and agreement[g].value is not None]
    over = f"{COEFFICIENT} over {len(datasets)} dataset{'s' if len(datasets) != 1 else ''}"
    if not gens:
        return "", (), (), {}, f"for {task}: no recommendation (no generator can be judged)"
    ordered = sorted(gens, key=lambda g: (-(agreement[g].value or 0.0), g))
    best = ordered[0]
    if len(gens) == 1:
        a = agreement[best]
        fig = f"{a.value:.2f}" + (f" [{a.low:.2f}, {a.high:.2f}]" if a.low is not None else "")
        sentence = (
            f"for {task}: {best}, the only generator ({over} {fig}); nothing to compare it "
            "with, judge it by its agreement alone"
        )
        return best, (best,), (), {}, sentence
    worse = []
    for g in gens:
        c = _find(comps, best, g) if g != best else None
        if c is not None and _side(c, best, alpha) == "better":
            worse.append(g)
    keep = tuple(g for g in ordered if g not in worse)
    vs: dict[str, str] = {}
    if ENSEMBLE in agreement:
        for g in keep:
            c = _find(comps, g, ENSEMBLE)
            vs[g] = "not distinguishable" if c is None else _side(c, g, alpha)
    listed = keep[0] if len(keep) == 1 else f"{', '.join(keep[:-1])} or {keep[-1]}"
    text = f"for {task}: {listed}"
    if worse:
        text += f" ({', '.join(sorted(worse))} significantly worse)"
    if vs:
        apart = [f"{g} {s} than the ensemble" for g, s in vs.items() if s != "not distinguishable"]
        if apart:
            text += "; " + ", ".join(apart)
        elif len(keep) == 1:
            text += "; not distinguishable from the ensemble"
        else:
            text += "; none is distinguishable from the ensemble"
    text += f" ({over}, Holm-adjusted p < {alpha:g})"
    return best, keep, tuple(sorted(worse)), vs, text


def resolution_note(family: int, resamples: int, alpha: float = ALPHA) -> str:
    """Why nothing can be significant: the smallest bootstrap p is ``2 / (B + 1)``, so
    Holm over ``family`` comparisons needs ``family * 2 / (B + 1) < alpha``."""
    if family == 0 or resamples <= 0 or family * 2.0 / (resamples + 1) < alpha:
        return ""
    need = math.floor(2.0 * family / alpha)
    return (
        f"; with {resamples} resamples none of the {family} comparisons can reach a "
        f"Holm p < {alpha:g} (it needs at least {need})"
    )


def compare_generators(
    groups: Sequence[GroupInput], seed: int = 0, level: float = DEFAULT_LEVEL, alpha: float = ALPHA
) -> WhichGenerators:
    """Every group's paired comparisons, every task's rollup; Holm per family.

    The family of a task is its rollup's comparisons (what the recommendation reads);
    each dataset's comparisons are adjusted within that dataset. With one dataset the
    rollup is that dataset's comparisons (the same numbers, adjusted once).
    """
    found = {(g.task, g.dataset): group_agreements(g, seed) for g in groups}
    raw = {(g.task, g.dataset): _group_result(g, found[(g.task, g.dataset)], level) for g in groups}
    resamples = {(g.task, g.dataset): int(np.asarray(g.scores).shape[0]) - 1 for g in groups}
    out_groups: dict[tuple[str, str], GroupGenerators] = {}
    tasks: dict[str, TaskGenerators] = {}
    for task in sorted({t for t, _ in raw}):
        keys = sorted(k for k in raw if k[0] == task)
        datasets, agreement, comps, left, why = _rollup(
            task, {d: found[(t, d)] for t, d in keys}, level
        )
        family = [c for c in comps if c.defined]
        rollup = _with_holm(comps, holm([c.p_value or 0.0 for c in family]))
        for k in keys:
            g = raw[k]
            if datasets == (k[1],):  # the rollup is this dataset: one family, not two
                same = {(c.a, c.b): c for c in rollup}
                cs = tuple(same.get((c.a, c.b), c) for c in g.comparisons)
            else:
                mine = [c.p_value or 0.0 for c in g.comparisons if c.defined]
                cs = _with_holm(g.comparisons, holm(mine))
            out_groups[k] = GroupGenerators(
                g.task, g.dataset, g.agreement, cs, g.n_models, g.left_out, g.reason
            )
        if why:
            sentence = f"for {task}: no recommendation ({why})"
            tasks[task] = TaskGenerators(
                task,
                datasets,
                agreement,
                rollup,
                left_out=left,
                recommendation=sentence,
                reason=why,
                family_size=len(family),
            )
            continue
        best, keep, worse, vs, sentence = recommend(task, datasets, agreement, rollup, alpha)
        fewest = min((resamples[(task, d)] for d in datasets), default=0)
        sentence += resolution_note(len(family), fewest, alpha)
        tasks[task] = TaskGenerators(
            task, datasets, agreement, rollup, best, keep, worse, vs, len(family), left, sentence
        )
    return WhichGenerators(out_groups, tasks, level, alpha)
