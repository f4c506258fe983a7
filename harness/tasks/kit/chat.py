"""What a task gives the ``llm`` model: the chat messages of an example, how to read
the answer, and the answer's decoding grammar.

A task that offers a chat prompt declares ``Capability.CHAT`` and has a
``chat_io(ctx, options) -> ChatIO`` method (the built-in ones in
``harness/tasks/<name>/chat.py``); the ``llm`` model asks the task for it instead of
knowing the tasks, so a task from outside the package runs with ``factory = "llm"``
as soon as it declares one. ``ChatTasks`` is the ``llm`` model's list of supported
tasks: every registered task that declares it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import overload

# Re-exported: a task's chat prompt builds backend messages and reads the model's context.
from harness.backends.base import Message
from harness.core.records import Example, Prediction
from harness.tasks.kit.base import Capability, Task
from harness.tasks.kit.context import TaskContext
from harness.tasks.kit.registry import TASKS

#: The messages sent for one example.
Prompt = Callable[[Example], Sequence[Message]]
#: The prediction read from one example's answer text: a value, or ``value=None`` with
#: ``error`` saying why it does not parse (counted invalid), always with ``raw``.
Parse = Callable[[Example, str], Prediction]


@dataclass(frozen=True)
class ChatOptions:
    """The ``llm`` model's parameters a task's chat may use."""

    #: Near-miss label names accepted from 0-100 (rapidfuzz ratio).
    fuzzy_threshold: float
    #: A rating scale ("0-4", "0-5"; "" = from the dataset), for tasks that rate.
    scale: str = ""


@dataclass(frozen=True)
class ChatIO:
    """One dataset's prompt, answer parser and (optional) answer grammar."""

    prompt: Prompt
    parse: Parse
    #: GBNF of the answer's shape for ``constrain = "grammar"``; "" when the task has none.
    grammar: str = ""


def chat_io(task: Task, ctx: TaskContext, options: ChatOptions) -> ChatIO:
    """The task's ``chat_io``; a task without one is refused, naming what it lacks."""
    if Capability.CHAT not in task.capabilities:
        raise ValueError(
            f"llm: task {ctx.task!r} has no chat prompt; a task runs with the llm model when "
            f"it declares Capability.CHAT with a chat_io(ctx, options) method (see "
            f"docs/extending.md); tasks that "
            f"have one: {', '.join(ChatTasks()) or 'none'}"
        )
    io = task.chat_io(ctx, options)
    if not isinstance(io, ChatIO):
        raise TypeError(f"llm: task {ctx.task!r}: chat_io returned {type(io).__name__}, not ChatIO")
    return io


class ChatTasks(Sequence[str]):
    """The names of the registered tasks with a ``chat_io``, looked up when asked.

    Looked up late because tasks register late: from an entry point or a conftest,
    after the ``llm`` model was registered.
    """

    def _names(self) -> tuple[str, ...]:
        return tuple(e.name for e in TASKS if Capability.CHAT in e.obj.capabilities)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def __contains__(self, name: object) -> bool:
        return name in self._names()

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[str]: ...
    def __getitem__(self, i: int | slice) -> str | Sequence[str]:
        return self._names()[i]

    def __repr__(self) -> str:
        return f"ChatTasks({self._names()!r})"
