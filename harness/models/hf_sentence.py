"""Similarity with sentence-transformers models by id or path: bi-encoders and cross-encoders.

``sentence-transformers`` scores a pair by the cosine of its two embeddings;
``cross-encoder`` reads both texts at once and returns its score (a sigmoid for
one-label models, as sentence-transformers' ``CrossEncoder.predict`` gives)::

    [models.mpnet]
    factory = "sentence-transformers"
    params = { model = "sentence-transformers/all-mpnet-base-v2", revision = "e8c3b32" }

    [models.stsb-ce]
    factory = "cross-encoder"
    params = { model = "cross-encoder/stsb-roberta-base", revision = "..." }

The primary similarity metric is Spearman, which uses ranks only, so the models'
scales need not match the gold scale. ``revision`` pins a Hub model,
``trust_remote_code`` stays off unless set, and each model loads once per process.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from harness.backends.hf_local import pick_device, require
from harness.core.records import Example, Prediction
from harness.models import MODELS, Predictor, TaskContext
from harness.tasks.similarity.records import SimilarityExample


def _pairs(examples: Sequence[Example], who: str) -> tuple[list[str], list[str]]:
    left, right = [], []
    for ex in examples:
        if not isinstance(ex, SimilarityExample):
            raise TypeError(f"{who} predicts similarity examples only, got {type(ex).__name__}")
        left.append(ex.text1)
        right.append(ex.text2)
    return left, right


@functools.cache
def _bi_encoder(model: str, revision: str, device: str, trust_remote_code: bool) -> Any:
    st = require("sentence_transformers", "sentence-transformers")
    return st.SentenceTransformer(
        model,
        revision=revision or None,
        device=pick_device(device),
        trust_remote_code=trust_remote_code,
    )


@functools.cache
def _cross_encoder(model: str, revision: str, device: str, trust_remote_code: bool) -> Any:
    st = require("sentence_transformers", "cross-encoder")
    return st.CrossEncoder(
        model,
        revision=revision or None,
        device=pick_device(device),
        trust_remote_code=trust_remote_code,
    )


@dataclass
class BiEncoder:
    encoder: Any
    batch_size: int

    def predict(self, examples: Sequence[Example]) -> list[Prediction]:
        left, right = _pairs(examples, "sentence-transformers")
        if not left:
            return []
        # One call for both sides: shared length-sorted batches.
        vectors = self.encoder.encode(
            left + right, batch_size=self.batch_size, normalize_embeddings=True
        )
        n = len(left)
        sims = (vectors[:n] * vectors[n:]).sum(axis=1)
        return [Prediction(float(s)) for s in sims]


@dataclass
class CrossEncoderModel:
    encoder: Any
    batch_size: int

    def predict(self, examples: Sequence[Example]) -> list[Prediction]:
        left, right = _pairs(examples, "cross-encoder")
        if not left:
            return []
        scores = self.encoder.predict(
            list(zip(left, right, strict=True)), batch_size=self.batch_size
        )
        if getattr(scores, "ndim", 1) != 1:
            raise ValueError(
                "cross-encoder: the model returns several scores per pair; a similarity "
                "cross-encoder has one output (num_labels = 1)"
            )
        return [Prediction(float(s)) for s in scores]


@MODELS.register(
    "sentence-transformers", tasks=("similarity",), requires=("sentence_transformers",)
)
def sentence_transformers_cosine(
    ctx: TaskContext,
    model: str = "",
    revision: str = "",
    device: str = "auto",
    batch_size: int = 32,
    trust_remote_code: bool = False,
) -> Predictor:
    """Cosine of the two texts' embeddings from any sentence-transformers bi-encoder."""
    require("torch", "sentence-transformers")
    if not model:
        raise ValueError("sentence-transformers: parameter 'model' is required")
    return BiEncoder(_bi_encoder(model, revision, device, bool(trust_remote_code)), int(batch_size))


@MODELS.register("cross-encoder", tasks=("similarity",), requires=("sentence_transformers",))
def cross_encoder(
    ctx: TaskContext,
    model: str = "",
    revision: str = "",
    device: str = "auto",
    batch_size: int = 32,
    trust_remote_code: bool = False,
) -> Predictor:
    """The score of a sentence-transformers ``CrossEncoder`` for each pair."""
    require("torch", "cross-encoder")
    if not model:
        raise ValueError("cross-encoder: parameter 'model' is required")
    enc = _cross_encoder(model, revision, device, bool(trust_remote_code))
    return CrossEncoderModel(enc, int(batch_size))
