"""harness.analysis.selfpref: the permutation test of the bias factor."""

from __future__ import annotations

import numpy as np
import pytest

from harness.analysis.agreement import bias_factors
from harness.analysis.selfpref import bias_statistics, bias_test

# docs/metrics.md's worked example: sources gen-A, gen-B, gen-E; models A, B, C, D.
GENS = ("gen-A", "gen-B", "gen-E")
MODELS = ("A", "B", "C", "D")
SCORES = np.array([[0.90, 0.70, 0.65, 0.40], [0.80, 0.82, 0.62, 0.45], [0.75, 0.66, 0.64, 0.55]])
SAME = {"A": "gen-A", "B": "gen-B"}


def test_statistic_of_the_own_source_is_the_bias_factor() -> None:
    stat = bias_statistics(SCORES)
    assert stat[0, 0] == pytest.approx(0.12375)
    assert stat[1, 1] == pytest.approx(0.12375)
    grid = {g: dict(zip(MODELS, row, strict=True)) for g, row in zip(GENS, SCORES, strict=True)}
    for m, b in bias_factors(grid, SAME).items():
        assert stat[GENS.index(SAME[m]), MODELS.index(m)] == pytest.approx(b.value.value)


def test_worked_example_p_values_by_hand() -> None:
    test = bias_test(GENS, MODELS, SCORES, SAME)
    # A's normalized scores 0.2375, 0.1275, 0.1000: its own is the largest of 3.
    assert test.per_model == {"A": pytest.approx(1 / 3), "B": pytest.approx(1 / 3)}
    # 3! relabellings; the observed mean 0.12375 is reached by the identity only.
    stat = bias_statistics(SCORES)
    means = []
    for perm in ((0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0)):
        means.append((stat[perm[0], 0] + stat[perm[1], 1]) / 2)
    want = np.mean(np.array(means) >= 0.12375 - 1e-12)
    assert test.exact and test.permutations == 6
    assert test.p_value == pytest.approx(want)
    assert test.statistic == pytest.approx(0.12375)


def test_missing_cells_are_left_out() -> None:
    scores = SCORES.copy()
    scores[2, 0] = np.nan  # A not run on gen-E
    stat = bias_statistics(scores)
    assert np.isnan(stat[2, 0])
    test = bias_test(GENS, MODELS, scores, SAME)
    assert test.per_model["A"] == pytest.approx(1 / 2)


def _simulate(bias: float, rng: np.random.Generator, g: int = 6, m: int = 9) -> np.ndarray:
    """Scores of m models on g sources; models 0..g-1 are the generators' LLMs."""
    skill = rng.normal(0.6, 0.1, m)
    scores = skill[None] + rng.normal(0, 0.03, (g, m)) + rng.normal(0, 0.05, (g, 1))
    scores[np.arange(g), np.arange(g)] += bias
    return scores


def test_p_value_is_uniform_under_the_null_and_small_under_planted_bias() -> None:
    rng = np.random.default_rng(3)
    gens = tuple(f"g{i}" for i in range(6))
    models = tuple(f"m{i}" for i in range(9))
    same = {f"m{i}": f"g{i}" for i in range(6)}
    null = np.array(
        [bias_test(gens, models, _simulate(0.0, rng), same, 720).p_value for _ in range(300)]
    )
    # Uniform: about 10% / 50% below 0.1 / 0.5 (300 draws: +-5 points is ~3 sd).
    assert 0.05 <= (null <= 0.1).mean() <= 0.16
    assert 0.42 <= (null <= 0.5).mean() <= 0.58
    planted = [bias_test(gens, models, _simulate(0.05, rng), same, 720).p_value for _ in range(50)]
    assert np.median(planted) < 0.01
    per_model = bias_test(gens, models, _simulate(0.2, rng), same, 720).per_model
    assert all(p == pytest.approx(1 / 6) for p in per_model.values())


def test_many_generators_sample_permutations() -> None:
    rng = np.random.default_rng(1)
    gens = tuple(f"g{i}" for i in range(8))
    models = tuple(f"m{i}" for i in range(8))
    same = {f"m{i}": f"g{i}" for i in range(8)}
    test = bias_test(gens, models, _simulate(0.0, rng, 8, 8), same, 500, seed=2)
    assert not test.exact and test.permutations == 500
    assert 0 < test.p_value <= 1
    assert test == bias_test(
        gens, models, _simulate(0.0, np.random.default_rng(1), 8, 8), same, 500, seed=2
    )
