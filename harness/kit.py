"""The extension kit: everything a model, task or chat backend from outside the package uses.

One import surface for docs/extending.md; the modules behind it are internal and may
move. ``harness`` itself re-exports the names most code needs (``from harness import
Prediction, model``); this module has them all::

    from harness.kit import Capability, ChatIO, Message, TaskBase, task

What is here, by job:

- registering: ``model``, ``task``, ``backend`` (decorators; entry points work too);
- a model: ``TaskContext`` (what it may know of the dataset), ``Predictor``,
  ``Prediction``, ``MissingDependency`` / ``NotConfigured`` (skip its cases);
- a task: ``Task`` (the protocol), ``TaskBase`` (its defaults), ``Capability`` (the
  optional parts it declares), ``MissingCapability``, ``RecordError``, ``Repaired``, ``LabelSource``
  (what ``read_labels`` is given), ``ExampleStats`` / ``KeptValues`` (per-example
  statistics for the bootstrap), ``ChatIO`` / ``ChatOptions`` (its ``llm`` prompt);
- records: ``Example``, ``Dataset``, the built-in tasks' records;
- a chat backend: ``ChatBackend``, ``ChatRequest``, ``Message``, ``Reply``,
  ``Completion``, ``RetryDecision``;
- a generation plan: ``TaskGenerator`` and its ``GenContext`` / ``GenSettings``,
  ``Accepted`` / ``Rejected``, ``plan_rng``, ``weighted_keys``, ``bullet_list``,
  ``PromptTemplate``, the answer cleaners (``one_line``, ``json_value``,
  ``strip_fences``, ``unquote``) and GBNF pieces (``literal``, ``names_grammar``,
  ``line_grammar``, ``TEXT_CHAR``);
- a gate kind: ``GateKind`` (the defaults) / ``GateKindProtocol``, ``Figure``,
  ``groups_of``, ``register_gate_kind``; a report format: ``FileFormat`` /
  ``ReportFormatProtocol``, ``FormatContext``, ``register_format``; the typed
  ``Report`` they read, and ``read_report`` for a stored report.json.
"""

from __future__ import annotations

from harness.backends.base import (
    ChatBackend,
    ChatRequest,
    Completion,
    Message,
    Reply,
    RetryDecision,
)
from harness.core.records import Dataset, Example, Prediction
from harness.extend import backend, model, task
from harness.gates import Figure, GateKind, GateKindProtocol, groups_of, register_gate_kind

# MissingDependency / NotConfigured move to harness.core (issue 23, part 1); named here.
from harness.models.base import MissingDependency, NotConfigured, Predictor
from harness.report.formats import (
    FileFormat,
    FormatContext,
    ReportFormatProtocol,
    register_format,
)
from harness.report.model import Report, read_report
from harness.tasks.intent.records import IntentExample
from harness.tasks.kit.base import Capability, MissingCapability, RecordError, Repaired, Task
from harness.tasks.kit.chat import ChatIO, ChatOptions
from harness.tasks.kit.context import TaskContext
from harness.tasks.kit.examplestats import ExampleStats, KeptValues
from harness.tasks.kit.generation.answers import json_value, one_line, strip_fences, unquote
from harness.tasks.kit.generation.base import (
    Accepted,
    Ask,
    GenContext,
    GeneratorFactory,
    GenSettings,
    Messages,
    Rejected,
    TaskGenerator,
    bullet_list,
    plan_rng,
    weighted_keys,
)
from harness.tasks.kit.generation.grammar import TEXT_CHAR, line_grammar, literal, names_grammar
from harness.tasks.kit.generation.templates import PromptTemplate, TemplateError
from harness.tasks.kit.labels import LabelSource
from harness.tasks.kit.taskbase import TaskBase
from harness.tasks.ner.records import Entity, NerExample
from harness.tasks.similarity.records import SimilarityExample

__all__ = [
    "FileFormat",
    "Figure",
    "FormatContext",
    "GateKind",
    "GateKindProtocol",
    "Report",
    "ReportFormatProtocol",
    "groups_of",
    "read_report",
    "register_format",
    "register_gate_kind",
    "TEXT_CHAR",
    "Accepted",
    "Ask",
    "Capability",
    "ChatBackend",
    "ChatIO",
    "ChatOptions",
    "ChatRequest",
    "Completion",
    "Dataset",
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
    "NerExample",
    "NotConfigured",
    "Prediction",
    "Predictor",
    "PromptTemplate",
    "RecordError",
    "Rejected",
    "Repaired",
    "Reply",
    "SimilarityExample",
    "Task",
    "TaskBase",
    "TaskContext",
    "TaskGenerator",
    "TemplateError",
    "RetryDecision",
    "backend",
    "bullet_list",
    "json_value",
    "line_grammar",
    "literal",
    "model",
    "names_grammar",
    "one_line",
    "plan_rng",
    "strip_fences",
    "task",
    "unquote",
    "weighted_keys",
]
