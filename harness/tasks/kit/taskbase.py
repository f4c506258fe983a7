"""``TaskBase``: the defaults every registered task is built on, and ``as_task``, the
check of a task's declared capabilities at registration."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from harness.core.records import Example
from harness.tasks.kit.base import Capability, MissingCapability, Task
from harness.tasks.kit.examplestats import ExampleStats, KeptValues, check_lengths


def _missing(capability: Capability) -> Any:
    def part(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise MissingCapability(self, capability)

    part.__doc__ = f"Not implemented: the task does not declare Capability.{capability.name}."
    part.__synthbench_missing__ = True  # type: ignore[attr-defined]
    return part


class TaskBase:
    """The defaults of every registered task; a subclass (or a class given to
    ``@harness.task``, which mixes this in) implements the required members and the
    optional parts it declares in ``capabilities``."""

    capabilities: ClassVar[frozenset[Capability]] = frozenset()
    text_fields: tuple[str, ...] = ("text",)
    record_fields: tuple[str, ...] = ()
    metric_version: int = 1
    uses_score_range: bool = False

    def dedup_key(self, example: Example) -> Any:
        """The example's ``text`` (the example itself for a record without one)."""
        return getattr(example, "text", example)

    # The bootstrap's path for a task that only knows ``score``: keep the stored values
    # and re-score the selected ones. The same numbers, one ``score`` call per resample
    # (slower than a vectorised scorer, which Capability.EXAMPLE_STATS declares).

    def example_stats(
        self, golds: Sequence[Any], preds: Sequence[Any], labels: Sequence[str] = ()
    ) -> ExampleStats:
        check_lengths(golds, preds)
        rows = np.arange(len(golds), dtype=np.int64).reshape(-1, 1)
        return KeptValues(str(self.name), ("index",), rows, tuple(labels), tuple(golds),  # type: ignore[attr-defined]
                          tuple(preds))

    def score_from_stats(
        self, stats: ExampleStats, index: npt.ArrayLike | None = None
    ) -> dict[str, float]:
        if not isinstance(stats, KeptValues):
            raise TypeError(f"task {self.name!r}: score_from_stats got {type(stats).__name__}, "  # type: ignore[attr-defined]
                            "not the KeptValues of its own example_stats")
        picked = stats.take(index)[:, 0]
        result: dict[str, float] = self.score(  # type: ignore[attr-defined]
            [stats.golds[i] for i in picked], [stats.preds[i] for i in picked], stats.labels
        )
        return result

    chat_io = _missing(Capability.CHAT)
    generator = property(_missing(Capability.GENERATE))
    read_labels = _missing(Capability.LABELS)
    distribution_keys = _missing(Capability.DISTRIBUTION)
    quality_check = _missing(Capability.QUALITY)
    source_stats = _missing(Capability.SOURCE_STATS)
    batch_score = _missing(Capability.BATCH_SCORE)
    strata = _missing(Capability.STRATA)
    outside_labels = _missing(Capability.OUTSIDE_LABELS)
    metric_range = property(_missing(Capability.METRIC_RANGE))
    from_row = _missing(Capability.FROM_ROW)
    default_columns = _missing(Capability.DEFAULT_COLUMNS)
    repair = _missing(Capability.REPAIR)
    repair_notes = _missing(Capability.REPAIR)


def _defined(cls: type, part: str) -> bool:
    """Whether ``cls`` defines ``part`` itself, not only ``TaskBase``'s default."""
    own = getattr(cls, part, None)
    if own is None:
        return False
    if isinstance(own, property):
        own = own.fget
    return not getattr(own, "__synthbench_missing__", False) and own is not getattr(
        TaskBase, part, None
    )


REQUIRED = ("name", "primary", "parse_record", "gold", "encode", "correct", "score")


def as_task(obj: Any) -> Task:
    """``obj`` checked as a task: a ``TaskBase`` instance (a class is instantiated with
    no arguments, with ``TaskBase`` mixed in when it lacks it) whose declared
    capabilities are exactly the optional parts its class defines."""
    if isinstance(obj, type):
        cls = obj if issubclass(obj, TaskBase) else type(
            obj.__name__, (obj, TaskBase), {"__module__": obj.__module__,
                                            "__qualname__": obj.__qualname__}
        )
        obj = cls()
    if not isinstance(obj, TaskBase):
        raise TypeError(
            f"{type(obj).__qualname__}: a task is a class given to @harness.task, or an "
            f"instance of harness.kit.TaskBase (docs/extending.md)"
        )
    cls = type(obj)
    who = f"task {getattr(obj, 'name', cls.__qualname__)!r} ({cls.__module__}.{cls.__qualname__})"
    lacking = [p for p in REQUIRED if not hasattr(obj, p)]
    if lacking:
        raise TypeError(f"{who} lacks the required {', '.join(lacking)}")
    declared = obj.capabilities
    if not isinstance(declared, frozenset) or not all(isinstance(c, Capability) for c in declared):
        raise TypeError(f"{who}: capabilities must be a frozenset of harness.kit.Capability, "
                        f"got {declared!r}")
    for cap in Capability:
        have = [p for p in cap.parts if _defined(cls, p)]
        if cap in declared and len(have) < len(cap.parts):
            missing = [p for p in cap.parts if p not in have]
            raise TypeError(f"{who} declares Capability.{cap.name} but does not define "
                            f"{', '.join(missing)}")
        if cap not in declared and have:
            raise TypeError(f"{who} defines {', '.join(have)} but does not declare "
                            f"Capability.{cap.name} in its capabilities")
    task: Task = obj  # type: ignore[assignment]
    return task
