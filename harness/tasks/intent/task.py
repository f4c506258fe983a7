"""Intent classification: one label per text; macro F1 over the gold labels.

Definition of the primary metric ``macro_f1`` (see docs/metrics.md):

* The classes are the labels that occur in the gold values passed to ``score`` (the
  gold data of that source, or of a bootstrap resample of it). Labels of the dataset's
  label set that no gold example carries (atis: 5 of its 25 intents are absent from
  the real test split) are not classes: they get no F1 of their own, and predicting
  one is simply a wrong answer for that example's gold class.
* A prediction outside the dataset's label set (the union of its real splits'
  labels) is invalid (``outside_labels``; the runner stores it as None with the
  answer in ``raw``), like an unparseable answer.
* Per class ``c``: ``F1_c = 2 tp_c / (n_gold_c + n_pred_c)`` where ``n_pred_c``
  counts predictions equal to ``c``. Invalid predictions (None) and predictions of a
  label of the label set outside the classes count as a miss (false negative) of the
  gold class and as a false positive of no class.
* ``macro_f1`` is the unweighted mean of ``F1_c`` over the classes. This equals
  ``sklearn.metrics.f1_score(y, p, labels=classes, average="macro", zero_division=0)``.

Also ``accuracy`` (invalid = wrong) and ``invalid_rate``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from harness.core.records import Example
from harness.tasks import TASKS
from harness.tasks.intent.batch import INVALID, OTHER, gold_strata, macro_f1_batch
from harness.tasks.intent.records import IntentExample
from harness.tasks.kit.base import Capability
from harness.tasks.kit.examplestats import NAN, ExampleStats, FloatArray, check_lengths
from harness.tasks.kit.fields import require_object, require_str
from harness.tasks.kit.folder import TaskFolder
from harness.tasks.kit.taskbase import as_task


class IntentTask(TaskFolder):
    """The intent task: ``{"text", "label"}`` records, gold and prediction are labels."""

    name = "intent"
    package = "harness.tasks.intent"
    generator_name = "IntentGenerator"
    primary = "macro_f1"
    capabilities = TaskFolder.capabilities | {
        Capability.EXAMPLE_STATS, Capability.BATCH_SCORE, Capability.STRATA,
        Capability.OUTSIDE_LABELS, Capability.FROM_ROW,
    }
    #: 2: a label outside the dataset's label set is invalid (was: a valid wrong answer).
    metric_version = 2
    text_fields: tuple[str, ...] = ("text",)
    #: A record's fields: a datasets-format source maps its columns onto these.
    record_fields: tuple[str, ...] = ("text", "label")

    def from_row(self, obj: dict[str, Any]) -> dict[str, Any]:
        """A datasets-format row as a record: class ids without ClassLabel names (CSV and
        JSON keep none) are the labels themselves."""
        if isinstance(obj.get("label"), int):
            return {**obj, "label": str(obj["label"])}
        return obj

    def dedup_key(self, example: Example) -> Any:
        """The text: two records with it are one example, counted twice."""
        assert isinstance(example, IntentExample)
        return example.text

    def parse_record(self, obj: dict[str, Any]) -> IntentExample:
        """Validate ``{"text": str, "label": str}``; extra keys are ignored."""
        rec = require_object(obj)
        return IntentExample(text=require_str(rec, "text"), label=require_str(rec, "label"))

    def gold(self, example: Example) -> str:
        """The gold label."""
        assert isinstance(example, IntentExample)
        return example.label

    def encode(self, value: Any) -> str:
        """A predicted label as a string."""
        return str(value)

    def outside_labels(self, pred: Any, labels: Collection[str]) -> str | None:
        """Why ``pred`` is no answer to this task: a label outside the label set."""
        if pred in labels:
            return None
        return f"{str(pred)[:80]!r} is not one of the dataset's {len(labels)} labels"

    def correct(self, gold: Any, pred: Any) -> bool:
        """Exact label match; an invalid prediction is wrong."""
        return pred is not None and pred == gold

    def example_stats(
        self, golds: Sequence[Any], preds: Sequence[Any], labels: Sequence[str] = ()
    ) -> ExampleStats:
        """Rows ``(gold code, prediction code)``; codes index the sorted gold labels.

        ``labels`` (the dataset's label set) is not used: the classes are the gold
        labels, see the module docstring.
        """
        check_lengths(golds, preds)
        classes = tuple(sorted({str(g) for g in golds}))
        code = {c: i for i, c in enumerate(classes)}
        rows = np.empty((len(golds), 2), dtype=np.int64)
        rows[:, 0] = [code[str(g)] for g in golds]
        rows[:, 1] = [INVALID if p is None else code.get(str(p), OTHER) for p in preds]
        return ExampleStats(self.name, ("gold", "pred"), rows, classes)

    def score_from_stats(
        self, stats: ExampleStats, index: npt.ArrayLike | None = None
    ) -> dict[str, float]:
        """``macro_f1``, ``accuracy`` and ``invalid_rate`` of the selected examples."""
        rows = stats.take(index)
        n = rows.shape[0]
        if n == 0:
            return {"macro_f1": NAN, "accuracy": NAN, "invalid_rate": NAN}
        gold, pred = rows[:, 0], rows[:, 1]
        k = len(stats.labels)
        hit = gold == pred
        tp = np.bincount(gold[hit], minlength=k)
        n_gold = np.bincount(gold, minlength=k)
        n_pred = np.bincount(pred[pred >= 0], minlength=k)
        present = n_gold > 0  # classes of this (re)sample: labels present in its gold
        f1 = 2.0 * tp[present] / (n_gold[present] + n_pred[present])
        return {
            "macro_f1": float(f1.mean()),
            "accuracy": float(hit.mean()),
            "invalid_rate": float((pred == INVALID).mean()),
        }

    def score(
        self, golds: Sequence[Any], preds: Sequence[Any], labels: Sequence[str] = ()
    ) -> dict[str, float]:
        """All metrics of one case; see the module docstring for the definitions."""
        return self.score_from_stats(self.example_stats(golds, preds, labels))

    def batch_score(
        self, stats: Sequence[ExampleStats], weights: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """Macro F1 and invalid rate of every model (row) and resample (column)."""
        return macro_f1_batch(stats, weights)

    def strata(self, stats: ExampleStats) -> npt.NDArray[Any]:
        """Resample within each gold label (``batch.gold_strata`` says why)."""
        return gold_strata(stats)


TASKS.add("intent", as_task(IntentTask()))
