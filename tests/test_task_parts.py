"""The harness asks the task for each part: batch scorer, strata, chat prompt, generation plan."""

from __future__ import annotations

import numpy as np
import pytest

from harness.analysis import resampling as S
from harness.core.registry import Entry
from harness.generate import GENERATORS
from harness.generate.engine import _constraint
from harness.generate.writer import GenerateError
from harness.tasks import TASKS, Capability
from harness.tasks.kit.examplestats import ExampleStats
from harness.tasks.kit.generation.base import GenContext, GenSettings
from harness.tasks.kit.taskbase import TaskBase


class Bare(TaskBase):
    """A task with nothing but the required parts (its ``score`` is not needed here)."""

    name, primary = "bare-test-task", "accuracy"


@pytest.fixture
def bare(monkeypatch: pytest.MonkeyPatch) -> Bare:
    TASKS.names()  # load the registry before patching it
    task = Bare()
    monkeypatch.setitem(TASKS._entries, Bare.name, Entry(Bare.name, task, {}))
    return task


def test_the_bootstrap_uses_the_tasks_own_batch_scorer_and_strata() -> None:
    class Own(TaskBase):
        name, primary = "own", "accuracy"
        capabilities = frozenset({Capability.BATCH_SCORE, Capability.STRATA})
        calls: list[tuple[int, tuple[int, int]]] = []

        def batch_score(self, stats, weights):  # type: ignore[no-untyped-def]
            self.calls.append((len(stats), weights.shape))
            return weights[:1] * 2.0, weights[:1] * 0.0

        def strata(self, stats):  # type: ignore[no-untyped-def]
            return stats.rows[:, 0] % 2

    stats = ExampleStats("own", ("x",), np.arange(6).reshape(-1, 1))
    w = S.resample_weights(6, 4, seed=0)
    primary, invalid = S.score_batch(Own(), [stats], w)
    assert Own.calls == [(1, (6, 5))]
    np.testing.assert_array_equal(primary, w[:1] * 2.0)
    assert S.strata_of(Own(), stats).tolist() == [0, 1, 0, 1, 0, 1]
    assert S.strata_of(Bare(), stats) is None


def test_generation_plans_are_the_tasks_generators(bare: Bare) -> None:
    assert {"intent", "similarity", "ner"} <= set(GENERATORS.names())
    assert "bare-test-task" not in GENERATORS.names() and "bare-test-task" not in GENERATORS
    assert GENERATORS.get("intent") is TASKS.get("intent").generator
    with pytest.raises(ValueError, match="task 'bare-test-task' has no generation plan.*intent"):
        GENERATORS.get("bare-test-task")


def test_a_generator_without_constraint_sends_none_and_refuses_a_grammar() -> None:
    class NoGrammar:
        template_names = ()

    def ctx(constrain: str) -> GenContext:
        settings = GenSettings(constrain=constrain)
        return GenContext("toy", "d", (), (), "test", {}, (0.0, 1.0), settings, {})  # type: ignore[arg-type]

    assert _constraint(NoGrammar(), ctx(""), {}) == {}  # type: ignore[arg-type]
    with pytest.raises(GenerateError, match="task 'toy': its generator has no constraint"):
        _constraint(NoGrammar(), ctx("grammar"), {})  # type: ignore[arg-type]


# ---------------------------------------------------------------- declared capabilities


def test_built_in_tasks_declare_exactly_the_parts_they_define() -> None:
    from harness.tasks.kit.taskbase import as_task

    for name in ("intent", "similarity", "ner"):
        task = TASKS.get(name)
        assert as_task(task) is task  # the declaration matches the class
    assert Capability.STRATA in TASKS.get("intent").capabilities
    assert Capability.STRATA not in TASKS.get("ner").capabilities
    assert Capability.SOURCE_STATS in TASKS.get("ner").capabilities


def test_a_part_defined_but_not_declared_or_declared_but_missing_is_refused() -> None:
    from harness.tasks.kit.taskbase import as_task

    class Undeclared:
        name, primary = "undeclared", "accuracy"

        def parse_record(self, obj):  # type: ignore[no-untyped-def]
            return obj

        gold = encode = parse_record

        def correct(self, gold, pred):  # type: ignore[no-untyped-def]
            return gold == pred

        def score(self, golds, preds, labels=()):  # type: ignore[no-untyped-def]
            return {"accuracy": 1.0, "invalid_rate": 0.0}

        def chat_io(self, ctx, options):  # type: ignore[no-untyped-def]
            raise AssertionError("never called")

    with pytest.raises(TypeError, match=r"defines chat_io but does not declare Capability\.CHAT"):
        as_task(Undeclared)

    class Declared(Undeclared):
        capabilities = frozenset({Capability.CHAT, Capability.GENERATE})

    with pytest.raises(TypeError, match=r"declares Capability\.GENERATE but does not define gen"):
        as_task(Declared)

    class Fine(Undeclared):
        capabilities = frozenset({Capability.CHAT})

    task = as_task(Fine)
    assert isinstance(task, TaskBase) and isinstance(task, Fine)
    with pytest.raises(TypeError, match=r"does not declare Capability\.STRATA"):
        task.strata(ExampleStats("fine", ("x",), np.zeros((1, 1))))
    with pytest.raises(TypeError, match="a frozenset of harness.kit.Capability"):
        as_task(type("Listed", (Fine,), {"capabilities": ["chat_io"]}))


def test_a_task_with_only_score_resamples_by_re_scoring() -> None:
    from harness.tasks.kit.taskbase import as_task

    class Mean:
        name, primary = "mean-test-task", "accuracy"
        parse_record = gold = encode = staticmethod(lambda x: x)

        def correct(self, gold, pred):  # type: ignore[no-untyped-def]
            return gold == pred

        def score(self, golds, preds, labels=()):  # type: ignore[no-untyped-def]
            hits = [p is not None and p == g for g, p in zip(golds, preds, strict=True)]
            return {"accuracy": sum(hits) / len(hits), "invalid_rate": 0.0}

    task = as_task(Mean)
    golds, preds = ["a", "b", "a", "b"], ["a", "a", "a", None]
    stats = task.example_stats(golds, preds)
    assert task.score_from_stats(stats) == task.score(golds, preds)
    # Resample rows 0, 1, 1, 3: by hand 1 of 4 right.
    assert task.score_from_stats(stats, [0, 1, 1, 3])["accuracy"] == 0.25


def test_no_engine_probes_a_task_for_its_parts() -> None:
    """Engines ask ``Capability.X in task.capabilities``; none looks a part up with
    getattr/hasattr (the AST of every harness module)."""
    import ast
    from pathlib import Path

    parts = {p for cap in Capability for p in cap.parts}
    parts |= {"text_fields", "dedup_key", "record_fields", "metric_version"}
    root = Path(__file__).parents[1] / "harness"
    probes = []
    for path in sorted(root.rglob("*.py")):
        if path.name == "base.py" and path.parent.name == "kit":
            continue  # the registration check itself
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("getattr", "hasattr")
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and node.args[1].value in parts
            ):
                probes.append(f"{path.relative_to(root.parent)}:{node.lineno} {node.args[1].value}")
    assert probes == []
