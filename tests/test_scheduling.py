"""Cost-based scheduling: the expected-cost function, units, splitting, largest first."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import Any

from harness.plugin.scheduling import CaseGroupScheduling, plan_units
from harness.run.costs import case_cost, setup_cost, source_size
from harness.run.runner import iter_cases
from harness.run.suite import parse_suite

SUITE = {
    "generators": {"g1": {}, "g2": {}, "g3": {}},
    "datasets": {
        "big": {"task": "intent", "test": "big/test.jsonl", "train": "big/train.jsonl"},
        "small": {"task": "intent", "test": "small/test.jsonl", "train": "small/train.jsonl"},
        "pol": {"task": "ner", "test": "pol/test.jsonl", "train": "pol/train.jsonl"},
    },
    "models": {
        "knn": {"factory": "minilm-knn"},
        "logreg": {"factory": "tfidf-logreg"},
        "spacy": {"factory": "spacy"},
        "spacy-minilm": {"factory": "spacy-minilm"},
    },
}


def _data(root: Path) -> Path:
    sizes = {"big": (300, 5000), "small": (50, 100), "pol": (100, 50)}
    for ds, (test, train) in sizes.items():
        (root / ds).mkdir(parents=True)
        (root / ds / "test.jsonl").write_text("{}\n" * test)
        (root / ds / "train.jsonl").write_text("{}\n" * train)
        (root / "synthetic" / ds).mkdir(parents=True)
        for g in ("g1", "g2", "g3"):
            (root / "synthetic" / ds / f"{g}.jsonl").write_text("{}\n" * 40)
    return root


def test_costs_follow_file_sizes_and_max_examples(tmp_path: Path) -> None:
    root = _data(tmp_path)
    suite = parse_suite(SUITE)
    keys = {k.id: k for k in iter_cases(suite)}
    real, synth = keys["intent-big-real-knn"], keys["intent-big-g1-knn"]
    assert source_size(real, suite, root) == 300 and source_size(synth, suite, root) == 40
    assert source_size(real, suite, root, max_examples=25) == 25
    assert case_cost(real, suite, root) > case_cost(synth, suite, root) > 0
    assert case_cost(real, suite, root) > case_cost(keys["intent-big-real-logreg"], suite, root)
    assert setup_cost("big", "knn", suite, root) > setup_cost("small", "knn", suite, root) > 0
    assert setup_cost("pol", "spacy", suite, root) == 0.0  # spaCy does not train


def test_plan_splits_the_big_shared_unit_and_joins_spacy_minilm_to_spacy(tmp_path: Path) -> None:
    root = _data(tmp_path)
    suite = parse_suite(SUITE)
    keys = iter_cases(suite)
    plan = plan_units(keys, suite, root, workers=2)
    units = {p.unit for p in plan.values()}
    # The kNN unit over the 5,000-text train split is split in one part per worker.
    big = {plan[k.id].unit for k in keys if k.dataset == "big" and k.model == "knn"}
    assert big == {"big::knn::part1of2", "big::knn::part2of2"}
    # A unit whose setup does not go through the store (training) is never split.
    assert {plan[k.id].unit for k in keys if k.model == "logreg" and k.dataset == "big"} == {
        "big::logreg"
    }
    # spacy-minilm reads spaCy's per-process entities: it runs in spaCy's unit.
    assert plan["ner-pol-real-spacy-minilm"].unit == "pol::spacy"
    assert plan["ner-pol-g1-spacy"].unit == "pol::spacy"
    # One worker: nothing is split.
    one = plan_units(keys, suite, root, workers=1)
    assert not any("part" in p.unit for p in one.values())
    assert len(units) == len({p.unit for p in one.values()}) + 1


class _Node:
    def __init__(self, name: str) -> None:
        self.name = name
        self.sent: list[list[int]] = []
        self.shutting_down = False

    def send_runtest_some(self, indexes: list[int]) -> None:
        self.sent.append(indexes)

    def shutdown(self) -> None:
        self.shutting_down = True


def test_scheduler_hands_out_units_largest_first(tmp_path: Path) -> None:
    root = _data(tmp_path)
    suite = parse_suite(SUITE)
    keys = iter_cases(suite)
    nodeids = [f"test_bench.py::test_benchmark[{k.id}]" for k in keys] + ["test_x.py::test_plain"]
    sched: Any = CaseGroupScheduling.__new__(CaseGroupScheduling)
    # Only the state the queue logic reads; xdist's own __init__ needs a live config.
    nodes = [_Node("gw0"), _Node("gw1")]
    sched.workqueue = OrderedDict()
    sched.assigned_work = {n: {} for n in nodes}  # xdist's ``nodes`` reads these keys
    sched.registered_collections = {n: nodeids for n in nodes}
    sched._planner = lambda n: plan_units(keys, suite, root, n)
    sched._case_id = lambda nodeid: nodeid.split("[", 1)[1][:-1] if "[" in nodeid else None
    sched._plan = None
    sched._ordered = False
    for nodeid in nodeids:
        sched.workqueue.setdefault(sched._split_scope(nodeid), {})[nodeid] = False
    costs = [sched._unit_cost(unit) for unit in sched.workqueue.values()]
    sched._assign_work_unit(nodes[0])
    sched._assign_work_unit(nodes[1])
    ordered = [sched._unit_cost(u) for u in sched.workqueue.values()]
    assert ordered == sorted(ordered, reverse=True)
    # The two halves of the big kNN unit start first, one on each worker.
    first = {nodeids[i].split("[")[1] for n in nodes for i in n.sent[0]}
    assert {k for k in first if "big" in k and "knn" in k} == first
    assert max(costs) > ordered[0]
    assert "test_x.py::test_plain" in sched.workqueue  # a plain test is its own unit
