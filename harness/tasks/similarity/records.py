"""The similarity task's record: two texts and their gold similarity score."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SimilarityExample:
    text1: str
    text2: str
    score: float
