"""The typed which-generator figures: per group ``ci.generators``, per report ``generators``.

Written by ``harness.analysis.whichgen`` (``GroupGenerators``, ``TaskGenerators`` and
``WhichGenerators.to_dict``): every synthetic generator's (and the ensemble's)
agreement with real data, their paired comparisons with Holm-adjusted p-values, and
per task the rollup over its datasets and its one recommendation sentence.
``to_dict`` is the ``report.json`` form, ``from_dict`` its checked reader
(``ReportFormatError`` names the key); keys not modelled yet ride along in ``rest``.

Keys a producer writes only sometimes (``reason``, ``models_left_out``,
``left_out``) are written back exactly when they were read; a value built in code
writes them as the producer does (when not empty).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.analysis.whichgen import Agreement, Comparison
from harness.report.reading import (
    ReportFormatError,
    _each,
    _int,
    _list,
    _names,
    _num,
    _obj,
    _ordered,
    _present,
    _req,
    _rest,
    _str,
    _strs,
    _written_as,
)

#: ``harness.analysis.whichgen.ALPHA``, copied: importing the analysis would bring numpy
#: into every reader of a report (tests/test_report_refgen.py checks they are equal).


def _real(x: Any, where: str) -> float:
    """A JSON number that must be there (not null)."""
    got = _num(x, where)
    if got is None:
        raise ReportFormatError(f"{where}: expected a number, got null")
    return got


@dataclass(frozen=True)
class GeneratorAgreement(Agreement):
    """A source's agreement with real data (models redrawn too): the analysis'
    ``whichgen.Agreement`` as report.json has it, read and checked."""

    rest: Mapping[str, Any] = field(default_factory=dict)
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    _KNOWN = ("value", "low", "high", "reason")

    def to_dict(self) -> dict[str, Any]:
        return _written_as(self, self._KNOWN, super().to_dict())

    @classmethod
    def from_dict(cls, d: Any, where: str) -> GeneratorAgreement:
        d = _obj(d, where)
        value, low, high = (_num(_req(d, k, where), f"{where}.{k}") for k in cls._KNOWN[:3])
        return cls(
            value,
            low,
            high,
            _str(d.get("reason", ""), f"{where}.reason"),
            _rest(d, cls._KNOWN),
            tuple(d),
        )


@dataclass(frozen=True)
class GeneratorComparison(Comparison):
    """agreement(a) - agreement(b) on the same resamples, ``p_holm`` adjusted over the
    comparison's family: the analysis' ``whichgen.Comparison`` (``defined``,
    ``significant``, ``involves``) as report.json has it, read and checked."""

    rest: Mapping[str, Any] = field(default_factory=dict)
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    _FIGURES = ("difference", "low", "high", "p_value", "p_holm")

    def to_dict(self) -> dict[str, Any]:
        return _written_as(self, ("a", "b", *self._FIGURES, "reason"), super().to_dict())

    @classmethod
    def from_dict(cls, d: Any, where: str) -> GeneratorComparison:
        d = _obj(d, where)
        difference, low, high, p_value, p_holm = (
            _num(_req(d, k, where), f"{where}.{k}") for k in cls._FIGURES
        )
        return cls(
            _str(_req(d, "a", where), f"{where}.a"),
            _str(_req(d, "b", where), f"{where}.b"),
            difference,
            low,
            high,
            p_value,
            p_holm,
            _str(d.get("reason", ""), f"{where}.reason"),
            _rest(d, ("a", "b", *cls._FIGURES, "reason")),
            tuple(d),
        )


def _agreements(d: Any, where: str) -> dict[str, GeneratorAgreement]:
    return _each(d, where, GeneratorAgreement.from_dict)


def _comparisons(d: Any, where: str) -> tuple[GeneratorComparison, ...]:
    return tuple(
        GeneratorComparison.from_dict(c, f"{where}[{i}]") for i, c in enumerate(_list(d, where))
    )


@dataclass(frozen=True)
class GroupGenerators:
    """One group's which-generator figures (``ci.generators``); ``reason`` says why
    nothing (or only one generator) could be compared."""

    coefficient: str
    n_models: int
    #: source (the ensemble ``mean`` included) -> its agreement.
    agreement: Mapping[str, GeneratorAgreement]
    #: Every pair of generators, then each generator against ``mean``.
    comparisons: tuple[GeneratorComparison, ...]
    #: Models not scored on real and on every generator (left out of every figure).
    models_left_out: tuple[str, ...] = ()
    reason: str = ""
    rest: Mapping[str, Any] = field(default_factory=dict)
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    _KNOWN = ("coefficient", "n_models", "agreement", "comparisons", "models_left_out", "reason")

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "coefficient": self.coefficient,
            "n_models": self.n_models,
            "agreement": {g: a.to_dict() for g, a in self.agreement.items()},
            "comparisons": [c.to_dict() for c in self.comparisons],
        }
        if _present(self.keys, "models_left_out", bool(self.models_left_out)):
            d["models_left_out"] = list(self.models_left_out)
        if _present(self.keys, "reason", bool(self.reason)):
            d["reason"] = self.reason
        return _ordered({**d, **self.rest}, self.keys)

    @classmethod
    def from_dict(cls, d: Any, where: str) -> GroupGenerators:
        d = _obj(d, where)
        return cls(
            coefficient=_str(_req(d, "coefficient", where), f"{where}.coefficient"),
            n_models=_int(_req(d, "n_models", where), f"{where}.n_models"),
            agreement=_agreements(_req(d, "agreement", where), f"{where}.agreement"),
            comparisons=_comparisons(_req(d, "comparisons", where), f"{where}.comparisons"),
            models_left_out=_names(d.get("models_left_out", []), f"{where}.models_left_out"),
            reason=_str(d.get("reason", ""), f"{where}.reason"),
            rest=_rest(d, cls._KNOWN),
            keys=tuple(d),
        )


@dataclass(frozen=True)
class TaskGenerators:
    """A task's rollup over its datasets and its recommendation (``generators.tasks``)."""

    datasets: tuple[str, ...]
    agreement: Mapping[str, GeneratorAgreement]
    comparisons: tuple[GeneratorComparison, ...]
    #: The generator with the highest agreement ('' when none can be judged).
    best: str
    #: Generators not significantly worse than ``best`` (after Holm), best first.
    not_worse: tuple[str, ...]
    worse: tuple[str, ...]
    #: generator of ``not_worse`` -> "better", "worse" or "not distinguishable" than
    #: the ensemble ``mean``.
    vs_ensemble: Mapping[str, str]
    #: The comparisons Holm adjusts over (the defined ones of the rollup).
    family_size: int
    #: The sentence every renderer prints as is.
    recommendation: str
    #: source -> why it is out of the rollup.
    left_out: Mapping[str, str] = field(default_factory=dict)
    reason: str = ""
    rest: Mapping[str, Any] = field(default_factory=dict)
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    _KNOWN = (
        "datasets", "agreement", "comparisons", "best", "not_worse", "worse", "vs_ensemble",
        "family_size", "recommendation", "left_out", "reason",
    )

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "datasets": list(self.datasets),
            "agreement": {g: a.to_dict() for g, a in self.agreement.items()},
            "comparisons": [c.to_dict() for c in self.comparisons],
            "best": self.best,
            "not_worse": list(self.not_worse),
            "worse": list(self.worse),
            "vs_ensemble": dict(self.vs_ensemble),
            "family_size": self.family_size,
            "recommendation": self.recommendation,
        }
        if _present(self.keys, "left_out", bool(self.left_out)):
            d["left_out"] = dict(self.left_out)
        if _present(self.keys, "reason", bool(self.reason)):
            d["reason"] = self.reason
        return _ordered({**d, **self.rest}, self.keys)

    @classmethod
    def from_dict(cls, d: Any, where: str) -> TaskGenerators:
        d = _obj(d, where)

        def req(key: str) -> Any:
            return _req(d, key, where)

        return cls(
            datasets=_names(req("datasets"), f"{where}.datasets"),
            agreement=_agreements(req("agreement"), f"{where}.agreement"),
            comparisons=_comparisons(req("comparisons"), f"{where}.comparisons"),
            best=_str(req("best"), f"{where}.best"),
            not_worse=_names(req("not_worse"), f"{where}.not_worse"),
            worse=_names(req("worse"), f"{where}.worse"),
            vs_ensemble=_strs(req("vs_ensemble"), f"{where}.vs_ensemble"),
            family_size=_int(req("family_size"), f"{where}.family_size"),
            recommendation=_str(req("recommendation"), f"{where}.recommendation"),
            left_out=_strs(d.get("left_out", {}), f"{where}.left_out"),
            reason=_str(d.get("reason", ""), f"{where}.reason"),
            rest=_rest(d, cls._KNOWN),
            keys=tuple(d),
        )


@dataclass(frozen=True)
class GeneratorsSection:
    """The report's ``generators`` section: which generator to use, per task."""

    coefficient: str
    #: The significance level of the comparisons (after the correction).
    alpha: float
    #: The level of the intervals.
    level: float
    #: The multiple-comparison correction (``holm``).
    correction: str
    #: What a family of comparisons is (a sentence).
    family: str
    tasks: Mapping[str, TaskGenerators]
    rest: Mapping[str, Any] = field(default_factory=dict)
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    _KNOWN = ("coefficient", "alpha", "level", "correction", "family", "tasks")

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "coefficient": self.coefficient,
            "alpha": self.alpha,
            "level": self.level,
            "correction": self.correction,
            "family": self.family,
            "tasks": {t: v.to_dict() for t, v in self.tasks.items()},
        }
        return _ordered({**d, **self.rest}, self.keys)

    @classmethod
    def from_dict(cls, d: Any, where: str) -> GeneratorsSection:
        d = _obj(d, where)
        return cls(
            coefficient=_str(_req(d, "coefficient", where), f"{where}.coefficient"),
            alpha=_real(_req(d, "alpha", where), f"{where}.alpha"),
            level=_real(_req(d, "level", where), f"{where}.level"),
            correction=_str(_req(d, "correction", where), f"{where}.correction"),
            family=_str(_req(d, "family", where), f"{where}.family"),
            tasks=_each(_req(d, "tasks", where), f"{where}.tasks", TaskGenerators.from_dict),
            rest=_rest(d, cls._KNOWN),
            keys=tuple(d),
        )
