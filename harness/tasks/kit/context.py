"""What a model (and a task's chat prompt) may know about the dataset it works on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.core.records import Example


@dataclass(frozen=True)
class TaskContext:
    """What a model may know about the dataset it is evaluated on.

    ``labels``: the candidate label set (intent labels, NER entity types), the same
    for every source of the dataset. ``train``: the *real* train split (empty when the
    dataset has none) for models that train or need few-shot examples; never the test
    data. ``score_range``: the gold scale of a similarity dataset.
    """

    task: str
    dataset: str
    labels: tuple[str, ...] = ()
    train: tuple[Example, ...] = ()
    score_range: tuple[float, float] = (0.0, 5.0)
    seed: int = 0
    #: The data directory, for models that read files of their own (``import``).
    data_dir: Path | None = None
