"""How the bootstrap (``harness.analysis.resampling``) asks any task for its statistics,
batch scorer and strata, with the per-model and per-resample paths for a task that
does not declare the faster part (``Capability.SOURCE_STATS``, ``BATCH_SCORE``,
``STRATA``).

A task that implements only ``score`` still resamples: ``TaskBase``'s default
``example_stats`` / ``score_from_stats`` keep the stored gold and prediction values
and re-score the selected ones (``KeptValues``): the same numbers, one ``score`` call
per resample.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from harness.tasks.kit.base import Capability, Task
from harness.tasks.kit.examplestats import ExampleStats, FloatArray, weights_to_index


def source_stats(
    task: Task, golds: Sequence[Any], preds: Sequence[Sequence[Any]]
) -> list[ExampleStats]:
    """``example_stats`` of every model of one source (the same golds): the task's own
    ``source_stats`` (which can work out the gold once), else one call per model."""
    if Capability.SOURCE_STATS in task.capabilities:
        return list(task.source_stats(golds, preds))
    return [task.example_stats(golds, p) for p in preds]


def score_batch(
    task: Task, stats: Sequence[ExampleStats], weights: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """The task's own ``batch_score``, else ``score_each_resample``."""
    if Capability.BATCH_SCORE in task.capabilities:
        primary, invalid = task.batch_score(stats, weights)
        return primary, invalid
    return score_each_resample(task, stats, weights)


def score_each_resample(
    task: Task, stats: Sequence[ExampleStats], weights: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """One ``score_from_stats`` call per model and resample: correct, only slower."""
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


def strata(task: Task, stats: ExampleStats) -> npt.NDArray[Any] | None:
    """The task's own ``strata`` of a source's examples, else None (a plain bootstrap)."""
    if Capability.STRATA not in task.capabilities:
        return None
    return np.asarray(task.strata(stats))
