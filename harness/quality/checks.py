"""Task checks: does each record mean what its task says it means?

- intent: the label is in the dataset's label set;
- similarity: the score lies in the dataset's score range;
- ner: each entity's label is in the label set, its offsets lie inside the text and
  the text at its offsets is the entity text, and no two entities inside the text overlap.

A check returns the problem codes of one example (an empty list when it is sound);
the report counts examples and problems per code. Offsets are checked as written:
the loader's repairs are what a bad offset costs, so they must be visible here.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from harness.records import Example, IntentExample, NerExample, SimilarityExample
from harness.registry import Registry

Check = Callable[[Example, Collection[str], tuple[float, float]], list[str]]
CHECKS: Registry[Check] = Registry("task check")

LABEL_UNKNOWN = "label_unknown"
SCORE_OUT_OF_RANGE = "score_out_of_range"
OFFSETS_OUTSIDE_TEXT = "offsets_outside_text"
OFFSETS_NOT_MATCHING_TEXT = "offsets_not_matching_text"
ENTITY_LABEL_UNKNOWN = "entity_label_unknown"
ENTITIES_OVERLAP = "entities_overlap"


@CHECKS.register("intent")
def _intent(ex: Example, labels: Collection[str], score_range: tuple[float, float]) -> list[str]:
    assert isinstance(ex, IntentExample)
    return [LABEL_UNKNOWN] if labels and ex.label not in labels else []


@CHECKS.register("similarity")
def _similarity(
    ex: Example, labels: Collection[str], score_range: tuple[float, float]
) -> list[str]:
    assert isinstance(ex, SimilarityExample)
    low, high = score_range
    return [] if low <= ex.score <= high else [SCORE_OUT_OF_RANGE]


@CHECKS.register("ner")
def _ner(ex: Example, labels: Collection[str], score_range: tuple[float, float]) -> list[str]:
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


def run_checks(
    task: str, examples: list[Example], labels: Collection[str], score_range: tuple[float, float]
) -> dict[str, Any]:
    """Counts per problem code and the number of examples with at least one problem."""
    from harness.tasks import TASKS

    # The task's own checks first (a task outside this package), then ours; none: none.
    own = getattr(TASKS.get(task), "quality_check", None) if task in TASKS else None
    check = own or (CHECKS.get(task) if task in CHECKS else None)
    if check is None:
        return {"examples_with_problems": 0, "problems": {}}
    problems: dict[str, int] = {}
    bad = 0
    for ex in examples:
        found = check(ex, labels, score_range)
        bad += bool(found)
        for code in found:
            problems[code] = problems.get(code, 0) + 1
    return {"examples_with_problems": bad, "problems": dict(sorted(problems.items()))}
