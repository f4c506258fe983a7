"""Tasks: record types, metrics, prompts and answer parsing, one module each."""

from __future__ import annotations

from harness.core.registry import Registry
from harness.tasks.kit.base import RecordError, Task

TASKS: Registry[Task] = Registry(
    "task",
    modules=("harness.tasks.intent", "harness.tasks.similarity", "harness.tasks.ner"),
    group="synthbench.tasks",
)

__all__ = ["TASKS", "RecordError", "Task"]
