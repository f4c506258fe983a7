"""harness.analysis.items: influence and inversion against brute-force recomputation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from harness.analysis.items import influence, influences, inversion, source_items
from harness.tasks import TASKS


def _case(seed: int) -> tuple[list[str], list[list[str]], np.ndarray]:
    rng = np.random.default_rng(seed)
    golds = [str(g) for g in rng.integers(0, 3, 14)]
    preds = [
        [g if rng.random() < acc else str(rng.integers(0, 3)) for g in golds]
        for acc in (0.9, 0.7, 0.5, 0.4, 0.6)
    ]
    real = np.array([0.9, 0.6, 0.55, 0.3, 0.7])
    return golds, preds, real


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_influence_equals_rescoring_without_each_example(seed: int) -> None:
    task = TASKS.get("intent")
    golds, preds, real = _case(seed)
    stats = [task.example_stats(golds, p) for p in preds]
    got = influence(task, stats, real)

    def rho(keep: list[int]) -> float:
        scores = [
            task.score([golds[k] for k in keep], [p[k] for k in keep])["macro_f1"] for p in preds
        ]
        return float(sps.spearmanr(scores, real)[0])

    full = rho(list(range(len(golds))))
    pearson = influences(task, stats, real)[1]
    # The scores on the whole source, when the bootstrap passes them, change nothing.
    whole = np.array([task.score(golds, p)["macro_f1"] for p in preds])
    given_rho, given_r = influences(task, stats, real, full=whole)
    assert np.allclose(given_rho, got, equal_nan=True, atol=1e-12)
    assert np.allclose(given_r, pearson, equal_nan=True, atol=1e-12)

    def r(keep: list[int]) -> float:
        scores = [
            task.score([golds[k] for k in keep], [p[k] for k in keep])["macro_f1"] for p in preds
        ]
        return float(sps.pearsonr(scores, real)[0])

    for i in range(len(golds)):
        want = r(list(range(len(golds)))) - r([k for k in range(len(golds)) if k != i])
        assert pearson[i] == pytest.approx(want, abs=1e-9)
    for i in range(len(golds)):
        want = full - rho([k for k in range(len(golds)) if k != i])
        if math.isnan(want):
            assert math.isnan(got[i])
        else:
            assert got[i] == pytest.approx(want, abs=1e-9)


def test_inversion_counts_pairs_ordered_against_real() -> None:
    real = np.array([0.9, 0.5, 0.5, 0.1])
    correct = np.array([[0, 1, 1], [1, 1, 0], [1, 0, 0], [1, 1, 0]], dtype=bool)
    got = inversion(correct, real)
    for e in range(3):
        disc = conc = pairs = 0
        for a in range(4):
            for b in range(4):
                if real[a] > real[b]:
                    pairs += 1
                    conc += correct[a, e] and not correct[b, e]
                    disc += correct[b, e] and not correct[a, e]
        assert got[e] == pytest.approx((disc - conc) / pairs)


def test_source_items_lists_the_most_misleading_first() -> None:
    task = TASKS.get("intent")
    golds, preds, real = _case(3)
    stats = [task.example_stats(golds, p) for p in preds]
    correct = np.array([[p[k] == golds[k] for k in range(len(golds))] for p in preds])
    items = source_items(task, stats, real, list(range(100, 114)), correct, top=4)
    infl, infl_p = influences(task, stats, real)
    want = sorted(zip(infl.tolist(), infl_p.tolist(), strict=True))[:4]
    # Flat lists: pytest.approx refuses nested tuples on some pytest 8/9 releases.
    got = [x for it in items for x in (it.influence, it.influence_pearson)]
    assert got == pytest.approx([x for pair in want for x in pair])
    assert all(100 <= it.i < 114 for it in items)
    assert source_items(task, stats[:2], real[:2], list(range(14)), None) == []


def test_inversion_worked_example_of_the_docs() -> None:
    real = np.array([0.9, 0.5, 0.5, 0.1])
    correct = np.array([[False], [True], [True], [True]])
    assert inversion(correct, real)[0] == pytest.approx(0.6)
