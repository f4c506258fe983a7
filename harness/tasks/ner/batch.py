"""NER's bootstrap: strict micro F1 of every model and resample from one matrix product.

Per-example tp / fp / fn are summed with the resample weights. Equal to
``NerTask.score_from_stats`` on the resampled examples (tests/test_stats.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from harness.tasks.kit.examplestats import ExampleStats, FloatArray


def strict_f1_batch(
    stats: Sequence[ExampleStats], weights: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Strict micro F1 from summed per-example tp / fp / fn (columns 0-3 of the NER stats)."""
    n = weights.shape[0]
    head = np.concatenate([s.rows[:, :4].T for s in stats]).astype(np.float64)
    totals = (head @ weights).reshape(len(stats), 4, -1)
    bad, tp, fp, fn = totals[:, 0], totals[:, 1], totals[:, 2], totals[:, 3]
    den = 2 * tp + fp + fn
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(den > 0, 2 * tp / den, np.nan)
    return f1, bad / n
