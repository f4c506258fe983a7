"""Tasks: the registry, and one folder per task (``intent/``, ``similarity/``, ``ner/``)
built on the task kit (``kit/``)."""

from __future__ import annotations

from harness.tasks.kit.base import Capability, RecordError, Task
from harness.tasks.kit.registry import TASKS

__all__ = ["TASKS", "Capability", "RecordError", "Task"]
