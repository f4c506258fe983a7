"""The harness asks the task for each part: batch scorer, strata, chat prompt, generation plan."""

from __future__ import annotations

import numpy as np
import pytest

from harness.analysis import resampling as S
from harness.core.registry import Entry
from harness.generate import GENERATORS
from harness.generate.engine import _constraint
from harness.generate.writer import GenerateError
from harness.tasks import TASKS
from harness.tasks.kit.examplestats import ExampleStats
from harness.tasks.kit.generation.base import GenContext, GenSettings


class Bare:
    """A task with nothing but the required parts (its ``score`` is not needed here)."""

    name, primary = "bare-test-task", "accuracy"


@pytest.fixture
def bare(monkeypatch: pytest.MonkeyPatch) -> Bare:
    TASKS.names()  # load the registry before patching it
    task = Bare()
    monkeypatch.setitem(TASKS._entries, Bare.name, Entry(Bare.name, task, {}))
    return task


def test_the_bootstrap_uses_the_tasks_own_batch_scorer_and_strata() -> None:
    class Own:
        name, primary = "own", "accuracy"
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
