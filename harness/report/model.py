"""The typed, frozen report: built once by ``harness.report.finish``.

Gates read it by attribute (``harness.gates``); ``Report.to_dict()`` is its
serialisation, the published ``report.json`` (schema ``REPORT_SCHEMA``: keys are
added, never renamed), and ``read_report`` / ``Report.from_dict`` its reader, which
checks the schema version and names a key that is wrong. A ``Group``
(``harness.report.figures``) holds the typed figures of one (task, dataset).
The run's metadata and whole-run sections are typed in ``harness.report.sections``.
Renderers read it by attribute too; they also take its JSON form (``as_report``), so
a stored report.json renders again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.core.families import Families
from harness.core.records import SCHEMA_VERSION, CaseKey, CaseResult
from harness.report.figures import Group, ReportFormatError, _list, _obj, _req, _str
from harness.report.generatorfigures import GeneratorsSection
from harness.report.sections import (
    BaselineSection,
    BootstrapSection,
    CacheSection,
    InvalidSample,
    RunSection,
    TextSafety,
    WholeRun,
)
from harness.report.verdicts import GatesSection
from harness.store.files import check_case_dict

__all__ = [
    "REPORT_SCHEMA",
    "CaseRow",
    "Cases",
    "Group",
    "MissingCell",
    "Report",
    "ReportFormatError",
    "StoreSection",
    "as_report",
    "read_report",
]

REPORT_SCHEMA = 1


@dataclass(frozen=True)
class CaseRow:
    """One case with a result: the record, whether this run evaluated it or reused it."""

    result: CaseResult
    state: str
    run: str

    def to_dict(self) -> dict[str, Any]:
        d = self.result.to_dict()
        d.pop("schema", None)
        d.pop("data", None)
        d["state"] = self.state
        d["run"] = self.run
        return d

    @classmethod
    def from_dict(cls, d: Any, where: str) -> CaseRow:

        d = _obj(d, where)
        body = {k: v for k, v in d.items() if k not in ("state", "run")}
        try:
            result = check_case_dict({"schema": SCHEMA_VERSION, **body})
        except (ValueError, KeyError, TypeError) as exc:
            raise ReportFormatError(f"{where}: {exc}") from None
        state = _str(_req(d, "state", where), f"{where}.state")
        return cls(result, state, _str(_req(d, "run", where), f"{where}.run"))


@dataclass(frozen=True)
class MissingCell:
    """A suite cell without a result, and why."""

    key: CaseKey
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {**self.key.to_dict(), "reason": self.reason}

    @classmethod
    def from_dict(cls, d: Any, where: str) -> MissingCell:
        d = _obj(d, where)
        key = CaseKey(*(_str(_req(d, k, where), f"{where}.{k}") for k in _KEY))
        return cls(key, _str(d.get("reason", ""), f"{where}.reason"))


_KEY = ("task", "dataset", "generator", "model")


@dataclass(frozen=True)
class Cases:
    """Every suite cell: the ones with a result and the missing ones."""

    rows: tuple[CaseRow, ...]
    missing: tuple[MissingCell, ...]

    @property
    def counts(self) -> dict[str, int]:
        """Cases with a result by status, in status order (``cases.counts``)."""
        counts: dict[str, int] = {}
        for r in self.rows:
            counts[r.result.status] = counts.get(r.result.status, 0) + 1
        return dict(sorted(counts.items()))

    @property
    def not_ok(self) -> tuple[CaseRow, ...]:
        """The cases with a result that is not ``ok`` (``cases.not_ok``), in case order."""
        return tuple(r for r in self.rows if r.result.status != "ok")

    def to_dict(self) -> dict[str, Any]:
        return {
            "counts": self.counts,
            "missing": [m.to_dict() for m in self.missing],
            "not_ok": [r.to_dict() for r in self.not_ok],
            "all": [r.to_dict() for r in self.rows],
        }

    @classmethod
    def from_dict(cls, d: Any, where: str = "cases") -> Cases:
        d = _obj(d, where)
        rows = _list(d.get("all", []), f"{where}.all")
        missing = _list(d.get("missing", []), f"{where}.missing")
        return cls(
            tuple(CaseRow.from_dict(r, f"{where}.all[{i}]") for i, r in enumerate(rows)),
            tuple(MissingCell.from_dict(m, f"{where}.missing[{i}]") for i, m in enumerate(missing)),
        )


@dataclass(frozen=True)
class StoreSection:
    """Where the results came from: counts per state, damaged files by name."""

    states: Mapping[str, int]
    runs: tuple[str, ...]
    damaged: tuple[str, ...] = ()
    #: Merged stores: results of the same inputs with different figures; errors and
    #: skips set aside for a result of the same inputs (``harness.store.view``).
    conflicts: tuple[str, ...] = ()
    superseded: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "states": dict(sorted(self.states.items())),
            "runs": list(self.runs),
            "damaged": list(self.damaged),
            "conflicts": list(self.conflicts),
            "superseded": list(self.superseded),
        }

    @classmethod
    def from_dict(cls, d: Any, where: str = "store") -> StoreSection:
        d = _obj(d, where)

        def names(key: str) -> tuple[str, ...]:
            got = _list(d.get(key, []), f"{where}.{key}")
            return tuple(_str(x, f"{where}.{key}") for x in got)

        states = _obj(d.get("states", {}), f"{where}.states")
        return cls(
            {str(k): int(v) for k, v in states.items()},
            names("runs"),
            names("damaged"),
            names("conflicts"),
            names("superseded"),
        )


@dataclass(frozen=True)
class Report:
    """The whole report; ``to_dict`` is ``report.json``."""

    groups: tuple[Group, ...]
    cases: Cases
    store: StoreSection
    same_as: Mapping[str, str] = field(default_factory=dict)
    #: The run's metadata and the report settings used (``harness.report.sections``).
    run: RunSection = field(default_factory=RunSection)
    #: Whole-run sections this harness does not know (a key added later, a run
    #: record's other ``extra``), as plain JSON under their keys.
    sections: Mapping[str, Any] = field(default_factory=dict)
    #: Which generator to use, per task (``harness.analysis.whichgen``); None without
    #: the bootstrap (or with nothing to compare).
    generators: GeneratorsSection | None = None
    #: Every gate's verdict (``harness.report.verdicts``); None when no gate was declared.
    gates: GatesSection | None = None
    #: The saved baseline compared with or saved; None when neither was asked for.
    baseline: BaselineSection | None = None
    #: The suite's families; ``report.json`` has the key only when some are declared.
    families: Families = field(default_factory=Families)
    #: How the intervals were computed; None when the bootstrap did not run.
    bootstrap: BootstrapSection | None = None
    #: case id -> a few of its invalid answers; None when the bootstrap did not run or
    #: every answer was valid.
    invalid_samples: Mapping[str, tuple[InvalidSample, ...]] | None = None
    #: The LLM response cache's counts; None when the run made no lookup.
    cache: CacheSection | None = None
    #: Characters the console reports replace; None when there were none.
    text_safety: TextSafety | None = None
    #: The order of the keys as read (a report read and written again: the same bytes).
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def whole_run(self) -> WholeRun:
        """The whole-run sections, typed and not yet typed, as one value."""
        return WholeRun(
            self.bootstrap,
            self.invalid_samples,
            self.cache,
            self.text_safety,
            self.generators,
            self.sections,
        )

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "schema": REPORT_SCHEMA,
            "groups": [g.to_dict() for g in self.groups],
            "run": self.run.to_dict(),
            "same_as": dict(sorted(self.same_as.items())),
            **({"families": self.families.to_dict()} if self.families else {}),
            "cases": self.cases.to_dict(),
            "store": self.store.to_dict(),
        }
        d.update(self.whole_run().to_dict())
        if self.gates is not None:
            d["gates"] = self.gates.to_dict()
        if self.baseline:
            d["baseline"] = self.baseline.to_dict()
        if self.keys:
            d = {**{k: d[k] for k in self.keys if k in d}, **d}
        return d

    @classmethod
    def from_dict(cls, d: Any, where: str = "report.json") -> Report:
        """The report ``to_dict`` wrote; ``ReportFormatError`` names a wrong key."""
        d = _obj(d, where)
        schema = d.get("schema")
        if isinstance(schema, bool) or not isinstance(schema, int):
            raise ReportFormatError(f"{where}: not a synthbench report (no whole-number 'schema')")
        if schema != REPORT_SCHEMA:
            raise ReportFormatError(
                f"{where}: report of schema {schema}; this harness reads schema "
                f"{REPORT_SCHEMA}: re-run `synthbench report` on the results to rebuild it"
            )
        groups = _list(_req(d, "groups", where), f"{where}.groups")
        gates, baseline = d.get("gates"), d.get("baseline")
        whole = WholeRun.from_dict({k: v for k, v in d.items() if k not in _TOP}, where)
        return cls(
            groups=tuple(
                Group.from_dict(g, f"{where}: groups[{i}]") for i, g in enumerate(groups)
            ),
            cases=Cases.from_dict(d.get("cases", {}), f"{where}: cases"),
            store=StoreSection.from_dict(d.get("store", {}), f"{where}: store"),
            same_as={
                str(k): _str(v, f"{where}: same_as")
                for k, v in _obj(d.get("same_as", {}), f"{where}: same_as").items()
            },
            run=RunSection.from_dict(d.get("run", {}), f"{where}: run"),
            sections=whole.rest,
            gates=None if gates is None else GatesSection.from_dict(gates, f"{where}: gates"),
            baseline=None
            if baseline is None
            else BaselineSection.from_dict(baseline, f"{where}: baseline"),
            families=Families.from_dict(d.get("families")),
            bootstrap=whole.bootstrap,
            invalid_samples=whole.invalid_samples,
            cache=whole.cache,
            text_safety=whole.text_safety,
            generators=whole.generators,
            keys=tuple(d),
        )


_TOP = ("schema", "groups", "run", "same_as", "families", "cases", "store", "gates", "baseline")


def read_report(path: Path) -> Report:
    """``report.json`` at ``path`` (or in the folder ``path``), read and checked.

    ``ReportFormatError`` (a ``ValueError``) names the file and what is wrong with it.
    """
    file = path / "report.json" if path.is_dir() else path
    try:
        doc = json.loads(file.read_bytes().decode("utf-8", "surrogatepass"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ReportFormatError(f"{file}: cannot read the report ({exc})") from None
    return Report.from_dict(doc, str(file))


def as_report(report: Report | Mapping[str, Any]) -> Report:
    """``report`` typed: a ``Report`` as is, a JSON form (a stored or hand-made
    ``report.json``) read and checked by ``Report.from_dict``.

    Renderers take either, so a stored report can be rendered again; inside they read
    the typed values only.
    """
    return report if isinstance(report, Report) else Report.from_dict(report)
