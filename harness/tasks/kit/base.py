"""The interface every task implements, and the errors of reading task data.

A task knows its record type, how to validate a JSON record into it, how to turn a
gold example and a prediction into the JSON-able values stored per example, and how
to score a list of (gold, prediction) pairs. Scoring works on the stored JSON-able
values only, so a report can re-score (bootstrap, paired tests) from the results
directory without the original data or models.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from harness.core.records import Example


class RecordError(ValueError):
    """A JSON record that is not a valid example; ``field`` names the offending key."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class Task(Protocol):
    """What the harness needs of a task (intent, similarity, ner)."""

    #: Registry name: ``intent``, ``similarity`` or ``ner``.
    name: str
    #: The name of the primary metric in ``score``'s result (e.g. ``macro_f1``).
    primary: str
    #: The record's text fields: one blank makes the record a dropped, counted failure.
    text_fields: tuple[str, ...]

    def dedup_key(self, example: Example) -> Any:
        """What makes two records the same example (counted as duplicates, kept)."""
        ...

    def parse_record(self, obj: dict[str, Any]) -> Example:
        """Validate one decoded JSON object; raise ``RecordError`` naming the field."""
        ...

    def gold(self, example: Example) -> Any:
        """The JSON-able gold value stored per example (enough to re-score)."""
        ...

    def encode(self, value: Any) -> Any:
        """The JSON-able form of a valid prediction value (``Prediction.value``)."""
        ...

    def correct(self, gold: Any, pred: Any) -> bool | None:
        """Per-example correctness, or None where it is not defined (similarity)."""
        ...

    def score(
        self, golds: Sequence[Any], preds: Sequence[Any], labels: Sequence[str] = ()
    ) -> dict[str, float]:
        """All metrics of one case. ``preds[i] is None`` marks an invalid prediction:
        it counts as wrong and in ``invalid_rate``. ``labels`` is the dataset's label
        set where the task has one. Must contain ``self.primary`` and ``invalid_rate``.
        """
        ...


def text_fields(task: object) -> tuple[str, ...]:
    """A task's text fields; ``("text",)`` for a task that does not say."""
    return tuple(getattr(task, "text_fields", ("text",)))


def dedup_key(task: object, example: Example) -> Any:
    """The task's duplicate key of ``example``; its ``text`` for a task that does not say."""
    key = getattr(task, "dedup_key", None)
    return key(example) if key is not None else getattr(example, "text", example)
