"""Models under evaluation: one module per family, one registry of factories."""

from __future__ import annotations

from harness.core.registry import Registry
from harness.models.base import (
    MissingDependency,
    ModelFactory,
    NotConfigured,
    Predictor,
    TaskContext,
)

#: Modules imported on the first registry lookup; each registers its factories.
MODEL_MODULES: tuple[str, ...] = (
    "harness.models.baselines",
    "harness.models.crf",
    "harness.models.gazetteer",
    "harness.models.hf_sentence",
    "harness.models.hf_text_classification",
    "harness.models.llm",
    "harness.models.llm_local",
    "harness.models.lexical_similarity",
    "harness.models.minilm_intent",
    "harness.models.minilm_ner",
    "harness.models.minilm_similarity",
    "harness.models.spacy_ner",
    "harness.models.tfidf_intent",
    "harness.models.oracle",
    "harness.interop.importer",
)

MODELS: Registry[ModelFactory] = Registry(
    "model", modules=MODEL_MODULES, group="synthbench.models"
)

__all__ = [
    "MODELS",
    "MissingDependency",
    "ModelFactory",
    "NotConfigured",
    "Predictor",
    "TaskContext",
]
