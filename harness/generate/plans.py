"""The generation plans, each reached through its task: the engine asks the task."""

from __future__ import annotations

from typing import cast

from harness.tasks import TASKS
from harness.tasks.kit.generation.base import GeneratorFactory


class TaskGenerators:
    """The generation plans, each reached through its task (its ``generator``).

    Not a registry of its own: a task registered anywhere (a package's entry point,
    a conftest) that has a ``generator`` can be generated.
    """

    def names(self) -> list[str]:
        """The tasks with a generation plan."""
        return [e.name for e in TASKS if getattr(e.obj, "generator", None) is not None]

    def __contains__(self, task: object) -> bool:
        return isinstance(task, str) and task in TASKS and task in self.names()

    def get(self, task: str) -> GeneratorFactory:
        """The generator factory of ``task``; a clear error for a task without one."""
        factory = getattr(TASKS.get(task), "generator", None)
        if factory is None:
            raise ValueError(
                f"task {task!r} has no generation plan: a task is generated when it has a "
                f"'generator' attribute (see docs/extending.md); tasks that have one: "
                f"{', '.join(self.names()) or 'none'}"
            )
        return cast("GeneratorFactory", factory)


GENERATORS = TaskGenerators()
