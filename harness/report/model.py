"""The typed, frozen report: built once by ``harness.report.finish``.

Renderers (terminal, Markdown, HTML, JUnit) and other tools read the JSON form
(``Report.to_dict()``, the published ``report.json``, schema 1: keys are added, never
renamed), so a report can be re-rendered from a stored file. A ``Group`` holds the
figures of one (task, dataset) in the JSON form the analysis produces, and the
bootstrap's ``ci`` and ``items`` beside them: built once, never filled in afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.core.families import Families
from harness.core.records import CaseKey, CaseResult

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


@dataclass(frozen=True)
class MissingCell:
    """A suite cell without a result, and why."""

    key: CaseKey
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {**self.key.to_dict(), "reason": self.reason}


@dataclass(frozen=True)
class Cases:
    """Every suite cell: the ones with a result and the missing ones."""

    rows: tuple[CaseRow, ...]
    missing: tuple[MissingCell, ...]

    def to_dict(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for r in self.rows:
            counts[r.result.status] = counts.get(r.result.status, 0) + 1
        rows = [r.to_dict() for r in self.rows]
        return {
            "counts": dict(sorted(counts.items())),
            "missing": [m.to_dict() for m in self.missing],
            "not_ok": [r for r in rows if r["status"] != "ok"],
            "all": rows,
        }


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


@dataclass(frozen=True)
class Group:
    """One (task, dataset): the analysis' figures, then the bootstrap's, if it ran."""

    #: ``task``, ``dataset``, ``metric``, ``scores``, ``agreement``, ``bias``, ``data``,
    #: ``quality``, ... as ``harness.report.groups.report_groups`` builds them.
    figures: Mapping[str, Any]
    ci: Mapping[str, Any] | None = None
    items: Mapping[str, Any] | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (str(self.figures["task"]), str(self.figures["dataset"]))

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.figures)
        if self.ci is not None:
            d["ci"] = self.ci
        if self.items:
            d["items"] = self.items
        return d


@dataclass(frozen=True)
class Report:
    """The whole report; ``to_dict`` is ``report.json``."""

    groups: tuple[Group, ...]
    cases: Cases
    store: StoreSection
    same_as: Mapping[str, str] = field(default_factory=dict)
    run: Mapping[str, Any] = field(default_factory=dict)
    #: Whole-run figures beside the groups: ``cache``, ``bootstrap``, ``invalid_samples``.
    sections: Mapping[str, Any] = field(default_factory=dict)
    gates: Mapping[str, Any] | None = None
    baseline: Mapping[str, Any] | None = None
    #: The suite's families; ``report.json`` has the key only when some are declared.
    families: Families = field(default_factory=Families)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "schema": REPORT_SCHEMA,
            "groups": [g.to_dict() for g in self.groups],
            "run": dict(self.run),
            "same_as": dict(sorted(self.same_as.items())),
            **({"families": self.families.to_dict()} if self.families else {}),
            "cases": self.cases.to_dict(),
            "store": self.store.to_dict(),
        }
        d.update(self.sections)
        if self.gates is not None:
            d["gates"] = dict(self.gates)
        if self.baseline:
            d["baseline"] = dict(self.baseline)
        return d
