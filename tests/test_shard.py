"""Shard selection: a partition of the suite into whole (dataset, model) groups, balanced."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.core.records import CaseKey
from harness.run.runner import iter_cases
from harness.run.shard import (
    Group,
    ShardError,
    assign,
    expected_cost,
    factory_cost,
    parse_shard,
    shard_keys,
)
from harness.run.suite import Suite, parse_suite
from tests.synth_fixtures import suite_text, write_data_dir

SUITE = parse_suite(tomllib.loads(suite_text()), "suite.toml")


@settings(max_examples=40, deadline=None)
@given(count=st.integers(1, 14))
def test_shards_partition_the_suite_in_whole_groups(count: int) -> None:
    shares = [shard_keys(SUITE, i, count) for i in range(1, count + 1)]
    flat = [k for share in shares for k in share]
    assert sorted(flat) == sorted(iter_cases(SUITE))  # every case once
    owner = {}
    for i, share in enumerate(shares):
        for k in share:
            assert owner.setdefault((k.dataset, k.model), i) == i  # groups stay whole
    assert shares == [shard_keys(SUITE, i, count) for i in range(1, count + 1)]


@settings(max_examples=40, deadline=None)
@given(costs=st.lists(st.integers(1, 50), min_size=1, max_size=12), count=st.integers(1, 5))
def test_greedy_balance_is_within_one_group_of_even(costs: list[int], count: int) -> None:
    keys = [CaseKey("intent", f"d{i}", "real", "m") for i in range(len(costs))]
    weight = {("d" + str(i), "m"): float(c) for i, c in enumerate(costs)}

    def cost(suite: Suite, group: Group, ks: object) -> float:
        return weight[group]

    loads = [0.0] * count
    for group, shard in assign(SUITE, keys, count, cost).items():
        loads[shard - 1] += weight[group]
    # Largest-first greedy: no shard exceeds the mean by more than the largest group.
    assert max(loads) <= sum(costs) / count + max(costs)


@pytest.mark.parametrize("text", ["", "1", "0/2", "3/2", "a/b", "1/0", "-1/2"])
def test_bad_shard_specs_say_the_form(text: str) -> None:
    with pytest.raises(ShardError, match="--synth-shard"):
        parse_shard(text)


def test_shard_spec_parses() -> None:
    assert parse_shard(" 2 / 3 ") == (2, 3)


def test_expected_cost_reads_the_data_and_keeps_the_partition(tmp_path: Path) -> None:
    write_data_dir(tmp_path / "data", n=10)
    cost = expected_cost(tmp_path / "data")
    group_keys = [k for k in iter_cases(SUITE) if (k.dataset, k.model) == ("toy-ner", "best")]
    assert cost(SUITE, ("toy-ner", "best"), group_keys) > 0
    assert expected_cost(None) is factory_cost
    shares = [shard_keys(SUITE, i, 3, cost) for i in (1, 2, 3)]
    assert sorted(k for s in shares for k in s) == sorted(iter_cases(SUITE))
