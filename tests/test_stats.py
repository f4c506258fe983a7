"""harness.analysis.resampling: batch scorers equal the tasks' own scoring,
coefficients equal scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from harness.analysis import engine as F
from harness.analysis import resampling as S
from harness.tasks import TASKS
from harness.tasks.kit.taskbase import TaskBase

LABELS = ("a", "b", "c", "d")


def _check_equal(
    task_name: str, golds: list, preds_per_model: list[list], resamples: int = 20, seed: int = 0
) -> None:
    """Every resample's batch score equals ``score_from_stats`` on the same examples."""
    task = TASKS.get(task_name)
    stats = [task.example_stats(golds, p) for p in preds_per_model]
    weights = S.resample_weights(len(golds), resamples, seed)
    primary, invalid = S.score_batch(task, stats, weights)
    for j in range(weights.shape[1]):
        index = S.weights_to_index(weights[:, j])
        for i, s in enumerate(stats):
            want = task.score_from_stats(s, index)
            for got, key in ((primary[i, j], task.primary), (invalid[i, j], "invalid_rate")):
                if math.isnan(want[key]):
                    assert math.isnan(got), (key, i, j)
                else:
                    assert got == pytest.approx(want[key], abs=1e-9), (key, i, j)


def test_point_column_is_the_original_sample() -> None:
    w = S.resample_weights(7, 5, seed=3)
    assert w.shape == (7, 6)
    assert (w[:, 0] == 1).all()
    assert (w.sum(axis=0) == 7).all()
    assert np.array_equal(w, S.resample_weights(7, 5, seed=3))
    assert not np.array_equal(w, S.resample_weights(7, 5, seed=4))


def test_derive_seed_is_stable_and_depends_on_names() -> None:
    assert S.derive_seed(1, "a", "b") == S.derive_seed(1, "a", "b")
    assert S.derive_seed(1, "a", "b") != S.derive_seed(1, "ab")
    assert S.derive_seed(1, "a") != S.derive_seed(2, "a")


_label = st.sampled_from(LABELS)
_pred = st.one_of(st.none(), st.sampled_from((*LABELS, "zz")))


@settings(max_examples=40, deadline=None)
@given(data=st.data(), n=st.integers(1, 25), models=st.integers(1, 3), seed=st.integers(0, 99))
def test_intent_batch_equals_task_score(
    data: st.DataObject, n: int, models: int, seed: int
) -> None:
    """With the dense count operator and, past ``DENSE_LIMIT``, the sparse one."""
    from harness.tasks.intent import batch

    golds = data.draw(st.lists(_label, min_size=n, max_size=n))
    preds = [data.draw(st.lists(_pred, min_size=n, max_size=n)) for _ in range(models)]
    limit = batch.DENSE_LIMIT
    for dense_limit in (limit, 0):
        batch.DENSE_LIMIT = dense_limit
        try:
            _check_equal("intent", golds, preds, seed=seed)
        finally:
            batch.DENSE_LIMIT = limit


_score = st.sampled_from((0.0, 0.5, 1.0, 2.5, 3.0, 4.2, 5.0))
_sim_pred = st.one_of(st.none(), _score, st.floats(-1, 6, allow_nan=False))


@settings(max_examples=60, deadline=None)
@given(data=st.data(), n=st.integers(1, 25), models=st.integers(1, 3), seed=st.integers(0, 99))
def test_similarity_batch_equals_task_score(
    data: st.DataObject, n: int, models: int, seed: int
) -> None:
    """Ties, invalid predictions (median imputation) and constant vectors included."""
    golds = data.draw(st.lists(_score, min_size=n, max_size=n))
    preds = [data.draw(st.lists(_sim_pred, min_size=n, max_size=n)) for _ in range(models)]
    _check_equal("similarity", golds, preds, seed=seed)


@settings(max_examples=10, deadline=None)
@given(data=st.data(), n=st.integers(1, 25), seed=st.integers(0, 99))
def test_similarity_batch_equals_task_score_on_a_wide_bootstrap(
    data: st.DataObject, n: int, seed: int
) -> None:
    """From ``WIDE`` resamples on the scorer accumulates in place, in reused buffers."""
    from harness.tasks.similarity.batch import WIDE

    golds = data.draw(st.lists(_score, min_size=n, max_size=n))
    preds = [data.draw(st.lists(_sim_pred, min_size=n, max_size=n)) for _ in range(3)]
    _check_equal("similarity", golds, preds, resamples=WIDE + 8, seed=seed)


def _ner_value(draw: st.DrawFn, text_len: int = 30) -> list[list]:
    spans = draw(
        st.lists(
            st.tuples(st.integers(0, 25), st.integers(1, 5), st.sampled_from(("per", "loc"))),
            max_size=3,
        )
    )
    return [[s, s + ln, lab] for s, ln, lab in spans]


@st.composite
def _ner_case(draw: st.DrawFn, n: int, models: int) -> tuple[list, list[list]]:
    golds = [{"text": "x" * 40, "entities": _ner_value(draw)} for _ in range(n)]
    preds = []
    for _ in range(models):
        row = []
        for g in golds:
            choice = draw(st.integers(0, 3))
            row.append(None if choice == 0 else g["entities"] if choice == 1 else _ner_value(draw))
        preds.append(row)
    return golds, preds


@settings(max_examples=30, deadline=None)
@given(data=st.data(), n=st.integers(1, 15), models=st.integers(1, 3), seed=st.integers(0, 99))
def test_ner_batch_equals_task_score(data: st.DataObject, n: int, models: int, seed: int) -> None:
    golds, preds = data.draw(_ner_case(n, models))
    _check_equal("ner", golds, preds, seed=seed)


def test_fallback_scorer_is_used_for_unregistered_tasks() -> None:
    class Wrapped(TaskBase):  # declares no BATCH_SCORE: the per-resample path
        name, primary = "wrapped-intent", "macro_f1"
        inner = TASKS.get("intent")

        def score_from_stats(self, s, index=None):  # type: ignore[no-untyped-def]
            return self.inner.score_from_stats(s, index)

    golds = ["a", "b", "a", "c", "b"]
    stats = [TASKS.get("intent").example_stats(golds, ["a", "b", "b", None, "b"])]
    w = S.resample_weights(5, 10, 1)
    slow = S.score_batch(Wrapped(), stats, w)
    fast = S.score_batch(TASKS.get("intent"), stats, w)
    np.testing.assert_allclose(slow[0], fast[0])
    np.testing.assert_allclose(slow[1], fast[1])


# --------------------------------------------------------------------------- coefficients


@settings(max_examples=50, deadline=None)
@given(
    xy=st.integers(3, 9).flatmap(
        lambda m: st.tuples(
            st.lists(st.sampled_from((0.1, 0.2, 0.3, 0.5, 0.8)), min_size=m, max_size=m),
            st.lists(st.floats(0, 1, allow_nan=False, width=32), min_size=m, max_size=m),
        )
    )
)
def test_coefficients_equal_scipy(xy: tuple[list[float], list[float]]) -> None:
    x, y = np.array(xy[0]), np.array(xy[1])
    constant = np.ptp(x) == 0 or np.ptp(y) == 0
    for name, ref in (
        ("spearman", sps.spearmanr),
        ("kendall", sps.kendalltau),
        ("pearson", sps.pearsonr),
    ):
        got = float(F.COEFFICIENTS[name](x[None], y[None])[0])
        if constant:
            assert math.isnan(got)
            continue
        want = float(ref(x, y).statistic)
        assert got == pytest.approx(want, abs=1e-9), name
    assert float(F.COEFFICIENTS["mae"](x, y)) == pytest.approx(np.mean(np.abs(x - y)))


def test_worked_example_agreement() -> None:
    """metrics.md: gen-B against real, Spearman 0.8, Kendall 0.6667, Pearson 0.9303."""
    real = np.array([0.80, 0.70, 0.60, 0.50])
    gen_b = np.array([0.80, 0.82, 0.62, 0.45])
    assert float(F.spearman_last(gen_b, real)) == pytest.approx(0.8)
    assert float(F.kendall_last(gen_b, real)) == pytest.approx(0.6667, abs=1e-4)
    assert float(F.pearson_last(gen_b, real)) == pytest.approx(0.9303, abs=1e-4)


def test_permutation_pvalue_exact_for_few_models() -> None:
    x = [0.9, 0.7, 0.5, 0.3]
    # Only the identity permutation reaches rho = 1 among the 4! = 24.
    assert S.permutation_pvalue(x, x, "spearman", permutations=1000) == pytest.approx(
        1 / 24, abs=1e-6
    )
    assert S.permutation_pvalue(x, x[::-1], "spearman") == pytest.approx(1.0)
    assert S.permutation_pvalue(x[:2], x[:2]) is None
    assert S.permutation_pvalue([1, 1, 1], [1, 2, 3]) is None


def test_permutation_pvalue_sampled_for_many_models() -> None:
    rng = np.random.default_rng(0)
    y = rng.normal(size=12)
    p_same = S.permutation_pvalue(y, y, "kendall", permutations=500, seed=1)
    assert p_same == pytest.approx(1 / 501, abs=1e-6)
    # Unrelated vectors: p-values spread over (0, 1), not piled near 0.
    ps = [S.permutation_pvalue(rng.normal(size=12), y, "pearson", 200, seed=i) for i in range(40)]
    assert 0.3 < float(np.mean(ps)) < 0.7


def test_interval_and_paired_difference() -> None:
    reps = np.linspace(0, 1, 1001)
    out = S.interval(0.5, reps, level=0.9)
    assert out["low"] == pytest.approx(0.05) and out["high"] == pytest.approx(0.95)
    assert out["undefined"] == 0
    with_nan = S.interval(0.5, np.r_[reps, np.nan, np.nan])
    assert with_nan["undefined"] == 2 and with_nan["low"] is not None
    assert S.interval(float("nan"), reps)["low"] is None
    a = np.r_[0.8, np.full(100, 0.8)]
    same = S.paired_difference(a, a)
    assert same["value"] == 0 and same["low"] == 0 and same["high"] == 0
    b = np.r_[0.5, np.linspace(0.4, 0.6, 100)]
    better = S.paired_difference(a, b)
    assert better["low"] > 0 and better["p_value"] == 0.0


def test_stratified_weights_keep_every_stratum_and_its_size() -> None:
    strata = np.array([2, 0, 2, 1, 2, 0, 2])
    w = S.resample_weights(strata.size, 50, seed=9, strata=strata)
    assert (w[:, 0] == 1).all()
    for code in (0, 1, 2):
        members = strata == code
        assert (w[members].sum(axis=0) == members.sum()).all()
    assert (w[3] == 1).all()  # a stratum of one is always drawn once
    assert w[strata == 2].std() > 0  # and the others do vary
    assert np.array_equal(w, S.resample_weights(strata.size, 50, seed=9, strata=strata))


def test_plain_weights_are_unchanged_without_strata() -> None:
    w = S.resample_weights(9, 30, seed=5)
    rng = np.random.default_rng(5)
    idx = rng.integers(0, 9, size=(30, 9))
    want = np.stack([np.bincount(row, minlength=9) for row in idx], axis=1)
    assert np.array_equal(w[:, 1:], want)


def test_intent_sources_are_stratified_by_gold_label() -> None:
    task = TASKS.get("intent")
    stats = task.example_stats(["b", "a", "b", "c"], ["b", "b", None, "c"])
    assert S.strata_of(task, stats).tolist() == [1, 0, 1, 2]
    assert S.strata_of(TASKS.get("ner"), stats) is None


def test_basic_interval_reflects_the_percentile_one_and_clips() -> None:
    reps = np.linspace(0.0, 0.5, 101)
    pct = S.interval(0.6, reps, 0.9)
    basic = S.interval(0.6, reps, 0.9, "basic", (-1.0, 1.0))
    assert basic["low"] == pytest.approx(1.2 - pct["high"])
    assert basic["high"] == pytest.approx(1.0)  # 2 * 0.6 - 0.025 clipped to the range
    with pytest.raises(ValueError, match="known: percentile, basic"):
        S.interval(0.6, reps, 0.9, "bca")
