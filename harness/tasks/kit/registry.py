"""The task registry: built-in tasks load by module name, others by entry point.

It lives in the kit so the kit's own helpers (the chat tasks' lookup) can ask it
without importing the ``harness.tasks`` package above them.
"""

from __future__ import annotations

from harness.core.registry import Registry
from harness.tasks.kit.base import Task

TASKS: Registry[Task] = Registry(
    "task",
    modules=("harness.tasks.intent", "harness.tasks.similarity", "harness.tasks.ner"),
    group="synthbench.tasks",
)
