"""The typed parts of ``report.json`` beside the figures: a group's data parts and the
whole-run sections.

A group (``harness.report.figures.Group``) carries, besides its figures, the score rows
given twice (``duplicates``, ``harness.analysis.agreement``), each source's data quality
summary (``quality``, ``quality_missing``, ``harness.report.quality``) and each
synthetic source's most misleading examples (``items``, ``harness.analysis.items``).
The report (``harness.report.model.Report``) carries the run's metadata (``run``), the
bootstrap's settings (``bootstrap``), a few invalid answers per case
(``invalid_samples``), the LLM response cache's counts (``cache``), the text-safety
note (``text_safety``) and the saved-baseline outcome (``baseline``).

As in ``harness.report.figures``: ``to_dict`` is the ``report.json`` form (keys in the
order read, ``keys``), ``from_dict`` the checked reader (``ReportFormatError`` names
the key), and keys a class does not know yet ride along in ``rest``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.report.generatorfigures import GeneratorsSection
from harness.report.reading import (
    ReportFormatError,
    _bool,
    _each,
    _int,
    _list,
    _maybe,
    _names,
    _num,
    _obj,
    _ordered,
    _req,
    _rest,
    _str,
)

__all__ = [
    "BaselineSection",
    "BootstrapSection",
    "CacheSection",
    "DuplicateScore",
    "InvalidSample",
    "ItemRow",
    "QualitySummary",
    "RecordedSettings",
    "RunSection",
    "TextSafety",
    "WholeRun",
]


def _put_optional(d: dict[str, Any], name: str, value: Any, keys: tuple[str, ...]) -> None:
    """Write an optional key when it was read (null included) or has a value: a read
    part is written back with exactly its keys, a built one with those it has."""
    if name in keys or value is not None:
        d[name] = value


# --------------------------------------------------------------------------- group parts


@dataclass(frozen=True)
class DuplicateScore:
    """A (generator, model) score row given twice with different scores: the later
    one was kept (``harness.analysis.agreement``); None for an undefined score."""

    generator: str
    model: str
    dropped: float | None
    kept: float | None
    rest: Mapping[str, Any] = field(default_factory=dict)
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    _KNOWN = ("generator", "model", "dropped", "kept")

    def to_dict(self) -> dict[str, Any]:
        d = {"generator": self.generator, "model": self.model,
             "dropped": self.dropped, "kept": self.kept}
        return _ordered({**d, **self.rest}, self.keys)

    @classmethod
    def from_dict(cls, d: Any, where: str) -> DuplicateScore:
        d = _obj(d, where)
        return cls(
            _str(_req(d, "generator", where), f"{where}.generator"),
            _str(_req(d, "model", where), f"{where}.model"),
            _num(_req(d, "dropped", where), f"{where}.dropped"),
            _num(_req(d, "kept", where), f"{where}.kept"),
            _rest(d, cls._KNOWN),
            tuple(d),
        )


class _NamedFigures:
    """A part whose figures a table shows all of, by name: the columns are the names it
    has (those it was read with, or every one when built), in report order."""

    _KNOWN: tuple[str, ...] = ()
    rest: Mapping[str, Any]
    keys: tuple[str, ...] | None

    def names(self) -> tuple[str, ...]:
        """The figures it has, in report order (unknown ones, kept in ``rest``, too)."""
        known = [k for k in self._KNOWN if self.keys is None or k in self.keys]
        return tuple(_ordered(dict.fromkeys([*known, *self.rest]), self.keys or ()))

    def value(self, name: str) -> Any:
        """The figure ``name`` as written (a count stays a whole number); None if absent."""
        return getattr(self, name) if name in self._KNOWN else self.rest.get(name)


@dataclass(frozen=True)
class QualitySummary(_NamedFigures):
    """A source's data quality in a report table (``harness.report.quality.compact``):
    no embeddings; None where a figure does not apply (no labels, no test set) or a
    hand-made report leaves it out (written back without it)."""

    rows: int | None = None
    malformed: int | None = None
    duplicates: int | None = None
    label_coverage: float | None = None
    label_tvd: float | None = None
    distinct_1: float | None = None
    distinct_2: float | None = None
    mean_words: float | None = None
    task_problems: int | None = None
    exact_test_matches: int | None = None
    rest: Mapping[str, Any] = field(default_factory=dict)
    #: The keys as read; None when built (every key written).
    keys: tuple[str, ...] | None = field(default=None, compare=False, repr=False)

    _COUNTS = ("rows", "malformed", "duplicates", "task_problems", "exact_test_matches")
    _KNOWN = ("rows", "malformed", "duplicates", "label_coverage", "label_tvd", "distinct_1",
              "distinct_2", "mean_words", "task_problems", "exact_test_matches")

    def figure(self, name: str) -> float | None:
        """The figure called ``name`` (a table's column); None if unknown or absent."""
        value = getattr(self, name) if name in self._KNOWN else None
        return None if value is None else float(value)

    def to_dict(self) -> dict[str, Any]:
        return _written(self, self._KNOWN)

    @classmethod
    def from_dict(cls, d: Any, where: str) -> QualitySummary:
        d = _obj(d, where)
        figures: dict[str, Any] = {
            k: _maybe(d, k, where, _int if k in cls._COUNTS else _num) for k in cls._KNOWN
        }
        return cls(
            **figures,
            rest=_rest(d, cls._KNOWN),
            keys=tuple(d),
        )


@dataclass(frozen=True)
class ItemRow(_NamedFigures):
    """One example of a synthetic source and how it bears on the ranking
    (``harness.analysis.items.Item``): ``i`` its position in the source file; None
    for an undefined figure (or one a hand-made report leaves out)."""

    i: int
    influence: float | None = None
    influence_pearson: float | None = None
    inversion: float | None = None
    rest: Mapping[str, Any] = field(default_factory=dict)
    #: The keys as read; None when built (every key written).
    keys: tuple[str, ...] | None = field(default=None, compare=False, repr=False)

    _KNOWN = ("i", "influence", "influence_pearson", "inversion")

    def to_dict(self) -> dict[str, Any]:
        return _written(self, self._KNOWN)

    @classmethod
    def from_dict(cls, d: Any, where: str) -> ItemRow:
        d = _obj(d, where)

        def num(k: str) -> float | None:
            return _num(d.get(k), f"{where}.{k}")

        return cls(
            _int(_req(d, "i", where), f"{where}.i"),
            num("influence"),
            num("influence_pearson"),
            num("inversion"),
            rest=_rest(d, cls._KNOWN),
            keys=tuple(d),
        )


def _written(part: Any, known: tuple[str, ...]) -> dict[str, Any]:
    """A part whose producer writes every key (null included): all of them when built,
    those it was read with otherwise, in their order, then ``rest``."""
    keys: tuple[str, ...] | None = part.keys
    d = {k: getattr(part, k) for k in known if keys is None or k in keys}
    return _ordered({**d, **part.rest}, keys or ())


def read_duplicates(d: Any, where: str) -> tuple[DuplicateScore, ...]:
    return tuple(
        DuplicateScore.from_dict(x, f"{where}[{i}]") for i, x in enumerate(_list(d, where))
    )


def read_quality(d: Any, where: str) -> dict[str, QualitySummary]:
    return _each(d, where, QualitySummary.from_dict)


def read_quality_missing(d: Any, where: str) -> dict[str, str]:
    return _each(d, where, _str)


def read_items(d: Any, where: str) -> dict[str, tuple[ItemRow, ...]]:
    return _each(
        d,
        where,
        lambda rows, w: tuple(
            ItemRow.from_dict(r, f"{w}[{i}]") for i, r in enumerate(_list(rows, w))
        ),
    )


# --------------------------------------------------------------------------- whole run


@dataclass(frozen=True)
class BootstrapSection:
    """How the intervals were computed (``harness.analysis.intervals.BootstrapSettings``).

    ``resamples``, ``level`` and ``seed`` are always there; the rest came in later
    schemes and is None in a report without it.
    """

    resamples: int
    level: float
    seed: int
    method: str | None = None
    #: figure -> method (``agreement``: coefficient -> method).
    methods: Mapping[str, str | Mapping[str, str]] | None = None
    #: figure -> the method in words, for the renderers' header.
    described: Mapping[str, str] | None = None
    scheme: int | None = None
    paired: bool | None = None
    permutations: int | None = None
    reference_repeats: int | None = None
    rest: Mapping[str, Any] = field(default_factory=dict)
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    _KNOWN = ("method", "methods", "described", "scheme", "paired", "resamples", "level",
              "seed", "permutations", "reference_repeats")

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {}
        for name in self._KNOWN:
            value = getattr(self, name)
            if name in ("methods", "described") and value is not None:
                value = {k: v if isinstance(v, str) else dict(v) for k, v in value.items()}
            if name in ("resamples", "level", "seed"):
                d[name] = value
            else:
                _put_optional(d, name, value, self.keys)
        return _ordered({**d, **self.rest}, self.keys)

    @classmethod
    def from_dict(cls, d: Any, where: str) -> BootstrapSection:
        d = _obj(d, where)

        def method(x: Any, w: str) -> str | Mapping[str, str]:
            return x if isinstance(x, str) else _each(x, w, _str)

        level = _num(_req(d, "level", where), f"{where}.level")
        if level is None:
            raise ReportFormatError(f"{where}.level: expected a number, got null")
        return cls(
            resamples=_int(_req(d, "resamples", where), f"{where}.resamples"),
            level=level,
            seed=_int(_req(d, "seed", where), f"{where}.seed"),
            method=_maybe(d, "method", where, _str),
            methods=_maybe(d, "methods", where, lambda x, w: _each(x, w, method)),
            described=_maybe(d, "described", where, lambda x, w: _each(x, w, _str)),
            scheme=_maybe(d, "scheme", where, _int),
            paired=_maybe(d, "paired", where, _bool),
            permutations=_maybe(d, "permutations", where, _int),
            reference_repeats=_maybe(d, "reference_repeats", where, _int
            ),
            rest=_rest(d, cls._KNOWN),
            keys=tuple(d),
        )


@dataclass(frozen=True)
class InvalidSample:
    """An invalid answer of a case: the example, the raw text (cut) and why."""

    i: int
    raw: str
    error: str

    def to_dict(self) -> dict[str, Any]:
        return {"i": self.i, "raw": self.raw, "error": self.error}

    @classmethod
    def from_dict(cls, d: Any, where: str) -> InvalidSample:
        d = _obj(d, where)
        for key in d:
            if key not in ("i", "raw", "error"):
                raise ReportFormatError(f"{where}: unknown key {key!r}")
        return cls(
            _int(_req(d, "i", where), f"{where}.i"),
            _str(_req(d, "raw", where), f"{where}.raw"),
            _str(_req(d, "error", where), f"{where}.error"),
        )


def read_invalid_samples(d: Any, where: str) -> dict[str, tuple[InvalidSample, ...]]:
    """case id -> a few of its invalid answers."""
    return _each(
        d,
        where,
        lambda rows, w: tuple(
            InvalidSample.from_dict(r, f"{w}[{i}]") for i, r in enumerate(_list(rows, w))
        ),
    )


@dataclass(frozen=True)
class CacheSection:
    """The LLM response cache during the run (``harness.backends.cache.CacheStats``)."""

    entries: int
    size_bytes: int
    hits: int
    misses: int
    stores: int
    processes: int
    #: hits / (hits + misses); None without lookups.
    hit_rate: float | None
    rest: Mapping[str, Any] = field(default_factory=dict)
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    _COUNTS = ("entries", "size_bytes", "hits", "misses", "stores", "processes")

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {k: getattr(self, k) for k in self._COUNTS}
        d["hit_rate"] = self.hit_rate
        return _ordered({**d, **self.rest}, self.keys)

    @classmethod
    def from_dict(cls, d: Any, where: str) -> CacheSection:
        d = _obj(d, where)
        def count(k: str) -> int:
            return _int(_req(d, k, where), f"{where}.{k}")

        return cls(
            entries=count("entries"),
            size_bytes=count("size_bytes"),
            hits=count("hits"),
            misses=count("misses"),
            stores=count("stores"),
            processes=count("processes"),
            hit_rate=_num(_req(d, "hit_rate", where), f"{where}.hit_rate"),
            rest=_rest(d, (*cls._COUNTS, "hit_rate")),
            keys=tuple(d),
        )


@dataclass(frozen=True)
class TextSafety:
    """Characters the console reports cannot show (``harness.core.textsafe``): how many
    were replaced there, and the note that says so (report.json keeps them)."""

    replaced_when_rendered: int
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {"replaced_when_rendered": self.replaced_when_rendered, "note": self.note}

    @classmethod
    def from_dict(cls, d: Any, where: str) -> TextSafety:
        d = _obj(d, where)
        for key in d:
            if key not in ("replaced_when_rendered", "note"):
                raise ReportFormatError(f"{where}: unknown key {key!r}")
        return cls(
            _int(_req(d, "replaced_when_rendered", where), f"{where}.replaced_when_rendered"),
            _str(_req(d, "note", where), f"{where}.note"),
        )


@dataclass(frozen=True)
class RecordedSettings:
    """The report settings used (``harness.report.finish.ReportSettings.to_dict``), as
    recorded in ``run.report_settings``; None for a key a report does not have."""

    resamples: int | None = None
    level: float | None = None
    seed: int | None = None
    #: The suite's ``[[gates]]`` tables, as given.
    gates: tuple[Mapping[str, Any], ...] | None = None
    gates_from: str | None = None
    gate_options: tuple[str, ...] | None = None
    compare: str | None = None
    formats: tuple[str, ...] | None = None
    junit_xml: str | None = None
    rest: Mapping[str, Any] = field(default_factory=dict)
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    _KNOWN = ("resamples", "level", "seed", "gates", "gates_from", "gate_options",
              "compare", "formats", "junit_xml")

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {}
        for name in self._KNOWN:
            value = getattr(self, name)
            if isinstance(value, tuple):
                value = [dict(v) if isinstance(v, Mapping) else v for v in value]
            _put_optional(d, name, value, self.keys)
        return _ordered({**d, **self.rest}, self.keys)

    @classmethod
    def from_dict(cls, d: Any, where: str) -> RecordedSettings:
        d = _obj(d, where)

        def gates(x: Any, w: str) -> tuple[Mapping[str, Any], ...]:
            return tuple(_obj(g, f"{w}[{i}]") for i, g in enumerate(_list(x, w)))

        return cls(
            resamples=_maybe(d, "resamples", where, _int),
            level=_maybe(d, "level", where, _num),
            seed=_maybe(d, "seed", where, _int),
            gates=_maybe(d, "gates", where, gates),
            gates_from=_maybe(d, "gates_from", where, _str),
            gate_options=_maybe(d, "gate_options", where, _names),
            compare=_maybe(d, "compare", where, _str),
            formats=_maybe(d, "formats", where, _names),
            junit_xml=_maybe(d, "junit_xml", where, _str),
            rest=_rest(d, cls._KNOWN),
            keys=tuple(d),
        )


@dataclass(frozen=True)
class RunSection:
    """The run's metadata (``run``): the session's (suite, results folder, duration, data
    folder, ``max_examples``, seed), the stores a merged report read (``inputs``) and
    the report settings used; None for a key the report does not have."""

    suite: str | None = None
    results_dir: str | None = None
    duration_s: float | None = None
    data_dir: str | None = None
    max_examples: int | None = None
    seed: int | None = None
    #: The stores of a report over several (``synthbench report A B``).
    inputs: tuple[str, ...] | None = None
    report_settings: RecordedSettings | None = None
    rest: Mapping[str, Any] = field(default_factory=dict)
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    _KNOWN = ("suite", "results_dir", "duration_s", "data_dir", "max_examples", "seed",
              "inputs", "report_settings")

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {}
        for name in self._KNOWN[:6]:
            _put_optional(d, name, getattr(self, name), self.keys)
        _put_optional(d, "inputs", None if self.inputs is None else list(self.inputs), self.keys)
        settings = self.report_settings
        _put_optional(d, "report_settings", None if settings is None else settings.to_dict(),
                 self.keys)
        return _ordered({**d, **self.rest}, self.keys)

    @classmethod
    def from_dict(cls, d: Any, where: str) -> RunSection:
        d = _obj(d, where)
        return cls(
            suite=_maybe(d, "suite", where, _str),
            results_dir=_maybe(d, "results_dir", where, _str),
            duration_s=_maybe(d, "duration_s", where, _num),
            data_dir=_maybe(d, "data_dir", where, _str),
            max_examples=_maybe(d, "max_examples", where, _int),
            seed=_maybe(d, "seed", where, _int),
            inputs=_maybe(d, "inputs", where, _names),
            report_settings=_maybe(d, "report_settings", where, RecordedSettings.from_dict),
            rest=_rest(d, cls._KNOWN),
            keys=tuple(d),
        )


@dataclass(frozen=True)
class BaselineSection:
    """The saved baseline (``--synth-compare`` / ``--synth-save-baseline``): the file
    compared with or why it could not be read, the file saved to or why not."""

    compared_with: str | None = None
    error: str | None = None
    saved_to: str | None = None
    save_error: str | None = None
    rest: Mapping[str, Any] = field(default_factory=dict)
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    _KNOWN = ("compared_with", "error", "saved_to", "save_error")

    def __bool__(self) -> bool:
        # report.json has no ``baseline`` key when nothing was compared or saved.
        return any(getattr(self, k) is not None for k in self._KNOWN) or bool(self.rest)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {}
        for name in self._KNOWN:
            _put_optional(d, name, getattr(self, name), self.keys)
        return _ordered({**d, **self.rest}, self.keys)

    @classmethod
    def from_dict(cls, d: Any, where: str) -> BaselineSection:
        d = _obj(d, where)
        def text(k: str) -> str | None:
            text: str | None = _maybe(d, k, where, _str)
            return text

        return cls(
            compared_with=text("compared_with"),
            error=text("error"),
            saved_to=text("saved_to"),
            save_error=text("save_error"),
            rest=_rest(d, cls._KNOWN),
            keys=tuple(d),
        )


#: The whole-run sections' order in ``report.json`` (after ``store``), as ``finish``
#: writes them: the run record's ``cache``, the bootstrap's, then the text-safety note.
SECTION_ORDER = ("cache", "bootstrap", "generators", "invalid_samples", "text_safety")


@dataclass(frozen=True)
class WholeRun:
    """The whole-run sections read from a report's top level (or ``finish``'s own):
    the typed ones, and the others (``generators`` until typed, future keys) as JSON."""

    bootstrap: BootstrapSection | None = None
    invalid_samples: Mapping[str, tuple[InvalidSample, ...]] | None = None
    cache: CacheSection | None = None
    text_safety: TextSafety | None = None
    #: Which generator to use, per task (``harness.analysis.whichgen``).
    generators: GeneratorsSection | None = None
    rest: Mapping[str, Any] = field(default_factory=dict)

    TYPED = ("bootstrap", "invalid_samples", "cache", "text_safety", "generators")

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], where: str) -> WholeRun:
        """The sections among ``d``'s keys; ``where`` names the report (``where: key``)."""
        boot, samples = d.get("bootstrap"), d.get("invalid_samples")
        cache, safety, gens = d.get("cache"), d.get("text_safety"), d.get("generators")
        return cls(
            None if boot is None else BootstrapSection.from_dict(boot, f"{where}: bootstrap"),
            None if samples is None else read_invalid_samples(samples,
                                                              f"{where}: invalid_samples"),
            None if cache is None else CacheSection.from_dict(cache, f"{where}: cache"),
            None if safety is None else TextSafety.from_dict(safety, f"{where}: text_safety"),
            None if gens is None else GeneratorsSection.from_dict(gens, f"{where}: generators"),
            _rest(d, cls.TYPED),
        )

    def to_dict(self) -> dict[str, Any]:
        """The sections in ``SECTION_ORDER``, keys it does not name (a run record's other
        ``extra``) after ``cache``, as ``finish`` puts them (a read report's order is
        kept by ``Report.keys``)."""
        typed: dict[str, Any] = {}
        if self.bootstrap is not None:
            typed["bootstrap"] = self.bootstrap.to_dict()
        if self.invalid_samples is not None:
            typed["invalid_samples"] = {
                case: [s.to_dict() for s in rows] for case, rows in self.invalid_samples.items()
            }
        if self.cache is not None:
            typed["cache"] = self.cache.to_dict()
        if self.text_safety is not None:
            typed["text_safety"] = self.text_safety.to_dict()
        if self.generators is not None:
            typed["generators"] = self.generators.to_dict()
        both = {**self.rest, **typed}
        out = {k: both[k] for k in SECTION_ORDER[:1] if k in both}
        out.update({k: v for k, v in both.items() if k not in SECTION_ORDER})
        out.update({k: both[k] for k in SECTION_ORDER[1:] if k in both})
        return out
