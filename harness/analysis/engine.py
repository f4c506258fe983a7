"""The one engine of every derived figure: agreement, ensembles, leave-own-out, bias.

Every function takes arrays whose leading axis is the resample: the bootstrap's
``(R, G, M)`` scores (row 0 the point, rows 1.. the resamples; ``G`` sources, ``M``
models, NaN where a cell was not run or is undefined). ``harness.analysis.intervals`` calls them
on the resampled arrays, ``harness.analysis.agreement`` on a one-row array built from the score
grid (and adds the reason of every undefined figure), so a point figure and row 0 of
its resamples are the same computation, not two that are tested to agree.

* agreement: Spearman (average ranks), Kendall tau-b, Pearson, MAE, MSE along the
  last (model) axis;
* ``masked_mean``: the mean over the sources a model was run on, optionally over a
  subset per model: the ensemble ``mean``, ``mean-loo`` (without the model's own
  generator), ``mean-lfo`` (without its family's);
* ``normalized`` and ``contrast``: ``n(m, g) = s(m, g) - mean_k s(k, g)`` and the mean
  of ``n`` over a model's own sources minus over the others: the bias factor (own =
  its generator) and the family bias (own = its family's generators).

Means over sources are compensated sums (``fsum``-accurate for these few terms), so
the point figures are those ``math.fsum`` gave: exactly rounded, hence independent
of the order of the sources, and byte-stable reports.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


# --------------------------------------------------------------------------- agreement


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


# --------------------------------------------------------------------------- means over sources


def _sum(block: FloatArray, axis: int) -> FloatArray:
    """Neumaier-compensated sum along ``axis`` (few terms: the sources of a group).

    A plain float sum depends on the order of the terms in its last bit; compensated,
    the result is the exactly rounded sum (as ``math.fsum``) but for inputs that cancel
    to near zero, which scores and their normalised values do not.
    """
    x = np.moveaxis(block, axis, 0)
    total = np.zeros(x.shape[1:])
    comp = np.zeros(x.shape[1:])
    for term in x:
        t = total + term
        big = np.abs(total) >= np.abs(term)
        comp += np.where(big, (total - t) + term, (term - t) + total)
        total = t
    return total + comp


def masked_mean(block: FloatArray, keep: BoolArray | None = None) -> FloatArray:
    """Per model, the mean over the sources it was run on (and ``keep``): ``(R, M)``.

    ``block`` is ``(R, S, M)``; a cell was run when row 0 is finite there; ``keep``
    ``(S, M)`` narrows each model's sources (a leave-own-out or leave-family-out
    ensemble). NaN with no such source, or in a resample where one of them is NaN.
    """
    ran = np.isfinite(block[0])
    if keep is not None:
        ran = ran & keep
    count = ran.sum(axis=0)
    mean = _sum(np.where(ran[None], block, 0.0), axis=1) / np.maximum(count, 1)
    undefined = (np.isnan(block) & ran[None]).any(axis=1) | (count == 0)[None]
    return np.where(undefined, np.nan, mean)


def normalized(block: FloatArray) -> FloatArray:
    """``n(m, g) = s(m, g) - mean_k s(k, g)`` over the models run on ``g``: ``(R, S, M)``.

    NaN for a source on which no model was run.
    """
    ran = np.isfinite(block[0])  # (S, M)
    field = masked_mean(np.moveaxis(block, 2, 1))  # (R, S): the mean per source
    field = np.where(ran.any(axis=1)[None], field, np.nan)
    return block - field[:, :, None]


def contrast(norm: FloatArray, j: int, own: Sequence[int]) -> FloatArray | None:
    """Model ``j``'s mean ``n`` over the sources ``own`` minus over the others, ``(R,)``.

    Only sources with a defined point ``n`` of the model count; None when ``own`` or the
    others have none (the figure is undefined).
    """
    col = norm[:, :, j]  # (R, S)
    ran = np.isfinite(col[0])
    mine = np.zeros(ran.shape, dtype=bool)
    mine[list(own)] = True
    mine &= ran
    others = ran & ~mine
    if not mine.any() or not others.any():
        return None
    return masked_mean(col[:, mine, None])[:, 0] - masked_mean(col[:, others, None])[:, 0]


def ensembles(
    scores: FloatArray,
    generators: Sequence[str],
    models: Sequence[str],
    same_as: Mapping[str, str],
    synthetic: Sequence[int],
) -> tuple[FloatArray, FloatArray]:
    """``mean`` and ``mean-loo`` ``(R, M)`` over the sources ``synthetic`` of ``scores``.

    In ``mean-loo`` a model that is one of the generators skips that generator's data;
    every other model has its ``mean`` score.
    """
    block = scores[:, list(synthetic), :]
    names = [generators[i] for i in synthetic]
    keep = np.array([[same_as.get(m) != g for m in models] for g in names], dtype=bool)
    keep = keep.reshape(len(names), len(models))
    return masked_mean(block), masked_mean(block, keep)


def bias(
    scores: FloatArray,
    generators: Sequence[str],
    models: Sequence[str],
    same_as: Mapping[str, str],
    synthetic: Sequence[int],
) -> dict[str, tuple[str, FloatArray]]:
    """Bias factor ``(R,)`` of every model that is the same LLM as a source in ``synthetic``.

    ``n(m, own) - mean over the other sources g of n(m, g)``; only models whose point
    value is defined (a score on their own source and on another).
    """
    names = [generators[i] for i in synthetic]
    norm = normalized(scores[:, list(synthetic), :])
    out: dict[str, tuple[str, FloatArray]] = {}
    for j, m in enumerate(models):
        own = same_as.get(m, "")
        if own not in names:
            continue
        value = contrast(norm, j, [names.index(own)])
        if value is not None:
            out[m] = (own, value)
    return out
