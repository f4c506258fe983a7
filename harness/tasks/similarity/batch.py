"""Similarity's bootstrap: Spearman of every model and resample without sorting any.

Average ranks of a weighted multiset come from cumulative weights over the sorted
values, so no resample is ever sorted; the median imputation of invalid predictions
is reproduced per resample. Equal to ``SimilarityTask.score_from_stats`` on the
resampled examples (tests/test_stats.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from harness.tasks.kit.examplestats import ExampleStats, FloatArray


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


#: From this many columns on, ``_cumsum_rows`` adds row by row (below, numpy's own
#: cumsum wins: the per-row Python step costs more than the cache misses it saves).
WIDE = 512


def _cumsum_rows(rows: FloatArray, inplace: bool = False) -> FloatArray:
    """``np.cumsum(rows, axis=0)``: the same sums in the same order, faster when wide.

    Numpy accumulates along axis 0 of a C-ordered array one column at a time; on the
    bootstrap's ``(examples, 1001)`` arrays one vectorised add per row is about 3x
    faster. The leave-one-out columns of ``harness.analysis.items`` (``n`` wide) keep cumsum.
    ``inplace`` overwrites ``rows`` (a fresh gather nobody else holds): no copy.
    """
    if rows.shape[1] < WIDE:
        return np.cumsum(rows, axis=0)
    out = rows if inplace and rows.dtype == np.float64 else np.array(rows, dtype=np.float64)
    for i in range(1, out.shape[0]):
        np.add(out[i], out[i - 1], out=out[i])
    return out


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
        g_rank = _cumsum_rows(counts) - (counts - 1.0) / 2.0
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
        # Work space reused by every model of the source: a fresh (n, R) array per
        # model and step is mostly page faults on a large bootstrap.
        self.counts = np.empty_like(weights)
        self.cross = np.empty_like(weights)
        self.mask = np.empty(weights.shape, dtype=bool)


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
    if tied:
        counts, cross = _grouped(weights, pos, starts), _grouped(wrg, pos, starts)
    else:
        # mode="clip" (the positions are valid): with "raise" numpy buffers ``out``.
        counts = np.take(weights, pos, axis=0, out=src.counts[: pos.size], mode="clip")
        cross = np.take(wrg, pos, axis=0, out=src.cross[: pos.size], mode="clip")
    bad_w, bad_wrg = weights[invalid], wrg[invalid]
    if tied:
        s_c = np.einsum("ur,ur->r", cross, counts)
        s_s = cross.sum(axis=0)
        cubes = _cubes(counts)
    else:
        s_c = src.sum_w2rg - (bad_w * bad_wrg).sum(axis=0)
        s_s = src.sum_wrg - bad_wrg.sum(axis=0)
        cubes = src.cubes - _cubes(bad_w)
    # ``counts`` is a fresh gather: accumulate it in place (from here on a count is
    # the difference of two cumulative ones).
    cum = _cumsum_rows(counts, inplace=True)
    del counts
    sum_cross = np.einsum("ur,ur->r", cross, cum) - s_c / 2.0 + s_s / 2.0
    if not invalid.any():
        return sum_cross, src.squares - cubes
    n_bad = bad_w.sum(axis=0)
    n_valid = src.n - n_bad
    last = values.size - 1
    mask = src.mask[: cum.shape[0]]
    lo = np.count_nonzero(np.less_equal(cum, np.floor((n_valid - 1) / 2), out=mask), axis=0)
    hi = np.count_nonzero(np.less_equal(cum, np.floor(n_valid / 2), out=mask), axis=0)
    lo, hi = np.minimum(lo, last), np.minimum(hi, last)
    med = (values[lo] + values[hi]) / 2.0
    left = np.searchsorted(values, med, side="left")
    right = np.searchsorted(values, med, side="right")
    cols = np.arange(r)
    eq = right > left
    at = np.minimum(left, last)
    c_eq = np.where(eq, cum[at, cols] - _at(cum, at), 0.0)
    s_eq = np.where(eq, cross[at, cols], 0.0)
    # The cross sums at positions from ``right`` on, without a cumulative sum of ``cross``.
    above = np.greater_equal(np.arange(values.size)[:, None], right, out=mask)
    s_above = np.add.reduce(cross, axis=0, where=above)
    under = _at(cum, left)
    rank_bad = under + (c_eq + n_bad + 1.0) / 2.0
    sum_cross = sum_cross + n_bad * s_above + n_bad / 2.0 * s_eq + rank_bad * bad_wrg.sum(axis=0)
    merged = c_eq + n_bad
    cubes = cubes - (c_eq**3 - c_eq) / 12.0 + (merged**3 - merged) / 12.0
    sum_sq = src.squares - cubes
    return sum_cross, sum_sq


def spearman_batch(
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
