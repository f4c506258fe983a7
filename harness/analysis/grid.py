"""The score grid of one (task, dataset, metric) and the helpers every figure shares.

A ``Matrix`` maps generator -> model -> score (NaN: the case ran, its score is
undefined). These helpers sit below both ``agreement`` and ``familybias``, which build
on them; keeping them here is what lets the two import in one direction.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

from harness.analysis import engine as figures
from harness.core.names import RESERVED
from harness.core.records import REAL

#: generator -> model -> score (NaN: the case ran, its score is undefined).
Matrix: TypeAlias = dict[str, dict[str, float]]
#: What the functions read: any mapping of that shape.
Grid: TypeAlias = Mapping[str, Mapping[str, float]]
#: (task, dataset, generator, model): one cell of a suite.
Cell: TypeAlias = tuple[str, str, str, str]
GroupKey: TypeAlias = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class Value:
    """A figure, or ``None`` with the reason it is undefined."""

    value: float | None
    reason: str = ""

    @property
    def defined(self) -> bool:
        return self.value is not None


def _value(x: float, reason: str) -> Value:
    """A computed float as a Value; NaN/inf (a degenerate input scipy noticed) is undefined."""
    x = float(x)
    return Value(x) if math.isfinite(x) else Value(None, reason)


def synthetic_generators(matrix: Iterable[str]) -> list[str]:
    """The matrix's synthetic generators, sorted: neither ``real`` nor an ensemble."""
    return sorted(g for g in matrix if g != REAL and g not in RESERVED)


def grid_block(matrix: Grid, gens: Sequence[str], models: Sequence[str]) -> npt.NDArray[np.float64]:
    """The grid as the engine's one-row ``(1, G, M)`` array; NaN where no defined score."""
    return np.array(
        [[[_float(matrix.get(g, {}).get(m)) for m in models] for g in gens]], dtype=np.float64
    ).reshape(1, len(gens), len(models))


def _float(x: float | None) -> float:
    return math.nan if x is None else float(x)


def _models_of(matrix: Grid, gens: Iterable[str]) -> list[str]:
    return sorted({m for g in gens for m in matrix.get(g, {})})


def normalized(matrix: Grid, generators: Iterable[str]) -> Matrix:
    """``n(m, g) = s(m, g) - mean_k s(k, g)`` over the models k with a defined score on g."""
    gens = [g for g in generators if g in matrix]
    models = _models_of(matrix, gens)
    norm = figures.normalized(grid_block(matrix, gens, models))[0]
    return {
        g: {m: float(norm[i, models.index(m)]) for m in matrix[g]} for i, g in enumerate(gens)
    }
