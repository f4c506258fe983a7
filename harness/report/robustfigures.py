"""The typed robustness and preference figures of a report group (``ci``).

Does a verdict depend on the model pool, and does a model prefer its own (or its
family's) data? The analysis writes these as JSON blocks; here they are frozen values
with the same ``to_dict`` / ``from_dict`` contract as ``harness.report.figures``:

* ``LeaveOneModelOut``: a coefficient's range with each model left out in turn
  (``Interval.leave_one_model_out``; ``harness.analysis.twolevel.LeaveOneOut``);
* ``SourceRobustness``: per source, the permutation p without the model the verdict
  leans on most (``LeaveOneOutTest``) and the sweep over model subsets
  (``SubsetAgreement``); ``AgreementIntervals.robustness``
  (``harness.analysis.robustness``);
* ``GroupRobustness``: the fewest models a verdict needs and the models at the metric's
  floor or ceiling (``GroupIntervals.robustness``);
* ``PreferenceTest``: the joint permutation test of the bias factors
  (``GroupIntervals.self_preference``, ``harness.analysis.selfpref.BiasTest``) and of
  the family biases (``GroupIntervals.family_preference``,
  ``harness.analysis.familybias.FamilyTest``).

Every class keeps the order of the keys it was read with and carries keys it does not
know in ``rest`` (keys are added over time, never renamed), so a report read and
written again is the same bytes. A figure undefined by the analysis has its reason
(``reason``), never NaN.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.analysis.twolevel import LeaveOneOut
from harness.report.reading import (
    ReportFormatError,
    _bool,
    _int,
    _list,
    _num,
    _obj,
    _ordered,
    _req,
    _rest,
    _str,
    _written_as,
)

#: Where a model sits on every source: the metric's lowest or highest score.
FLOOR_CEILING = ("floor", "ceiling")


@dataclass(frozen=True)
class LeaveOneModelOut(LeaveOneOut):
    """The range of one coefficient over the models left out, one at a time
    (``lowest_without``: "" when every leave-out is undefined): the analysis'
    ``twolevel.LeaveOneOut`` as report.json has it, read and checked."""

    rest: Mapping[str, Any] = field(default_factory=dict)
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    _KNOWN = ("low", "high", "lowest_without")

    def to_dict(self) -> dict[str, Any]:
        return _written_as(self, self._KNOWN, super().to_dict())

    @classmethod
    def from_dict(cls, d: Any, where: str) -> LeaveOneModelOut:
        d = _obj(d, where)
        return cls(
            _num(_req(d, "low", where), f"{where}.low"),
            _num(_req(d, "high", where), f"{where}.high"),
            _str(_req(d, "lowest_without", where), f"{where}.lowest_without"),
            _rest(d, cls._KNOWN),
            tuple(d),
        )


@dataclass(frozen=True)
class LeaveOneOutTest:
    """Spearman and its permutation p without the model whose absence lowers it most
    (``harness.analysis.robustness.leave_one_out_p``); ``reason`` when undefined (too
    few models, constant scores), and then ``without`` is "" (None when defined)."""

    without: str = ""
    spearman: float | None = None
    p_value: float | None = None
    reason: str | None = None
    rest: Mapping[str, Any] = field(default_factory=dict)
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    _KNOWN = ("without", "spearman", "p_value", "reason")

    @property
    def defined(self) -> bool:
        return self.reason is None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = (
            {"reason": self.reason}
            if self.reason is not None
            else {"without": self.without, "spearman": self.spearman, "p_value": self.p_value}
        )
        return _ordered({**d, **self.rest}, self.keys)

    @classmethod
    def from_dict(cls, d: Any, where: str) -> LeaveOneOutTest:
        d = _obj(d, where)
        if "reason" in d:
            return cls(
                reason=_str(d["reason"], f"{where}.reason"),
                rest=_rest(d, ("reason",)),
                keys=tuple(d),
            )
        # Hand-written reports (tests, published tables) may leave the coefficient out:
        # the verdict reads the model and the p.
        return cls(
            _str(_req(d, "without", where), f"{where}.without"),
            _num(d.get("spearman"), f"{where}.spearman"),
            _num(_req(d, "p_value", where), f"{where}.p_value"),
            rest=_rest(d, cls._KNOWN),
            keys=tuple(d),
        )


@dataclass(frozen=True)
class SubsetSpread:
    """Spearman over many model subsets of one size: its median and spread.

    Random subsets give ``draws`` (``low``/``high`` the 5% and 95% quantiles); the
    adjacent windows of the real ranking give ``count`` (``low``/``high`` the min and
    max). ``undefined`` counts subsets with constant scores; all None when every one is.
    """

    median: float | None
    low: float | None
    high: float | None
    undefined: int
    draws: int | None = None
    count: int | None = None
    rest: Mapping[str, Any] = field(default_factory=dict)
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    _KNOWN = ("median", "low", "high", "undefined", "draws", "count")

    @property
    def size(self) -> int:
        """How many subsets the spread is over."""
        return self.draws if self.draws is not None else (self.count or 0)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "median": self.median,
            "low": self.low,
            "high": self.high,
            "undefined": self.undefined,
        }
        if self.draws is not None:
            d["draws"] = self.draws
        if self.count is not None:
            d["count"] = self.count
        return _ordered({**d, **self.rest}, self.keys)

    @classmethod
    def reader(cls, size_key: str) -> Callable[[Any, str], SubsetSpread]:
        """The reader of a spread counted by ``size_key`` (``draws`` or ``count``)."""

        def read(d: Any, where: str) -> SubsetSpread:
            d = _obj(d, where)
            size = _int(_req(d, size_key, where), f"{where}.{size_key}")
            return cls(
                _num(_req(d, "median", where), f"{where}.median"),
                _num(_req(d, "low", where), f"{where}.low"),
                _num(_req(d, "high", where), f"{where}.high"),
                _int(_req(d, "undefined", where), f"{where}.undefined"),
                draws=size if size_key == "draws" else None,
                count=size if size_key == "count" else None,
                rest=_rest(d, ("median", "low", "high", "undefined", size_key)),
                keys=tuple(d),
            )

        return read


_RANDOM = SubsetSpread.reader("draws")
_WINDOWS = SubsetSpread.reader("count")


@dataclass(frozen=True)
class SubsetAgreement:
    """Agreement over model subsets of size ``k``: random ones and adjacent windows of
    the real ranking; ``reason`` (and neither spread; None otherwise) when ``k`` is
    below 3 or above the pool (``harness.analysis.robustness.subset_sweep``)."""

    k: int
    random: SubsetSpread | None = None
    windows: SubsetSpread | None = None
    reason: str | None = None
    rest: Mapping[str, Any] = field(default_factory=dict)
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    _KNOWN = ("k", "random", "windows", "reason")

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"k": self.k}
        if self.reason is not None:
            d["reason"] = self.reason
        if self.random is not None:
            d["random"] = self.random.to_dict()
        if self.windows is not None:
            d["windows"] = self.windows.to_dict()
        return _ordered({**d, **self.rest}, self.keys)

    @classmethod
    def from_dict(cls, d: Any, where: str) -> SubsetAgreement:
        d = _obj(d, where)
        k = _int(_req(d, "k", where), f"{where}.k")
        if "reason" in d:
            return cls(
                k,
                reason=_str(d["reason"], f"{where}.reason"),
                rest=_rest(d, ("k", "reason")),
                keys=tuple(d),
            )
        return cls(
            k,
            _RANDOM(_req(d, "random", where), f"{where}.random"),
            _WINDOWS(_req(d, "windows", where), f"{where}.windows"),
            rest=_rest(d, cls._KNOWN),
            keys=tuple(d),
        )


@dataclass(frozen=True)
class SourceRobustness:
    """Does one source's agreement verdict hold without any one model, and over subsets?
    (``ci.agreement[source].robustness``)."""

    #: None when a hand-written report has no test (null).
    leave_one_out: LeaveOneOutTest | None
    #: One per subset size, smallest first; empty with fewer than 3 models.
    subsets: tuple[SubsetAgreement, ...] = ()
    rest: Mapping[str, Any] = field(default_factory=dict)
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    _KNOWN = ("leave_one_out", "subsets")

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {}
        if "leave_one_out" in self.keys or self.leave_one_out is not None:
            d["leave_one_out"] = (
                None if self.leave_one_out is None else self.leave_one_out.to_dict()
            )
        if "subsets" in self.keys or not self.keys:
            d["subsets"] = [s.to_dict() for s in self.subsets]
        return _ordered({**d, **self.rest}, self.keys)

    @classmethod
    def from_dict(cls, d: Any, where: str) -> SourceRobustness:
        d = _obj(d, where)
        loo = _req(d, "leave_one_out", where)
        subsets = _list(d.get("subsets", []), f"{where}.subsets")
        return cls(
            None if loo is None else LeaveOneOutTest.from_dict(loo, f"{where}.leave_one_out"),
            tuple(
                SubsetAgreement.from_dict(s, f"{where}.subsets[{i}]")
                for i, s in enumerate(subsets)
            ),
            _rest(d, cls._KNOWN),
            tuple(d),
        )


@dataclass(frozen=True)
class FloorCeiling:
    """A model at the metric's floor (or ceiling) on every source it has a score on."""

    model: str
    #: ``floor`` or ``ceiling``.
    at: str
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def to_dict(self) -> dict[str, str]:
        return _ordered({"model": self.model, "at": self.at}, self.keys)

    @classmethod
    def from_dict(cls, d: Any, where: str) -> FloorCeiling:
        d = _obj(d, where)
        for key in d:
            if key not in ("model", "at"):
                raise ReportFormatError(f"{where}: unknown key {key!r}")
        at = _str(_req(d, "at", where), f"{where}.at")
        if at not in FLOOR_CEILING:
            raise ReportFormatError(f"{where}.at: expected 'floor' or 'ceiling', got {at!r}")
        return cls(_str(_req(d, "model", where), f"{where}.model"), at, tuple(d))


@dataclass(frozen=True)
class GroupRobustness:
    """The pool's side of every verdict of a group (``ci.robustness``)."""

    #: The fewest models for a verdict (``harness.analysis.robustness.MIN_VERDICT_MODELS``).
    min_models: int
    floor_ceiling: tuple[FloorCeiling, ...] = ()
    rest: Mapping[str, Any] = field(default_factory=dict)
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    _KNOWN = ("min_models", "floor_ceiling")

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "min_models": self.min_models,
            "floor_ceiling": [f.to_dict() for f in self.floor_ceiling],
        }
        return _ordered({**d, **self.rest}, self.keys)

    @classmethod
    def from_dict(cls, d: Any, where: str) -> GroupRobustness:
        d = _obj(d, where)
        flags = _list(_req(d, "floor_ceiling", where), f"{where}.floor_ceiling")
        return cls(
            _int(_req(d, "min_models", where), f"{where}.min_models"),
            tuple(
                FloorCeiling.from_dict(f, f"{where}.floor_ceiling[{i}]")
                for i, f in enumerate(flags)
            ),
            _rest(d, cls._KNOWN),
            tuple(d),
        )


@dataclass(frozen=True)
class PreferenceTest:
    """A joint permutation test of a group's biases: the mean bias of the ``models``
    tested (``statistic``), its p over ``permutations`` relabellings (all of them when
    ``exact``); ``statistic`` and ``p_value`` None when no model could be tested."""

    statistic: float | None
    p_value: float | None
    permutations: int
    exact: bool
    #: How many models the test covers.
    models: int
    rest: Mapping[str, Any] = field(default_factory=dict)
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    _KNOWN = ("statistic", "p_value", "permutations", "exact", "models")

    @property
    def testable(self) -> bool:
        return self.p_value is not None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "statistic": self.statistic,
            "p_value": self.p_value,
            "permutations": self.permutations,
            "exact": self.exact,
            "models": self.models,
        }
        return _ordered({**d, **self.rest}, self.keys)

    @classmethod
    def from_dict(cls, d: Any, where: str) -> PreferenceTest:
        d = _obj(d, where)
        return cls(
            _num(_req(d, "statistic", where), f"{where}.statistic"),
            _num(_req(d, "p_value", where), f"{where}.p_value"),
            _int(_req(d, "permutations", where), f"{where}.permutations"),
            _bool(_req(d, "exact", where), f"{where}.exact"),
            _int(_req(d, "models", where), f"{where}.models"),
            _rest(d, cls._KNOWN),
            tuple(d),
        )
