"""Intent's label set: the sorted union of the labels of the real splits that exist:
test, train (``spec.train``) and a ``valid.jsonl`` or ``dev.jsonl`` next to the test file."""

from __future__ import annotations

from harness.tasks.kit.labels import LabelSource


def read_labels(source: LabelSource) -> tuple[str, ...]:
    return source.real_labels()
