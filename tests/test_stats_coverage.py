"""Bootstrap intervals cover a known truth at about the nominal rate (seeded simulations).

Each test draws many data sets from a population whose figure is known in closed
form, builds a 90% interval from each, and counts how often the truth is inside.
Bounds are loose (a percentile bootstrap on n = 150 is slightly anti-conservative,
and 200 trials have a binomial spread of about +-2 points).
"""

from __future__ import annotations

import math

import numpy as np

from harness.analysis import engine as F
from harness.analysis import resampling as S
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


# Class sizes shaped like atis's real test split (20 intents, one holding 70%),
# scaled so the rarest has 3 examples: a label with one or two examples carries
# variance that no resampling of those examples can show (docs/reports.md).
RARE_SIZES = np.array([3, 3, 3, 3, 4, 5, 6, 6, 7, 8, 9, 10, 12, 18, 21, 33, 36, 38, 48, 200])


def _confusion(sizes: np.ndarray, rare_recall: float) -> np.ndarray:
    """Rows: gold class; rare classes are recalled less; errors fall mostly on the big one."""
    recall = np.where(sizes <= 5, rare_recall, 0.85)
    recall[-1] = 0.97
    return confusion_of(recall)


def confusion_of(recall: np.ndarray) -> np.ndarray:
    """A confusion matrix with each gold class's ``recall`` on the diagonal; of the
    errors, 70% fall on the last (big) class and the rest evenly on the others."""
    k = recall.size
    conf = np.zeros((k, k))
    for c in range(k):
        conf[c, c] = recall[c]
        others = [o for o in range(k) if o not in (c, k - 1)]
        if c == k - 1:
            conf[c, :-1] = (1 - recall[c]) / (k - 1)
        else:
            conf[c, k - 1] = 0.7 * (1 - recall[c])
            conf[c, others] = 0.3 * (1 - recall[c]) / len(others)
    return conf


def _macro_truth(sizes: np.ndarray, conf: np.ndarray) -> float:
    """Macro F1 of the expected confusion counts at these class sizes."""
    tp = sizes * np.diag(conf)
    predicted = sizes @ conf
    return float(np.mean(2 * tp / (sizes + predicted)))


def _draw_preds(rng: np.random.Generator, gold: np.ndarray, conf: np.ndarray) -> np.ndarray:
    cum = np.cumsum(conf, axis=1)[gold]
    return np.minimum((rng.random(gold.size)[:, None] > cum).sum(axis=1), conf.shape[0] - 1)


def _intent_reps(task, gold: np.ndarray, pred: np.ndarray, seed: int) -> np.ndarray:
    stats = task.example_stats([str(g) for g in gold], [str(p) for p in pred])
    weights = S.resample_weights(gold.size, RESAMPLES, seed, strata=S.strata_of(task, stats))
    return S.score_batch(task, [stats], weights)[0][0]


def test_intent_macro_f1_interval_covers_with_rare_classes() -> None:
    """Fixed class sizes (a test set), rare classes recalled at 0.6: truth in the interval."""
    rng = np.random.default_rng(21)
    task = TASKS.get("intent")
    conf = _confusion(RARE_SIZES, 0.6)
    truth = _macro_truth(RARE_SIZES, conf)
    gold = np.repeat(np.arange(RARE_SIZES.size), RARE_SIZES)
    hits = 0
    for t in range(TRIALS):
        hits += _covered(truth, _intent_reps(task, gold, _draw_preds(rng, gold, conf), t))
    assert 0.8 <= hits / TRIALS <= 0.97


def test_intent_interval_is_centred_on_the_point_with_singleton_classes() -> None:
    """atis's own class sizes (four singletons): resamples keep every label, so the
    bootstrap mean sits on the point estimate and the interval contains it."""
    rng = np.random.default_rng(4)
    task = TASKS.get("intent")
    sizes = np.array([1, 1, 1, 1, 2, 3, 6, 6, 7, 8, 9, 10, 12, 18, 21, 33, 36, 38, 48, 632])
    conf = _confusion(sizes, 0.3)
    gold = np.repeat(np.arange(sizes.size), sizes)
    for t in range(20):
        reps = _intent_reps(task, gold, _draw_preds(rng, gold, conf), t)
        lo, hi = S.quantiles(reps[1:, None], 0.95)
        assert lo[0] <= reps[0] <= hi[0]
        # A plain bootstrap sits about one standard error above the point here.
        assert abs(reps[1:].mean() - reps[0]) < 0.5 * reps[1:].std()


def test_agreement_interval_covers_population_coefficients() -> None:
    """Six models with known error rates on real and synthetic data (two balanced
    classes, symmetric errors: macro F1 = 1 - error); the agreement of the sample
    scores is resampled per source, as ``harness.analysis.intervals`` does. (A percentile
    interval covers Pearson and MAE about half the time here: the scores' noise
    attenuates the point once and every resample twice.)"""
    rng = np.random.default_rng(17)
    task = TASKS.get("intent")
    real_err = np.array([0.10, 0.15, 0.20, 0.25, 0.30, 0.35])
    synth_err = np.array([0.12, 0.13, 0.24, 0.20, 0.33, 0.40])
    truth = F.agreement_figures(1 - synth_err, 1 - real_err)
    hits = dict.fromkeys(("spearman", "pearson", "mae"), 0)
    for t in range(TRIALS):
        per_source = []
        for s, errs in enumerate((synth_err, real_err)):
            gold = rng.integers(0, 2, N)
            preds = [np.where(rng.random(N) < e, 1 - gold, gold) for e in errs]
            stats = [task.example_stats([str(g) for g in gold], [str(p) for p in q]) for q in preds]
            weights = S.resample_weights(
                N, RESAMPLES, 1000 * t + s, strata=S.strata_of(task, stats[0])
            )
            per_source.append(S.score_batch(task, stats, weights)[0].T)  # (R, M)
        figures = F.agreement_figures(*per_source)
        for name in hits:
            arr = figures[name]
            ci = S.interval(
                arr[0], arr[1:], LEVEL, S.AGREEMENT_METHODS[name], F.COEFFICIENT_RANGE[name]
            )
            # The report rounds bounds to 6 places; a rank coefficient's bound is often
            # exactly the (discrete) truth.
            hits[name] += ci["low"] - 1e-6 <= float(truth[name]) <= ci["high"] + 1e-6
    for name, count in hits.items():
        assert 0.8 <= count / TRIALS <= 0.98, (name, count / TRIALS)
