"""Would this synthetic set rank models I have not tried? Uncertainty over the models.

The example bootstrap (``harness.analysis.intervals``) answers "how sure are we of the
agreement *of these models*". With six models a coefficient also swings by which
models were chosen, so two figures look at the model dimension:

* **hierarchical bootstrap**: every example resample also draws the models, with
  replacement, from the models of the figure (a two-stage bootstrap: models, then
  examples). A model drawn twice counts twice (its ties are averaged like any tie);
  a resample whose drawn scores are constant leaves the coefficient undefined, and is
  counted. Its interval reads "over models like these";
* **leave one model out**: the coefficient of the point scores with each model left
  out in turn; the range shows how much one model moves it, and which one most.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from harness.analysis.engine import Ranked, agreement_figures, agreement_of, ranked

FloatArray = npt.NDArray[np.float64]
#: A leave-one-out coefficient needs this many models left (as the figure itself).
MIN_LEFT = 3


@dataclass(frozen=True)
class ModelDraws:
    """The models drawn for every resample and the real scores on them, ranked: shared by
    every synthetic source of a group compared with the same real models (paired, like
    the examples' weights, and the real side ranked once)."""

    rows: npt.NDArray[np.intp]
    pick: npt.NDArray[np.intp]
    real: Ranked


def draw_models(real: FloatArray, seed: int) -> ModelDraws:
    """Redraw the ``M`` models of ``real`` ``(R, M)`` with replacement, per resample 1.."""
    r, m = real.shape
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, m, size=(r - 1, m))
    rows = np.arange(1, r)[:, None]
    return ModelDraws(rows, pick, ranked(real[rows, pick]))


def model_resampled(
    synth: FloatArray, real: FloatArray | ModelDraws, seed: int = 0
) -> dict[str, FloatArray]:
    """Agreement figures of resamples 1.. of ``(R, M)`` arrays with models redrawn.

    Row 0 (the point) is not redrawn; the result has ``R - 1`` values per figure.
    ``real`` may be the ``draw_models`` of the real scores (``seed`` is then unused).
    """
    drawn = real if isinstance(real, ModelDraws) else draw_models(real, seed)
    return agreement_of(ranked(synth[drawn.rows, drawn.pick]), drawn.real)


@dataclass(frozen=True)
class LeaveOneOut:
    """The range of one coefficient over the models left out."""

    low: float | None
    high: float | None
    #: The model whose absence gives ``low`` (the one the coefficient leans on most).
    lowest_without: str

    def to_dict(self) -> dict[str, object]:
        return {"low": self.low, "high": self.high, "lowest_without": self.lowest_without}


def leave_one_model_out(
    models: Sequence[str], synth: FloatArray, real: FloatArray
) -> dict[str, LeaveOneOut]:
    """Per figure, the min and max over the point coefficients without each model.

    ``synth`` and ``real`` are the point scores ``(M,)`` of the figure's models. Empty
    when fewer than ``MIN_LEFT + 1`` models; a left-out set whose coefficient is
    undefined (constant scores) is skipped.
    """
    m = len(models)
    if m < MIN_LEFT + 1:
        return {}
    keep = ~np.eye(m, dtype=bool)
    idx = np.nonzero(keep)[1].reshape(m, m - 1)  # row i: every model but i
    figures = agreement_figures(np.asarray(synth)[idx], np.asarray(real)[idx])
    out = {}
    for name, values in figures.items():
        ok = np.flatnonzero(np.isfinite(values))
        if not ok.size:
            out[name] = LeaveOneOut(None, None, "")
            continue
        worst = int(ok[np.argmin(values[ok])])
        out[name] = LeaveOneOut(
            round(float(values[ok].min()), 6), round(float(values[ok].max()), 6), models[worst]
        )
    return out
