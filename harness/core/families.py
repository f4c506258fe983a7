"""Families of LLMs: which generators (and which models) are one family, e.g. ``llama-3``.

Declared in the suite (``[families]``, parsed by ``harness.run.suite``): a family lists its
generators; a model belongs to the family of its ``same_as`` generator, or to the one
its ``family`` key names. The figures that use it are in ``harness.analysis.familybias``.

Pure data: no numpy, no analysis, so the config and the run record can hold it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Families:
    """``generators``: family -> its generators; ``models``: model -> its family."""

    generators: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    models: Mapping[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        """Declared at all: a suite without families adds no figure and no key."""
        return bool(self.generators)

    def of_generator(self) -> dict[str, str]:
        """generator -> its family (a generator is in at most one, config checks)."""
        return {g: f for f, gens in self.generators.items() for g in gens}

    def own(self, model: str, among: Iterable[str]) -> tuple[str, ...]:
        """The generators of ``model``'s family among ``among`` (empty: no family here)."""
        family = self.models.get(model)
        if family is None:
            return ()
        mine = set(self.generators.get(family, ()))
        return tuple(g for g in among if g in mine)

    def merged(self, other: Families) -> Families:
        """``other`` on top of this one (several run records merge into one report)."""
        return Families({**self.generators, **other.generators}, {**self.models, **other.models})

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (run record and report): sorted, so byte-stable."""
        return {
            "generators": {f: list(g) for f, g in sorted(self.generators.items())},
            "models": dict(sorted(self.models.items())),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> Families:
        if not d:
            return cls()
        gens = {str(f): tuple(str(g) for g in v) for f, v in dict(d.get("generators", {})).items()}
        return cls(gens, {str(m): str(f) for m, f in dict(d.get("models", {})).items()})
