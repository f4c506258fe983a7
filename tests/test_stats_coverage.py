"""Bootstrap intervals cover a known truth at about the nominal rate (seeded simulations).

Each test draws many data sets from a population whose figure is known in closed
form, builds a 90% interval from each, and counts how often the truth is inside.
Bounds are loose (a percentile bootstrap on n = 150 is slightly anti-conservative,
and 200 trials have a binomial spread of about +-2 points).
"""

from __future__ import annotations

import math

import numpy as np

from harness import stats as S
from harness.tasks import TASKS

TRIALS, N, RESAMPLES, LEVEL = 200, 150, 300, 0.9


def _covered(truth: float, primary: np.ndarray) -> bool:
    lo, hi = S.quantiles(primary[1:, None], LEVEL)
    return bool(lo[0] <= truth <= hi[0])


def test_spearman_interval_covers_population_value() -> None:
    """Bivariate normal with correlation r: population Spearman is 6/pi asin(r/2)."""
    rng = np.random.default_rng(11)
    r = 0.6
    truth = 6 / math.pi * math.asin(r / 2)
    task = TASKS.get("similarity")
    hits = 0
    for t in range(TRIALS):
        gold = rng.normal(size=N)
        pred = r * gold + math.sqrt(1 - r * r) * rng.normal(size=N)
        stats = task.example_stats(gold.tolist(), pred.tolist())
        primary, _ = S.score_batch(task, [stats], S.resample_weights(N, RESAMPLES, t))
        hits += _covered(truth, primary[0])
    assert 0.82 <= hits / TRIALS <= 0.97


def test_ner_f1_and_paired_difference_cover_population_values() -> None:
    """Per example: 2 gold entities, each found with probability q; no false positives.

    Then tp ~ Binomial(2, q), fn = 2 - tp, fp = 0, and the population micro F1 is
    2 E[tp] / (2 E[tp] + E[fn]) (``f1`` below). The difference between two models
    (q = 0.8 and 0.7, on the same examples) is resampled as a pair.
    """
    rng = np.random.default_rng(5)
    task = TASKS.get("ner")
    q1, q2 = 0.8, 0.7

    def f1(q: float) -> float:  # E[tp] = 2q, E[fn] = 2(1-q), fp = 0
        return 2 * 2 * q / (2 * 2 * q + 2 * (1 - q))

    gold_doc = {"text": "x" * 20, "entities": [[0, 2, "per"], [5, 8, "loc"]]}
    hit_f1 = hit_diff = 0
    for t in range(TRIALS):
        preds = []
        for q in (q1, q2):
            found = rng.random((N, 2)) < q
            preds.append(
                [
                    [e for e, keep in zip(gold_doc["entities"], row, strict=True) if keep]
                    for row in found
                ]
            )
        stats = [task.example_stats([gold_doc] * N, p) for p in preds]
        primary, _ = S.score_batch(task, stats, S.resample_weights(N, RESAMPLES, t))
        hit_f1 += _covered(f1(q1), primary[0])
        hit_diff += _covered(f1(q1) - f1(q2), primary[0] - primary[1])
    assert 0.82 <= hit_f1 / TRIALS <= 0.97
    assert 0.82 <= hit_diff / TRIALS <= 0.97


def test_intent_macro_f1_interval_covers_population_value() -> None:
    """Two balanced classes, symmetric error e: every class has F1 = 1 - e."""
    rng = np.random.default_rng(8)
    task = TASKS.get("intent")
    err = 0.25
    hits = 0
    for t in range(TRIALS):
        gold = rng.integers(0, 2, N)
        wrong = rng.random(N) < err
        pred = np.where(wrong, 1 - gold, gold)
        stats = task.example_stats([str(g) for g in gold], [str(p) for p in pred])
        primary, _ = S.score_batch(task, [stats], S.resample_weights(N, RESAMPLES, t))
        hits += _covered(1 - err, primary[0])
    assert 0.82 <= hits / TRIALS <= 0.97
