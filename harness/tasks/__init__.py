"""Tasks: the registry, and one folder per task (``intent/``, ``similarity/``, ``ner/``)
built on the task kit (``kit/``)."""

from __future__ import annotations

from harness.core.registry import Registry
from harness.tasks.kit.base import Capability, RecordError, Task

TASKS: Registry[Task] = Registry(
    "task",
    modules=("harness.tasks.intent", "harness.tasks.similarity", "harness.tasks.ner"),
    group="synthbench.tasks",
)

__all__ = ["TASKS", "Capability", "RecordError", "Task"]
