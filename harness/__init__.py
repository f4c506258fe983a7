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
        Figure,
        FileFormat,
        FormatContext,
        GateKind,
        GateKindProtocol,
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
        Repaired,
        Reply,
        Report,
        ReportFormatProtocol,
        RetryDecision,
        SimilarityExample,
        Task,
        TaskBase,
        TaskGenerator,
        TemplateError,
        bullet_list,
        groups_of,
        json_value,
        line_grammar,
        literal,
        names_grammar,
        one_line,
        plan_rng,
        read_report,
        register_format,
        register_gate_kind,
        strip_fences,
        unquote,
        weighted_keys,
    )

__version__ = "0.1.0"



def __getattr__(name: str) -> Any:
    # Only called for names not bound above: a public one is the kit's, loaded on first use.
    if name in __all__:
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
    "Figure",
    "FileFormat",
    "FormatContext",
    "GateKind",
    "GateKindProtocol",
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
    "Repaired",
    "Reply",
    "Report",
    "ReportFormatProtocol",
    "RetryDecision",
    "SimilarityExample",
    "Suite",
    "Task",
    "TaskBase",
    "TaskContext",
    "TaskGenerator",
    "TemplateError",
    "UnknownNameError",
    "__version__",
    "backend",
    "bullet_list",
    "groups_of",
    "json_value",
    "line_grammar",
    "literal",
    "load_suite",
    "model",
    "names_grammar",
    "one_line",
    "plan_rng",
    "read_report",
    "register_format",
    "register_gate_kind",
    "strip_fences",
    "task",
    "unquote",
    "weighted_keys",
]
