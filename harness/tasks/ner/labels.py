"""NER's label set: the JSON list in ``spec.labels`` (e.g.
``real/crossner_politics/labels.json``); without one, the sorted entity labels of the
real splits."""

from __future__ import annotations

from pathlib import Path

from harness.run.suite import DatasetSpec
from harness.data.errors import DataMissing
from harness.data.labels import label_file, stat_key, union_of_real_labels


def read_labels(data_dir: Path, spec: DatasetSpec) -> tuple[str, ...]:
    if not spec.labels:
        return union_of_real_labels(data_dir, spec)
    path = data_dir / spec.labels
    if not path.is_file():
        raise DataMissing(path, "label file")
    return label_file(stat_key(path))
