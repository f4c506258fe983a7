"""pytest-synthbench: can you trust a benchmark that an LLM wrote?

The public names. Import-light on purpose: pytest loads this package as a plugin in
every session, so heavy modules (models, backends, reports) load on first use.
"""

from __future__ import annotations

from harness.run.suite import ConfigError, DatasetSpec, ModelSpec, Suite, load_suite
from harness.extend import backend, model, task
from harness.models.base import MissingDependency, NotConfigured, Predictor, TaskContext
from harness.core.records import ENSEMBLE, REAL, CaseKey, CaseResult, DataIssues, Dataset, Outcome, Prediction
from harness.tasks.intent.records import IntentExample
from harness.tasks.ner.records import Entity, NerExample
from harness.tasks.similarity.records import SimilarityExample
from harness.core.registry import Registry, UnknownNameError

__version__ = "0.1.0"

__all__ = [
    "ENSEMBLE",
    "REAL",
    "CaseKey",
    "CaseResult",
    "ConfigError",
    "DataIssues",
    "Dataset",
    "DatasetSpec",
    "Entity",
    "IntentExample",
    "MissingDependency",
    "ModelSpec",
    "NerExample",
    "NotConfigured",
    "Outcome",
    "Prediction",
    "Predictor",
    "Registry",
    "SimilarityExample",
    "Suite",
    "TaskContext",
    "UnknownNameError",
    "__version__",
    "backend",
    "load_suite",
    "model",
    "task",
]
