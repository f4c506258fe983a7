"""Bootstrap, permutation and paired statistics, vectorised over resamples.

A resample is a column of example *weights* (how often each example was drawn), so
one matrix ``weights`` of shape ``(n_examples, resamples)`` describes a whole
bootstrap. Every model evaluated on the same source shares that matrix: the
resamples are paired, which is what makes a difference between two models (or
between this run and a saved baseline) a paired bootstrap.

The primary metric of every resample of every model of a source comes from the
task's own batch scorer (its ``batch_score``, e.g. ``harness/tasks/intent/batch.py``),
which reads the per-example sufficient statistics of
``harness.tasks.stats.ExampleStats``; a source is resampled within the task's
``strata`` where it has them. Each built-in scorer equals ``Task.score_from_stats`` on
the resampled examples (the tests check this on random resamples). A task without a
batch scorer falls back to calling ``score_from_stats`` once per resample
(``harness.tasks.generic``): correct, only slower.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from harness.tasks import generic
from harness.tasks.stats import BatchScorer as BatchScorer  # re-exported: its old home
from harness.tasks.stats import ExampleStats, FloatArray
from harness.tasks.stats import weights_to_index as weights_to_index

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
#: quantiles reflected about the point, ``2 * point - q``, for figures whose resamples
#: are shifted from the point the way the point is shifted from the truth (a
#: correlation of noisy scores is attenuated once by the data and again by resampling).
INTERVAL_METHODS = ("percentile", "basic")


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
    reps = np.asarray(reps, dtype=np.float64).reshape(reps.shape[0], -1)
    lo, hi = quantiles(reps, level)
    if method == "basic":
        lo, hi = np.clip(2 * points - hi, *bounds), np.clip(2 * points - lo, *bounds)
    finite = np.isfinite(reps)
    count = finite.sum(axis=0)
    safe = np.where(finite, reps, 0.0)
    mean = safe.sum(axis=0) / np.maximum(count, 1)
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
    out = intervals(diffs[0], diffs[1:], level)
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


# ------------------------------------------------------------------- coefficients over models


def _ptp_zero(x: FloatArray) -> npt.NDArray[np.bool_]:
    return np.ptp(x, axis=-1) == 0


def pearson_last(x: FloatArray, y: FloatArray) -> FloatArray:
    """Pearson r along the last axis; NaN for a constant vector."""
    xc = x - x.mean(axis=-1, keepdims=True)
    yc = y - y.mean(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (xc * yc).sum(-1) / np.sqrt((xc * xc).sum(-1) * (yc * yc).sum(-1))
    r = np.clip(r, -1.0, 1.0)
    return np.where(_ptp_zero(x) | _ptp_zero(y), np.nan, r)


def rank_last(x: FloatArray) -> FloatArray:
    """Average ranks (1-based) along the last axis, ties averaged as scipy's ``rankdata``.

    A row holding a NaN is all NaN (scipy's ``nan_policy="propagate"``). One argsort
    per row, and with ties two running extrema for each tie group's first and last
    position; exact (an average rank is a half-integer), so the ranks are scipy's.
    """
    x = np.asarray(x, dtype=np.float64)
    m = x.shape[-1]
    if m == 0:
        return x.copy()
    # Any sort will do: tied values share one rank whatever their order.
    order = np.argsort(x, axis=-1)
    ordered = np.take_along_axis(x, order, axis=-1)
    new = np.ones(x.shape, dtype=bool)
    np.not_equal(ordered[..., 1:], ordered[..., :-1], out=new[..., 1:])
    if new.all():  # no ties (continuous scores): the rank is the sorted position
        avg = np.broadcast_to(np.arange(1.0, m + 1.0), x.shape)
    else:
        pos = np.broadcast_to(np.arange(m), x.shape)
        last = np.ones(x.shape, dtype=bool)
        last[..., :-1] = new[..., 1:]
        first = np.maximum.accumulate(np.where(new, pos, 0), axis=-1)
        end = np.minimum.accumulate(np.where(last, pos, m - 1)[..., ::-1], axis=-1)[..., ::-1]
        avg = (first + end) / 2.0 + 1.0
    ranks = np.empty(x.shape, dtype=np.float64)
    np.put_along_axis(ranks, order, avg, axis=-1)
    return np.where(np.isnan(x).any(axis=-1, keepdims=True), np.nan, ranks)


def spearman_last(x: FloatArray, y: FloatArray) -> FloatArray:
    """Spearman rho along the last axis."""
    return pearson_last(rank_last(x), rank_last(y))


def _pair_signs(x: FloatArray) -> npt.NDArray[np.int8]:
    """``sign(x_i - x_j)`` of every pair ``i < j`` of the last axis, as small ints.

    Shape ``(pairs, *x.shape[:-1])``: the pairs lead, so each of the ``M - 1``
    offsets (pairs ``(i, i + 1)``, then ``(i, i + 2)``, ...) is one comparison of
    contiguous blocks, several times faster than gathering both ends of every pair.
    Kendall's sums do not depend on the order of the pairs, only on both inputs using
    the same one. The sign of a difference of scores is that of their ranks; a pair
    with a NaN is 0 (a row holding a NaN is undefined anyway, ``_undefined``).
    """
    xt = np.ascontiguousarray(np.moveaxis(np.asarray(x, dtype=np.float64), -1, 0))
    m = xt.shape[0]
    out = np.empty((m * (m - 1) // 2, *xt.shape[1:]), dtype=np.int8)
    at = 0
    for k in range(1, m):
        a, b = xt[: m - k], xt[k:]
        seg = out[at : at + m - k]
        np.subtract(np.less(b, a).view(np.int8), np.less(a, b).view(np.int8), out=seg)
        at += m - k
    return out


def _kendall_signs(
    sx: npt.NDArray[np.int8],
    sy: npt.NDArray[np.int8],
    nx: npt.NDArray[np.intp] | None = None,
    ny: npt.NDArray[np.intp] | None = None,
) -> FloatArray:
    """tau-b from two ``_pair_signs`` arrays (pairs on axis 0): the sums over the pairs.

    ``nx``, ``ny``: the untied pairs of each (``count_nonzero`` over axis 0), if known.
    """
    nx = np.count_nonzero(sx, axis=0) if nx is None else nx
    ny = np.count_nonzero(sy, axis=0) if ny is None else ny
    # Broadcast the batch axes as the scores' would (they trail the pair axis here).
    batch = max(sx.ndim, sy.ndim) - 1
    sx = sx.reshape(sx.shape[:1] + (1,) * (batch - sx.ndim + 1) + sx.shape[1:])
    sy = sy.reshape(sy.shape[:1] + (1,) * (batch - sy.ndim + 1) + sy.shape[1:])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.multiply(sx, sy).sum(axis=0) / np.sqrt(nx * ny.astype(np.float64))


def _undefined(x: FloatArray) -> npt.NDArray[np.bool_]:
    """Rows no rank coefficient is defined on: constant, or holding a NaN."""
    return _ptp_zero(x) | np.isnan(x).any(axis=-1)


def kendall_last(x: FloatArray, y: FloatArray) -> FloatArray:
    """Kendall tau-b along the last axis (pairs tied in one vector count in neither sum)."""
    tau = _kendall_signs(_pair_signs(x), _pair_signs(y))
    return np.where(_undefined(x) | _undefined(y), np.nan, tau)


def mae_last(x: FloatArray, y: FloatArray) -> FloatArray:
    """Mean absolute error along the last axis."""
    return np.abs(x - y).mean(axis=-1)


def mse_last(x: FloatArray, y: FloatArray) -> FloatArray:
    """Mean squared error along the last axis."""
    return ((x - y) ** 2).mean(axis=-1)


COEFFICIENTS: dict[str, Callable[[FloatArray, FloatArray], FloatArray]] = {
    "spearman": spearman_last,
    "kendall": kendall_last,
    "pearson": pearson_last,
    "mae": mae_last,
    "mse": mse_last,
}
#: Coefficients of association, for which a permutation test is meaningful.
ASSOCIATION = ("spearman", "kendall", "pearson")
#: The range of every coefficient, which clips its (basic) interval.
COEFFICIENT_RANGE: dict[str, tuple[float, float]] = {
    "spearman": (-1.0, 1.0),
    "kendall": (-1.0, 1.0),
    "pearson": (-1.0, 1.0),
    "mae": (0.0, math.inf),
    "mse": (0.0, math.inf),
}
#: How the interval of each agreement figure is read from its resamples (see
#: ``INTERVAL_METHODS``). Pearson, MAE and MSE are functions of noisy scores on both
#: sides: the noise shifts the point once and every resample twice, so a percentile
#: interval covers far below its level (Pearson of six models on 150 examples: 51% of
#: 90% intervals, tests/test_stats_coverage.py); reflected, they cover. A rank
#: coefficient of a handful of models takes a few values only, and reflecting such a
#: distribution about a point at its edge gives intervals with the point at a bound
#: (atis, four models: Spearman 0.8 [0.8, 1.0]); its percentile interval covers.
AGREEMENT_METHODS: dict[str, str] = {
    "spearman": "percentile",
    "kendall": "percentile",
    "pearson": "basic",
    "mae": "basic",
    "mse": "basic",
}


@dataclass(frozen=True)
class Ranked:
    """A score array ``(..., M)`` with what every coefficient reads of it, computed once.

    The real scores of a group meet every source's: ranking them once (and once
    finding their pair signs) instead of once per source is most of a group's
    agreement work.
    """

    values: FloatArray
    ranks: FloatArray
    signs: npt.NDArray[np.int8]
    #: Rows without a rank coefficient: constant, or holding a NaN.
    undefined: npt.NDArray[np.bool_]
    #: Untied pairs of every row (Kendall's denominator; a permutation keeps it).
    untied: npt.NDArray[np.intp]

    def permuted(self, perms: npt.NDArray[np.intp]) -> Ranked:
        """A 1-D ranked vector under every row of ``perms`` ``(P, M)`` of its positions.

        Permuting scores permutes their ranks, so only the pair signs are recomputed.
        """
        values = self.values[perms]
        rows = perms.shape[:-1]
        undefined = np.broadcast_to(self.undefined, rows)
        untied = np.broadcast_to(self.untied, rows)
        return Ranked(values, self.ranks[perms], _pair_signs(values), undefined, untied)

    def broadcast(self, rows: int) -> Ranked:
        """A 1-D ranked vector repeated as ``rows`` rows (a read-only view)."""
        return Ranked(
            np.broadcast_to(self.values, (rows, self.values.size)),
            np.broadcast_to(self.ranks, (rows, self.ranks.size)),
            np.broadcast_to(self.signs[:, None], (self.signs.size, rows)),
            np.broadcast_to(self.undefined, (rows,)),
            np.broadcast_to(self.untied, (rows,)),
        )


def ranked(x: npt.ArrayLike) -> Ranked:
    """``x`` with its average ranks, pair signs and undefined rows (see ``Ranked``)."""
    values = np.asarray(x, dtype=np.float64)
    signs = _pair_signs(values)
    untied = np.count_nonzero(signs, axis=0)
    return Ranked(values, rank_last(values), signs, _undefined(values), untied)


def agreement_of(x: Ranked, y: Ranked) -> dict[str, FloatArray]:
    """Every coefficient of ``COEFFICIENTS`` along the last axis of two ranked arrays."""
    kendall = _kendall_signs(x.signs, y.signs, x.untied, y.untied)
    return {
        "spearman": pearson_last(x.ranks, y.ranks),
        "kendall": np.where(x.undefined | y.undefined, np.nan, kendall),
        "pearson": pearson_last(x.values, y.values),
        "mae": mae_last(x.values, y.values),
        "mse": mse_last(x.values, y.values),
    }


def agreement_figures(x: npt.ArrayLike, y: npt.ArrayLike) -> dict[str, FloatArray]:
    """Every coefficient of ``COEFFICIENTS`` along the last axis, ranking each input once."""
    return agreement_of(ranked(x), ranked(y))


def permutation_pvalues(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = 0,
) -> dict[str, float | None]:
    """One-sided p of "synthetic scores rank the models no better than chance", per coefficient.

    Shuffles which model each synthetic score ``x`` belongs to. With few models every
    permutation is enumerated (an exact p); otherwise ``permutations`` random ones,
    with the usual ``(1 + hits) / (1 + permutations)``. None when undefined.
    """
    xa, ya = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    m = xa.size
    if m < 3:
        return dict.fromkeys(ASSOCIATION)
    rx, ry = ranked(xa), ranked(ya)
    observed = agreement_of(rx, ry)
    exact = math.factorial(m) <= permutations
    if exact:
        perms = np.array(list(itertools.permutations(range(m))), dtype=np.intp)
    else:
        rng = np.random.default_rng(seed)
        perms = rng.permuted(np.tile(np.arange(m), (permutations, 1)), axis=1)
    shuffled = agreement_of(rx.permuted(perms), ry.broadcast(len(perms)))
    out: dict[str, float | None] = {}
    for name in ASSOCIATION:
        obs = float(observed[name])
        if not math.isfinite(obs):
            out[name] = None
            continue
        hits = int((shuffled[name] >= obs - 1e-12).sum())
        out[name] = _num(hits / len(perms) if exact else (1 + hits) / (1 + len(perms)))
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
