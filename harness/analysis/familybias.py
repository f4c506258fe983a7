"""Family-level bias, the leave-family-out ensemble, and a permutation test of the bias.

A model of family ``F`` (``harness.core.families``) may prefer the data of every LLM of
its family, not only its own. With ``own(m)`` the family's generators in the group
and ``n(m, g) = s(m, g) - mean_k s(k, g)`` the normalised score of the bias factor:

    family_bias(m) = mean over g in own(m) of n(m, g) - mean over g not in own(m) of n(m, g)

(each mean over the generators ``m`` has a defined score on). With a family of one
generator, the model's own, it is the bias factor. ``mean-lfo`` is the ensemble a
model of family ``F`` would be judged on if no LLM of its family had written data:
per model, the mean of its scores over the generators outside its family (a model of
no family: the plain ``mean``).

The test permutes which generators carry which family label (the family sizes stay
as declared). **Per model** only the set of its own sources matters: the exact p is
the share of the ``C(k, f)`` subsets of its ``k`` sources with ``f`` members whose
statistic is at least the observed one. **Jointly** the statistic is the mean family
bias of every model with a family, under all ``G!`` permutations of the labels when
that is at most ``permutations`` (exact), else a seeded sample (``(1 + hits) / (1 + n)``),
as ``harness.analysis.selfpref`` does for the bias factor.

Point figures take a ``Grid`` and give ``Value`` with reasons (as ``harness.analysis.agreement``);
the ``*_arrays`` functions take the bootstrap's ``(R, G, M)`` scores, row 0 the point.
Both are ``harness.analysis.engine`` (``contrast`` with the family as the own sources,
``masked_mean`` without them); a point figure is row 0 of the grid as a one-row array.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from harness.analysis import engine as figures
from harness.analysis.grid import Grid, Value, grid_block, normalized, synthetic_generators
from harness.analysis.selfpref import TIE, label_permutations
from harness.core.families import Families
from harness.core.names import MIN_GENERATORS
from harness.core.records import REAL

FloatArray = npt.NDArray[np.float64]


def _defined(x: float | None) -> bool:
    return x is not None and x == x


@dataclass(frozen=True, slots=True)
class FamilyBias:
    """The family bias of a model towards the generators of ``family`` in its group."""

    family: str
    generators: tuple[str, ...]
    value: Value

    def to_dict(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "generators": list(self.generators),
            "value": self.value.value,
            "reason": self.value.reason,
        }


def has_family_here(models: Sequence[str], gens: Sequence[str], families: Families) -> bool:
    """A model here has a family with a generator here: ``mean-lfo`` differs from ``mean``."""
    return any(families.own(m, gens) for m in models)


# --------------------------------------------------------------------------- point figures


def family_bias(matrix: Grid, families: Families) -> dict[str, FamilyBias]:
    """``family_bias(m)`` (module docstring) of every model of the matrix with a family."""
    gens = synthetic_generators(matrix)
    models = sorted({m for row in matrix.values() for m in row} & families.models.keys())
    scored = sorted({m for g in gens for m in matrix[g]})  # the normalisation's field
    # The engine on the grid as a one-row array (as harness.analysis.agreement does): row 0.
    found = family_bias_arrays(gens, scored, grid_block(matrix, gens, scored), families)
    out: dict[str, FamilyBias] = {}
    for m in models:
        family = families.models[m]
        own = families.own(m, gens)
        if m in found:
            value = Value(float(found[m][1][0]))
        else:
            value = _no_family_bias(m, family, own, gens, normalized(matrix, gens))
        out[m] = FamilyBias(family, own, value)
    return out


def _no_family_bias(
    m: str, family: str, own: Sequence[str], gens: Sequence[str], norm: Grid
) -> Value:
    """Why the family bias of ``m`` is undefined (the engine gave no value)."""
    if len(gens) < MIN_GENERATORS:
        return Value(None, f"needs at least {MIN_GENERATORS} synthetic generators, got {len(gens)}")
    if not any(_defined(norm[g].get(m)) for g in own):
        return Value(None, f"no defined score of {m} on a generator of its family {family}")
    return Value(None, f"no defined score of {m} on a generator outside its family {family}")


def leave_family_out(matrix: Grid, families: Families) -> dict[str, float]:
    """Per model, the mean of its defined scores over the generators outside its family.

    A model of no family gets the plain ensemble mean; one scored only on its family's
    data gets NaN.
    """
    gens = synthetic_generators(matrix)
    models = sorted({m for g in gens for m in matrix[g]})
    lfo = leave_family_out_arrays(gens, models, grid_block(matrix, gens, models), families)[0]
    return {m: float(v) for m, v in zip(models, lfo, strict=True)}


# --------------------------------------------------------------------------- resampled


def _synth(generators: Sequence[str]) -> list[int]:

    return [i for i, g in enumerate(generators) if g != REAL]


def family_bias_arrays(
    generators: Sequence[str], models: Sequence[str], scores: FloatArray, families: Families
) -> dict[str, tuple[str, FloatArray]]:
    """Per model with a defined point family bias: its family and ``(R,)`` values.

    ``scores`` is ``(R, G, M)``; normalised per resample over the models run on each
    source (as ``harness.analysis.intervals.bias``), so row 0 equals ``family_bias``.
    """
    synth = _synth(generators)
    names = [generators[i] for i in synth]
    if len(synth) < MIN_GENERATORS:
        return {}
    norm = figures.normalized(scores[:, synth, :])  # (R, S, M)
    out: dict[str, tuple[str, FloatArray]] = {}
    for j, m in enumerate(models):
        own = set(families.own(m, names))
        if not own:
            continue
        value = figures.contrast(norm, j, [i for i, g in enumerate(names) if g in own])
        if value is not None:
            out[m] = (families.models[m], value)
    return out


def leave_family_out_arrays(
    generators: Sequence[str], models: Sequence[str], scores: FloatArray, families: Families
) -> FloatArray:
    """``s(m, mean-lfo)`` per resample, ``(R, M)``; like ``harness.analysis.intervals.ensemble``.

    A resample in which a cell that was run is undefined leaves the mean undefined.
    """
    synth = _synth(generators)
    names = [generators[i] for i in synth]
    block = scores[:, synth, :]
    keep = np.ones(block.shape[1:], dtype=bool)  # (S, M): the sources each model averages
    for j, m in enumerate(models):
        own = set(families.own(m, names))
        keep[:, j] = [g not in own for g in names]
    return figures.masked_mean(block, keep)


# --------------------------------------------------------------------------- permutation test


@dataclass(frozen=True)
class FamilyTest:
    """p-values of the family biases of one group; ``per_model`` only where defined."""

    per_model: Mapping[str, float]
    statistic: float | None
    p_value: float | None
    permutations: int
    exact: bool

    def to_dict(self) -> dict[str, object]:
        """The report's ``ci["family_preference"]`` block."""
        return {
            "statistic": None if self.statistic is None else round(self.statistic, 6),
            "p_value": None if self.p_value is None else round(self.p_value, 6),
            "permutations": self.permutations,
            "exact": self.exact,
            "models": len(self.per_model),
        }


def _stat(
    norm: FloatArray, ran: npt.NDArray[np.bool_], mask: npt.NDArray[np.bool_]
) -> FloatArray:
    """Family bias of one model for each own-set ``mask[b, g]``; NaN where a side is empty."""
    own, other = mask & ran[None], ~mask & ran[None]
    n_own, n_other = own.sum(axis=1), other.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = (np.where(own, norm, 0.0).sum(axis=1) / n_own) - (
            np.where(other, norm, 0.0).sum(axis=1) / n_other
        )
    return np.where((n_own > 0) & (n_other > 0), value, np.nan)


def _subsets(k: int, f: int, limit: int, rng: np.random.Generator) -> tuple[list[list[int]], bool]:
    """Every ``f``-subset of ``range(k)`` when there are at most ``limit``, else a sample."""
    if math.comb(k, f) <= max(limit, 1):
        return [list(c) for c in itertools.combinations(range(k), f)], True
    return [sorted(rng.permutation(k)[:f].tolist()) for _ in range(limit)], False


def family_test(
    generators: Sequence[str],
    models: Sequence[str],
    scores: FloatArray,
    families: Families,
    permutations: int = 1000,
    seed: int = 0,
) -> FamilyTest:
    """Per-model and joint permutation p-values of the family biases (module docstring).

    ``generators`` are the synthetic sources only; ``scores`` is their point ``(G, M)``
    matrix, NaN where a cell was not run.
    """
    scores = np.asarray(scores, dtype=np.float64)
    ran = np.isfinite(scores)
    field = np.where(ran, scores, 0.0).sum(axis=1) / np.maximum(ran.sum(axis=1), 1)
    norm = np.where(ran, scores - field[:, None], 0.0)
    g_count = len(generators)
    label_of = families.of_generator()
    names = sorted(set(families.generators))
    labels = np.array([names.index(label_of[g]) if g in label_of else -1 for g in generators])
    tested: dict[int, int] = {}  # model column -> family index
    observed: dict[int, float] = {}
    for j, m in enumerate(models):
        family = families.models.get(m)
        if family is None or g_count < MIN_GENERATORS:
            continue
        f = names.index(family)
        value = _stat(norm[:, j], ran[:, j], (labels == f)[None])[0]
        if np.isfinite(value):
            tested[j], observed[j] = f, float(value)
    rng = np.random.default_rng(seed)
    per_model: dict[str, float] = {}
    for j, f in tested.items():
        sources = np.flatnonzero(ran[:, j])
        size = int((labels[sources] == f).sum())
        subsets, exact = _subsets(len(sources), size, permutations, rng)
        mask = np.zeros((len(subsets), g_count), dtype=bool)
        for b, chosen in enumerate(subsets):
            mask[b, sources[chosen]] = True
        values = _stat(norm[:, j], ran[:, j], mask)
        hits, n = int((values >= observed[j] - TIE).sum()), len(subsets)
        per_model[models[j]] = hits / n if exact else (1 + hits) / (1 + n)
    if not tested:
        return FamilyTest(per_model, None, None, 0, True)
    statistic = float(np.mean(list(observed.values())))
    perms, exact = label_permutations(g_count, permutations, seed)
    # Under relabelling b, source s carries the family label of generator perms[b, s].
    relabelled = labels[perms]
    columns = np.array(
        [_stat(norm[:, j], ran[:, j], relabelled == f) for j, f in tested.items()]
    )  # (models, permutations)
    defined = np.isfinite(columns).all(axis=0)
    values = columns[:, defined].mean(axis=0)
    hits, n = int((values >= statistic - TIE).sum()), int(defined.sum())
    p = hits / max(n, 1) if exact else (1 + hits) / (1 + n)
    return FamilyTest(per_model, statistic, p, n, exact)
