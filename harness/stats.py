"""Bootstrap, permutation and paired statistics, vectorised over resamples.

A resample is a column of example *weights* (how often each example was drawn), so
one matrix ``weights`` of shape ``(n_examples, resamples)`` describes a whole
bootstrap. Every model evaluated on the same source shares that matrix: the
resamples are paired, which is what makes a difference between two models (or
between this run and a saved baseline) a paired bootstrap.

The primary metric of every resample of every model of a source comes from one
batch scorer per task (registered in ``BATCH_SCORERS``) that reads the per-example
sufficient statistics of ``harness.tasks.stats.ExampleStats``:

* intent macro F1: per-class tp / gold / predicted counts are linear in the weights,
  so one sparse matrix product gives them for every model and resample at once;
* NER strict micro F1: per-example tp / fp / fn, one dense matrix product;
* similarity Spearman: average ranks of a weighted multiset come from cumulative
  weights over the sorted values, so no resample is ever sorted; the median
  imputation of invalid predictions is reproduced per resample.

Each scorer equals ``Task.score_from_stats`` on the resampled examples (the tests
check this on random resamples). A task without a batch scorer falls back to calling
``score_from_stats`` once per resample: correct, only slower.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from harness.registry import Registry
from harness.tasks.stats import ExampleStats

FloatArray = npt.NDArray[np.float64]
#: ``(stats of M models sharing their gold, weights (n, R))`` -> ``(primary, invalid_rate)``,
#: each of shape ``(M, R)``.
BatchScorer = Callable[[Sequence[ExampleStats], FloatArray], tuple[FloatArray, FloatArray]]

DEFAULT_LEVEL = 0.95
DEFAULT_RESAMPLES = 1000
DEFAULT_PERMUTATIONS = 1000

BATCH_SCORERS: Registry[BatchScorer] = Registry("batch scorer")
#: Per task: the stratum of every example of a source (the same for every model on it),
#: for tasks whose metric needs every resample to keep the source's composition.
STRATA: Registry[Callable[[ExampleStats], npt.NDArray[Any]]] = Registry("strata")


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


def weights_to_index(column: npt.ArrayLike) -> npt.NDArray[np.intp]:
    """The example positions of one resample (each repeated as often as drawn)."""
    w = np.asarray(column).astype(np.intp)
    return np.repeat(np.arange(w.shape[0]), w)


def strata_of(task: Any, stats: ExampleStats) -> npt.NDArray[Any] | None:
    """The strata a task's source is resampled within (``STRATA``), or None: plain bootstrap."""
    if task.name in STRATA:
        return STRATA.get(task.name)(stats)
    return None


def score_batch(
    task: Any, stats: Sequence[ExampleStats], weights: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Primary metric and invalid rate of every model (row) and resample (column).

    ``stats`` must describe the same examples (same gold) in the same order.
    """
    if task.name in BATCH_SCORERS:
        return BATCH_SCORERS.get(task.name)(stats, weights)
    return _fallback(task, stats, weights)


def _fallback(
    task: Any, stats: Sequence[ExampleStats], weights: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """One ``score_from_stats`` call per model and resample, for tasks with no batch scorer."""
    r = weights.shape[1]
    primary = np.full((len(stats), r), np.nan)
    invalid = np.full((len(stats), r), np.nan)
    for j in range(r):
        index = weights_to_index(weights[:, j])
        for i, s in enumerate(stats):
            metrics = task.score_from_stats(s, index)
            primary[i, j] = metrics.get(task.primary, np.nan)
            invalid[i, j] = metrics.get("invalid_rate", np.nan)
    return primary, invalid


# --------------------------------------------------------------------------- batch scorers


@BATCH_SCORERS.register("intent")
def intent_batch(
    stats: Sequence[ExampleStats], weights: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Macro F1 over the gold classes present in each resample, as ``IntentTask`` defines it."""
    from scipy import sparse

    from harness.tasks.intent import INVALID

    n, r = weights.shape
    k = len(stats[0].labels)
    gold = stats[0].rows[:, 0]
    per = 2 * k + 1  # rows per model: tp per class, predictions per class, invalid
    rows, cols = [gold], [np.arange(n)]
    for j, s in enumerate(stats):
        pred, base = s.rows[:, 1], k + j * per
        hit = np.flatnonzero(pred == gold)
        valid = np.flatnonzero(pred >= 0)
        bad = np.flatnonzero(pred == INVALID)
        rows += [base + gold[hit], base + k + pred[valid], np.full(bad.size, base + 2 * k)]
        cols += [hit, valid, bad]
    r_idx, c_idx = np.concatenate(rows), np.concatenate(cols)
    op = sparse.csr_matrix((np.ones(r_idx.size), (r_idx, c_idx)), shape=(k + len(stats) * per, n))
    totals = np.asarray(op @ weights)
    n_gold = totals[:k]
    block = totals[k:].reshape(len(stats), per, r)
    tp, n_pred, bad_w = block[:, :k], block[:, k : 2 * k], block[:, 2 * k]
    present = n_gold > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(present, 2.0 * tp / (n_gold + n_pred), 0.0)
        macro = f1.sum(axis=1) / present.sum(axis=0)
    return macro, bad_w / n


@STRATA.register("intent")
def intent_strata(stats: ExampleStats) -> npt.NDArray[Any]:
    """Resample within each gold label: every resample keeps the source's label set.

    Macro F1 averages over the gold labels present, so a plain bootstrap that misses a
    rare label (atis: 5 of 20 labels have at most 2 examples) averages over fewer
    classes than the point estimate and shifts the interval (up when rare labels score
    low, as they usually do). Drawing each label's examples from its own examples, as
    many as it has, fixes every resample's classes and class sizes to the source's.
    """
    return np.asarray(stats.rows[:, 0])


@BATCH_SCORERS.register("ner")
def ner_batch(stats: Sequence[ExampleStats], weights: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Strict micro F1 from summed per-example tp / fp / fn (columns 0-3 of the NER stats)."""
    n = weights.shape[0]
    head = np.concatenate([s.rows[:, :4].T for s in stats]).astype(np.float64)
    totals = (head @ weights).reshape(len(stats), 4, -1)
    bad, tp, fp, fn = totals[:, 0], totals[:, 1], totals[:, 2], totals[:, 3]
    den = 2 * tp + fp + fn
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(den > 0, 2 * tp / den, np.nan)
    return f1, bad / n


def _groups(
    values: FloatArray,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.intp], FloatArray]:
    """Sorting order, tie-group starts, group of each sorted position, group values."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    new = np.empty(ordered.size, dtype=bool)
    new[:1] = True
    new[1:] = ordered[1:] != ordered[:-1]
    starts = np.flatnonzero(new)
    return order, starts, np.cumsum(new) - 1, ordered[starts]


def _grouped(
    rows: FloatArray, order: npt.NDArray[np.intp], starts: npt.NDArray[np.intp]
) -> FloatArray:
    """Rows summed per tie group (a plain gather when there are no ties)."""
    if starts.size == order.size:
        return rows[order]
    return np.add.reduceat(rows[order], starts, axis=0)


def _at(cum: FloatArray, index: npt.NDArray[np.intp]) -> FloatArray:
    """``cum[index - 1]`` per column, 0 where ``index`` is 0 (a prefix sum before ``index``)."""
    cols = np.arange(cum.shape[1])
    return np.where(index > 0, cum[np.maximum(index - 1, 0), cols], 0.0)


class _Source:
    """What every model of one similarity source shares: gold ranks and their sums.

    A tie group of ``s`` items on consecutive positions has average rank ``cum - (s - 1) / 2``
    (``cum``: items up to and including the group), and its squared ranks sum to the
    positions' squares minus ``(s**3 - s) / 12``. Both identities let the moments of
    the prediction ranks come from cumulative weights without ranking any resample.
    """

    def __init__(self, gold: FloatArray, weights: FloatArray) -> None:
        n = weights.shape[0]
        order, starts, group, _ = _groups(gold)
        counts = _grouped(weights, order, starts)
        g_rank = np.cumsum(counts, axis=0) - (counts - 1.0) / 2.0
        ranks = np.empty_like(weights)
        ranks[order] = g_rank[group]
        self.n = n
        self.weights = weights
        self.wrg = weights * ranks
        self.mean = (n + 1) / 2.0
        self.squares = n * (n + 1) * (2 * n + 1) / 6.0
        self.var_g = (self.squares - _cubes(counts)) / n - self.mean**2
        self.sum_wrg = self.wrg.sum(axis=0)
        self.sum_w2rg = (weights * self.wrg).sum(axis=0)
        self.cubes = _cubes(weights)


def _cubes(counts: FloatArray) -> FloatArray:
    """Sum over tie groups of ``(s**3 - s) / 12``, per column."""
    return ((counts**3 - counts) / 12.0).sum(axis=0)


def _rank_moments(pred: FloatArray, src: _Source) -> tuple[FloatArray, FloatArray]:
    """Per resample: sum of rank_pred * rank_gold and of rank_pred**2 over the items.

    Invalid predictions (NaN) take the median of the resample's valid predictions, as
    ``SimilarityTask`` imputes them, and join that value's tie group if it has one.
    """
    weights, wrg = src.weights, src.wrg
    invalid = np.isnan(pred)
    valid = np.flatnonzero(~invalid)
    r = weights.shape[1]
    if not valid.size:
        return np.full(r, np.nan), np.full(r, np.nan)
    order, starts, _, values = _groups(pred[valid])
    pos = valid[order]
    tied = starts.size < pos.size
    counts = _grouped(weights, pos, starts) if tied else weights[pos]
    cross = _grouped(wrg, pos, starts) if tied else wrg[pos]
    cum = np.cumsum(counts, axis=0)
    bad_w, bad_wrg = weights[invalid], wrg[invalid]
    if tied:
        s_c = np.einsum("ur,ur->r", cross, counts)
        s_s = cross.sum(axis=0)
        cubes = _cubes(counts)
    else:
        s_c = src.sum_w2rg - (bad_w * bad_wrg).sum(axis=0)
        s_s = src.sum_wrg - bad_wrg.sum(axis=0)
        cubes = src.cubes - _cubes(bad_w)
    sum_cross = np.einsum("ur,ur->r", cross, cum) - s_c / 2.0 + s_s / 2.0
    if not invalid.any():
        return sum_cross, src.squares - cubes
    n_bad = bad_w.sum(axis=0)
    n_valid = src.n - n_bad
    last = values.size - 1
    lo = np.minimum(np.count_nonzero(cum <= np.floor((n_valid - 1) / 2), axis=0), last)
    hi = np.minimum(np.count_nonzero(cum <= np.floor(n_valid / 2), axis=0), last)
    med = (values[lo] + values[hi]) / 2.0
    left = np.searchsorted(values, med, side="left")
    right = np.searchsorted(values, med, side="right")
    cols = np.arange(r)
    eq = right > left
    at = np.minimum(left, last)
    c_eq = np.where(eq, counts[at, cols], 0.0)
    s_eq = np.where(eq, cross[at, cols], 0.0)
    s_above = s_s - _at(np.cumsum(cross, axis=0), right)
    under = _at(cum, left)
    rank_bad = under + (c_eq + n_bad + 1.0) / 2.0
    sum_cross = sum_cross + n_bad * s_above + n_bad / 2.0 * s_eq + rank_bad * bad_wrg.sum(axis=0)
    merged = c_eq + n_bad
    cubes = cubes - (c_eq**3 - c_eq) / 12.0 + (merged**3 - merged) / 12.0
    sum_sq = src.squares - cubes
    return sum_cross, sum_sq


@BATCH_SCORERS.register("similarity")
def similarity_batch(
    stats: Sequence[ExampleStats], weights: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Spearman of predictions against gold per resample, with ties averaged like scipy."""
    n, r = weights.shape
    src = _Source(stats[0].rows[:, 0], weights)
    tol = 1e-9 * src.mean**2
    rho = np.full((len(stats), r), np.nan)
    bad = np.empty((len(stats), r))
    for i, s in enumerate(stats):
        pred = s.rows[:, 1]
        invalid = np.isnan(pred)
        bad[i] = weights[invalid].sum(axis=0) / n
        cross, sq = _rank_moments(pred, src)
        var_p = sq / n - src.mean**2
        with np.errstate(invalid="ignore", divide="ignore"):
            value = (cross / n - src.mean**2) / np.sqrt(src.var_g * var_p)
        ok = (src.var_g > tol) & (var_p > tol) & np.isfinite(value)
        rho[i] = np.where(ok, np.clip(value, -1.0, 1.0), np.nan)
    return rho, bad


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
    out = interval(float(diff[0]), diff[1:], level)
    reps = diff[1:][np.isfinite(diff[1:])]
    if reps.size and math.isfinite(diff[0]):
        tail = min((reps <= 0).mean(), (reps >= 0).mean())
        out["p_value"] = _num(min(1.0, 2.0 * tail))
    else:
        out["p_value"] = None
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
    """Average ranks (1-based) along the last axis, ties averaged as scipy does."""
    from scipy.stats import rankdata

    return np.asarray(rankdata(x, axis=-1), dtype=np.float64)


def spearman_last(x: FloatArray, y: FloatArray) -> FloatArray:
    """Spearman rho along the last axis."""
    return pearson_last(rank_last(x), rank_last(y))


def _pair_signs(ranks: FloatArray) -> npt.NDArray[np.int16]:
    """``sign(r_i - r_j)`` for every pair ``i < j`` along the last axis, as small ints."""
    twice = np.rint(2 * ranks).astype(np.int16)  # average ranks are half-integers
    i, j = np.triu_indices(ranks.shape[-1], k=1)
    return np.sign(twice[..., i] - twice[..., j])


def _kendall_signs(sx: npt.NDArray[np.int16], sy: npt.NDArray[np.int16]) -> FloatArray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return (sx * sy).sum(-1) / np.sqrt(
            np.count_nonzero(sx, axis=-1) * np.count_nonzero(sy, axis=-1).astype(np.float64)
        )


def kendall_last(x: FloatArray, y: FloatArray) -> FloatArray:
    """Kendall tau-b along the last axis (pairs tied in one vector count in neither sum)."""
    tau = _kendall_signs(_pair_signs(rank_last(x)), _pair_signs(rank_last(y)))
    return np.where(_ptp_zero(x) | _ptp_zero(y), np.nan, tau)


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


def agreement_figures(x: FloatArray, y: FloatArray) -> dict[str, FloatArray]:
    """Every coefficient of ``COEFFICIENTS`` along the last axis, ranking each input once."""
    rx, ry = rank_last(x), rank_last(y)
    constant = _ptp_zero(x) | _ptp_zero(y)
    kendall = _kendall_signs(_pair_signs(rx), _pair_signs(ry))
    return {
        "spearman": pearson_last(rx, ry),
        "kendall": np.where(constant, np.nan, kendall),
        "pearson": pearson_last(x, y),
        "mae": mae_last(x, y),
        "mse": mse_last(x, y),
    }


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
    observed = agreement_figures(xa, ya)
    exact = math.factorial(m) <= permutations
    if exact:
        perms = np.array(list(itertools.permutations(range(m))), dtype=np.intp)
    else:
        rng = np.random.default_rng(seed)
        perms = rng.permuted(np.tile(np.arange(m), (permutations, 1)), axis=1)
    shuffled = agreement_figures(xa[perms], np.broadcast_to(ya, perms.shape))
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
