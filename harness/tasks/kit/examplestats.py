"""Per-example sufficient statistics, so resampling never re-parses a case.

Every task computes its metrics in two steps: ``example_stats(golds, preds, labels)``
turns the stored JSON values into one numeric row per example (done once per case),
and ``score_from_stats(stats, index)`` computes every metric from the rows selected
by ``index`` (all rows when it is None). ``score`` is exactly the composition of the
two, so a bootstrap that resamples ``index`` gets the same numbers as re-scoring the
resampled examples, at the cost of a numpy gather and a few vector operations.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

NAN = math.nan
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class ExampleStats:
    """One row of numbers per example; ``columns`` name them, ``labels`` give context.

    ``labels`` carries what ``score_from_stats`` needs to name its per-label metrics
    (intent: the gold label set behind the label codes; ner: the per-label columns).
    """

    task: str
    columns: tuple[str, ...]
    rows: npt.NDArray[Any]
    labels: tuple[str, ...] = ()

    def __len__(self) -> int:
        return int(self.rows.shape[0])

    def take(self, index: npt.ArrayLike | None = None) -> npt.NDArray[Any]:
        """The rows of ``index`` (integer positions, repeats allowed), or all rows."""
        if index is None:
            return self.rows
        return self.rows[np.asarray(index, dtype=np.intp)]


class StatsTask(Protocol):
    """The optional fast path a task offers on top of ``harness.tasks.kit.base.Task``."""

    def example_stats(
        self, golds: Sequence[Any], preds: Sequence[Any], labels: Sequence[str] = ()
    ) -> ExampleStats:
        """One row per example, computed once per case."""
        ...

    def score_from_stats(
        self, stats: ExampleStats, index: npt.ArrayLike | None = None
    ) -> dict[str, float]:
        """The metrics of the examples at ``index`` (with repeats), as ``score`` gives."""
        ...


# A task may also offer, for the bootstrap (``harness.tasks.kit.generic`` says what
# happens when it does not):
#
# * ``batch_score(stats, weights) -> (primary, invalid_rate)``: ``stats`` of M models
#   sharing their gold, ``weights`` of shape ``(n, R)`` (how often each example is
#   drawn per resample), both results of shape ``(M, R)``; equal to
#   ``score_from_stats`` on every resample, only faster;
# * ``source_stats(golds, preds_per_model) -> [ExampleStats, ...]``: ``example_stats``
#   of M models on the same golds at once, when the gold side is costly to work out;
# * ``strata(stats) -> codes``: one code per example, when every resample must keep
#   the source's composition (intent: its gold labels).
#: ``(stats of M models sharing their gold, weights (n, R))`` -> ``(primary, invalid_rate)``.
BatchScorer = Callable[[Sequence[ExampleStats], FloatArray], tuple[FloatArray, FloatArray]]


def weights_to_index(column: npt.ArrayLike) -> npt.NDArray[np.intp]:
    """The example positions of one resample (each repeated as often as drawn)."""
    w = np.asarray(column).astype(np.intp)
    return np.repeat(np.arange(w.shape[0]), w)


def check_lengths(golds: Sequence[Any], preds: Sequence[Any]) -> None:
    """Refuse gold and prediction lists of different length (a harness bug, not data)."""
    if len(golds) != len(preds):
        raise ValueError(f"{len(golds)} gold values but {len(preds)} predictions")


def ratio(num: float, den: float) -> float:
    """``num / den``, NaN when ``den`` is 0 (the metric is undefined, not zero)."""
    return num / den if den else NAN


def prf(tp: float, fp: float, fn: float) -> tuple[float, float, float]:
    """Precision, recall and F1 from counts, with seqeval's conventions.

    A precision or recall with a zero denominator is 0 (seqeval, sklearn
    ``zero_division=0``) as long as the other side has entities; F1 is
    ``2tp / (2tp + fp + fn)``. Only when there are neither gold nor predicted
    entities are all three undefined (NaN): nothing was there to find.
    """
    if tp + fp + fn == 0:
        return NAN, NAN, NAN
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall, 2 * tp / (2 * tp + fp + fn)


@dataclass(frozen=True, eq=False)
class KeptValues(ExampleStats):
    """Rows are example positions; the stored gold and prediction values ride along
    (``TaskBase``'s re-scoring path for a task that only knows ``score``)."""

    golds: tuple[Any, ...] = ()
    preds: tuple[Any, ...] = ()
