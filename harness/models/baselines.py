"""Floor baselines, one per task (and token Jaccard): what any method should beat.

- ``majority`` (intent): the most frequent label of the train split, for every text.
- ``length-ratio`` (similarity): ``min(n1, n2) / max(n1, n2)`` of the word counts.
- ``jaccard`` (similarity): ``|A & B| / |A | B|`` of the lower-cased word sets.
- ``capitalised-majority`` (ner): capitalised spans (``harness.models.spans``), each
  tagged with the most frequent entity label of the train split.

Ties between equally frequent labels go to the alphabetically first, so every
process agrees. None of these needs an optional package.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from harness.core.records import Example, Prediction
from harness.models import MODELS, Predictor, TaskContext
from harness.models.spans import capitalised_spans
from harness.models.support import entity_labels, most_common, need_train, words
from harness.tasks.intent.records import IntentExample
from harness.tasks.ner.records import Entity, NerExample
from harness.tasks.similarity.records import SimilarityExample


@dataclass(frozen=True)
class Constant:
    """Predicts one value for every example."""

    value: str

    def predict(self, examples: Sequence[Example]) -> list[Prediction]:
        return [Prediction(self.value) for _ in examples]


@MODELS.register("majority", tasks=("intent",), requires=())
def majority(ctx: TaskContext) -> Predictor:
    """The most frequent intent of the train split (restricted to ``ctx.labels``)."""
    train = need_train(ctx, IntentExample, "majority")
    allowed = set(ctx.labels)
    label = most_common(ex.label for ex in train if not allowed or ex.label in allowed)
    if label is None:
        raise ValueError(f"majority: no train label of {ctx.dataset!r} is in its label set")
    return Constant(label)


def length_ratio_score(text1: str, text2: str) -> float:
    """Shorter word count over longer; two empty texts are identical (1.0)."""
    n1, n2 = len(words(text1)), len(words(text2))
    return 1.0 if max(n1, n2) == 0 else min(n1, n2) / max(n1, n2)


def jaccard_score(text1: str, text2: str) -> float:
    """Jaccard index of the lower-cased word sets; two empty texts give 1.0."""
    a, b = set(words(text1)), set(words(text2))
    return 1.0 if not (a or b) else len(a & b) / len(a | b)


@dataclass(frozen=True)
class PairScore:
    """Scores each similarity pair with a pure function of its two texts."""

    fn: Callable[[str, str], float]

    def predict(self, examples: Sequence[Example]) -> list[Prediction]:
        out = []
        for ex in examples:
            assert isinstance(ex, SimilarityExample)
            out.append(Prediction(self.fn(ex.text1, ex.text2)))
        return out


@MODELS.register("length-ratio", tasks=("similarity",), requires=())
def length_ratio(ctx: TaskContext) -> Predictor:
    """Word-count ratio of the two texts, in [0, 1]."""
    return PairScore(length_ratio_score)


@MODELS.register("jaccard", tasks=("similarity",), requires=())
def jaccard(ctx: TaskContext) -> Predictor:
    """Token Jaccard index of the two texts, in [0, 1]."""
    return PairScore(jaccard_score)


@dataclass(frozen=True)
class CapitalisedMajority:
    label: str

    def predict(self, examples: Sequence[Example]) -> list[Prediction]:
        out = []
        for ex in examples:
            assert isinstance(ex, NerExample)
            spans = capitalised_spans(ex.text)
            out.append(Prediction(tuple(Entity(s, e, self.label, ex.text[s:e]) for s, e in spans)))
        return out


@MODELS.register("capitalised-majority", tasks=("ner",), requires=())
def capitalised_majority(ctx: TaskContext) -> Predictor:
    """Capitalised spans, all tagged with the train split's most frequent entity label."""
    train = need_train(ctx, NerExample, "capitalised-majority")
    label = most_common(entity_labels(train, ctx.labels))
    if label is None:
        raise ValueError(
            f"capitalised-majority: the train split of {ctx.dataset!r} has no entity "
            "whose label is in the dataset's label set"
        )
    return CapitalisedMajority(label)
