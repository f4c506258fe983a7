"""Reading an LLM's NER answer: ``{label: [entity, ...]}`` located back into spans.

Bounded by the answer's size like every parser (``harness.tasks.kit.prompts.parse``):
the JSON object is found by the kit's linear ``json_object``; locating the named
strings is one regex scan of the text per string.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from harness.core.records import Prediction
from harness.tasks.kit.prompts.parse import (
    DEFAULT_THRESHOLD,
    json_object,
    match_label,
    short,
    unparseable,
)
from harness.tasks.ner.records import Entity


def _occurrences(text: str, needle: str) -> list[tuple[int, int]]:
    """Every whole-word occurrence of ``needle`` in ``text`` (case-insensitive as fallback)."""
    spans: list[tuple[int, int]] = []
    for flags in (0, re.IGNORECASE):
        pat = re.escape(needle)
        if needle[:1].isalnum():
            pat = r"(?<!\w)" + pat
        if needle[-1:].isalnum():
            pat = pat + r"(?!\w)"
        spans = [(m.start(), m.end()) for m in re.finditer(pat, text, flags)]
        if spans:
            break
    return spans


def locate_entities(text: str, named: Sequence[tuple[str, str]]) -> tuple[list[Entity], list[str]]:
    """Spans of every occurrence of every (label, entity string), and the strings not found.

    Longer strings claim their characters first, so "New York City" wins over
    "New York" inside it; a span overlapping an already claimed one is dropped.
    """
    taken = [False] * len(text)
    out: list[Entity] = []
    missing: list[str] = []
    for label, s in sorted(set(named), key=lambda p: (-len(p[1]), p[1], p[0])):
        occ = _occurrences(text, s)
        if not occ:
            missing.append(s)
        for a, b in occ:
            if any(taken[a:b]):
                continue
            taken[a:b] = [True] * (b - a)
            out.append(Entity(a, b, label, text[a:b]))
    return sorted(out), missing


def parse_entities(
    raw: str, text: str, labels: Sequence[str], threshold: float = DEFAULT_THRESHOLD
) -> Prediction:
    """``{label: [entity, ...]}`` located back into character spans of ``text``."""
    obj = json_object(raw)
    if obj is None:
        return unparseable(raw, f"no JSON object in {short(raw)!r}")
    named: list[tuple[str, str]] = []
    for key, values in obj.items():
        label = match_label(str(key), labels, threshold) if labels else str(key).lower()
        if isinstance(values, str):
            values = [values]
        if not isinstance(values, list):
            return unparseable(raw, f"the value of {key!r} is not a list")
        if label is None:
            if any(isinstance(v, str) and v.strip() for v in values):
                # An entity of a type the dataset does not have: invalid, as a
                # classifier's label outside the set is (docs/metrics.md).
                return unparseable(
                    raw, f"{short(str(key))!r} is not one of the {len(labels)} entity types"
                )
            continue  # an unknown type with no entity names nothing
        named.extend((label, v.strip()) for v in values if isinstance(v, str) and v.strip())
    entities, _missing = locate_entities(text, named)
    return Prediction(tuple(entities), raw=raw)
