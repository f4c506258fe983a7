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


# --------------------------------------------------------------------------- resampling


def derive_seed(seed: int, *parts: str) -> int:
    """A seed for one source from the run's seed and names, stable across processes.

    Seeding by name (not by position) keeps a source's resamples identical when other
    cases are added or deselected, which lets a later run pair with a saved baseline.
    """
    text = "\x1f".join([str(seed), *parts]).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


def resample_weights(n: int, resamples: int, seed: int, with_point: bool = True) -> FloatArray:
    """Bootstrap weights of shape ``(n, R)``; column ``j`` counts draws of each example.

    With ``with_point`` column 0 is all ones (the original sample), so the point
    estimate goes through the same code as the resamples; ``R = resamples + 1``.
    """
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(resamples, n)) if n else np.zeros((resamples, 0), np.int64)
    flat = (idx + (np.arange(resamples) * n)[:, None]).ravel()
    counts = np.bincount(flat, minlength=resamples * n).reshape(resamples, n).T.astype(np.float64)
    if with_point:
        counts = np.concatenate([np.ones((n, 1)), counts], axis=1)
    return np.ascontiguousarray(counts)


def weights_to_index(column: npt.ArrayLike) -> npt.NDArray[np.intp]:
    """The example positions of one resample (each repeated as often as drawn)."""
    w = np.asarray(column).astype(np.intp)
    return np.repeat(np.arange(w.shape[0]), w)


def score_batch(task: Any, stats: Sequence[ExampleStats], weights: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Primary metric and invalid rate of every model (row) and resample (column).

    ``stats`` must describe the same examples (same gold) in the same order.
    """
    if task.name in BATCH_SCORERS:
        return BATCH_SCORERS.get(task.name)(stats, weights)
    return _fallback(task, stats, weights)


def _fallback(task: Any, stats: Sequence[ExampleStats], weights: FloatArray) -> tuple[FloatArray, FloatArray]:
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
def intent_batch(stats: Sequence[ExampleStats], weights: FloatArray) -> tuple[FloatArray, FloatArray]:
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


def _groups(values: FloatArray) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.intp], FloatArray]:
    """Sorting order, tie-group starts, group of each sorted position, group values."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    new = np.empty(ordered.size, dtype=bool)
    new[:1] = True
    new[1:] = ordered[1:] != ordered[:-1]
    starts = np.flatnonzero(new)
    return order, starts, np.cumsum(new) - 1, ordered[starts]


def _group_ranks(counts: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Weight drawn below each tie group, and the group's average rank (1-based)."""
    below = np.cumsum(counts, axis=0) - counts
    return below, below + (counts + 1.0) / 2.0


def _median_of_groups(values: FloatArray, counts: FloatArray, n_valid: FloatArray) -> FloatArray:
    """``np.median`` of each resample's multiset (values with integer counts)."""
    cum = np.cumsum(counts, axis=0)
    lo = np.minimum((cum <= np.floor((n_valid - 1) / 2)).sum(axis=0), values.size - 1)
    hi = np.minimum((cum <= np.floor(n_valid / 2)).sum(axis=0), values.size - 1)
    return (values[lo] + values[hi]) / 2.0


def _rank_moments(pred: FloatArray, weights: FloatArray, wrg: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Per resample: sum of w*rank_pred*rank_gold and sum of w*rank_pred**2.

    Invalid predictions (NaN) take the median of the resample's valid predictions,
    as ``SimilarityTask`` imputes them; they join that value's tie group.
    """
    invalid = np.isnan(pred)
    valid = np.flatnonzero(~invalid)
    order, starts, _, values = _groups(pred[valid])
    pos = valid[order]
    counts = np.add.reduceat(weights[pos], starts, axis=0) if pos.size else np.zeros((0, weights.shape[1]))
    cross = np.add.reduceat(wrg[pos], starts, axis=0) if pos.size else counts
    below, rank = _group_ranks(counts)
    if not invalid.any():
        return (rank * cross).sum(axis=0), (counts * rank**2).sum(axis=0)
    n_bad = weights[invalid].sum(axis=0)
    cross_bad = wrg[invalid].sum(axis=0)
    if not pos.size:
        return np.full(weights.shape[1], np.nan), np.full(weights.shape[1], np.nan)
    n_valid = weights.sum(axis=0) - n_bad
    med = _median_of_groups(values, counts, n_valid)
    above = values[:, None] > med
    equal = values[:, None] == med
    rank = rank + n_bad * above + n_bad / 2.0 * equal
    under = (counts * (values[:, None] < med)).sum(axis=0)
    tied = (counts * equal).sum(axis=0)
    rank_bad = under + (tied + n_bad + 1.0) / 2.0
    sum_cross = (rank * cross).sum(axis=0) + rank_bad * cross_bad
    sum_sq = (counts * rank**2).sum(axis=0) + n_bad * rank_bad**2
    nothing_valid = n_valid <= 0
    sum_cross[nothing_valid] = np.nan
    sum_sq[nothing_valid] = np.nan
    return sum_cross, sum_sq


@BATCH_SCORERS.register("similarity")
def similarity_batch(stats: Sequence[ExampleStats], weights: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Spearman of predictions against gold per resample, with ties averaged like scipy."""
    n, r = weights.shape
    gold = stats[0].rows[:, 0]
    order, starts, group, _ = _groups(gold)
    g_counts = np.add.reduceat(weights[order], starts, axis=0)
    _, g_rank = _group_ranks(g_counts)
    ranks = np.empty_like(weights)
    ranks[order] = g_rank[group]
    wrg = weights * ranks
    mean = (n + 1) / 2.0
    tol = 1e-9 * mean**2
    var_g = (g_counts * g_rank**2).sum(axis=0) / n - mean**2
    rho = np.full((len(stats), r), np.nan)
    bad = np.empty((len(stats), r))
    for i, s in enumerate(stats):
        pred = s.rows[:, 1]
        invalid = np.isnan(pred)
        bad[i] = weights[invalid].sum(axis=0) / n
        cross, sq = _rank_moments(pred, weights, wrg)
        var_p = sq / n - mean**2
        with np.errstate(invalid="ignore", divide="ignore"):
            value = (cross / n - mean**2) / np.sqrt(var_g * var_p)
        ok = (var_g > tol) & (var_p > tol) & np.isfinite(value)
        rho[i] = np.where(ok, np.clip(value, -1.0, 1.0), np.nan)
    return rho, bad


# --------------------------------------------------------------------------- intervals


def quantiles(reps: FloatArray, level: float = DEFAULT_LEVEL) -> tuple[FloatArray, FloatArray]:
    """Percentile interval over axis 0, ignoring undefined (NaN) resamples."""
    alpha = (1.0 - level) / 2.0
    finite = np.isfinite(reps)
    safe = np.where(finite, reps, np.nan)
    enough = finite.sum(axis=0) >= 2
    if not enough.any():
        nan = np.full(reps.shape[1:], np.nan)
        return nan, nan.copy()
    filled = np.where(enough[None], safe, 0.0)
    lo, hi = np.nanquantile(filled, [alpha, 1.0 - alpha], axis=0)
    return np.where(enough, lo, np.nan), np.where(enough, hi, np.nan)


def interval(point: float, reps: FloatArray, level: float = DEFAULT_LEVEL) -> dict[str, Any]:
    """``{"value", "low", "high", "se", "undefined"}`` for one figure; None where undefined.

    ``undefined`` counts resamples in which the figure was undefined (for example a
    constant score vector); the interval comes from the others.
    """
    reps = np.asarray(reps, dtype=np.float64)
    finite = reps[np.isfinite(reps)]
    out: dict[str, Any] = {"value": _num(point), "low": None, "high": None, "se": None,
                           "undefined": int(reps.size - finite.size)}
    if finite.size >= 2 and math.isfinite(point):
        lo, hi = quantiles(finite[:, None], level)
        out.update(low=_num(lo[0]), high=_num(hi[0]), se=_num(float(np.std(finite, ddof=1))))
    return out


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


# --------------------------------------------------------------------------- coefficients over models


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


def kendall_last(x: FloatArray, y: FloatArray) -> FloatArray:
    """Kendall tau-b along the last axis (pairs tied in one vector count in neither sum)."""
    i, j = np.triu_indices(x.shape[-1], k=1)
    sx = np.sign(x[..., i] - x[..., j])
    sy = np.sign(y[..., i] - y[..., j])
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = (sx * sy).sum(-1) / np.sqrt((sx != 0).sum(-1) * (sy != 0).sum(-1))
    return np.where(_ptp_zero(x) | _ptp_zero(y), np.nan, tau)


COEFFICIENTS: dict[str, Callable[[FloatArray, FloatArray], FloatArray]] = {
    "spearman": spearman_last,
    "kendall": kendall_last,
    "pearson": pearson_last,
    "mae": lambda x, y: np.abs(x - y).mean(axis=-1),
    "mse": lambda x, y: ((x - y) ** 2).mean(axis=-1),
}
#: Coefficients of association, for which a permutation test is meaningful.
ASSOCIATION = ("spearman", "kendall", "pearson")


def permutation_pvalue(
    x: npt.ArrayLike, y: npt.ArrayLike, coefficient: str = "spearman",
    permutations: int = DEFAULT_PERMUTATIONS, seed: int = 0,
) -> float | None:
    """One-sided p of "synthetic scores rank the models no better than chance".

    Shuffles which model each synthetic score belongs to. With few models every
    permutation is enumerated (an exact p); otherwise ``permutations`` random ones,
    with the usual ``(1 + hits) / (1 + permutations)``. None when undefined.
    """
    xa, ya = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    m = xa.size
    func = COEFFICIENTS[coefficient]
    if m < 3:
        return None
    observed = float(func(xa, ya))
    if not math.isfinite(observed):
        return None
    exact = math.factorial(m) <= permutations
    if exact:
        perms = np.array(list(itertools.permutations(range(m))), dtype=np.intp)
    else:
        rng = np.random.default_rng(seed)
        perms = rng.permuted(np.tile(np.arange(m), (permutations, 1)), axis=1)
    stats = func(np.broadcast_to(xa, perms.shape), ya[perms])
    hits = int((stats >= observed - 1e-12).sum())
    p = hits / len(perms) if exact else (1 + hits) / (1 + len(perms))
    return _num(p)
