"""The texts of an example, and the lexical figures of a set of texts.

Every figure here works on *units*: the texts an example contributes (its task's text
fields: one for intent and NER, two for a similarity pair). Tokens are lower-cased runs
of word characters, so "Royal." and "royal" are one type: diversity should not reward
glued punctuation.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Sequence
from typing import Any

from harness.core.records import Example
from harness.tasks.kit.base import Task, text_fields

_TOKEN = re.compile(r"\w+", re.UNICODE)
_SPACE = re.compile(r"\s+")


def units(task: Task, example: Example) -> tuple[str, ...]:
    """The texts of one example: its task's text fields (``(text,)``, ``(text1, text2)``)."""
    return tuple(str(getattr(example, f)) for f in text_fields(task))


def normalize(text: str) -> str:
    """Case-folded, whitespace-collapsed text: the key of an *exact* contamination match."""
    return _SPACE.sub(" ", text.casefold()).strip()


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens."""
    return _TOKEN.findall(text.lower())


def distinct_n(texts: Iterable[str], n: int) -> float | None:
    """Distinct-n (Li et al., 2016): unique n-grams / all n-grams over every text.

    n-grams do not cross text boundaries. None when there is no n-gram at all.
    """
    total = 0
    seen: set[tuple[str, ...]] = set()
    for text in texts:
        toks = tokens(text)
        grams = [tuple(toks[i : i + n]) for i in range(len(toks) - n + 1)]
        total += len(grams)
        seen.update(grams)
    return len(seen) / total if total else None


def length_stats(texts: Sequence[str]) -> dict[str, Any]:
    """Word-token length per text: mean, standard deviation, min, median, max."""
    lengths = [len(tokens(t)) for t in texts]
    if not lengths:
        return {"n": 0, "mean": None, "std": None, "min": None, "median": None, "max": None}
    return {
        "n": len(lengths),
        "mean": round(statistics.fmean(lengths), 3),
        "std": round(statistics.pstdev(lengths), 3),
        "min": min(lengths),
        "median": statistics.median(lengths),
        "max": max(lengths),
    }
