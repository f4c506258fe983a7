"""The texts of an exported sample: input, target and answer, for any task.

Generic over tasks: the input is the task's text fields, the target the stored gold
value, the answer the model's raw text (or, for a model without one, its prediction
value), so a new task exports with no code here.
"""

from __future__ import annotations

from typing import Any

from harness.core.records import Example, Outcome
from harness.core.textsafe import json_dumps
from harness.tasks.kit.base import text_fields


def input_fields(task: Any, ex: Example) -> dict[str, str]:
    """The example's text fields by name (``text``; ``text1`` and ``text2``)."""
    return {name: str(getattr(ex, name, "")) for name in text_fields(task)}


def input_text(task: Any, ex: Example) -> str:
    """The text fields joined by a blank line: what a model was shown, in plain text."""
    return "\n\n".join(input_fields(task, ex).values())


def value_text(value: Any) -> str:
    """A gold or prediction value as text: a string as is, anything else as JSON."""
    return value if isinstance(value, str) else json_dumps(value)


def answer_text(outcome: Outcome) -> str:
    """The model's answer: its raw text, else its prediction value; '' for none."""
    if outcome.raw is not None:
        return outcome.raw
    return "" if outcome.prediction is None else value_text(outcome.prediction)
