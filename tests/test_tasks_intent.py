"""The intent task: record validation, macro F1 against sklearn and by hand."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import accuracy_score, f1_score

from harness.tasks import TASKS, RecordError
from harness.tasks.intent import IntentTask
from harness.tasks.intent.records import IntentExample

TASK = IntentTask()
LABELS = ["a", "b", "c", "d"]


def test_registered() -> None:
    task = TASKS.get("intent")
    assert task.name == "intent" and task.primary == "macro_f1"


def test_parse_record_valid_and_extra_keys() -> None:
    ex = TASK.parse_record({"text": "fly to Boston", "label": "atis_flight", "id": 7})
    assert ex == IntentExample("fly to Boston", "atis_flight")


@pytest.mark.parametrize(
    ("obj", "field", "words"),
    [
        ({"label": "x"}, "text", "missing field 'text'"),
        ({"text": "hi", "label": 3}, "label", "expected a string, got int"),
        ({"text": "hi", "label": "  "}, "label", "non-empty string"),
        ({"text": None, "label": "x"}, "text", "expected a string, got NoneType"),
        (["hi", "x"], "", "expected a JSON object"),
    ],
)
def test_parse_record_errors_name_field(obj: object, field: str, words: str) -> None:
    with pytest.raises(RecordError) as info:
        TASK.parse_record(obj)  # type: ignore[arg-type]
    assert info.value.field == field
    assert words in str(info.value)


def test_gold_encode_correct() -> None:
    ex = IntentExample("t", "book")
    assert TASK.gold(ex) == "book"
    assert TASK.encode("book") == "book"
    assert TASK.correct("book", "book") is True
    assert TASK.correct("book", "play") is False
    assert TASK.correct("book", None) is False


def test_hand_computed_example() -> None:
    # a: tp 1, 2 gold, 1 predicted -> F1 2/3; b: tp 1, 1 gold, 2 predicted -> 2/3;
    # c: its only example got an invalid prediction -> 0. Macro = 4/9.
    m = TASK.score(["a", "a", "b", "c"], ["a", "b", "b", None])
    assert m["macro_f1"] == pytest.approx(4 / 9)
    assert m["accuracy"] == pytest.approx(0.5)
    assert m["invalid_rate"] == pytest.approx(0.25)


def test_label_absent_from_gold_is_a_miss_not_a_class() -> None:
    # atis: the dataset knows 25 intents, the real test split holds 20. Predicting
    # "z" (known to the dataset, absent from the gold data) is wrong for the gold "a"
    # and adds no class "z" with F1 0 to the average.
    m = TASK.score(["a", "a", "b"], ["a", "z", "b"], labels=["a", "b", "z"])
    # a: tp 1, 2 gold, 1 predicted -> 2/3; b: 1. Macro = 5/6.
    assert m["macro_f1"] == pytest.approx(5 / 6)
    assert m["invalid_rate"] == 0.0


def test_empty_case_is_undefined() -> None:
    m = TASK.score([], [])
    assert all(math.isnan(v) for v in m.values())


def test_length_mismatch_is_an_error() -> None:
    with pytest.raises(ValueError, match="2 gold values but 1 predictions"):
        TASK.score(["a", "b"], ["a"])


golds_preds = st.integers(1, 60).flatmap(
    lambda n: st.tuples(
        st.lists(st.sampled_from(LABELS), min_size=n, max_size=n),
        st.lists(st.none() | st.sampled_from([*LABELS, "zz"]), min_size=n, max_size=n),
    )
)


@settings(max_examples=150, deadline=None)
@given(golds_preds)
def test_matches_sklearn(gp: tuple[list[str], list[str | None]]) -> None:
    golds, preds = gp
    m = TASK.score(golds, preds)
    filled = ["<invalid>" if p is None else p for p in preds]
    expected = f1_score(golds, filled, labels=sorted(set(golds)), average="macro", zero_division=0)
    assert m["macro_f1"] == pytest.approx(expected, abs=1e-12)
    assert m["accuracy"] == pytest.approx(accuracy_score(golds, filled))
    assert m["invalid_rate"] == pytest.approx(sum(p is None for p in preds) / len(preds))
    assert 0.0 <= m["macro_f1"] <= 1.0


@settings(max_examples=80, deadline=None)
@given(golds_preds, st.randoms(use_true_random=False))
def test_permutation_and_perfect(
    gp: tuple[list[str], list[str | None]], rnd: random.Random
) -> None:
    golds, preds = gp
    order = list(range(len(golds)))
    rnd.shuffle(order)
    a = TASK.score(golds, preds)
    b = TASK.score([golds[i] for i in order], [preds[i] for i in order])
    assert a == pytest.approx(b)
    perfect = TASK.score(golds, list(golds))
    assert perfect["macro_f1"] == 1.0 and perfect["accuracy"] == 1.0


@settings(max_examples=80, deadline=None)
@given(golds_preds, st.integers(0, 2**32 - 1))
def test_stats_on_a_resample_equal_scoring_the_resample(
    gp: tuple[list[str], list[str | None]], seed: int
) -> None:
    golds, preds = gp
    idx = np.random.default_rng(seed).integers(0, len(golds), len(golds))
    stats = TASK.example_stats(golds, preds)
    fast = TASK.score_from_stats(stats, idx)
    slow = TASK.score([golds[i] for i in idx], [preds[i] for i in idx])
    assert fast == pytest.approx(slow)
