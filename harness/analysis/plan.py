"""How much is enough? Expected interval widths for other numbers of examples and models.

From a source's measured figures (``SourceCells``: what ``harness.report.plan`` reads
of a report with intervals), per (task, dataset, synthetic source):

* **score**: a bootstrap standard error shrinks as ``1 / sqrt(n)``, so a model's
  score interval at ``n'`` examples is expected to be ``2 z se sqrt(n / n')`` wide
  (``z`` the normal quantile of the level). The mean over the source's models is
  reported.
* **agreement** (Spearman with the real data): simulated. Each draw adds normal
  noise of the measured standard error to every real score and of the rescaled one
  (``se sqrt(n / n')``) to every synthetic score, and computes the coefficient; the
  width is the central ``level`` range of the draws. ``spearman_width`` keeps the
  measured models ("these models, more examples"); ``spearman_width_models`` draws
  ``M'`` models with replacement from them in every draw, as the hierarchical
  bootstrap does ("models like these, this many of them").

Both read only the figures of the report: no outcomes, no models to run, so a team
can size a synthetic benchmark before paying for it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
import numpy.typing as npt

from harness.analysis.engine import spearman_last
from harness.core.names import MIN_MODELS

FloatArray = npt.NDArray[np.float64]
SIMULATIONS = 2000


def score_width(se: float, n: int, n_new: int, level: float = 0.95) -> float:
    """Expected width of a score interval at ``n_new`` examples, from ``se`` at ``n``."""
    z = NormalDist().inv_cdf(0.5 + level / 2)
    return 2 * z * se * math.sqrt(n / n_new)


def agreement_width(
    synth: FloatArray,
    real: FloatArray,
    se_synth: FloatArray,
    se_real: FloatArray,
    scale: float,
    models: int | None = None,
    level: float = 0.95,
    simulations: int = SIMULATIONS,
    seed: int = 0,
) -> float:
    """Width of the central ``level`` range of simulated Spearman coefficients.

    ``scale`` multiplies the synthetic standard errors (``sqrt(n / n')``); ``models``
    is ``M'`` drawn with replacement per draw, None for the measured models as they
    are. NaN when too few draws are defined (constant scores).
    """
    rng = np.random.default_rng(seed)
    m = synth.size
    if models is None:
        pick = np.broadcast_to(np.arange(m), (simulations, m))
    else:
        pick = rng.integers(0, m, size=(simulations, models))
    s = synth[pick] + rng.normal(size=pick.shape) * (se_synth[pick] * scale)
    r = real[pick] + rng.normal(size=pick.shape) * se_real[pick]
    rho = spearman_last(s, r)
    rho = rho[np.isfinite(rho)]
    if rho.size < simulations / 2:
        return math.nan
    lo, hi = np.quantile(rho, [(1 - level) / 2, (1 + level) / 2])
    return float(hi - lo)


@dataclass(frozen=True)
class PlanRow:
    """Expected widths for one synthetic source at one (examples, models) size."""

    task: str
    dataset: str
    generator: str
    examples_now: int
    models_now: int
    examples: int
    models: int
    score_width: float
    spearman_width: float | None
    spearman_width_models: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "dataset": self.dataset,
            "generator": self.generator,
            "examples_now": self.examples_now,
            "models_now": self.models_now,
            "examples": self.examples,
            "models": self.models,
            "score_width": round(self.score_width, 6),
            "spearman_width": _round(self.spearman_width),
            "spearman_width_models": _round(self.spearman_width_models),
        }


def _round(x: float | None) -> float | None:
    return None if x is None or math.isnan(x) else round(x, 6)


@dataclass(frozen=True)
class SourceCells:
    """One synthetic source's measured figures, as the planner needs them: per model
    (the same order on both sides) the score and its standard error on the source and
    on real data, and the examples scored."""

    task: str
    dataset: str
    generator: str
    examples: int
    synth: FloatArray
    se_synth: FloatArray
    real: FloatArray
    se_real: FloatArray


def plan_source(
    cells: SourceCells,
    examples: Sequence[int],
    models: Sequence[int] = (),
    level: float = 0.95,
    seed: int = 0,
) -> list[PlanRow]:
    """Expected widths for one source at every size asked (``models`` empty: the number
    measured); no rows when no model has both scores and both standard errors."""
    s, r, se_s, se_r = cells.synth, cells.real, cells.se_synth, cells.se_real
    ok = np.isfinite(s) & np.isfinite(se_s) & np.isfinite(r) & np.isfinite(se_r)
    if not ok.any() or cells.examples < 1:
        return []
    n = cells.examples
    count = int(ok.sum())
    args = (s[ok], r[ok], se_s[ok], se_r[ok])
    rows = []
    for n_new in examples:
        width = score_width(float(se_s[ok].mean()), n, n_new, level)
        scale = math.sqrt(n / n_new)
        fixed = (
            agreement_width(*args, scale, None, level, seed=seed)
            if count >= MIN_MODELS
            else math.nan
        )
        for m_new in models or (count,):
            drawn = (
                agreement_width(*args, scale, m_new, level, seed=seed)
                if count >= MIN_MODELS and m_new >= MIN_MODELS
                else math.nan
            )
            rows.append(
                PlanRow(
                    cells.task,
                    cells.dataset,
                    cells.generator,
                    n,
                    count,
                    n_new,
                    m_new,
                    width,
                    _round(fixed) if m_new == count else None,
                    _round(drawn),
                )
            )
    return rows
