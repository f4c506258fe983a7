"""Run records: what one invocation selected, what it settled, with which settings.

The session writes ``runs/<run id>.json`` and, under the store's lock together with
the report files, ``run.json`` (the latest run). ``synthbench report DIR`` reads the
record back, so it rebuilds the session's report without being told the suite, the
seed or the gates again. Cells are the whole suite, each with the fingerprint digest
it has now; the results are found by that digest in the store's case files.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.core.families import Families
from harness.core.records import CaseKey, CaseResult
from harness.core.textsafe import json_dumps
from harness.store.files import (
    RUNS,
    STORE_SCHEMA,
    CaseFileError,
    StoreError,
    atomic_write_text,
    check_case_dict,
)

RUN_FILE = "run.json"


@dataclass(frozen=True)
class Cell:
    """One suite cell: its key, its current fingerprint digest, selected in this run."""

    key: CaseKey
    fingerprint: str
    selected: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {**self.key.to_dict(), "fingerprint": self.fingerprint, "selected": self.selected}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Cell:
        return cls(CaseKey.from_dict(dict(d)), str(d["fingerprint"]), bool(d.get("selected")))


@dataclass(frozen=True)
class RunRecord:
    """One invocation; see the module docstring. ``settled`` holds its non-ok records."""

    run_id: str
    cells: tuple[Cell, ...]
    same_as: Mapping[str, str] = field(default_factory=dict)
    settled: tuple[CaseResult, ...] = ()
    #: The report's ``run`` section: suite, data_dir, max_examples, seed, duration_s, ...
    run: Mapping[str, Any] = field(default_factory=dict)
    #: ``harness.report.finish.ReportSettings`` in JSON form.
    report: Mapping[str, Any] = field(default_factory=dict)
    #: Figures that exist only while the run lives (the response cache's hits and misses).
    extra: Mapping[str, Any] = field(default_factory=dict)
    #: The suite's ``[families]`` (written only when declared: older records stay as they were).
    families: Families = field(default_factory=Families)
    #: When the run ended (UTC, ``harness.store.files.now``); older records: run.json's
    #: modification time. Merged stores take each cell's inputs from the newest run.
    time: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": STORE_SCHEMA,
            "run_id": self.run_id,
            "same_as": dict(sorted(self.same_as.items())),
            **({"families": self.families.to_dict()} if self.families else {}),
            "cells": [c.to_dict() for c in self.cells],
            "settled": [r.to_dict() for r in self.settled],
            "run": dict(self.run),
            "report": dict(self.report),
            "extra": dict(self.extra),
            **({"time": self.time} if self.time else {}),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], where: str = "run.json") -> RunRecord:
        schema = d.get("schema")
        if not isinstance(schema, int) or isinstance(schema, bool):
            raise CaseFileError(f"{where}: not a run record: no whole-number 'schema'")
        if schema > STORE_SCHEMA:
            raise StoreError(
                f"{where}: run record of schema {schema}; this harness reads schema "
                f"{STORE_SCHEMA} and older: upgrade pytest-synthbench"
            )
        try:
            if schema < STORE_SCHEMA:
                return _legacy(d)
            return cls(
                run_id=str(d["run_id"]),
                cells=tuple(Cell.from_dict(c) for c in d.get("cells", [])),
                same_as=dict(d.get("same_as", {})),
                settled=tuple(check_case_dict(r) for r in d.get("settled", [])),
                run=dict(d.get("run", {})),
                report=dict(d.get("report", {})),
                extra=dict(d.get("extra", {})),
                families=Families.from_dict(d.get("families")),
                time=_time(d.get("time", "")),
            )
        except StoreError:
            raise
        except Exception as exc:  # any value a file may hold: a damaged record, never a crash
            raise CaseFileError(f"{where}: not a run record: {exc!r}") from None


def _time(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"'time' must be a string, not {value!r}")
    return value


def _legacy(d: Mapping[str, Any]) -> RunRecord:
    """A schema-1 ``run.json`` (expected cells, no fingerprints): cells without results."""
    cells = tuple(Cell(CaseKey.from_dict(k), "", True) for k in d.get("expected", []))
    return RunRecord("", cells, dict(d.get("same_as", {})), run={"suite": d.get("suite", "")})


def write_run_record(root: Path, record: RunRecord, latest: bool = True) -> None:
    """``runs/<id>.json``, and ``run.json`` when ``latest`` (caller holds the lock)."""
    text = json_dumps(record.to_dict(), indent=1) + "\n"
    atomic_write_text(root / RUNS / f"{record.run_id}.json", text)
    if latest:
        atomic_write_text(root / RUN_FILE, text)


def read_run_record(root: Path) -> RunRecord | None:
    """The latest run of a store, or None when no run finished there."""
    path = root / RUN_FILE
    if not path.is_file():
        return None
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError, OSError) as exc:
        raise CaseFileError(f"{path}: not JSON ({exc}); rerun the suite to rewrite it") from None
    if not isinstance(doc, dict):
        raise CaseFileError(f"{path}: not a run record: a JSON {type(doc).__name__}")
    return RunRecord.from_dict(doc, str(path))
