"""Models under evaluation: one module per family, one registry of factories."""

from __future__ import annotations

from harness.models.base import (
    MissingDependency,
    ModelFactory,
    NotConfigured,
    Predictor,
    TaskContext,
)
from harness.registry import Registry

#: Modules imported on the first registry lookup; each registers its factories.
MODEL_MODULES: tuple[str, ...] = (
    "harness.models.baselines",
    "harness.models.oracle",
)

MODELS: Registry[ModelFactory] = Registry("model", modules=MODEL_MODULES)

__all__ = ["MODELS", "MissingDependency", "ModelFactory", "NotConfigured", "Predictor", "TaskContext"]
