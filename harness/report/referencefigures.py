"""The typed real-data reference of a report group (``ci.reference``).

Written by ``harness.analysis.reference`` (``SourceReference.to_dict``,
``CrossDataset.to_dict``) through ``harness.analysis.intervals``: per synthetic
source, its agreement judged against real subsamples of its size, and real-vs-real
agreement across the task's datasets. ``to_dict`` is the ``report.json`` form,
``from_dict`` its checked reader (``ReportFormatError`` names the key).

Keys a producer writes only sometimes (a source that could not be judged has a
``reason`` and none of the figures; a cross-dataset entry has a ``reason`` or a
value) are written back exactly when they were read; a value built in code writes
the keys its producer would (``_present``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.analysis.reference import CrossDataset
from harness.report.reading import (
    ReportFormatError,
    _each,
    _int,
    _list,
    _num,
    _obj,
    _ordered,
    _present,
    _req,
    _rest,
    _str,
    _written_as,
)


def _opt_int(d: Mapping[str, Any], key: str, where: str) -> int | None:
    return None if key not in d else _int(d[key], f"{where}.{key}")


@dataclass(frozen=True)
class ReferenceFigure:
    """A real-data reference figure: the effective sample size or the percentile."""

    value: float | None
    low: float | None = None
    high: float | None = None
    #: ``above`` / ``below``: off the grid of real subsample sizes (effective only).
    censored: str | None = None
    rest: Mapping[str, Any] = field(default_factory=dict)
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"value": self.value, "low": self.low, "high": self.high}
        if self.censored is not None:
            d["censored"] = self.censored
        return _ordered({**d, **self.rest}, self.keys)

    @classmethod
    def from_dict(cls, d: Any, where: str) -> ReferenceFigure:
        d = _obj(d, where)
        censored = d.get("censored")
        return cls(
            _num(d.get("value"), f"{where}.value"),
            _num(d.get("low"), f"{where}.low"),
            _num(d.get("high"), f"{where}.high"),
            None if censored is None else _str(censored, f"{where}.censored"),
            _rest(d, ("value", "low", "high", "censored")),
            tuple(d),
        )


@dataclass(frozen=True)
class ReferenceRange:
    """The reference's agreement over the repeats: median and central range."""

    median: float | None
    low: float | None
    high: float | None
    rest: Mapping[str, Any] = field(default_factory=dict)
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    _CORE = ("median", "low", "high")

    def to_dict(self) -> dict[str, Any]:
        d = {"median": self.median, "low": self.low, "high": self.high}
        return _ordered({**d, **self.rest}, self.keys)

    @classmethod
    def from_dict(cls, d: Any, where: str) -> ReferenceRange:
        d = _obj(d, where)
        median, low, high = (_num(_req(d, k, where), f"{where}.{k}") for k in cls._CORE)
        return cls(median, low, high, _rest(d, cls._CORE), tuple(d))


@dataclass(frozen=True)
class CurvePoint:
    """The agreement of real subsamples of ``m`` examples: median and central range."""

    m: int
    median: float | None
    low: float | None
    high: float | None
    rest: Mapping[str, Any] = field(default_factory=dict)
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    _CORE = ("m", "median", "low", "high")

    def to_dict(self) -> dict[str, Any]:
        d = {"m": self.m, "median": self.median, "low": self.low, "high": self.high}
        return _ordered({**d, **self.rest}, self.keys)

    @classmethod
    def from_dict(cls, d: Any, where: str) -> CurvePoint:
        d = _obj(d, where)
        median, low, high = (_num(_req(d, k, where), f"{where}.{k}") for k in cls._CORE[1:])
        return cls(
            _int(_req(d, "m", where), f"{where}.m"),
            median,
            low,
            high,
            _rest(d, cls._CORE),
            tuple(d),
        )


@dataclass(frozen=True)
class SourceReference:
    """A synthetic source judged against real subsamples (``harness.analysis.reference``);
    ``reason`` says why not, when it could not be (then the figures are None)."""

    coefficient: str
    n_examples: int
    reason: str = ""
    #: ``complement`` or ``split-half``: how the real set was split.
    scheme: str | None = None
    n_real: int = 0
    held_out: int | None = None
    #: The real subsample size the source is compared with.
    reference_size: int | None = None
    repeats: int | None = None
    n_models: int | None = None
    #: The median agreement of the synthetic scores with the held-out real part.
    synthetic: float | None = None
    #: The agreement of real subsamples of ``reference_size`` with the held-out part.
    reference: ReferenceRange | None = None
    percentile: ReferenceFigure | None = None
    z: float | None = None
    effective: ReferenceFigure | None = None
    #: Per subsample size of the grid, ascending.
    curve: tuple[CurvePoint, ...] | None = None
    #: Repeats whose reference agreement was undefined.
    undefined: int | None = None
    #: Keys not modelled yet, as written.
    rest: Mapping[str, Any] = field(default_factory=dict)
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    _KNOWN = (
        "coefficient", "n_examples", "reason", "scheme", "n_real", "held_out",
        "reference_size", "repeats", "n_models", "synthetic", "reference", "percentile",
        "z", "effective", "curve", "undefined",
    )

    def to_dict(self) -> dict[str, Any]:
        k = self.keys
        judged = not self.reason  # the producer writes the figures only then
        d: dict[str, Any] = {"coefficient": self.coefficient, "n_examples": self.n_examples}
        if _present(k, "reason", bool(self.reason)):
            d["reason"] = self.reason
        if self.scheme is not None:
            d["scheme"] = self.scheme
        if _present(k, "n_real", judged or bool(self.n_real)):
            d["n_real"] = self.n_real
        for name in ("held_out", "reference_size", "repeats", "n_models"):
            if getattr(self, name) is not None:
                d[name] = getattr(self, name)
        if _present(k, "synthetic", judged):
            d["synthetic"] = self.synthetic
        if _present(k, "reference", judged or self.reference is not None):
            d["reference"] = None if self.reference is None else self.reference.to_dict()
        if _present(k, "percentile", judged or self.percentile is not None):
            d["percentile"] = None if self.percentile is None else self.percentile.to_dict()
        if _present(k, "z", judged):
            d["z"] = self.z
        if _present(k, "effective", judged or self.effective is not None):
            d["effective"] = None if self.effective is None else self.effective.to_dict()
        if self.curve is not None:
            d["curve"] = [c.to_dict() for c in self.curve]
        if self.undefined is not None:
            d["undefined"] = self.undefined
        return _ordered({**d, **self.rest}, k)

    @classmethod
    def from_dict(cls, d: Any, where: str) -> SourceReference:
        d = _obj(d, where)
        eff, pct, ref = d.get("effective"), d.get("percentile"), d.get("reference")
        scheme, curve = d.get("scheme"), d.get("curve")
        return cls(
            coefficient=_str(_req(d, "coefficient", where), f"{where}.coefficient"),
            n_examples=_int(_req(d, "n_examples", where), f"{where}.n_examples"),
            reason=_str(d.get("reason", ""), f"{where}.reason"),
            scheme=None if scheme is None else _str(scheme, f"{where}.scheme"),
            n_real=_int(d.get("n_real", 0), f"{where}.n_real"),
            held_out=_opt_int(d, "held_out", where),
            reference_size=_opt_int(d, "reference_size", where),
            repeats=_opt_int(d, "repeats", where),
            n_models=_opt_int(d, "n_models", where),
            synthetic=_num(d.get("synthetic"), f"{where}.synthetic"),
            reference=None
            if ref is None
            else ReferenceRange.from_dict(ref, f"{where}.reference"),
            percentile=None
            if pct is None
            else ReferenceFigure.from_dict(pct, f"{where}.percentile"),
            z=_num(d.get("z"), f"{where}.z"),
            effective=None
            if eff is None
            else ReferenceFigure.from_dict(eff, f"{where}.effective"),
            curve=None
            if curve is None
            else tuple(
                CurvePoint.from_dict(c, f"{where}.curve[{i}]")
                for i, c in enumerate(_list(curve, f"{where}.curve"))
            ),
            undefined=_opt_int(d, "undefined", where),
            rest=_rest(d, cls._KNOWN),
            keys=tuple(d),
        )


@dataclass(frozen=True)
class CrossDatasetReference(CrossDataset):
    """Real-vs-real agreement of the group's dataset with ``dataset`` (same task), over
    their common models; ``reason`` says why it is undefined (then no value): the
    analysis' ``reference.CrossDataset`` as report.json has it, read and checked."""

    rest: Mapping[str, Any] = field(default_factory=dict)
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    _KNOWN = ("dataset", "coefficient", "n_models", "reason", "value", "low", "high")

    def to_dict(self) -> dict[str, Any]:
        return _written_as(self, self._KNOWN, super().to_dict())

    @classmethod
    def from_dict(cls, d: Any, where: str) -> CrossDatasetReference:
        d = _obj(d, where)
        return cls(
            _str(_req(d, "dataset", where), f"{where}.dataset"),
            _str(_req(d, "coefficient", where), f"{where}.coefficient"),
            _int(_req(d, "n_models", where), f"{where}.n_models"),
            _num(d.get("value"), f"{where}.value"),
            _num(d.get("low"), f"{where}.low"),
            _num(d.get("high"), f"{where}.high"),
            _str(d.get("reason", ""), f"{where}.reason"),
            _rest(d, cls._KNOWN),
            tuple(d),
        )


@dataclass(frozen=True)
class ReferenceSection:
    """Each synthetic source's real-data reference, and real-vs-real across datasets."""

    sources: Mapping[str, SourceReference] = field(default_factory=dict)
    #: None when the task has one dataset here (or the reference did not run).
    cross_dataset: tuple[CrossDatasetReference, ...] | None = None
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {}
        if "sources" in self.keys or self.sources:
            d["sources"] = {g: s.to_dict() for g, s in self.sources.items()}
        if self.cross_dataset is not None:
            d["cross_dataset"] = [c.to_dict() for c in self.cross_dataset]
        return _ordered(d, self.keys)

    @classmethod
    def from_dict(cls, d: Any, where: str) -> ReferenceSection:
        d = _obj(d, where)
        for key in d:
            if key not in ("sources", "cross_dataset"):
                raise ReportFormatError(f"{where}: unknown key {key!r}")
        cross = d.get("cross_dataset")
        return cls(
            _each(d.get("sources", {}), f"{where}.sources", SourceReference.from_dict),
            None
            if cross is None
            else tuple(
                CrossDatasetReference.from_dict(c, f"{where}.cross_dataset[{i}]")
                for i, c in enumerate(_list(cross, f"{where}.cross_dataset"))
            ),
            tuple(d),
        )
