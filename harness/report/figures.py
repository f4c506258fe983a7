"""The typed figures of one report group: what gates and renderers read, by attribute.

A ``Group`` holds one (task, dataset)'s score matrix, the agreement of every source
and ensemble with real data, the bias factors, and (when the bootstrap ran) their
intervals: frozen values, built once by ``harness.report.finish`` from the analysis.
``to_dict`` is their ``report.json`` form and ``from_dict`` its reader: it checks
every key it reads and names the one that is wrong (``ReportFormatError``).

The JSON form is the serialisation, not the interface; two things keep it exact:

* every class keeps the order of the keys it was read with (``keys``), so a report
  read and written again is the same bytes, whatever order a producer chose;
* what the typed fields do not model yet rides along as plain JSON in ``rest``,
  untouched, under the key it came with (a key added later).

The robustness and preference blocks (``harness.report.robustfigures``), the real-data
reference (``harness.report.referencefigures``), the which-generator figures
(``harness.report.generatorfigures``) and a group's data parts
(``harness.report.sections``) have modules of their own; their names are re-exported
here. The JSON readers are in ``harness.report.reading``.

Names of sources, models and coefficients are data (a ``Mapping`` keyed by them);
names of figures are attributes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.core.records import DataIssues

# Re-exported: the sections' types are read from here too.
from harness.report.generatorfigures import GeneratorAgreement as GeneratorAgreement
from harness.report.generatorfigures import GeneratorComparison as GeneratorComparison
from harness.report.generatorfigures import GeneratorsSection as GeneratorsSection
from harness.report.generatorfigures import GroupGenerators
from harness.report.generatorfigures import TaskGenerators as TaskGenerators
from harness.report.reading import (
    ReportFormatError,
    _each,
    _int,
    _list,
    _maybe,
    _num,
    _obj,
    _ordered,
    _req,
    _rest,
    _str,
    _strs,
)
from harness.report.referencefigures import CrossDatasetReference as CrossDatasetReference
from harness.report.referencefigures import CurvePoint as CurvePoint
from harness.report.referencefigures import ReferenceFigure as ReferenceFigure
from harness.report.referencefigures import ReferenceRange as ReferenceRange
from harness.report.referencefigures import ReferenceSection
from harness.report.referencefigures import SourceReference as SourceReference
from harness.report.robustfigures import (
    GroupRobustness,
    LeaveOneModelOut,
    PreferenceTest,
    SourceRobustness,
)
from harness.report.sections import (
    DuplicateScore,
    ItemRow,
    QualitySummary,
    read_duplicates,
    read_items,
    read_quality,
    read_quality_missing,
)

#: The agreement figures, in report order.
AGREEMENT_FIGURES = ("spearman", "kendall", "pearson", "mae", "mse")


# --------------------------------------------------------------------------- intervals


@dataclass(frozen=True)
class Interval:
    """A figure's point and interval (``harness.analysis.resampling.interval``).

    ``undefined`` counts resamples in which the figure was undefined. ``p_value`` (a
    permutation or bootstrap p), ``hierarchical`` (models redrawn too) and
    ``leave_one_model_out`` exist for some figures only: None when absent.
    """

    value: float | None
    low: float | None = None
    high: float | None = None
    se: float | None = None
    undefined: int = 0
    p_value: float | None = None
    hierarchical: Interval | None = None
    #: The coefficient with each model left out in turn (agreement figures only).
    leave_one_model_out: LeaveOneModelOut | None = None
    rest: Mapping[str, Any] = field(default_factory=dict)
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    _CORE = ("value", "low", "high", "se", "undefined")

    @property
    def has_p_value(self) -> bool:
        return "p_value" in self.keys or self.p_value is not None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {k: getattr(self, k) for k in self._CORE}
        if self.has_p_value:
            d["p_value"] = self.p_value
        if self.hierarchical is not None:
            d["hierarchical"] = self.hierarchical.to_dict()
        if self.leave_one_model_out is not None:
            d["leave_one_model_out"] = self.leave_one_model_out.to_dict()
        return _ordered({**d, **self.rest}, self.keys)

    @classmethod
    def from_dict(cls, d: Any, where: str) -> Interval:
        d = _obj(d, where)
        hier = d.get("hierarchical")
        lomo = d.get("leave_one_model_out")
        return cls(
            value=_num(_req(d, "value", where), f"{where}.value"),
            low=_num(d.get("low"), f"{where}.low"),
            high=_num(d.get("high"), f"{where}.high"),
            se=_num(d.get("se"), f"{where}.se"),
            undefined=_int(d.get("undefined", 0), f"{where}.undefined"),
            p_value=_num(d.get("p_value"), f"{where}.p_value"),
            hierarchical=None if hier is None else cls.from_dict(hier, f"{where}.hierarchical"),
            leave_one_model_out=None
            if lomo is None
            else LeaveOneModelOut.from_dict(lomo, f"{where}.leave_one_model_out"),
            rest=_rest(d, (*cls._CORE, "p_value", "hierarchical", "leave_one_model_out")),
            keys=tuple(d),
        )


def _intervals(d: Any, where: str) -> dict[str, Interval]:
    return _each(d, where, Interval.from_dict)


def _interval_grid(d: Any, where: str) -> dict[str, dict[str, Interval]]:
    return _each(d, where, _intervals)


@dataclass(frozen=True)
class OwnedInterval:
    """A bias interval and whose data it is about: ``generator`` (the bias factor) or
    ``family`` (the family bias); ``owner_key`` is which."""

    owner: str
    interval: Interval
    owner_key: str = "generator"

    def to_dict(self) -> dict[str, Any]:
        return {self.owner_key: self.owner, **self.interval.to_dict()}

    @classmethod
    def reader(cls, owner_key: str) -> Callable[[Any, str], OwnedInterval]:
        def read(d: Any, where: str) -> OwnedInterval:
            d = _obj(d, where)
            owner = _str(_req(d, owner_key, where), f"{where}.{owner_key}")
            body = {k: v for k, v in d.items() if k != owner_key}
            return cls(owner, Interval.from_dict(body, where), owner_key)

        return read


@dataclass(frozen=True)
class PairedInterval:
    """``better - worse`` on the same resamples, for neighbours in a source's ranking."""

    better: str
    worse: str
    interval: Interval

    def to_dict(self) -> dict[str, Any]:
        return {"better": self.better, "worse": self.worse, **self.interval.to_dict()}

    @classmethod
    def from_dict(cls, d: Any, where: str) -> PairedInterval:
        d = _obj(d, where)
        body = {k: v for k, v in d.items() if k not in ("better", "worse")}
        return cls(
            _str(_req(d, "better", where), f"{where}.better"),
            _str(_req(d, "worse", where), f"{where}.worse"),
            Interval.from_dict(body, where),
        )


@dataclass(frozen=True)
class AgreementIntervals:
    """One source's (or ensemble's) agreement intervals: one per figure name."""

    figures: Mapping[str, Interval]
    n_models: int
    #: Leave-one-model-out verdicts and subset sweeps (``harness.analysis.robustness``).
    robustness: SourceRobustness | None = None
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def of(self, coefficient: str) -> Interval | None:
        return self.figures.get(coefficient)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {k: v.to_dict() for k, v in self.figures.items()}
        d["n_models"] = self.n_models
        if self.robustness is not None:
            d["robustness"] = self.robustness.to_dict()
        return _ordered(d, self.keys)

    @classmethod
    def from_dict(cls, d: Any, where: str) -> AgreementIntervals:
        d = _obj(d, where)
        figs = {
            k: Interval.from_dict(v, f"{where}.{k}")
            for k, v in d.items()
            if k not in ("n_models", "robustness")
        }
        rob = d.get("robustness")
        return cls(
            figs,
            _int(_req(d, "n_models", where), f"{where}.n_models"),
            None if rob is None else SourceRobustness.from_dict(rob, f"{where}.robustness"),
            tuple(d),
        )


@dataclass(frozen=True)
class GroupIntervals:
    """What the bootstrap adds to a group (``ci``): intervals of every figure."""

    #: source (ensembles included) -> model -> score interval.
    scores: Mapping[str, Mapping[str, Interval]]
    #: source -> model -> interval of the share of invalid answers.
    invalid_rate: Mapping[str, Mapping[str, Interval]]
    agreement: Mapping[str, AgreementIntervals]
    #: model -> its bias factor's interval (towards the generator it is the same as).
    bias: Mapping[str, OwnedInterval]
    #: source -> neighbours in its ranking, best first.
    paired: Mapping[str, tuple[PairedInterval, ...]]
    family_bias: Mapping[str, OwnedInterval] | None = None
    reference: ReferenceSection | None = None
    #: Which generator: the sources' agreement and paired comparisons (``whichgen``).
    generators: GroupGenerators | None = None
    #: The pool's side of the verdicts: fewest models, models at the floor or ceiling.
    robustness: GroupRobustness | None = None
    #: The joint permutation tests of the bias factors and of the family biases.
    self_preference: PreferenceTest | None = None
    family_preference: PreferenceTest | None = None
    #: Keys this harness does not know (added later): JSON.
    rest: Mapping[str, Any] = field(default_factory=dict)
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    _TYPED = (
        "scores", "invalid_rate", "agreement", "bias", "paired", "family_bias", "reference",
        "generators",
    )
    #: The robustness and preference blocks (``harness.report.robustfigures``).
    _ROBUST = ("robustness", "self_preference", "family_preference")

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "scores": _grid_dict(self.scores),
            "invalid_rate": _grid_dict(self.invalid_rate),
            "agreement": {g: a.to_dict() for g, a in self.agreement.items()},
            "bias": {m: b.to_dict() for m, b in self.bias.items()},
            "paired": {g: [p.to_dict() for p in ps] for g, ps in self.paired.items()},
        }
        if self.family_bias is not None:
            d["family_bias"] = {m: b.to_dict() for m, b in self.family_bias.items()}
        if self.reference is not None:
            d["reference"] = self.reference.to_dict()
        for name in self._ROBUST:
            block = getattr(self, name)
            if block is not None:
                d[name] = block.to_dict()
        d.update(self.rest)
        if self.generators is not None:  # the producer's last key
            d["generators"] = self.generators.to_dict()
        return _ordered(d, self.keys)

    @classmethod
    def from_dict(cls, d: Any, where: str) -> GroupIntervals:
        d = _obj(d, where)
        fam, ref, gens = d.get("family_bias"), d.get("reference"), d.get("generators")
        paired = _each(
            d.get("paired", {}),
            f"{where}.paired",
            lambda v, w: tuple(
                PairedInterval.from_dict(p, f"{w}[{i}]") for i, p in enumerate(_list(v, w))
            ),
        )
        return cls(
            scores=_interval_grid(d.get("scores", {}), f"{where}.scores"),
            invalid_rate=_interval_grid(d.get("invalid_rate", {}), f"{where}.invalid_rate"),
            agreement=_each(d.get("agreement", {}), f"{where}.agreement",
                            AgreementIntervals.from_dict),
            bias=_each(d.get("bias", {}), f"{where}.bias", OwnedInterval.reader("generator")),
            paired=paired,
            family_bias=None
            if fam is None
            else _each(fam, f"{where}.family_bias", OwnedInterval.reader("family")),
            reference=None
            if ref is None
            else ReferenceSection.from_dict(ref, f"{where}.reference"),
            generators=None
            if gens is None
            else GroupGenerators.from_dict(gens, f"{where}.generators"),
            robustness=_maybe(d, "robustness", where, GroupRobustness.from_dict),
            self_preference=_maybe(d, "self_preference", where, PreferenceTest.from_dict),
            family_preference=_maybe(d, "family_preference", where, PreferenceTest.from_dict),
            rest=_rest(d, (*cls._TYPED, *cls._ROBUST)),
            keys=tuple(d),
        )


def _grid_dict(grid: Mapping[str, Mapping[str, Interval]]) -> dict[str, Any]:
    return {g: {m: c.to_dict() for m, c in row.items()} for g, row in grid.items()}


# --------------------------------------------------------------------------- point figures


@dataclass(frozen=True)
class AgreementFigures:
    """How one source (or ensemble) agrees with real data (``harness.analysis.agreement``):
    the figures (None when undefined, with the reason in ``undefined``)."""

    spearman: float | None
    kendall: float | None
    pearson: float | None
    mae: float | None
    mse: float | None
    n_models: int
    #: figure -> why it is undefined.
    undefined: Mapping[str, str] = field(default_factory=dict)
    #: model -> why it was left out (an undefined score on one side).
    excluded: Mapping[str, str] = field(default_factory=dict)

    def figure(self, name: str) -> float | None:
        """The figure called ``name`` (a gate's ``coefficient``); None if unknown."""
        return getattr(self, name) if name in AGREEMENT_FIGURES else None

    def reason(self, name: str) -> str:
        return self.undefined.get(name, "")

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {name: getattr(self, name) for name in AGREEMENT_FIGURES}
        d["n_models"] = self.n_models
        d["undefined"] = dict(self.undefined)
        d["excluded"] = dict(self.excluded)
        return d

    @classmethod
    def from_dict(cls, d: Any, where: str) -> AgreementFigures:
        d = _obj(d, where)
        known = (*AGREEMENT_FIGURES, "n_models", "undefined", "excluded")
        for key in d:
            if key not in known:
                raise ReportFormatError(f"{where}: unknown key {key!r}")
        spearman, kendall, pearson, mae, mse = (
            _num(_req(d, k, where), f"{where}.{k}") for k in AGREEMENT_FIGURES
        )
        return cls(
            spearman,
            kendall,
            pearson,
            mae,
            mse,
            n_models=_int(_req(d, "n_models", where), f"{where}.n_models"),
            undefined=_strs(d.get("undefined", {}), f"{where}.undefined"),
            excluded=_strs(d.get("excluded", {}), f"{where}.excluded"),
        )


@dataclass(frozen=True)
class BiasFigure:
    """A model's bias towards its own data (``harness.analysis.agreement.bias_factors``),
    or towards its family's (``family`` set, ``harness.analysis.familybias``)."""

    #: The generator the model is the same as, or its family.
    owner: str
    value: float | None
    reason: str = ""
    #: A family bias: the family's generators in this group.
    generators: tuple[str, ...] | None = None

    @property
    def is_family(self) -> bool:
        return self.generators is not None

    def to_dict(self) -> dict[str, Any]:
        if self.generators is None:
            return {"generator": self.owner, "value": self.value, "reason": self.reason}
        return {
            "family": self.owner,
            "generators": list(self.generators),
            "value": self.value,
            "reason": self.reason,
        }

    @classmethod
    def reader(cls, family: bool) -> Callable[[Any, str], BiasFigure]:
        def read(d: Any, where: str) -> BiasFigure:
            d = _obj(d, where)
            owner_key = "family" if family else "generator"
            allowed = {owner_key, "value", "reason", *(("generators",) if family else ())}
            for key in d:
                if key not in allowed:
                    raise ReportFormatError(f"{where}: unknown key {key!r}")
            gens = None
            if family:
                gens = tuple(
                    _str(g, f"{where}.generators")
                    for g in _list(_req(d, "generators", where), f"{where}.generators")
                )
            return cls(
                _str(_req(d, owner_key, where), f"{where}.{owner_key}"),
                _num(_req(d, "value", where), f"{where}.value"),
                _str(d.get("reason", ""), f"{where}.reason"),
                gens,
            )

        return read


@dataclass(frozen=True)
class MissingPair:
    """A (generator, model) cell of the group's suite with no score row."""

    generator: str
    model: str

    def to_dict(self) -> dict[str, str]:
        return {"generator": self.generator, "model": self.model}

    @classmethod
    def from_dict(cls, d: Any, where: str) -> MissingPair:
        d = _obj(d, where)
        return cls(
            _str(_req(d, "generator", where), f"{where}.generator"),
            _str(_req(d, "model", where), f"{where}.model"),
        )


#: source -> model -> score (None: the case ran and its score is undefined).
ScoreMatrix = Mapping[str, Mapping[str, "float | None"]]


def _scores(d: Any, where: str) -> dict[str, dict[str, float | None]]:
    return _each(d, where, lambda row, w: _each(row, w, _num))


@dataclass(frozen=True)
class Group:
    """One (task, dataset, metric): the analysis' figures, then the bootstrap's, if it ran."""

    task: str
    dataset: str
    metric: str
    #: The grid as run, ensembles (``mean``, ``mean-loo``, ``mean-lfo``) included.
    scores: ScoreMatrix
    #: source or ensemble -> its agreement with real data.
    agreement: Mapping[str, AgreementFigures]
    #: model -> its bias factor (models declared ``same_as`` a generator).
    bias: Mapping[str, BiasFigure]
    missing: tuple[MissingPair, ...] = ()
    #: With suite families: model -> its family bias; None without families.
    family_bias: Mapping[str, BiasFigure] | None = None
    #: generator -> what its loader repaired, dropped and counted.
    data: Mapping[str, DataIssues] = field(default_factory=dict)
    ci: GroupIntervals | None = None
    #: Score rows given twice with different scores (the later one kept).
    duplicates: tuple[DuplicateScore, ...] = ()
    #: source -> its data quality summary; None when the report has no suite data to read.
    quality: Mapping[str, QualitySummary] | None = None
    #: source -> why it has no quality summary; None when every source has one.
    quality_missing: Mapping[str, str] | None = None
    #: Per synthetic source, its most misleading examples (``harness.analysis.items``),
    #: the most misleading first; None when the bootstrap did not run or found none.
    items: Mapping[str, tuple[ItemRow, ...]] | None = None
    #: Keys this class does not know yet: plain JSON.
    rest: Mapping[str, Any] = field(default_factory=dict)
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    _TYPED = (
        "task", "dataset", "metric", "scores", "agreement", "bias", "missing",
        "family_bias", "data", "ci", "duplicates", "quality", "quality_missing", "items",
    )

    @property
    def key(self) -> tuple[str, str]:
        return (self.task, self.dataset)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "task": self.task,
            "dataset": self.dataset,
            "metric": self.metric,
            "scores": {g: dict(row) for g, row in self.scores.items()},
            "agreement": {g: a.to_dict() for g, a in self.agreement.items()},
            "bias": {m: b.to_dict() for m, b in self.bias.items()},
        }
        if self.family_bias is not None:
            d["family_bias"] = {m: b.to_dict() for m, b in self.family_bias.items()}
        d["missing"] = [c.to_dict() for c in self.missing]
        if "duplicates" in self.keys or self.duplicates:
            d["duplicates"] = [x.to_dict() for x in self.duplicates]
        if "data" in self.keys or self.data:
            d["data"] = {g: i.to_dict() for g, i in self.data.items()}
        if self.quality is not None:
            d["quality"] = {g: q.to_dict() for g, q in self.quality.items()}
        if self.quality_missing is not None:
            d["quality_missing"] = dict(self.quality_missing)
        if self.ci is not None:
            d["ci"] = self.ci.to_dict()
        if self.items is not None:
            d["items"] = {g: [r.to_dict() for r in rows] for g, rows in self.items.items()}
        return _ordered({**d, **self.rest}, self.keys)

    @classmethod
    def from_dict(cls, d: Any, where: str = "group") -> Group:
        d = _obj(d, where)
        fam, ci = d.get("family_bias"), d.get("ci")
        missing = _list(d.get("missing", []), f"{where}.missing")
        quality, why, items = d.get("quality"), d.get("quality_missing"), d.get("items")
        return cls(
            task=_str(_req(d, "task", where), f"{where}.task"),
            dataset=_str(_req(d, "dataset", where), f"{where}.dataset"),
            metric=_str(_req(d, "metric", where), f"{where}.metric"),
            scores=_scores(_req(d, "scores", where), f"{where}.scores"),
            agreement=_each(_req(d, "agreement", where), f"{where}.agreement",
                            AgreementFigures.from_dict),
            bias=_each(_req(d, "bias", where), f"{where}.bias", BiasFigure.reader(False)),
            missing=tuple(
                MissingPair.from_dict(c, f"{where}.missing[{i}]") for i, c in enumerate(missing)
            ),
            family_bias=None
            if fam is None
            else _each(fam, f"{where}.family_bias", BiasFigure.reader(True)),
            data=_each(d.get("data", {}), f"{where}.data", _data_issues),
            ci=None if ci is None else GroupIntervals.from_dict(ci, f"{where}.ci"),
            duplicates=read_duplicates(d.get("duplicates", []), f"{where}.duplicates"),
            quality=None if quality is None else read_quality(quality, f"{where}.quality"),
            quality_missing=None
            if why is None
            else read_quality_missing(why, f"{where}.quality_missing"),
            items=None if items is None else read_items(items, f"{where}.items"),
            rest=_rest(d, cls._TYPED),
            keys=tuple(d),
        )


def as_group(group: Group | Mapping[str, Any]) -> Group:
    """``group`` typed: a ``Group`` as is, its JSON form read by ``Group.from_dict``."""
    return group if isinstance(group, Group) else Group.from_dict(group)


def _data_issues(d: Any, where: str) -> DataIssues:
    d = _obj(d, where)
    for name in ("rows", "kept", "duplicates", "repaired_entities", "dropped_entities",
                 "dropped_records"):
        _int(d.get(name, 0), f"{where}.{name}")
    for i, note in enumerate(_list(d.get("notes", []), f"{where}.notes")):
        _str(note, f"{where}.notes[{i}]")
    return DataIssues.from_dict(dict(d))


def finite(x: float | None) -> float | None:
    """``x``, or None when it is missing or NaN (a figure read from anywhere)."""
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)
