"""``--synth-shard I/N``: a deterministic share of the suite for one of N machines.

Whole (dataset, model) groups go to one shard (a model is trained or loaded once per
dataset), and the groups are spread by expected cost: largest first, each to the
shard with the least cost so far (ties to the lower index). The cost function is a
parameter: the plugin uses ``expected_cost`` (the scheduler's estimates of
``harness.run.costs``: setup on the train split plus examples x per-example cost, from the
data files' line counts); without data, ``factory_cost`` (cases x the factory's
``cost`` weight, 1.0 by default). Pure: the same suite, data and N give the same
shares on every machine.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

from harness.core.records import CaseKey
from harness.core.spec import Suite
from harness.models import MODELS
from harness.run.costs import case_cost, setup_cost
from harness.run.runner import iter_cases

#: ``(dataset, model)``: the unit a shard takes whole.
Group = tuple[str, str]
#: The expected cost of one group's cases.
CostOf = Callable[[Suite, Group, Sequence[CaseKey]], float]


class ShardError(ValueError):
    """A malformed ``--synth-shard`` value; the message says the form."""


def parse_shard(text: str) -> tuple[int, int]:
    """``"2/3"`` -> ``(2, 3)``; 1-based, as CI matrices count."""
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not m:
        raise ShardError(f"--synth-shard: expected I/N such as 1/2, got {text!r}")
    index, count = int(m.group(1)), int(m.group(2))
    if count < 1 or not 1 <= index <= count:
        raise ShardError(f"--synth-shard {text}: I must lie in 1..N and N be at least 1")
    return index, count


def factory_cost(suite: Suite, group: Group, keys: Sequence[CaseKey]) -> float:
    """Cases x the factory's ``cost`` weight from its registry entry (default 1.0)."""
    factory = suite.model(group[1]).factory
    weight = MODELS.entry(factory).meta.get("cost", 1.0) if factory in MODELS else 1.0
    return len(keys) * float(weight)


def expected_cost(data_dir: Path | None, max_examples: int = 0) -> CostOf:
    """A group's expected seconds from ``harness.run.costs``; ``factory_cost`` without data."""
    if data_dir is None:
        return factory_cost

    def cost(suite: Suite, group: Group, keys: Sequence[CaseKey]) -> float:
        setup = setup_cost(group[0], group[1], suite, data_dir)
        return setup + sum(case_cost(k, suite, data_dir, max_examples) for k in keys)

    return cost


def assign(
    suite: Suite, keys: Sequence[CaseKey], count: int, cost: CostOf = factory_cost
) -> dict[Group, int]:
    """Each group's shard (1-based), balanced greedily by ``cost``."""
    groups: dict[Group, list[CaseKey]] = {}
    for k in keys:
        groups.setdefault((k.dataset, k.model), []).append(k)
    costs = {g: cost(suite, g, ks) for g, ks in groups.items()}
    loads = [0.0] * count
    out: dict[Group, int] = {}
    for g in sorted(groups, key=lambda g: (-costs[g], g)):
        i = min(range(count), key=lambda i: (loads[i], i))
        loads[i] += costs[g]
        out[g] = i + 1
    return out


def shard_keys(suite: Suite, index: int, count: int, cost: CostOf = factory_cost) -> list[CaseKey]:
    """The suite's cases that shard ``index`` of ``count`` runs."""
    keys = iter_cases(suite)
    shares = assign(suite, keys, count, cost)
    return [k for k in keys if shares[(k.dataset, k.model)] == index]
