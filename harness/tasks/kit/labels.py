"""What a task's ``read_labels`` is given: the dataset's real files, read by the data engine.

The engine (``harness.data.labels``) knows the file formats, the caches and the
errors; a task only says which of them makes its label set (intent: the labels of
its real splits; ner: a label file, else those; similarity: none).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # the suite's spec types move to harness.core (issue 23, part 1)
    from harness.core.spec import DatasetSpec


class LabelSource(Protocol):
    """One dataset's real data, as a task's ``read_labels(source)`` may ask of it."""

    @property
    def data_dir(self) -> Path:
        """The data directory the suite's paths are relative to."""
        ...

    @property
    def spec(self) -> DatasetSpec:
        """The dataset's suite entry (``spec.labels``: a label file, "" for none)."""
        ...

    def real_labels(self) -> tuple[str, ...]:
        """The sorted labels (the task's distribution keys) of the real splits: test,
        train and a ``valid.jsonl`` or ``dev.jsonl`` next to the test file."""
        ...

    def label_file(self, path: str) -> tuple[str, ...]:
        """The JSON list of distinct label strings at ``path`` (relative to the data
        directory); a missing or malformed file is an error naming it."""
        ...
