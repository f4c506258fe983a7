"""The bootstrap's fast path for a task that only knows ``score``.

The intervals resample examples through ``example_stats`` / ``score_from_stats``
(``harness.tasks.kit.examplestats``). A task from outside the package (``@harness.task``) may
implement only ``score``; ``with_stats`` gives it the two methods by keeping the
stored gold and prediction values and re-scoring the selected ones with ``score``:
the same numbers, one ``score`` call per resample (slower than a vectorised scorer,
which a task can still provide itself).

``source_stats``, ``score_batch`` and ``strata`` are how the bootstrap (``harness.analysis.resampling``)
asks any task for its statistics, batch scorer and strata, with the per-model and
per-resample fallbacks for a task without.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from harness.tasks.kit.examplestats import ExampleStats, FloatArray, check_lengths, weights_to_index


@dataclass(frozen=True, eq=False)
class KeptValues(ExampleStats):
    """Rows are example positions; the values themselves ride along."""

    golds: tuple[Any, ...] = ()
    preds: tuple[Any, ...] = ()


class ScoredTask:
    """A task plus ``example_stats``/``score_from_stats`` built on its ``score``."""

    def __init__(self, task: Any) -> None:
        self._task = task

    def __getattr__(self, name: str) -> Any:  # everything else is the task's own
        return getattr(self._task, name)

    def example_stats(
        self, golds: Sequence[Any], preds: Sequence[Any], labels: Sequence[str] = ()
    ) -> ExampleStats:
        check_lengths(golds, preds)
        rows = np.arange(len(golds), dtype=np.int64).reshape(-1, 1)
        name = str(self._task.name)
        return KeptValues(name, ("index",), rows, tuple(labels), tuple(golds), tuple(preds))

    def score_from_stats(
        self, stats: ExampleStats, index: npt.ArrayLike | None = None
    ) -> dict[str, float]:
        assert isinstance(stats, KeptValues)
        picked = stats.take(index)[:, 0]
        golds = [stats.golds[i] for i in picked]
        preds = [stats.preds[i] for i in picked]
        result: dict[str, float] = self._task.score(golds, preds, stats.labels)
        return result


def with_stats(task: Any) -> Any:
    """``task`` itself when it has the fast path, else a ``ScoredTask`` around it."""
    if hasattr(task, "example_stats") and hasattr(task, "score_from_stats"):
        return task
    return ScoredTask(task)


def source_stats(
    task: Any, golds: Sequence[Any], preds: Sequence[Sequence[Any]]
) -> list[ExampleStats]:
    """``example_stats`` of every model of one source (the same golds): the task's own
    ``source_stats`` (which can work out the gold once), else one call per model."""
    own = getattr(task, "source_stats", None)
    if own is not None:
        return list(own(golds, preds))
    return [task.example_stats(golds, p) for p in preds]


def score_batch(
    task: Any, stats: Sequence[ExampleStats], weights: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """The task's own ``batch_score``, else ``score_each_resample``."""
    own = getattr(task, "batch_score", None)
    if own is not None:
        primary, invalid = own(stats, weights)
        return primary, invalid
    return score_each_resample(task, stats, weights)


def score_each_resample(
    task: Any, stats: Sequence[ExampleStats], weights: FloatArray
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


def strata(task: Any, stats: ExampleStats) -> npt.NDArray[Any] | None:
    """The task's own ``strata`` of a source's examples, else None (a plain bootstrap)."""
    own = getattr(task, "strata", None)
    return None if own is None else np.asarray(own(stats))
