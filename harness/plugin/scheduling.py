"""An xdist scheduler by expected cost: (dataset, model) units, largest first.

A model is trained or loaded per dataset (TF-IDF + logistic regression, CRF, the
MiniLM kNN index over a 13,000-text train split), then scores every source of that
dataset; spreading those cases over workers would repeat that work on every worker,
so a (dataset, model) pair is one work unit. xdist's ``loadgroup`` mode would do
this through ``xdist_group`` marks, but it smuggles the group through a suffix on the
node id, which newer pytest no longer lets it set (pytest-xdist issue 1386); here the
unit is read from the case id itself, which needs nothing from the worker.

Units go to workers largest expected cost first (``harness.run.costs``), each worker
taking the next when it runs dry: the longest-processing-time rule, so the workers
finish close together instead of one starting the biggest unit last. A unit too
large for that (more than ``SPLIT_SHARE`` of a worker's fair share) whose setup goes
through the embedding store is split into one part per worker: the parts start
together, encode the train split once between them (slices claimed in the store),
and score their own sources. ``spacy-minilm`` joins the unit of ``spacy`` on the same
dataset, which computes the spaCy entities both read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xdist.scheduler import LoadScopeScheduling

from harness.core.records import CaseKey
from harness.run.costs import case_cost, family, setup_cost
from harness.run.suite import Suite

#: A shareable unit costing more than this fraction of total / workers is split.
SPLIT_SHARE = 0.25


@dataclass(frozen=True)
class Planned:
    """The work unit of one case and that unit's expected cost in seconds."""

    unit: str
    cost: float


def _unit_model(key: CaseKey, suite: Suite) -> str:
    """The model whose unit ``key`` joins (itself unless its family names a partner)."""
    partner = family(suite, key.model).unit
    if partner:
        for spec in suite.models:
            if spec.factory == partner and key.model != spec.name:
                ds_task = suite.dataset(key.dataset).task
                if ds_task in spec.tasks:
                    return spec.name
    return key.model


def plan_units(
    keys: Sequence[CaseKey],
    suite: Suite,
    data_dir: Path | None,
    workers: int,
    max_examples: int = 0,
    cost: Callable[..., float] = case_cost,
) -> dict[str, Planned]:
    """Case id -> its unit and the unit's expected cost, for ``workers`` workers.

    ``cost(key, suite, data_dir, max_examples)`` is the expected seconds of a case.
    """
    groups: dict[str, list[CaseKey]] = {}
    for key in keys:
        groups.setdefault(f"{key.dataset}::{_unit_model(key, suite)}", []).append(key)
    costs: dict[str, float] = {}
    setups: dict[str, float] = {}
    for unit, members in groups.items():
        models = {(k.dataset, k.model) for k in members}
        setups[unit] = sum(setup_cost(d, m, suite, data_dir) for d, m in models)
        costs[unit] = setups[unit] + sum(cost(k, suite, data_dir, max_examples) for k in members)
    fair = sum(costs.values()) / max(1, workers)
    plan: dict[str, Planned] = {}
    for unit, members in groups.items():
        shareable = all(family(suite, k.model).shared_setup for k in members)
        parts = min(workers, len(members))
        if parts > 1 and shareable and costs[unit] > SPLIT_SHARE * fair:
            for i in range(parts):
                share = members[i::parts]
                own = sum(cost(k, suite, data_dir, max_examples) for k in share)
                part_cost = setups[unit] / parts + own
                for k in share:
                    plan[k.id] = Planned(f"{unit}::part{i + 1}of{parts}", part_cost)
        else:
            for k in members:
                plan[k.id] = Planned(unit, costs[unit])
    return plan


class CaseGroupScheduling(LoadScopeScheduling):
    """``load``-like scheduling of cost-ordered work units (see the module docstring).

    ``planner(workers)`` returns the plan of the run's cases (``plan_units``); a test
    that is not a case forms a unit of its own (as under plain ``load``), of cost 0.
    """

    def __init__(
        self,
        config: Any,
        log: Any,
        planner: Callable[[int], dict[str, Planned]],
        case_id: Callable[[str], str | None],
    ) -> None:
        super().__init__(config, log)
        self._planner = planner
        self._case_id = case_id
        self._plan: dict[str, Planned] | None = None
        self._ordered = False

    def _planned(self, nodeid: str) -> Planned | None:
        if self._plan is None:
            self._plan = self._planner(max(1, len(self.nodes)))
        cid = self._case_id(nodeid)
        return self._plan.get(cid) if cid else None

    def _split_scope(self, nodeid: str) -> str:
        planned = self._planned(nodeid)
        return planned.unit if planned else nodeid

    def _assign_work_unit(self, node: Any) -> None:
        # The queue is complete when the first unit is handed out: order it once,
        # largest expected cost first (ties keep collection order: sorted is stable).
        if not self._ordered:
            self._ordered = True
            units = list(self.workqueue.items())
            units.sort(key=lambda item: -self._unit_cost(item[1]))
            self.workqueue.clear()
            self.workqueue.update(units)
        super()._assign_work_unit(node)

    def _unit_cost(self, work_unit: dict[str, bool]) -> float:
        first = next(iter(work_unit), None)
        planned = self._planned(first) if first else None
        return planned.cost if planned else 0.0
