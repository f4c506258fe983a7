"""Intent's quality hooks: its task check and its distribution keys."""

from __future__ import annotations

from collections.abc import Collection

from harness.core.records import Example
from harness.tasks.intent.records import IntentExample

LABEL_UNKNOWN = "label_unknown"


def check(ex: Example, labels: Collection[str], score_range: tuple[float, float]) -> list[str]:
    """The label is in the dataset's label set (when it has one)."""
    assert isinstance(ex, IntentExample)
    return [LABEL_UNKNOWN] if labels and ex.label not in labels else []


def distribution_keys(ex: Example) -> list[str]:
    """The intent."""
    assert isinstance(ex, IntentExample)
    return [ex.label]
