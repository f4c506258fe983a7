"""pytest-synthbench: can you trust a benchmark that an LLM wrote?

The public names: the suite, the records, and the extension kit (``harness.kit``,
documented in docs/extending.md). Import-light on purpose: pytest loads this package as
a plugin in every session, so the kit's heavier names (the task base, the built-in
tasks' records, backend and generation types) load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from harness.core.records import (
    ENSEMBLE,
    REAL,
    CaseKey,
    CaseResult,
    DataIssues,
    Dataset,
    Outcome,
    Prediction,
)
from harness.core.registry import Registry, UnknownNameError
from harness.extend import backend, model, task
from harness.models.base import MissingDependency, NotConfigured, Predictor, TaskContext
from harness.run.suite import ConfigError, DatasetSpec, ModelSpec, Suite, load_suite

if TYPE_CHECKING:
    from harness.kit import (
        TEXT_CHAR,
        Accepted,
        Ask,
        Capability,
        ChatBackend,
        ChatIO,
        ChatOptions,
        ChatRequest,
        Completion,
        Entity,
        Example,
        ExampleStats,
        GenContext,
        GeneratorFactory,
        GenSettings,
        IntentExample,
        KeptValues,
        LabelSource,
        Message,
        Messages,
        MissingCapability,
        NerExample,
        PromptTemplate,
        RecordError,
        Rejected,
        Reply,
        SimilarityExample,
        Task,
        TaskBase,
        TaskGenerator,
        TemplateError,
        Verdict,
        bullet_list,
        json_value,
        line_grammar,
        literal,
        names_grammar,
        one_line,
        plan_rng,
        strip_fences,
        unquote,
        weighted_keys,
    )

__version__ = "0.1.0"

#: The kit's names that ``harness`` offers without importing them up front.
_FROM_KIT = frozenset({
    "TEXT_CHAR",
    "Accepted",
    "Ask",
    "Capability",
    "ChatBackend",
    "ChatIO",
    "ChatOptions",
    "ChatRequest",
    "Completion",
    "Entity",
    "Example",
    "ExampleStats",
    "GenContext",
    "GenSettings",
    "GeneratorFactory",
    "IntentExample",
    "KeptValues",
    "LabelSource",
    "Message",
    "Messages",
    "MissingCapability",
    "NerExample",
    "PromptTemplate",
    "RecordError",
    "Rejected",
    "Reply",
    "SimilarityExample",
    "Task",
    "TaskBase",
    "TaskGenerator",
    "TemplateError",
    "Verdict",
    "bullet_list",
    "json_value",
    "line_grammar",
    "literal",
    "names_grammar",
    "one_line",
    "plan_rng",
    "strip_fences",
    "unquote",
    "weighted_keys",
})


def __getattr__(name: str) -> Any:
    if name in _FROM_KIT:
        import harness.kit

        return getattr(harness.kit, name)
    raise AttributeError(f"module 'harness' has no attribute {name!r}")


__all__ = [
    "ENSEMBLE",
    "REAL",
    "TEXT_CHAR",
    "Accepted",
    "Ask",
    "Capability",
    "CaseKey",
    "CaseResult",
    "ChatBackend",
    "ChatIO",
    "ChatOptions",
    "ChatRequest",
    "Completion",
    "ConfigError",
    "DataIssues",
    "Dataset",
    "DatasetSpec",
    "Entity",
    "Example",
    "ExampleStats",
    "GenContext",
    "GenSettings",
    "GeneratorFactory",
    "IntentExample",
    "KeptValues",
    "LabelSource",
    "Message",
    "Messages",
    "MissingCapability",
    "MissingDependency",
    "ModelSpec",
    "NerExample",
    "NotConfigured",
    "Outcome",
    "Prediction",
    "Predictor",
    "PromptTemplate",
    "RecordError",
    "Registry",
    "Rejected",
    "Reply",
    "SimilarityExample",
    "Suite",
    "Task",
    "TaskBase",
    "TaskContext",
    "TaskGenerator",
    "TemplateError",
    "UnknownNameError",
    "Verdict",
    "__version__",
    "backend",
    "bullet_list",
    "json_value",
    "line_grammar",
    "literal",
    "load_suite",
    "model",
    "names_grammar",
    "one_line",
    "plan_rng",
    "strip_fences",
    "task",
    "unquote",
    "weighted_keys",
]
