"""harness.analysis.twolevel: model-resampled agreement and the leave-one-model-out range."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from harness.analysis import engine as F
from harness.analysis import resampling as S
from harness.analysis.twolevel import leave_one_model_out, model_resampled


def test_leave_one_model_out_equals_brute_force() -> None:
    models = ("a", "b", "c", "d", "e")
    synth = np.array([0.9, 0.5, 0.7, 0.4, 0.8])
    real = np.array([0.8, 0.6, 0.5, 0.4, 0.9])
    got = leave_one_model_out(models, synth, real)
    rhos = [sps.spearmanr(np.delete(synth, i), np.delete(real, i))[0] for i in range(5)]
    assert got["spearman"].low == pytest.approx(min(rhos), abs=1e-6)
    assert got["spearman"].high == pytest.approx(max(rhos), abs=1e-6)
    assert got["spearman"].lowest_without == models[int(np.argmin(rhos))]
    maes = [np.abs(np.delete(synth - real, i)).mean() for i in range(5)]
    assert got["mae"].low == pytest.approx(min(maes), abs=1e-6)
    assert leave_one_model_out(models[:3], synth[:3], real[:3]) == {}


def test_model_resampling_draws_models_per_resample() -> None:
    rng = np.random.default_rng(0)
    synth, real = rng.random((11, 6)), rng.random((11, 6))
    got = model_resampled(synth, real, seed=4)
    pick = np.random.default_rng(4).integers(0, 6, size=(10, 6))
    for r in range(10):
        x, y = synth[r + 1, pick[r]], real[r + 1, pick[r]]
        want = sps.pearsonr(x, y)[0] if np.ptp(x) and np.ptp(y) else math.nan
        assert got["pearson"][r] == pytest.approx(want, nan_ok=True)


def test_hierarchical_interval_covers_the_population_of_models() -> None:
    """Models drawn from a population whose real and synthetic scores correlate at
    rho; the model-resampled interval covers the population coefficients."""
    rng = np.random.default_rng(12)
    rho, models, reps, trials = 0.7, 8, 300, 200
    truth = {"pearson": rho, "spearman": 6 / math.pi * math.asin(rho / 2)}
    hits = dict.fromkeys(truth, 0)
    for t in range(trials):
        real = rng.normal(size=models)
        synth = rho * real + math.sqrt(1 - rho**2) * rng.normal(size=models)
        figures = model_resampled(np.tile(synth, (reps + 1, 1)), np.tile(real, (reps + 1, 1)), t)
        point = F.agreement_figures(synth, real)
        for name in truth:
            ci = S.interval(float(point[name]), figures[name], 0.9)
            hits[name] += ci["low"] <= truth[name] <= ci["high"]
    for name, count in hits.items():
        assert 0.75 <= count / trials <= 0.99, (name, count / trials)
