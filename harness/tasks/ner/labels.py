"""NER's label set: the JSON list in ``spec.labels`` (e.g.
``real/crossner_politics/labels.json``); without one, the sorted entity labels of the
real splits."""

from __future__ import annotations

from harness.tasks.kit.labels import LabelSource


def read_labels(source: LabelSource) -> tuple[str, ...]:
    if not source.spec.labels:
        return source.real_labels()
    return source.label_file(source.spec.labels)
