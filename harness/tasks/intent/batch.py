"""Intent's bootstrap: macro F1 of every model and resample at once, and its strata.

Per-class tp / gold / predicted counts are linear in the example weights, so one
matrix product (of a 0/1 count operator, dense unless very large, with the weights)
gives them for every model and resample of a source. Equal to
``IntentTask.score_from_stats`` on the resampled examples (tests/test_stats.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from harness.tasks.kit.examplestats import ExampleStats, FloatArray

# The codes of ``IntentTask.example_stats`` rows besides a class index; defined here
# because ``task`` imports this module.
#: Code of a prediction whose label is not among the gold classes.
OTHER = -1
#: Code of an invalid prediction (None).
INVALID = -2
#: Largest count operator (rows x examples) built dense: 32 MB of float64.
DENSE_LIMIT = 4_000_000


def macro_f1_batch(
    stats: Sequence[ExampleStats], weights: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Macro F1 over the gold classes present in each resample, as ``IntentTask`` defines it."""
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
    shape = (k + len(stats) * per, n)
    if shape[0] * shape[1] <= DENSE_LIMIT:
        # A dense 0/1 operator: BLAS multiplies it by the weights several times faster
        # than the sparse product, and every entry is 0 or 1 (one example, one count).
        op = np.zeros(shape)
        op[r_idx, c_idx] = 1.0
        totals = op @ weights
    else:
        from scipy import sparse  # loaded only for a source too large for a dense operator

        sop = sparse.csr_matrix((np.ones(r_idx.size), (r_idx, c_idx)), shape=shape)
        totals = np.asarray(sop @ weights)
    n_gold = totals[:k]
    block = totals[k:].reshape(len(stats), per, r)
    tp, n_pred, bad_w = block[:, :k], block[:, k : 2 * k], block[:, 2 * k]
    present = n_gold > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(present, 2.0 * tp / (n_gold + n_pred), 0.0)
        macro = f1.sum(axis=1) / present.sum(axis=0)
    return macro, bad_w / n


def gold_strata(stats: ExampleStats) -> npt.NDArray[Any]:
    """Resample within each gold label: every resample keeps the source's label set.

    Macro F1 averages over the gold labels present, so a plain bootstrap that misses a
    rare label (atis: 5 of 20 labels have at most 2 examples) averages over fewer
    classes than the point estimate and shifts the interval (up when rare labels score
    low, as they usually do). Drawing each label's examples from its own examples, as
    many as it has, fixes every resample's classes and class sizes to the source's.
    """
    return np.asarray(stats.rows[:, 0])
