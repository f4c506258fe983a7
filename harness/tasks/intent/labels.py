"""Intent's label set: the sorted union of the labels of the real splits that exist:
test, train (``spec.train``) and a ``valid.jsonl`` or ``dev.jsonl`` next to the test file."""

from __future__ import annotations

from pathlib import Path

from harness.run.suite import DatasetSpec
from harness.data.labels import union_of_real_labels


def read_labels(data_dir: Path, spec: DatasetSpec) -> tuple[str, ...]:
    return union_of_real_labels(data_dir, spec)
