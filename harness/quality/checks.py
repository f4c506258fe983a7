"""Task checks: does each record mean what its task says it means?

Each task checks its own records (``quality_check(example, labels, score_range)``;
the built-in ones in ``harness/tasks/<name>/quality.py``: intent labels in the label
set, similarity scores in the score range, NER labels, offsets and overlaps). A check
returns the problem codes of one example (an empty list when it is sound); the report
counts examples and problems per code. A task without a check has no task problems.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from harness.core.records import Example
from harness.tasks import TASKS
from harness.tasks.kit.base import Capability


def run_checks(
    task: str, examples: list[Example], labels: Collection[str], score_range: tuple[float, float]
) -> dict[str, Any]:
    """Counts per problem code and the number of examples with at least one problem."""

    if task not in TASKS or Capability.QUALITY not in TASKS.get(task).capabilities:
        return {"examples_with_problems": 0, "problems": {}}
    check = TASKS.get(task).quality_check
    problems: dict[str, int] = {}
    bad = 0
    for ex in examples:
        found = check(ex, labels, score_range)
        bad += bool(found)
        for code in found:
            problems[code] = problems.get(code, 0) + 1
    return {"examples_with_problems": bad, "problems": dict(sorted(problems.items()))}
