"""The parts a built-in task keeps in its folder, ``harness/tasks/<name>/``.

``chat.py`` (the ``llm`` model's prompt, answer parser and grammar), ``generate.py``
(the generation plan), ``labels.py`` (the label reader) and ``quality.py`` (problem
codes and distribution keys). A task class names its folder once; each part is
imported when first asked for, so the prompts, backends and generation code load
only for the runs that use them.
"""

from __future__ import annotations

import importlib
from collections.abc import Collection
from types import ModuleType
from typing import TYPE_CHECKING, ClassVar

from harness.core.records import Example
from harness.tasks.kit.base import Capability
from harness.tasks.kit.taskbase import TaskBase

if TYPE_CHECKING:
    from harness.tasks.kit.chat import ChatIO, ChatOptions
    from harness.tasks.kit.context import TaskContext
    from harness.tasks.kit.generation.base import GeneratorFactory
    from harness.tasks.kit.labels import LabelSource


class TaskFolder(TaskBase):
    """What a task finds in its folder; a subclass sets ``package`` and ``generator_name``."""

    #: The parts every task folder has; a subclass adds its own (``| {...}``).
    capabilities: ClassVar[frozenset[Capability]] = frozenset({
        Capability.CHAT, Capability.GENERATE, Capability.LABELS,
        Capability.QUALITY, Capability.DISTRIBUTION,
    })

    #: The folder as a package name, e.g. ``harness.tasks.intent``.
    package: ClassVar[str]
    #: The generator class in the folder's ``generate.py``.
    generator_name: ClassVar[str]

    def _part(self, name: str) -> ModuleType:
        return importlib.import_module(f"{self.package}.{name}")

    def chat_io(self, ctx: TaskContext, options: ChatOptions) -> ChatIO:
        """The ``llm`` model's prompt, answer parser and grammar (``chat.py``)."""
        io: ChatIO = self._part("chat").chat_io(ctx, options)
        return io

    @property
    def generator(self) -> GeneratorFactory:
        """The generation plan of ``synthbench generate`` (``generate.py``)."""
        factory: GeneratorFactory = getattr(self._part("generate"), self.generator_name)
        return factory

    def read_labels(self, source: LabelSource) -> tuple[str, ...]:
        """The dataset's label set (``labels.py``)."""
        return tuple(self._part("labels").read_labels(source))

    def quality_check(
        self, example: Example, labels: Collection[str], score_range: tuple[float, float]
    ) -> list[str]:
        """The problem codes of one record (``quality.py``)."""
        return list(self._part("quality").check(example, labels, score_range))

    def distribution_keys(self, example: Example) -> list[str]:
        """The keys of the label distribution (``quality.py``)."""
        return list(self._part("quality").distribution_keys(example))
