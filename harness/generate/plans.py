"""The generation plans, each reached through its task: the engine asks the task."""

from __future__ import annotations

from harness.tasks import TASKS
from harness.tasks.kit.base import Capability
from harness.tasks.kit.generation.base import GeneratorFactory


class TaskGenerators:
    """The generation plans, each reached through its task (its ``generator``).

    Not a registry of its own: a task registered anywhere (a package's entry point,
    a conftest) that declares ``Capability.GENERATE`` can be generated.
    """

    def names(self) -> list[str]:
        """The tasks with a generation plan."""
        return [e.name for e in TASKS if Capability.GENERATE in e.obj.capabilities]

    def __contains__(self, task: object) -> bool:
        return isinstance(task, str) and task in TASKS and task in self.names()

    def get(self, task: str) -> GeneratorFactory:
        """The generator factory of ``task``; a clear error for a task without one."""
        found = TASKS.get(task)
        if Capability.GENERATE not in found.capabilities:
            raise ValueError(
                f"task {task!r} has no generation plan: a task is generated when it declares "
                f"Capability.GENERATE with a 'generator' attribute (see docs/extending.md); "
                f"tasks that have one: {', '.join(self.names()) or 'none'}"
            )
        return found.generator


GENERATORS = TaskGenerators()
