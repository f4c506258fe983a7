"""What a task is: the ``Task`` protocol, its declared ``Capability`` set, and
``TaskBase``, the defaults every registered task is built on.

A task knows its record type, how to validate a JSON record into it, how to turn a
gold example and a prediction into the JSON-able values stored per example, and how
to score a list of (gold, prediction) pairs. Scoring works on the stored JSON-able
values only, so a report can re-score (bootstrap, paired tests) from the results
directory without the original data or models.

A task's optional parts are *declared*, not discovered: ``capabilities`` names the
parts it implements, and the engines (the ``llm`` model, generation, the loaders, the
bootstrap) ask ``Capability.X in task.capabilities`` before they call one. Registering
a task (``@harness.task``, or ``TASKS.add``) checks the declaration against the class
once (``harness.tasks.kit.taskbase.as_task``), so a part that is defined but not
declared, or declared but missing, is an error at registration rather than a silently
unused method. ``TaskBase`` (``harness.tasks.kit.taskbase``) gives the defaults.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from harness.core.records import Example

if TYPE_CHECKING:
    import numpy.typing as npt

    from harness.tasks.kit.chat import ChatIO, ChatOptions
    from harness.tasks.kit.context import TaskContext
    from harness.tasks.kit.examplestats import ExampleStats, FloatArray
    from harness.tasks.kit.generation.base import GeneratorFactory
    from harness.tasks.kit.labels import LabelSource


class RecordError(ValueError):
    """A JSON record that is not a valid example; ``field`` names the offending key."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class Capability(enum.Enum):
    """An optional part of a task; its value names the member(s) that implement it."""

    #: ``chat_io(ctx, options) -> ChatIO``: the task runs with ``factory = "llm"``.
    CHAT = ("chat_io",)
    #: ``generator``: a ``(GenContext) -> TaskGenerator`` for ``synthbench generate``.
    GENERATE = ("generator",)
    #: ``read_labels(source) -> labels``: the dataset's label set (else none).
    LABELS = ("read_labels",)
    #: ``distribution_keys(example) -> [keys]``: label coverage (else the ``label``).
    DISTRIBUTION = ("distribution_keys",)
    #: ``quality_check(example, labels, score_range) -> [codes]``: the quality report's checks.
    QUALITY = ("quality_check",)
    #: ``example_stats`` / ``score_from_stats``: a vectorised bootstrap (else re-scoring).
    EXAMPLE_STATS = ("example_stats", "score_from_stats")
    #: ``source_stats(golds, preds_per_model)``: every model's statistics at once.
    SOURCE_STATS = ("source_stats",)
    #: ``batch_score(stats, weights)``: every model and resample at once.
    BATCH_SCORE = ("batch_score",)
    #: ``strata(stats)``: the strata of a source's examples, for stratified resampling.
    STRATA = ("strata",)
    #: ``outside_labels(pred, labels) -> why | None``: a prediction outside the label set
    #: is invalid.
    OUTSIDE_LABELS = ("outside_labels",)
    #: ``metric_range``: the primary metric's (low, high), which clips its intervals.
    METRIC_RANGE = ("metric_range",)
    #: ``from_row(obj) -> obj``: a datasets-library row into a JSON record (NER's tags).
    FROM_ROW = ("from_row",)
    #: ``default_columns(columns) -> {field: column}``: a source's default column mapping.
    DEFAULT_COLUMNS = ("default_columns",)
    #: ``repair(example, labels) -> Repaired`` and ``repair_notes(counts) -> [notes]``:
    #: the loader fixes what it can of a record (NER's entity spans), counted.
    REPAIR = ("repair", "repair_notes")

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.value)


class Task(Protocol):
    """What the harness needs of a task (intent, similarity, ner, yours).

    The required members first; then the ones ``TaskBase`` gives defaults; then the
    optional parts, each called only when its ``Capability`` is declared.
    """

    #: Registry name: ``intent``, ``similarity`` or ``ner``.
    name: str
    #: The name of the primary metric in ``score``'s result (e.g. ``macro_f1``).
    primary: str
    #: The optional parts this task implements.
    capabilities: frozenset[Capability]
    #: The record's text fields: one blank makes the record a dropped, counted failure.
    text_fields: tuple[str, ...]
    #: The record's fields, for mapping a source's columns ("" = text fields + label).
    record_fields: tuple[str, ...]
    #: Bumped when the metric's definition changes: stored results are then re-run.
    metric_version: int
    #: Whether the dataset's ``score_range`` (its gold scale) shapes the cases: the
    #: prompt's scale and the quality checks read it, so it is part of a case's inputs.
    uses_score_range: bool

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

    def dedup_key(self, example: Example) -> Any:
        """What makes two records the same example (counted as duplicates, kept)."""
        ...

    def example_stats(
        self, golds: Sequence[Any], preds: Sequence[Any], labels: Sequence[str] = ()
    ) -> ExampleStats: ...

    def score_from_stats(
        self, stats: ExampleStats, index: npt.ArrayLike | None = None
    ) -> dict[str, float]: ...

    # ---- optional parts: called only when declared in ``capabilities``

    def chat_io(self, ctx: TaskContext, options: ChatOptions) -> ChatIO: ...

    @property
    def generator(self) -> GeneratorFactory: ...

    def read_labels(self, source: LabelSource) -> tuple[str, ...]: ...

    def distribution_keys(self, example: Example) -> list[str]: ...

    def quality_check(
        self, example: Example, labels: Collection[str], score_range: tuple[float, float]
    ) -> list[str]: ...

    def source_stats(
        self, golds: Sequence[Any], preds: Sequence[Sequence[Any]]
    ) -> Sequence[ExampleStats]: ...

    def batch_score(
        self, stats: Sequence[ExampleStats], weights: FloatArray
    ) -> tuple[FloatArray, FloatArray]: ...

    def strata(self, stats: ExampleStats) -> npt.ArrayLike: ...

    def outside_labels(self, pred: Any, labels: Collection[str]) -> str | None: ...

    @property
    def metric_range(self) -> tuple[float, float]: ...

    def from_row(self, obj: dict[str, Any]) -> dict[str, Any]: ...

    def default_columns(self, columns: Collection[str]) -> dict[str, str]: ...

    def repair(self, example: Example, labels: Collection[str]) -> Repaired: ...

    def repair_notes(self, counts: Counter[str]) -> list[str]: ...


@dataclass(frozen=True)
class Repaired:
    """A record after the task's repair: ``counts`` per rule met (the task's own names),
    of which ``repaired`` parts were fixed and ``dropped`` parts removed."""

    example: Example
    counts: Counter[str] = field(default_factory=Counter)
    repaired: int = 0
    dropped: int = 0


class MissingCapability(TypeError):
    """An optional part called on a task that does not declare it."""

    def __init__(self, task: object, capability: Capability) -> None:
        name = getattr(task, "name", type(task).__name__)
        super().__init__(
            f"task {name!r} does not declare Capability.{capability.name} "
            f"({', '.join(capability.parts)}); see docs/extending.md"
        )


def text_fields(task: Task) -> tuple[str, ...]:
    """A task's text fields (``("text",)`` unless it says otherwise)."""
    return tuple(task.text_fields)


def dedup_key(task: Task, example: Example) -> Any:
    """The task's duplicate key of ``example`` (its ``text`` unless it says otherwise)."""
    return task.dedup_key(example)
