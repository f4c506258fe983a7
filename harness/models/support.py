"""Helpers shared by the offline models: words, readable labels, few-shot sampling."""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import TypeVar

from harness.core.records import Example
from harness.models.base import TaskContext
from harness.tasks.intent.records import IntentExample
from harness.tasks.ner.records import NerExample

E = TypeVar("E", bound=Example)

_WORD = re.compile(r"\w+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def words(text: str) -> list[str]:
    """Lower-cased word tokens (runs of ``\\w``); punctuation is dropped."""
    return _WORD.findall(text.lower())


def readable_label(label: str) -> str:
    """A label name as words a sentence encoder understands.

    ``atis_ground_service`` -> ``ground service``; ``PlayMusic`` -> ``play music``;
    ``atis_flight#atis_airfare`` -> ``flight and airfare`` (ATIS joins multi-intent
    labels with ``#``); ``political party`` stays as it is.
    """
    parts = []
    for part in label.split("#"):
        part = re.sub(r"^atis_", "", part)
        part = _CAMEL.sub(" ", part).replace("_", " ").replace("-", " ")
        parts.append(" ".join(part.lower().split()))
    return " and ".join(p for p in parts if p) or label


def need_train(ctx: TaskContext, kind: type[E], model: str) -> tuple[E, ...]:
    """The train examples of ``ctx``, or a clear error when the dataset has none."""
    train = tuple(ex for ex in ctx.train if isinstance(ex, kind))
    if not train:
        raise ValueError(
            f"model {model!r} trains on the train split, but dataset {ctx.dataset!r} has no "
            f"{kind.__name__} train examples: set `train = ...` for it in the suite file "
            "or drop this model from the dataset"
        )
    return train


def sample_per_label(
    examples: Sequence[IntentExample], k: int, seed: int
) -> dict[str, list[IntentExample]]:
    """Up to ``k`` examples of every label, drawn with ``random.Random(seed)``.

    Labels are visited in sorted order and each label's examples keep their file
    order before sampling, so the draw depends only on the data, ``k`` and ``seed``.
    ``k <= 0`` keeps every example.
    """
    by_label: dict[str, list[IntentExample]] = defaultdict(list)
    for ex in examples:
        by_label[ex.label].append(ex)
    rng = random.Random(seed)
    out = {}
    for label in sorted(by_label):
        pool = by_label[label]
        out[label] = list(pool) if k <= 0 or len(pool) <= k else rng.sample(pool, k)
    return out


def most_common(values: Iterable[str]) -> str | None:
    """The most frequent value; ties go to the alphabetically first; None if empty."""
    counts = Counter(values)
    if not counts:
        return None
    return min(counts, key=lambda v: (-counts[v], v))


def entity_labels(train: Iterable[NerExample], allowed: Sequence[str]) -> list[str]:
    """Every entity label of ``train`` that is in ``allowed`` (all when ``allowed`` is empty)."""
    keep = set(allowed)
    return [e.label for ex in train for e in ex.entities if not keep or e.label in keep]


def intent_texts(examples: Sequence[Example]) -> list[str]:
    """The texts of intent examples (an assertion names a wrong example type)."""
    out = []
    for ex in examples:
        assert isinstance(ex, IntentExample), f"an intent model got {type(ex).__name__}"
        out.append(ex.text)
    return out


def ner_texts(examples: Sequence[Example]) -> list[str]:
    """The texts of NER examples (an assertion names a wrong example type)."""
    out = []
    for ex in examples:
        assert isinstance(ex, NerExample), f"a NER model got {type(ex).__name__}"
        out.append(ex.text)
    return out
