"""Is an agreement verdict a property of the synthetic data, or of the model pool?

A rank correlation over a handful of models swings with which models are in the
pool: one useless model that scores 0 everywhere is trivially ranked last by every
source and lifts every coefficient (atis: p = 0.121 without it, 0.029 with it). Three
figures on the point scores of one agreement (no resampling):

* ``leave_one_out``: the permutation p of Spearman with the model left out whose
  absence lowers the coefficient most (with ``M - 1`` untied models every leave-out
  has the same null distribution, so that is the largest p of all leave-outs). A
  verdict "better than chance" that does not survive it names the model it leans on;
* ``subsets``: agreement over model subsets of size ``k`` (as IBM's benchbench does):
  seeded random subsets, and adjacent windows of the real ranking (do the sources
  agree on *close* models, not only on far-apart ones?);
* ``floor_ceiling``: models at the metric's floor (or ceiling) on every source: they
  separate trivially and inflate any rank coefficient.

A verdict needs ``MIN_VERDICT_MODELS`` models: with fewer, one left out leaves at
most 3, whose smallest exact p is 1/6, so no verdict could survive the leave-one-out
check. Every undefined figure carries its reason, never NaN and never an exception.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from harness.analysis.engine import agreement_figures
from harness.analysis.resampling import permutation_pvalues

FloatArray = npt.NDArray[np.float64]

#: The fewest models for a verdict of "ranks models better than chance": with 5, one
#: left out leaves 4, whose smallest exact p (1/24 = 0.042) can still be below 0.05.
MIN_VERDICT_MODELS = 5
#: Subset sizes of the sweep (those smaller than the pool), and the pool itself.
SUBSET_SIZES = (3, 5, 10, 20, 50, 100)
#: Random subsets drawn per size.
SUBSET_DRAWS = 100
COEFFICIENT = "spearman"


def _round(x: float) -> float | None:
    return round(float(x), 6) if np.isfinite(x) else None


def leave_one_out_p(
    models: Sequence[str],
    synth: npt.ArrayLike,
    real: npt.ArrayLike,
    permutations: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """``{"without", "spearman", "p_value"}``: Spearman and its permutation p without
    the model whose absence lowers Spearman most; ``{"reason"}`` when undefined."""
    x, y = np.asarray(synth, dtype=np.float64), np.asarray(real, dtype=np.float64)
    m = len(models)
    if m < 4:
        return {"reason": f"needs at least 4 models to leave one out, got {m}"}
    idx = np.nonzero(~np.eye(m, dtype=bool))[1].reshape(m, m - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = agreement_figures(x[idx], y[idx])[COEFFICIENT]
    ok = np.flatnonzero(np.isfinite(rho))
    if not ok.size:
        return {"reason": "constant scores with every model left out"}
    # Leave-outs that tie for the lowest coefficient (they often do: ranks are few)
    # name the most extreme model of them, the one that separates most trivially.
    tied = ok[rho[ok] <= rho[ok].min() + 1e-12]
    worst = int(tied[np.argmax(np.abs(y[tied] - np.median(y)))])
    keep = idx[worst]
    p = permutation_pvalues(x[keep], y[keep], permutations, seed)[COEFFICIENT]
    return {"without": models[worst], "spearman": _round(rho[worst]), "p_value": p}


def _summary(values: FloatArray, low_q: float, high_q: float) -> dict[str, Any]:
    ok = values[np.isfinite(values)]
    if not ok.size:
        return {"median": None, "low": None, "high": None, "undefined": int(values.size)}
    return {
        "median": _round(np.median(ok)),
        "low": _round(np.quantile(ok, low_q)),
        "high": _round(np.quantile(ok, high_q)),
        "undefined": int(values.size - ok.size),
    }


def subset_sweep(
    synth: npt.ArrayLike,
    real: npt.ArrayLike,
    sizes: Sequence[int] | None = None,
    draws: int = SUBSET_DRAWS,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """Spearman over model subsets of each size ``k``: random and adjacent windows.

    Per size ``{"k", "random": {median, low (5%), high (95%), undefined, draws},
    "windows": {median, low (min), high (max), undefined, count}}``; a size below 3
    or above the pool gives ``{"k", "reason"}``. Default sizes: ``SUBSET_SIZES`` below
    the pool, and the pool.
    """
    x, y = np.asarray(synth, dtype=np.float64), np.asarray(real, dtype=np.float64)
    m = x.size
    if sizes is None:
        sizes = [k for k in SUBSET_SIZES if k < m] + ([m] if m >= 3 else [])
    rng = np.random.default_rng(seed)
    order = np.argsort(-y, kind="stable")  # the real ranking, best first
    out: list[dict[str, Any]] = []
    for k in sizes:
        if k < 3:
            out.append({"k": int(k), "reason": f"a subset needs at least 3 models, got {k}"})
            continue
        if k > m:
            out.append({"k": int(k), "reason": f"subset of {k} is larger than the {m} models"})
            continue
        picks = np.argsort(rng.random((draws, m)), axis=1)[:, :k]
        windows = np.array([order[i : i + k] for i in range(m - k + 1)])
        with np.errstate(invalid="ignore", divide="ignore"):
            rand = agreement_figures(x[picks], y[picks])[COEFFICIENT]
            win = agreement_figures(x[windows], y[windows])[COEFFICIENT]
        out.append(
            {
                "k": int(k),
                "random": {**_summary(rand, 0.05, 0.95), "draws": draws},
                "windows": {**_summary(win, 0.0, 1.0), "count": int(windows.shape[0])},
            }
        )
    return out


def floor_ceiling(
    models: Sequence[str], scores: Mapping[str, FloatArray], bounds: tuple[float, float]
) -> list[dict[str, str]]:
    """Models at the metric's floor (or ceiling) on every source they have a score on.

    ``scores`` maps each source (real and synthetic, not ensembles) to its point
    scores ``(M,)``; ``bounds`` is the metric's range (an unbounded side flags none).
    """
    out = []
    block = np.array([np.asarray(v, dtype=np.float64) for v in scores.values()])
    if block.size == 0:
        return []
    for j, name in enumerate(models):
        col = block[:, j][np.isfinite(block[:, j])]
        if not col.size:
            continue
        for where, bound in (("floor", bounds[0]), ("ceiling", bounds[1])):
            if np.isfinite(bound) and np.all(np.abs(col - bound) <= 1e-12):
                out.append({"model": name, "at": where})
    return out
