"""An xdist scheduler that keeps each (dataset, model) pair on one worker.

A model is trained or loaded per dataset (TF-IDF + logistic regression, CRF, the
MiniLM kNN index over a 13,000-text train split), then scores every source of that
dataset. Spreading those cases over workers repeats that work on every worker, so
the plugin schedules them as one unit. xdist's ``loadgroup`` mode would do this
through ``xdist_group`` marks, but it smuggles the group through a suffix on the node
id, which newer pytest no longer lets it set (pytest-xdist issue 1386); here the
group is read from the case id itself, which needs nothing from the worker.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xdist.scheduler import LoadScopeScheduling


class CaseGroupScheduling(LoadScopeScheduling):
    """``load``-like scheduling in which each work unit is one (dataset, model) pair.

    ``group_of(nodeid)`` names the unit of a case, or returns None for any other
    test, which then forms a unit of its own (as under plain ``load``).
    """

    def __init__(self, config: Any, log: Any, group_of: Callable[[str], str | None]) -> None:
        super().__init__(config, log)
        self._group_of = group_of

    def _split_scope(self, nodeid: str) -> str:
        return self._group_of(nodeid) or nodeid
