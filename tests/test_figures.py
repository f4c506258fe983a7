"""harness.analysis.engine, the one engine: exact means, and points that are row 0 of
the resamples."""

from __future__ import annotations

import math

import numpy as np

from harness.analysis import agreement as A
from harness.analysis import engine as F


def test_means_over_sources_are_exactly_rounded_like_fsum() -> None:
    # The report's point ensembles and bias factors were fsum means; the engine's
    # compensated sums must give the same bits (a plain sum differs in 4 of 12 atis
    # ensembles at the last place).
    rng = np.random.default_rng(7)
    plain = 0
    for _ in range(3000):
        g = int(rng.integers(1, 13))
        x = rng.random(g) * rng.choice([1.0, 0.01, 100.0]) - rng.choice([0.0, 0.5])
        exact = math.fsum(x) / g
        got = F.masked_mean(x.reshape(1, g, 1))[0, 0]
        assert got == exact, (x.tolist(), got, exact)
        plain += x.sum() / g != exact
    assert plain > 0  # the test can tell a compensated sum from a plain one


def test_masked_mean_skips_cells_not_run_and_is_undefined_when_a_run_cell_is() -> None:
    block = np.array(
        [
            [[0.2, np.nan], [0.4, np.nan]],  # point: model 1 was run on no source
            [[0.3, np.nan], [np.nan, np.nan]],  # a resample where a run cell is undefined
        ]
    )
    mean = F.masked_mean(block)
    assert mean[0, 0] == (0.2 + 0.4) / 2 and np.isnan(mean[0, 1])
    assert np.isnan(mean[1, 0])
    keep = np.array([[True, True], [False, True]])
    assert F.masked_mean(block, keep)[0, 0] == 0.2


def test_analysis_point_figures_are_the_engine_on_one_row() -> None:
    grid = {
        "real": {"a": 0.9, "b": 0.5, "c": 0.7, "d": 0.2},
        "g1": {"a": 0.8, "b": 0.6, "c": 0.65, "d": 0.1},
        "g2": {"a": 0.7, "b": 0.4, "c": 0.75, "d": 0.3},
        "g3": {"a": 0.85, "b": 0.35, "c": 0.6, "d": math.nan},
    }
    same_as = {"a": "g1", "c": "g3"}
    gens, models = ["g1", "g2", "g3"], ["a", "b", "c", "d"]
    block = np.array([[[grid[g][m] for m in models] for g in gens]])
    mean, loo = F.ensembles(block, gens, models, same_as, range(3))
    assert A.ensemble_mean(grid, gens) == dict(zip(models, mean[0].tolist(), strict=True))
    assert A.leave_own_out(grid, same_as) == dict(zip(models, loo[0].tolist(), strict=True))
    # by hand: a skips g1, c skips g3 (and d has no g3 score)
    assert loo[0, 0] == math.fsum([0.7, 0.85]) / 2 and loo[0, 2] == math.fsum([0.65, 0.75]) / 2
    engine = F.bias(block, gens, models, same_as, range(3))
    ours = A.bias_factors(grid, same_as)
    assert {m: ours[m].value.value for m in ours} == {m: v[0] for m, (_, v) in engine.items()}
    real = np.array([grid["real"][m] for m in models])
    figs = F.agreement_figures(block[:, 1], real[None])
    point = A.agreement(grid["g2"], grid["real"], "g2").figures()
    assert {k: v.value for k, v in point.items()} == {k: float(v[0]) for k, v in figs.items()}
