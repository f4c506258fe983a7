"""Named entities: character spans with labels; strict entity-level micro F1.

Gold per example: ``{"text": text, "entities": [[start, end, label], ...]}``; a valid
prediction: ``[[start, end, label], ...]``; both sorted, duplicates removed (an
example's entities are a set). An invalid prediction (None) predicts no entity: every
gold entity of that example is missed, and it counts in ``invalid_rate``. A prediction
with an entity type outside the dataset's label set is invalid as a whole
(``outside_labels``; the runner stores it as None with the spans in ``raw``).

* ``f1`` (primary), ``precision``, ``recall``: strict micro scores over all entities
  of the case; a predicted entity is a true positive when a gold entity has the same
  start, end and label. This is what seqeval reports on BIO tags of the same spans
  (``harness.tasks.ner.tokenize``; checked in the tests). When there are neither gold nor
  predicted entities all three are undefined (NaN).
* ``f1:<label>``: the same per label, for every label of the dataset's label set and
  every gold label (NaN for a label with neither gold nor predicted entities).
  (Predicted labels outside the label set make the prediction invalid, above.)
* ``exact_f1``, ``ent_type_f1``, ``partial_f1``: nervaluate's schemes
  (``harness.tasks.ner.schemes``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from harness.core.records import Example
from harness.tasks import TASKS
from harness.tasks.kit.base import Capability, RecordError, Repaired
from harness.tasks.kit.examplestats import ExampleStats, FloatArray, check_lengths, prf
from harness.tasks.kit.fields import (
    describe,
    require_int,
    require_list,
    require_object,
    require_str,
)
from harness.tasks.kit.folder import TaskFolder
from harness.tasks.kit.taskbase import as_task
from harness.tasks.ner.batch import strict_f1_batch
from harness.tasks.ner.bio import to_spans
from harness.tasks.ner.records import Entity, NerExample
from harness.tasks.ner.repair import repair_entities, repair_notes
from harness.tasks.ner.schemes import COUNTS, SCHEMES, scheme_counts, scheme_f1
from harness.tasks.ner.tokenize import Span

_BASE = ("invalid", "tp", "fp", "fn")
_SCHEME_COLUMNS = tuple(f"{s}.{c}" for s in SCHEMES for c in COUNTS)


def offset_problem(text: str, entity: Entity) -> str | None:
    """What is wrong with an entity's offsets in ``text``, or None when they are sound.

    ``parse_record`` only type-checks offsets: the generated data has entities whose
    offsets miss their text, which the data loader repairs (or drops) and counts.
    This is the check it can use to decide.
    """
    if not 0 <= entity.start < entity.end <= len(text):
        return f"offsets {entity.start}:{entity.end} are not within 0 <= start < end <= {len(text)}"
    if entity.text and text[entity.start : entity.end] != entity.text:
        found = text[entity.start : entity.end]
        return (
            f"offsets {entity.start}:{entity.end} give {found!r}, "
            f"not the entity text {entity.text!r}"
        )
    return None


def _span(value: Any) -> Span:
    """One entity of a prediction as ``(start, end, label)``."""
    # Exact-type checks first: the lists and dicts of case files are by far the most
    # common, and an ``isinstance`` against the Mapping ABC costs several times more.
    kind = type(value)
    if kind is list or kind is tuple:
        start, end, label = value[:3]
        return (int(start), int(end), str(label))
    if kind is dict or isinstance(value, Mapping):
        return (int(value["start"]), int(value["end"]), str(value["label"]))
    if isinstance(value, Entity):
        return (value.start, value.end, value.label)
    start, end, label = value[:3]
    return (int(start), int(end), str(label))


def spans_of(entities: Iterable[Any]) -> list[Span]:
    """Sorted, de-duplicated spans from Entity objects, dicts or ``[start, end, label]``."""
    return sorted({_span(e) for e in entities})


def _rows(
    gold_spans: Sequence[list[Span]],
    gold_sets: Sequence[set[Span]],
    preds: Sequence[Any],
    label_index: Mapping[str, int],
) -> npt.NDArray[np.int64]:
    """The ``example_stats`` rows of one model, built as Python lists (one array at the end:
    item assignment into a numpy row costs more than the counting itself)."""
    head = len(_BASE) + len(_SCHEME_COLUMNS)
    width = head + 3 * len(label_index)
    out = []
    for gold, gset, raw in zip(gold_spans, gold_sets, preds, strict=True):
        row = [0] * width
        pred = [] if raw is None else spans_of(raw)
        pset = set(pred)
        tp_spans = gset & pset
        row[0] = raw is None
        row[1:head] = [
            len(tp_spans),
            len(pset) - len(tp_spans),
            len(gset) - len(tp_spans),
            *scheme_counts(gold, pred),
        ]
        # per-label: column block (tp, fp, fn) of each label
        for spans, offset in ((tp_spans, 0), (pset - tp_spans, 1), (gset - tp_spans, 2)):
            for span in spans:
                j = label_index.get(span[2])
                if j is not None:
                    row[head + 3 * j + offset] += 1
        out.append(row)
    return np.array(out, dtype=np.int64).reshape(len(out), width)


class NerTask(TaskFolder):
    """The NER task: ``{"text", "entities": [{"start", "end", "label", "text"}]}`` records."""

    name = "ner"
    package = "harness.tasks.ner"
    generator_name = "NerGenerator"
    primary = "f1"
    capabilities = TaskFolder.capabilities | {
        Capability.EXAMPLE_STATS, Capability.SOURCE_STATS, Capability.BATCH_SCORE,
        Capability.OUTSIDE_LABELS, Capability.FROM_ROW, Capability.DEFAULT_COLUMNS,
        Capability.REPAIR,
    }
    #: 2: an entity type outside the dataset's label set makes the prediction invalid.
    metric_version = 2
    text_fields: tuple[str, ...] = ("text",)
    #: A record's fields: a datasets-format source maps its columns onto these.
    record_fields: tuple[str, ...] = ("text", "entities")

    def default_columns(self, columns: Collection[str]) -> dict[str, str]:
        """Columns of a datasets-format source with no mapping: ``text`` + ``entities``,
        else ``tokens`` + BIO tags (``tags`` or ``ner_tags``, the Hub's usual name)."""
        if "entities" in columns:
            return {f: f for f in self.record_fields if f in columns}
        tags = next((c for c in ("tags", "ner_tags") if c in columns), "tags")
        return {"tokens": "tokens", "tags": tags}

    def from_row(self, obj: dict[str, Any]) -> dict[str, Any]:
        """``tokens`` + BIO/IOB2/IOBES ``tags`` as text and character spans."""
        if "tokens" not in obj or "tags" not in obj:
            return obj
        try:
            text, spans = to_spans([str(t) for t in obj["tokens"]], [str(t) for t in obj["tags"]])
        except ValueError as exc:
            raise RecordError(str(exc), field="tags") from None
        entities = [
            {"start": s.start, "end": s.end, "label": s.label, "text": text[s.start : s.end]}
            for s in spans
        ]
        return {"text": text, "entities": entities}

    def dedup_key(self, example: Example) -> Any:
        """The text: two records with it are one example, counted twice."""
        assert isinstance(example, NerExample)
        return example.text

    def parse_record(self, obj: dict[str, Any]) -> NerExample:
        """Validate the record's types; offsets are type-checked, not range-checked.

        Extra keys are ignored. Entities keep the order of the record.
        """
        rec = require_object(obj)
        text = require_str(rec, "text")
        entities = []
        for i, raw in enumerate(require_list(rec, "entities")):
            prefix = f"entities[{i}]."
            if not isinstance(raw, Mapping):
                raise RecordError(
                    f"field 'entities[{i}]': expected an object with start, end, label and "
                    f"text, got {describe(raw)}",
                    field=f"entities[{i}]",
                )
            entities.append(
                Entity(
                    start=require_int(raw, "start", prefix=prefix),
                    end=require_int(raw, "end", prefix=prefix),
                    label=require_str(raw, "label", prefix=prefix),
                    text=require_str(raw, "text", prefix=prefix, empty_ok=True),
                )
            )
        return NerExample(text=text, entities=tuple(entities))

    def gold(self, example: Example) -> dict[str, Any]:
        """``{"text": text, "entities": [[start, end, label], ...]}``, sorted and unique."""
        assert isinstance(example, NerExample)
        return {"text": example.text, "entities": [list(s) for s in spans_of(example.entities)]}

    def encode(self, value: Any) -> list[list[Any]]:
        """A predicted entity collection as sorted unique ``[[start, end, label], ...]``."""
        return [list(s) for s in spans_of(value)]

    def repair(self, example: Example, labels: Collection[str]) -> Repaired:
        """Entity spans whose offsets miss their text, fixed or dropped (``repair``)."""
        assert isinstance(example, NerExample)
        fixed = repair_entities(example.text, example.entities, labels)
        return Repaired(
            NerExample(example.text, fixed.entities), fixed.counts, fixed.repaired, fixed.dropped
        )

    def repair_notes(self, counts: Counter[str]) -> list[str]:
        return repair_notes(counts)

    def outside_labels(self, pred: Any, labels: Collection[str]) -> str | None:
        """Why ``pred`` is no answer to this task: an entity type outside the label set."""
        types = sorted({str(span[2]) for span in pred} - set(labels))
        if not types:
            return None
        shown = ", ".join(repr(t[:40]) for t in types[:3])
        return f"entity type {shown} is not in the dataset's label set ({len(labels)} types)"

    def correct(self, gold: Any, pred: Any) -> bool:
        """True when the predicted entity set equals the gold set exactly."""
        if pred is None:
            return False
        return set(spans_of(gold["entities"])) == set(spans_of(pred))

    def example_stats(
        self, golds: Sequence[Any], preds: Sequence[Any], labels: Sequence[str] = ()
    ) -> ExampleStats:
        """Per example: invalid flag, strict tp/fp/fn, scheme counts, per-label tp/fp/fn."""
        return self.source_stats(golds, [preds], labels)[0]

    def source_stats(
        self, golds: Sequence[Any], preds: Sequence[Sequence[Any]], labels: Sequence[str] = ()
    ) -> list[ExampleStats]:
        """``example_stats`` of several models' predictions on the same golds.

        The gold spans and the label columns are worked out once for all models (the
        bootstrap asks this for every model of a source, ``harness.tasks.kit.generic``).
        """
        for p in preds:
            check_lengths(golds, p)
        gold_spans = [spans_of(g["entities"]) for g in golds]
        gold_sets = [set(g) for g in gold_spans]
        per_label = sorted({*labels, *(s[2] for spans in gold_spans for s in spans)})
        label_index = {label: i for i, label in enumerate(per_label)}
        columns = (
            *_BASE,
            *_SCHEME_COLUMNS,
            *(f"{label}.{c}" for label in per_label for c in ("tp", "fp", "fn")),
        )
        return [
            ExampleStats(
                self.name,
                columns,
                _rows(gold_spans, gold_sets, model, label_index),
                tuple(per_label),
            )
            for model in preds
        ]

    def score_from_stats(
        self, stats: ExampleStats, index: npt.ArrayLike | None = None
    ) -> dict[str, float]:
        """Every NER metric of the selected examples, from summed counts."""
        rows = stats.take(index)
        n = rows.shape[0]
        total = rows.sum(axis=0).tolist()
        precision, recall, f1 = prf(total[1], total[2], total[3])
        out = {
            "f1": f1,
            "precision": precision,
            "recall": recall,
            "invalid_rate": total[0] / n if n else float("nan"),
        }
        at = len(_BASE)
        for scheme in SCHEMES:
            out[f"{scheme}_f1"] = scheme_f1(*total[at : at + len(COUNTS)])
            at += len(COUNTS)
        for label in stats.labels:
            out[f"f1:{label}"] = prf(*total[at : at + 3])[2]
            at += 3
        return out

    def score(
        self, golds: Sequence[Any], preds: Sequence[Any], labels: Sequence[str] = ()
    ) -> dict[str, float]:
        """All metrics of one case; see the module docstring for the definitions."""
        return self.score_from_stats(self.example_stats(golds, preds, labels))

    def batch_score(
        self, stats: Sequence[ExampleStats], weights: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """Strict micro F1 and invalid rate of every model (row) and resample (column)."""
        return strict_f1_batch(stats, weights)


TASKS.add("ner", as_task(NerTask()))
