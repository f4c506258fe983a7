"""Is a bias factor self-preference or noise? A permutation test of the generator labels.

Under the null hypothesis "no model prefers its own data", which synthetic source a
model's own LLM wrote is exchangeable: relabelling the sources (a permutation of the
generator names) gives bias factors from the same distribution as the observed ones.

* **Per model** the only relabelling that matters is which source counts as its own,
  so the exact p-value is the share of the model's sources whose bias statistic is at
  least the observed one: ``rank / k`` with ``k`` the sources it was scored on. With
  six generators the smallest possible p is 1/6, weak evidence by construction.
* **Jointly** (every model that is a generator at once) the statistic is the mean
  bias factor, and the generator names are permuted together: all ``G!``
  permutations when that is at most ``permutations`` (an exact p; 720 for six
  generators), else a seeded random sample, ``(1 + hits) / (1 + permutations)``.

The statistic of model ``m`` with ``h`` as its own source is exactly the bias factor
of ``docs/metrics.md``: ``n(m, h) - mean over the other sources g of n(m, g)``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
#: Floating-point slack when comparing a permuted statistic with the observed one.
TIE = 1e-12


@dataclass(frozen=True)
class BiasTest:
    """p-values of the bias factors of one group; None where undefined."""

    per_model: Mapping[str, float | None]
    statistic: float | None
    p_value: float | None
    permutations: int
    exact: bool

    def to_dict(self) -> dict[str, object]:
        """The report's ``ci["self_preference"]`` block."""
        return {
            "statistic": _round(self.statistic),
            "p_value": _round(self.p_value),
            "permutations": self.permutations,
            "exact": self.exact,
            "models": len(self.per_model),
        }


def bias_statistics(scores: FloatArray) -> FloatArray:
    """``stat[h, m]``: model ``m``'s bias factor if source ``h`` were its own.

    ``scores`` is ``(G, M)`` over the synthetic sources, NaN where a cell was not run
    (or is undefined). NaN where ``m`` has no score on ``h`` or on any other source.
    """
    ran = np.isfinite(scores)
    field = np.where(ran, scores, 0.0).sum(axis=1) / np.maximum(ran.sum(axis=1), 1)
    norm = np.where(ran, scores - field[:, None], 0.0)
    total, count = norm.sum(axis=0), ran.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        others = (total[None] - norm) / (count[None] - 1)
    return np.where(ran & (count[None] >= 2), norm - others, np.nan)


def bias_test(
    generators: Sequence[str],
    models: Sequence[str],
    scores: FloatArray,
    same_as: Mapping[str, str],
    permutations: int = 1000,
    seed: int = 0,
) -> BiasTest:
    """Per-model and joint permutation p-values of the bias factors (module docstring)."""
    stat = bias_statistics(np.asarray(scores, dtype=np.float64))
    own = {
        j: generators.index(same_as[m])
        for j, m in enumerate(models)
        if same_as.get(m) in generators and np.isfinite(stat[generators.index(same_as[m]), j])
    }
    per_model: dict[str, float | None] = {}
    for j, g in own.items():
        col = stat[:, j][np.isfinite(stat[:, j])]
        per_model[models[j]] = float(np.mean(col >= stat[g, j] - TIE))
    if not own:
        return BiasTest(per_model, None, None, 0, True)
    cols = np.array(list(own), dtype=np.intp)
    rows = np.array(list(own.values()), dtype=np.intp)
    observed = float(stat[rows, cols].mean())
    perms, exact = label_permutations(len(generators), permutations, seed)
    # perms[b, g]: the source that generator g's name is given under relabelling b.
    permuted = stat[perms[:, rows], cols[None, :]]
    defined = np.isfinite(permuted).all(axis=1)
    values = permuted[defined].mean(axis=1)
    hits, n = int((values >= observed - TIE).sum()), int(defined.sum())
    # The identity is among the exact permutations; a sample counts the observed once.
    p = hits / max(n, 1) if exact else (1 + hits) / (1 + n)
    return BiasTest(per_model, observed, p, n, exact)


def label_permutations(g: int, limit: int, seed: int) -> tuple[npt.NDArray[np.intp], bool]:
    """Every permutation of ``range(g)`` when there are at most ``limit``, else a sample."""
    if math.factorial(g) <= max(limit, 1):
        return np.array(list(itertools.permutations(range(g))), dtype=np.intp), True
    rng = np.random.default_rng(seed)
    return rng.permuted(np.tile(np.arange(g), (limit, 1)), axis=1), False


def _round(x: float | None) -> float | None:
    """6 places, as every figure of the report (byte-stable JSON)."""
    return None if x is None else round(x, 6)
