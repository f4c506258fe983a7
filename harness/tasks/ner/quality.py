"""NER's quality hooks: its task check and its distribution keys.

Offsets are checked as written: the loader's repairs are what a bad offset costs, so
they must be visible here.
"""

from __future__ import annotations

from collections.abc import Collection

from harness.core.records import Example
from harness.tasks.ner.records import NerExample

OFFSETS_OUTSIDE_TEXT = "offsets_outside_text"
OFFSETS_NOT_MATCHING_TEXT = "offsets_not_matching_text"
ENTITY_LABEL_UNKNOWN = "entity_label_unknown"
ENTITIES_OVERLAP = "entities_overlap"


def check(ex: Example, labels: Collection[str], score_range: tuple[float, float]) -> list[str]:
    """Each entity's label is in the label set, its offsets lie inside the text and the
    text at its offsets is the entity text; no two entities inside the text overlap."""
    assert isinstance(ex, NerExample)
    problems = []
    for ent in ex.entities:
        if labels and ent.label not in labels:
            problems.append(ENTITY_LABEL_UNKNOWN)
        if not 0 <= ent.start < ent.end <= len(ex.text):
            problems.append(OFFSETS_OUTSIDE_TEXT)
        elif ex.text[ent.start : ent.end] != ent.text:
            problems.append(OFFSETS_NOT_MATCHING_TEXT)
    # Spans outside the text are flawed already; they do not overlap anything real.
    spans = sorted((e.start, e.end) for e in ex.entities if 0 <= e.start < e.end <= len(ex.text))
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        if start < end:
            problems.append(ENTITIES_OVERLAP)
    return problems


def distribution_keys(ex: Example) -> list[str]:
    """Each of its entities' labels."""
    assert isinstance(ex, NerExample)
    return [e.label for e in ex.entities]
