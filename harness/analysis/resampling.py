"""Bootstrap, permutation and paired statistics, vectorised over resamples.

A resample is a column of example *weights* (how often each example was drawn), so
one matrix ``weights`` of shape ``(n_examples, resamples)`` describes a whole
bootstrap. Every model evaluated on the same source shares that matrix: the
resamples are paired, which is what makes a difference between two models (or
between this run and a saved baseline) a paired bootstrap.

The primary metric of every resample of every model of a source comes from the
task's own batch scorer (its ``batch_score``, e.g. ``harness/tasks/intent/batch.py``),
which reads the per-example sufficient statistics of
``harness.tasks.kit.examplestats.ExampleStats``. The report's bootstrap resamples every source
plainly (``harness.analysis.intervals``, scheme 3); ``resample_weights(..., strata=)`` still
draws within a task's ``strata`` for a caller that wants it. Each built-in scorer
equals ``Task.score_from_stats`` on the resampled examples (the tests check this on
random resamples). A task without a batch scorer falls back to calling
``score_from_stats`` once per resample (``harness.tasks.kit.generic``): correct, only
slower.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
import numpy.typing as npt

from harness.analysis.engine import ASSOCIATION, Ranked, agreement_of, ranked
from harness.tasks.kit import generic
from harness.tasks.kit.examplestats import BatchScorer as BatchScorer  # re-exported: its old home
from harness.tasks.kit.examplestats import ExampleStats, FloatArray
from harness.tasks.kit.examplestats import weights_to_index as weights_to_index

DEFAULT_LEVEL = 0.95
DEFAULT_RESAMPLES = 1000
DEFAULT_PERMUTATIONS = 1000


# --------------------------------------------------------------------------- resampling


def derive_seed(seed: int, *parts: str) -> int:
    """A seed for one source from the run's seed and names, stable across processes.

    Seeding by name (not by position) keeps a source's resamples identical when other
    cases are added or deselected, which lets a later run pair with a saved baseline.
    """
    text = "\x1f".join([str(seed), *parts]).encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


def resample_weights(
    n: int,
    resamples: int,
    seed: int,
    with_point: bool = True,
    strata: npt.ArrayLike | None = None,
) -> FloatArray:
    """Bootstrap weights of shape ``(n, R)``; column ``j`` counts draws of each example.

    With ``with_point`` column 0 is all ones (the original sample), so the point
    estimate goes through the same code as the resamples; ``R = resamples + 1``.
    With ``strata`` (one code per example) the examples are drawn within each stratum,
    as many as it holds: every resample keeps the strata's sizes (a stratified
    bootstrap). Without, the draws are the same as they always were for this seed.
    """
    rng = np.random.default_rng(seed)
    if strata is None or not n:
        idx = rng.integers(0, n, size=(resamples, n)) if n else np.zeros((resamples, 0), np.int64)
    else:
        idx = _stratified_draws(np.asarray(strata), resamples, rng)
    flat = (idx + (np.arange(resamples) * n)[:, None]).ravel()
    counts = np.bincount(flat, minlength=resamples * n).reshape(resamples, n).T.astype(np.float64)
    if with_point:
        counts = np.concatenate([np.ones((n, 1)), counts], axis=1)
    return np.ascontiguousarray(counts)


def _stratified_draws(
    strata: npt.NDArray[Any], resamples: int, rng: np.random.Generator
) -> npt.NDArray[np.intp]:
    """``(R, n)`` example positions, each stratum's slots filled from its own members."""
    idx = np.empty((resamples, strata.size), dtype=np.intp)
    _, group = np.unique(strata, return_inverse=True)
    order = np.argsort(group, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(group[order]) != 0])
    for members in np.split(order, starts[1:]):  # strata in sorted order: reproducible
        idx[:, members] = members[rng.integers(0, members.size, size=(resamples, members.size))]
    return idx


def strata_of(task: Any, stats: ExampleStats) -> npt.NDArray[Any] | None:
    """The strata a task's source is resampled within (its ``strata``), or None: plain bootstrap."""
    return generic.strata(task, stats)


def source_stats(
    task: Any, golds: Sequence[Any], preds: Sequence[Sequence[Any]]
) -> list[ExampleStats]:
    """Per-example statistics of every model (one prediction list each) on one source."""
    return generic.source_stats(task, golds, preds)


def score_batch(
    task: Any, stats: Sequence[ExampleStats], weights: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Primary metric and invalid rate of every model (row) and resample (column).

    ``stats`` must describe the same examples (same gold) in the same order. The task's
    own ``batch_score`` computes them, or one ``score_from_stats`` per resample.
    """
    return generic.score_batch(task, stats, weights)


# --------------------------------------------------------------------------- intervals


def quantiles(reps: FloatArray, level: float = DEFAULT_LEVEL) -> tuple[FloatArray, FloatArray]:
    """Percentile interval over axis 0, ignoring undefined (NaN) resamples.

    Columns with fewer than 2 defined resamples get NaN bounds.
    """
    alpha = (1.0 - level) / 2.0
    q = [alpha, 1.0 - alpha]
    finite = np.isfinite(reps)
    lo = np.full(reps.shape[1:], np.nan)
    hi = np.full(reps.shape[1:], np.nan)
    full = finite.all(axis=0)
    if full.any():  # the common case, one call for all complete columns
        lo[full], hi[full] = np.quantile(reps[:, full], q, axis=0)
    for k in np.flatnonzero(~full & (finite.sum(axis=0) >= 2)):
        lo[k], hi[k] = np.quantile(reps[finite[:, k], k], q)
    return lo, hi


#: ``percentile``: the resamples' quantiles. ``basic`` (reverse percentile): the
#: quantiles reflected about the point, ``2 * point - q``. ``centred``: the resamples'
#: quantiles moved so that their mean sits on the point, ``point + (q - mean)``, then
#: widened to hold the point: the shape of the resampled spread, about the figure.
#: The report's figures use ``centred`` (and the jackknife, ``jackknife_intervals``);
#: docs/analysis.md ("Which interval") has the redraw simulations behind the choice.
INTERVAL_METHODS = ("percentile", "basic", "centred")


def intervals(
    points: FloatArray,
    reps: FloatArray,
    level: float = DEFAULT_LEVEL,
    method: str = "percentile",
    bounds: tuple[float, float] = (-math.inf, math.inf),
) -> list[dict[str, Any]]:
    """``interval`` of many figures at once: ``points`` shape ``(K,)``, ``reps`` ``(B, K)``.

    ``bounds`` clip a ``basic`` interval to the figure's range (a reflected
    correlation could step past 1).
    """
    if method not in INTERVAL_METHODS:
        raise ValueError(
            f"unknown interval method {method!r}; known: {', '.join(INTERVAL_METHODS)}"
        )
    points = np.asarray(points, dtype=np.float64)
    if points.size == 0:
        return []
    # By the figures' count: with no resample (B = 0) a ``-1`` axis would be ambiguous.
    reps = np.asarray(reps, dtype=np.float64).reshape(-1, points.size)
    if reps.shape[0] == 0:  # no resample: the point alone, no interval
        return [
            {"value": _num(v), "low": None, "high": None, "se": None, "undefined": 0}
            for v in points.reshape(-1)
        ]
    lo, hi = quantiles(reps, level)
    finite = np.isfinite(reps)
    count = finite.sum(axis=0)
    safe = np.where(finite, reps, 0.0)
    mean = safe.sum(axis=0) / np.maximum(count, 1)
    if method == "basic":
        lo, hi = np.clip(2 * points - hi, *bounds), np.clip(2 * points - lo, *bounds)
    elif method == "centred":
        # Resampling shifts a figure the way drawing the data did (a correlation of
        # noisy scores is attenuated once more, a macro F1 loses rare classes once
        # more): the spread is right, its location is not. The point is always inside.
        with np.errstate(invalid="ignore"):
            lo = np.minimum(np.clip(points + lo - mean, *bounds), points)
            hi = np.maximum(np.clip(points + hi - mean, *bounds), points)
    se = np.sqrt((np.where(finite, reps - mean, 0.0) ** 2).sum(axis=0) / np.maximum(count - 1, 1))
    out = []
    for k in range(points.size):
        ok = bool(np.isfinite(points[k]) and count[k] >= 2)
        out.append(
            {
                "value": _num(points[k]),
                "low": _num(lo[k]) if ok else None,
                "high": _num(hi[k]) if ok else None,
                "se": _num(se[k]) if ok else None,
                "undefined": int(reps.shape[0] - count[k]),
            }
        )
    return out


#: Largest number of leave-out groups of the jackknife of a source's scores: up to
#: this many examples, each is left out once (the delete-1 jackknife); beyond it the
#: examples fall into this many seeded groups of (nearly) equal size, and each group
#: is left out once (the grouped jackknife), which caps its cost at this many columns.
JACKKNIFE_GROUPS = 1000


def jackknife_weights(n: int, seed: int, groups: int = JACKKNIFE_GROUPS) -> FloatArray:
    """Weights ``(n, g)`` of the (grouped) jackknife: column ``j`` leaves group ``j`` out.

    ``g = min(n, groups)``; with ``g == n`` column ``j`` leaves example ``j`` out.
    """
    g = min(n, groups)
    if g < 2:
        return np.zeros((n, 0))
    # Seeded and balanced groups: their sizes differ by at most one.
    rng = np.random.default_rng(seed)
    group = np.arange(n) if g == n else rng.permutation(np.arange(n) % g)
    w = np.ones((n, g))
    w[np.arange(n), group] = 0.0
    return w


def jackknife_intervals(
    points: FloatArray,
    jack: FloatArray,
    level: float = DEFAULT_LEVEL,
    bounds: tuple[float, float] = (-math.inf, math.inf),
) -> list[dict[str, Any]]:
    """Normal intervals ``point -+ z se`` from the jackknife values ``jack`` ``(g, K)``.

    ``se**2 = (g - 1) / g * sum (jack - mean)**2`` over the defined values (the
    grouped jackknife's variance with ``g`` groups); clipped to ``bounds``, the metric's
    range. A figure that no leave-out moves (a perfect model) has width 0: it cannot
    vary when the test set is redrawn either. ``undefined`` counts leave-outs whose
    figure is undefined; with fewer than 2 defined the interval is undefined.
    """
    points = np.asarray(points, dtype=np.float64).reshape(-1)
    if points.size == 0:  # no figure defined (every model's score undefined): nothing
        return []
    jack = np.asarray(jack, dtype=np.float64).reshape(-1, points.size)
    finite = np.isfinite(jack)
    count = finite.sum(axis=0)
    mean = np.where(finite, jack, 0.0).sum(axis=0) / np.maximum(count, 1)
    dev = np.where(finite, jack - mean, 0.0)
    se = np.sqrt((count - 1) / np.maximum(count, 1) * (dev**2).sum(axis=0))
    z = _normal_quantile(0.5 + level / 2.0)
    out = []
    for k in range(points.size):
        ok = bool(np.isfinite(points[k]) and count[k] >= 2)
        lo = float(np.clip(points[k] - z * se[k], *bounds))
        hi = float(np.clip(points[k] + z * se[k], *bounds))
        out.append(
            {
                "value": _num(points[k]),
                "low": _num(lo) if ok else None,
                "high": _num(hi) if ok else None,
                "se": _num(se[k]) if ok else None,
                "undefined": int(jack.shape[0] - count[k]),
            }
        )
    return out


def _normal_quantile(p: float) -> float:
    """The standard normal quantile (``statistics.NormalDist``: no scipy import here)."""
    return NormalDist().inv_cdf(p)


def interval(
    point: float,
    reps: FloatArray,
    level: float = DEFAULT_LEVEL,
    method: str = "percentile",
    bounds: tuple[float, float] = (-math.inf, math.inf),
) -> dict[str, Any]:
    """``{"value", "low", "high", "se", "undefined"}`` of one figure; None where undefined.

    ``undefined`` counts resamples in which the figure was undefined (for example a
    constant score vector); the interval comes from the others.
    """
    reps = np.asarray(reps, dtype=np.float64).reshape(-1, 1)
    return intervals(np.array([point]), reps, level, method, bounds)[0]


def _num(x: Any) -> float | None:
    """A JSON-safe float rounded to 6 places (reports stay byte-stable), or None."""
    x = float(x)
    return round(x, 6) if math.isfinite(x) else None


def paired_difference(a: FloatArray, b: FloatArray, level: float = DEFAULT_LEVEL) -> dict[str, Any]:
    """``a - b`` of two figures resampled together (row 0 = point, then resamples).

    Both must come from the same resamples (the same weights), which makes the
    bootstrap paired: the examples that are hard for one model are hard for both.
    ``p_value`` is the two-sided bootstrap p of "no difference".
    """
    diff = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    return paired_differences(diff.reshape(-1, 1), level)[0]


def paired_differences(diffs: FloatArray, level: float = DEFAULT_LEVEL) -> list[dict[str, Any]]:
    """``paired_difference`` of every column of ``diffs`` ``(R, K)`` (row 0 = points) at once."""
    diffs = np.asarray(diffs, dtype=np.float64)
    out = intervals(diffs[0], diffs[1:], level, "centred")
    reps = diffs[1:]
    finite = np.isfinite(reps)
    count = finite.sum(axis=0)
    below = (finite & (reps <= 0)).sum(axis=0) / np.maximum(count, 1)
    above = (finite & (reps >= 0)).sum(axis=0) / np.maximum(count, 1)
    for k, entry in enumerate(out):
        if count[k] and math.isfinite(diffs[0, k]):
            entry["p_value"] = _num(min(1.0, 2.0 * min(below[k], above[k])))
        else:
            entry["p_value"] = None
    return out


# ------------------------------------------------------------------- agreement intervals


#: How the interval of each agreement figure is read from its resamples (see
#: ``INTERVAL_METHODS``): ``centred`` for all. The example resamples attenuate a
#: correlation of noisy scores once more than the data did, so a percentile interval
#: sits beside its own point (100 close models: Spearman 0.999 with [0.986, 0.993]);
#: a basic one over-corrects a rank coefficient of many models (it covered 38-50% of
#: the redraws' expected value with 50-100 models). Centred, they covered 0.94-1.0
#: (docs/analysis.md, "Which interval").
AGREEMENT_METHODS: dict[str, str] = {
    "spearman": "centred",
    "kendall": "centred",
    "pearson": "centred",
    "mae": "centred",
    "mse": "centred",
}


@dataclass(frozen=True)
class PermutedReference:
    """The reference scores ``y`` of a permutation test, ranked as they are and under
    every permutation: built once, shared by every ``x`` tested against the same ``y``
    (every synthetic source of a group against its real scores)."""

    ranked: Ranked
    #: ``y`` under every permutation, one row each; None with fewer than 3 models.
    permuted: Ranked | None
    #: Every permutation enumerated (an exact p) rather than ``permutations`` drawn.
    exact: bool


def permuted_reference(
    y: npt.ArrayLike, permutations: int = DEFAULT_PERMUTATIONS, seed: int = 0
) -> PermutedReference:
    """``y`` ranked, and under every permutation (all of them when there are at most
    ``permutations``, else ``permutations`` seeded random ones)."""
    ya = np.asarray(y, dtype=np.float64)
    m = ya.size
    ry = ranked(ya)
    if m < 3:
        return PermutedReference(ry, None, False)
    exact = math.factorial(m) <= permutations
    if exact:
        perms = np.array(list(itertools.permutations(range(m))), dtype=np.intp)
    else:
        rng = np.random.default_rng(seed)
        perms = rng.permuted(np.tile(np.arange(m), (permutations, 1)), axis=1)
    return PermutedReference(ry, ry.permuted(perms), exact)


def permutation_pvalues(
    x: npt.ArrayLike,
    y: npt.ArrayLike | PermutedReference,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = 0,
) -> dict[str, float | None]:
    """One-sided p of "synthetic scores rank the models no better than chance", per coefficient.

    Shuffles which model each score belongs to: the reference ``y`` is permuted
    (``permuted_reference``; passing one built already skips that work), which for a
    correlation is the same test as shuffling ``x``. With few models every permutation
    is enumerated (an exact p); otherwise ``permutations`` random ones, with the usual
    ``(1 + hits) / (1 + permutations)``. None when undefined.
    """
    xa = np.asarray(x, dtype=np.float64)
    ref = y if isinstance(y, PermutedReference) else permuted_reference(y, permutations, seed)
    if ref.permuted is None or xa.size < 3:
        return dict.fromkeys(ASSOCIATION)
    rx = ranked(xa)
    observed = agreement_of(rx, ref.ranked)
    count = ref.permuted.values.shape[0]
    shuffled = agreement_of(rx.broadcast(count), ref.permuted)
    out: dict[str, float | None] = {}
    for name in ASSOCIATION:
        obs = float(observed[name])
        if not math.isfinite(obs):
            out[name] = None
            continue
        hits = int((shuffled[name] >= obs - 1e-12).sum())
        out[name] = _num(hits / count if ref.exact else (1 + hits) / (1 + count))
    return out


def permutation_pvalue(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    coefficient: str = "spearman",
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = 0,
) -> float | None:
    """``permutation_pvalues`` of one coefficient (``spearman``, ``kendall`` or ``pearson``)."""
    if coefficient not in ASSOCIATION:
        raise ValueError(
            f"no permutation test for {coefficient!r}; known: {', '.join(ASSOCIATION)}"
        )
    return permutation_pvalues(x, y, permutations, seed)[coefficient]
