"""The bootstrap's fast path for a task that only knows ``score``.

The intervals resample examples through ``example_stats`` / ``score_from_stats``
(``harness.tasks.stats``). A task from outside the package (``@harness.task``) may
implement only ``score``; ``with_stats`` gives it the two methods by keeping the
stored gold and prediction values and re-scoring the selected ones with ``score``:
the same numbers, one ``score`` call per resample (slower than a vectorised scorer,
which a task can still provide itself).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from harness.tasks.stats import ExampleStats, check_lengths


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
