"""The similarity task: record validation, Spearman/Pearson against scipy, imputation."""

from __future__ import annotations

import json
import math
import random

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.stats import pearsonr, spearmanr

from harness.tasks import TASKS, RecordError
from harness.tasks.similarity import SimilarityTask
from harness.tasks.similarity.records import SimilarityExample

TASK = SimilarityTask()


def test_registered() -> None:
    task = TASKS.get("similarity")
    assert task.name == "similarity" and task.primary == "spearman"


def test_parse_record_valid() -> None:
    ex = TASK.parse_record({"text1": "a cat", "text2": "a dog", "score": 3, "src": "x"})
    assert ex == SimilarityExample("a cat", "a dog", 3.0)
    assert isinstance(ex.score, float)


@pytest.mark.parametrize(
    ("line", "field", "words"),
    [
        ('{"text1": "a", "text2": "b", "score": "3.2"}', "score", "expected a number, got str"),
        ('{"text1": "a", "text2": "b", "score": true}', "score", "expected a number, got bool"),
        ('{"text1": "a", "text2": "b", "score": NaN}', "score", "finite number"),
        ('{"text1": "a", "text2": "b", "score": Infinity}', "score", "finite number"),
        ('{"text1": "a", "score": 1}', "text2", "missing field 'text2'"),
        ('{"text1": 5, "text2": "b", "score": 1}', "text1", "expected a string"),
    ],
)
def test_parse_record_errors_name_field(line: str, field: str, words: str) -> None:
    with pytest.raises(RecordError) as info:
        TASK.parse_record(json.loads(line))  # json.loads accepts NaN/Infinity
    assert info.value.field == field
    assert words in str(info.value)


def test_encode_and_correct() -> None:
    assert TASK.encode(np.float32(0.5)) == 0.5
    assert TASK.encode(2) == 2.0
    assert TASK.encode(float("nan")) is None  # counted invalid, never NaN in JSON
    assert TASK.encode(float("inf")) is None
    with pytest.raises(TypeError):
        TASK.encode("3.5")
    assert TASK.correct(1.0, 1.0) is None
    assert TASK.gold(SimilarityExample("a", "b", 4.5)) == 4.5


def test_against_scipy_and_imputation_by_median() -> None:
    golds = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    preds = [0.1, None, 0.3, 0.9, 0.2, 0.8]
    m = TASK.score(golds, preds)
    # median of the valid predictions (0.1, 0.3, 0.9, 0.2, 0.8) is 0.3
    imputed = [0.1, 0.3, 0.3, 0.9, 0.2, 0.8]
    assert m["spearman"] == pytest.approx(spearmanr(imputed, golds).statistic)
    assert m["pearson"] == pytest.approx(pearsonr(imputed, golds).statistic)
    assert m["invalid_rate"] == pytest.approx(1 / 6)


def test_hand_computed_spearman() -> None:
    # ranks of pred: 1, 3, 2, 4 vs gold 1, 2, 3, 4 -> d^2 = 0+1+1+0 = 2;
    # rho = 1 - 6*2 / (4*15) = 0.8
    m = TASK.score([1, 2, 3, 4], [10, 30, 20, 40])
    assert m["spearman"] == pytest.approx(0.8)


@pytest.mark.parametrize(
    ("golds", "preds"),
    [
        ([1.0, 2.0, 3.0], [None, None, None]),  # all invalid
        ([1.0, 2.0, 3.0], [2.0, 2.0, 2.0]),  # constant predictions
        ([2.0, 2.0, 2.0], [1.0, 2.0, 3.0]),  # constant gold
        ([1.0, 2.0, 3.0], [1.0, None, None]),  # one valid value imputed everywhere
        ([1.0], [1.0]),  # one example
        ([], []),
    ],
)
def test_undefined_correlations_are_nan(golds: list[float], preds: list[float | None]) -> None:
    m = TASK.score(golds, preds)
    assert math.isnan(m["spearman"]) and math.isnan(m["pearson"])


def test_pearson_of_an_underflowing_spread_is_undefined_not_one() -> None:
    """Predictions a subnormal apart differ (so they rank), but their variance is 0."""
    m = TASK.score([1.0, 2.0, 3.0], [0.0, 5e-324, 0.0])
    assert math.isnan(m["pearson"])
    assert m["spearman"] == pytest.approx(spearmanr([0.0, 5e-324, 0.0], [1.0, 2.0, 3.0])[0])


def test_invalid_prediction_costs_rank_agreement() -> None:
    golds = [float(i) for i in range(10)]
    perfect = TASK.score(golds, list(golds))
    one_invalid = TASK.score(golds, [None, *golds[1:]])
    assert perfect["spearman"] == pytest.approx(1.0)
    assert one_invalid["spearman"] < 1.0
    assert one_invalid["invalid_rate"] == pytest.approx(0.1)


scores = st.floats(-5, 5, allow_nan=False).map(lambda x: round(x, 2))
golds_preds = st.integers(2, 50).flatmap(
    lambda n: st.tuples(
        st.lists(scores, min_size=n, max_size=n),
        st.lists(st.none() | scores, min_size=n, max_size=n),
    )
)


@settings(max_examples=150, deadline=None)
@given(golds_preds)
def test_bounds_and_scipy(gp: tuple[list[float], list[float | None]]) -> None:
    golds, preds = gp
    m = TASK.score(golds, preds)
    valid = [p for p in preds if p is not None]
    if not valid:
        assert math.isnan(m["spearman"])
        return
    med = float(np.median(valid))
    filled = [med if p is None else p for p in preds]
    if len(set(golds)) < 2 or len(set(filled)) < 2:
        assert math.isnan(m["spearman"]) and math.isnan(m["pearson"])
        return
    assert -1.0 <= m["spearman"] <= 1.0 and -1.0 <= m["pearson"] <= 1.0
    assert m["spearman"] == pytest.approx(spearmanr(filled, golds).statistic, abs=1e-9)
    assert m["pearson"] == pytest.approx(pearsonr(filled, golds).statistic, abs=1e-9)


@settings(max_examples=80, deadline=None)
@given(golds_preds, st.randoms(use_true_random=False))
def test_permutation_perfect_and_monotone(
    gp: tuple[list[float], list[float | None]], rnd: random.Random
) -> None:
    golds, preds = gp
    order = list(range(len(golds)))
    rnd.shuffle(order)
    a = TASK.score(golds, preds)
    b = TASK.score([golds[i] for i in order], [preds[i] for i in order])
    assert a == pytest.approx(b, nan_ok=True)
    assume(len(set(golds)) > 1)
    assert TASK.score(golds, list(golds))["spearman"] == pytest.approx(1.0)
    # Spearman sees ranks only: a strictly increasing transform changes nothing.
    c = TASK.score(golds, [None if p is None else math.exp(p) for p in preds])
    assert c["spearman"] == pytest.approx(a["spearman"], nan_ok=True)


@settings(max_examples=80, deadline=None)
@given(golds_preds, st.integers(0, 2**32 - 1))
def test_stats_on_a_resample_equal_scoring_the_resample(
    gp: tuple[list[float], list[float | None]], seed: int
) -> None:
    golds, preds = gp
    idx = np.random.default_rng(seed).integers(0, len(golds), len(golds))
    fast = TASK.score_from_stats(TASK.example_stats(golds, preds), idx)
    slow = TASK.score([golds[i] for i in idx], [preds[i] for i in idx])
    assert fast == pytest.approx(slow, nan_ok=True)
