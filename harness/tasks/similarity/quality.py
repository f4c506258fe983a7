"""Similarity's quality hooks: its task check and its distribution keys."""

from __future__ import annotations

from collections.abc import Collection

from harness.core.records import Example
from harness.tasks.similarity.records import SimilarityExample

SCORE_OUT_OF_RANGE = "score_out_of_range"


def check(ex: Example, labels: Collection[str], score_range: tuple[float, float]) -> list[str]:
    """The score lies in the dataset's score range."""
    assert isinstance(ex, SimilarityExample)
    low, high = score_range
    return [] if low <= ex.score <= high else [SCORE_OUT_OF_RANGE]


def distribution_keys(ex: Example) -> list[str]:
    """The score rounded to the nearest whole point (the paper's generators were asked
    for a score per whole point of the scale). A source on another scale than the real
    one (generated 0-4, real 0-5) shows it as missing or extra bins."""
    assert isinstance(ex, SimilarityExample)
    # int(x + 0.5), not round(): banker's rounding would send 2.5 to 2 but 3.5 to 4.
    return [str(int(ex.score + 0.5))]
