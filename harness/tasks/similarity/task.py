"""Text similarity: a score per text pair; Spearman correlation with the gold scores.

Invalid predictions (None, or a number that is not finite) are *imputed* with the
median of the valid predictions of the same (re)sample before correlating: a model
that fails on a pair is placed in the middle of its own ranking there, which costs
rank agreement without letting the failures vanish from the sample (dropping them
would reward a model for refusing the hard pairs). They are also counted in
``invalid_rate``. When every prediction is invalid, or either vector is constant, or
fewer than 2 examples remain, the correlations are undefined: NaN, which the harness
reports as null / undefined. The scale does not matter (real gold is 0-5, generated
gold 0-4): both coefficients are invariant to affine rescaling.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from harness.core.records import Example
from harness.tasks import TASKS
from harness.tasks.kit.base import Capability
from harness.tasks.kit.examplestats import NAN, ExampleStats, FloatArray, check_lengths
from harness.tasks.kit.fields import require_number, require_object, require_str
from harness.tasks.kit.folder import TaskFolder
from harness.tasks.kit.taskbase import as_task
from harness.tasks.similarity.batch import spearman_batch
from harness.tasks.similarity.records import SimilarityExample

if TYPE_CHECKING:
    from harness.tasks.kit.labels import LabelSource


def _as_float(value: Any) -> float:
    """A prediction as a float; NaN for an invalid one (None, non-finite, non-number)."""
    # numbers.Real admits numpy scalars (np.float32 from an embedding model).
    if value is None or isinstance(value, bool) or not isinstance(value, numbers.Real):
        return NAN
    number = float(value)
    return number if math.isfinite(number) else NAN


def _pearson(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> float:
    """Pearson r of two non-constant vectors (clipped: rounding may step past 1).

    NaN when a vector's spread underflows (values apart by a few subnormals): its
    variance is 0 in floating point, so r is as undefined as for a constant one.
    """
    x = x - x.mean()
    y = y - y.mean()
    den = float(np.sqrt((x @ x) * (y @ y)))
    if not den > 0.0:
        return NAN
    r = float(x @ y) / den
    return min(1.0, max(-1.0, r))


def _correlations(
    gold: npt.NDArray[np.float64], pred: npt.NDArray[np.float64]
) -> tuple[float, float]:
    """Spearman and Pearson of two complete vectors, NaN when undefined.

    Spearman is Pearson on average ranks, which is what ``scipy.stats.spearmanr``
    computes (the tests check equality); done directly because a bootstrap calls this
    a thousand times per case and spearmanr's input checks cost ~10x the arithmetic.
    """
    from scipy.stats import rankdata  # scipy.stats takes ~0.3 s to import: only when scoring

    if gold.size < 2 or np.ptp(gold) == 0 or np.ptp(pred) == 0:
        return NAN, NAN
    return _pearson(rankdata(pred), rankdata(gold)), _pearson(pred, gold)


class SimilarityTask(TaskFolder):
    """The similarity task: ``{"text1", "text2", "score"}``; gold and prediction are floats."""

    name = "similarity"
    package = "harness.tasks.similarity"
    generator_name = "SimilarityGenerator"
    primary = "spearman"
    capabilities = TaskFolder.capabilities | {Capability.EXAMPLE_STATS, Capability.BATCH_SCORE}
    text_fields: tuple[str, ...] = ("text1", "text2")
    #: A record's fields: a datasets-format source maps its columns onto these.
    record_fields: tuple[str, ...] = ("text1", "text2", "score")
    #: The gold scale (0-5 or 0-4) sets the chat prompt's scale and the quality checks.
    uses_score_range = True

    def dedup_key(self, example: Example) -> Any:
        """The text pair: two records with it are one example, counted twice."""
        assert isinstance(example, SimilarityExample)
        return (example.text1, example.text2)

    def parse_record(self, obj: dict[str, Any]) -> SimilarityExample:
        """Validate ``{"text1": str, "text2": str, "score": finite number}``."""
        rec = require_object(obj)
        return SimilarityExample(
            text1=require_str(rec, "text1"),
            text2=require_str(rec, "text2"),
            score=require_number(rec, "score"),
        )

    def gold(self, example: Example) -> float:
        """The gold similarity score."""
        assert isinstance(example, SimilarityExample)
        return example.score

    def encode(self, value: Any) -> float | None:
        """A predicted score as a float; None (invalid, and counted) when not finite.

        JSON cannot carry NaN or infinity, and a model that outputs them has not
        given a usable answer, so the outcome becomes an invalid prediction.
        """
        number = _as_float(value)
        if math.isnan(number):
            if value is not None and not isinstance(value, numbers.Real):
                raise TypeError(f"similarity prediction must be a number, got {value!r}")
            return None
        return number

    def correct(self, gold: Any, pred: Any) -> bool | None:
        """Per-example correctness is not defined for a graded score."""
        return None

    def example_stats(
        self, golds: Sequence[Any], preds: Sequence[Any], labels: Sequence[str] = ()
    ) -> ExampleStats:
        """Rows ``(gold, prediction)``; an invalid prediction is NaN."""
        check_lengths(golds, preds)
        rows = np.empty((len(golds), 2), dtype=np.float64)
        rows[:, 0] = [float(g) for g in golds]
        rows[:, 1] = [_as_float(p) for p in preds]
        return ExampleStats(self.name, ("gold", "pred"), rows)

    def score_from_stats(
        self, stats: ExampleStats, index: npt.ArrayLike | None = None
    ) -> dict[str, float]:
        """``spearman``, ``pearson`` and ``invalid_rate`` of the selected examples."""
        rows = stats.take(index)
        n = rows.shape[0]
        if n == 0:
            return {"spearman": NAN, "pearson": NAN, "invalid_rate": NAN}
        gold, pred = rows[:, 0], rows[:, 1]
        invalid = np.isnan(pred)
        n_invalid = int(invalid.sum())
        if n_invalid == n:
            rho, r = NAN, NAN
        else:
            if n_invalid:
                pred = np.where(invalid, np.median(pred[~invalid]), pred)
            rho, r = _correlations(gold, pred)
        return {"spearman": rho, "pearson": r, "invalid_rate": n_invalid / n}

    def score(
        self, golds: Sequence[Any], preds: Sequence[Any], labels: Sequence[str] = ()
    ) -> dict[str, float]:
        """All metrics of one case; see the module docstring for the definitions."""
        return self.score_from_stats(self.example_stats(golds, preds, labels))

    def batch_score(
        self, stats: Sequence[ExampleStats], weights: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """Spearman and invalid rate of every model (row) and resample (column)."""
        return spearman_batch(stats, weights)

    def read_labels(self, source: LabelSource) -> tuple[str, ...]:
        """No label set: the gold is a score."""
        return ()


TASKS.add("similarity", as_task(SimilarityTask()))
