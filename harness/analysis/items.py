"""Which synthetic examples mislead? Per-example diagnostics of one synthetic source.

* **influence** of example ``i``: the source's Spearman agreement with the real data
  minus the agreement with ``i`` left out (every model re-scored without it, the
  real scores unchanged). Negative: the source ranks the models more like real data
  without that example, so it misleads; positive: it helps.
  ``influence_pearson`` is the same with Pearson: with a handful of models leaving
  one example out rarely moves a rank, and Pearson tells those examples apart.
* **inversion** of example ``i`` (tasks with a per-example correct / wrong): over the
  pairs of models whose real scores differ, the share that the example orders
  against the real data (the worse model right, the better one wrong) minus the
  share it orders with it; +1: every informative pair is inverted.

Leaving an example out is a column of weights (ones, one zero), so the models are
re-scored by the same batch scorers as the bootstrap (``harness.analysis.resampling``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from harness.analysis.engine import pearson_last, rank_last
from harness.analysis.resampling import score_batch
from harness.core.names import MIN_MODELS
from harness.tasks.kit.examplestats import ExampleStats

FloatArray = npt.NDArray[np.float64]
#: How many examples per source the report lists (the most misleading first).
TOP = 10
#: Leave-one-out columns scored per batch (bounds memory at ``n * CHUNK`` weights).
CHUNK = 256


@dataclass(frozen=True)
class Item:
    """One example of a synthetic source and how it bears on the ranking."""

    i: int
    influence: float
    influence_pearson: float
    inversion: float | None

    def to_dict(self) -> dict[str, object]:
        return {
            "i": self.i,
            "influence": _round(self.influence),
            "influence_pearson": _round(self.influence_pearson),
            "inversion": None if self.inversion is None else _round(self.inversion),
        }


def _round(x: float) -> float | None:
    """6 places, no ``-0.0`` (reports stay byte-stable and readable); None for NaN."""
    return round(x, 6) + 0.0 if np.isfinite(x) else None


def spearman_with(scores: FloatArray, real: FloatArray) -> FloatArray:
    """Spearman of every column of ``scores`` (M, K) with ``real`` (M,), NaN if constant."""
    ranks = rank_last(scores.T)
    return pearson_last(ranks, np.broadcast_to(rank_last(real), ranks.shape))


def pearson_with(scores: FloatArray, real: FloatArray) -> FloatArray:
    """Pearson of every column of ``scores`` (M, K) with ``real`` (M,), NaN if constant."""
    return pearson_last(scores.T, np.broadcast_to(real, (scores.shape[1], real.size)))


def influences(
    task: object,
    stats: Sequence[ExampleStats],
    real: FloatArray,
    full: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Per example: full agreement minus the agreement without it, Spearman and Pearson.

    Spearman is the headline figure, but with a handful of models leaving one example
    out rarely changes a rank: Pearson tells those examples apart. ``full``: the
    models' scores on the whole source ``(M,)`` when known (the bootstrap's point).
    """
    n = len(stats[0])
    if full is None:
        full = score_batch(task, stats, np.ones((n, 1)))[0]
    full = np.asarray(full, dtype=np.float64).reshape(-1, 1)
    base_s, base_p = float(spearman_with(full, real)[0]), float(pearson_with(full, real)[0])
    rho, r = np.empty(n), np.empty(n)
    for start in range(0, n, CHUNK):
        cols = np.arange(start, min(n, start + CHUNK))
        weights = np.ones((n, cols.size))
        weights[cols, np.arange(cols.size)] = 0.0
        scores = score_batch(task, stats, weights)[0]
        rho[cols] = base_s - spearman_with(scores, real)
        r[cols] = base_p - pearson_with(scores, real)
    return rho, r


def influence(task: object, stats: Sequence[ExampleStats], real: FloatArray) -> FloatArray:
    """Per example: full Spearman agreement minus the agreement without it, ``(n,)``."""
    return influences(task, stats, real)[0]


def inversion(correct: npt.NDArray[np.bool_], real: FloatArray) -> FloatArray:
    """Per example (columns of ``correct`` (M, n)), discordant minus concordant share."""
    i, j = np.triu_indices(real.size, k=1)
    order = np.sign(real[i] - real[j])
    keep = order != 0
    if not keep.any():
        return np.full(correct.shape[1], np.nan)
    c = correct.astype(np.int8)
    says = c[i[keep]] - c[j[keep]]  # +1: the first of the pair right, the second wrong
    agree = says * order[keep, None]
    return -agree.sum(axis=0) / keep.sum()


def source_items(
    task: object,
    stats: Sequence[ExampleStats],
    real: FloatArray,
    indices: Sequence[int],
    correct: npt.NDArray[np.bool_] | None,
    top: int = TOP,
    full: FloatArray | None = None,
) -> list[Item]:
    """The ``top`` most misleading examples of one source (lowest influence first).

    ``stats`` and ``real`` cover the same models (those scored on both sides);
    ``indices`` are the examples' positions in the source file; ``correct`` is
    ``(M, n)`` or None for tasks without a per-example verdict. Empty with fewer
    than ``MIN_MODELS`` models or a constant real ranking. ``full``: as for
    ``influences``.
    """
    if len(stats) < MIN_MODELS or np.ptp(real) == 0:
        return []
    infl, infl_p = influences(task, stats, real, full)
    inv = inversion(correct, real) if correct is not None else None
    # Lowest Spearman influence first, then lowest Pearson, then the most inverted.
    ties = np.zeros(infl.size) if inv is None else -np.nan_to_num(inv, nan=-np.inf)
    order = np.lexsort((ties, np.nan_to_num(infl_p, nan=np.inf), np.nan_to_num(infl, nan=np.inf)))
    return [
        Item(
            int(indices[k]),
            float(infl[k]),
            float(infl_p[k]),
            None if inv is None or not np.isfinite(inv[k]) else float(inv[k]),
        )
        for k in order[:top]
        if np.isfinite(infl[k])
    ]
