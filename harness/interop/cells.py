"""A store's cells as export writers need them: result, outcomes, examples, interval.

The case files keep each example's gold, prediction and raw answer, not its input
text, so the examples are loaded again from the data directory the run used, with
its sample size and seed, and checked against the stored outcomes (same count, same
gold, unchanged file): an export never pairs an answer with another example's text.
The interval is the report's: the bootstrap of the run's settings (resamples, level,
seed) over the store's outcomes, so it equals ``report.json``'s ``ci``.

A cell that has no ok result (skipped, failed, missing) is not exported and is
listed with its reason; the export command then fails, as a gate would.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.analysis.intervals import METHODS, bootstrap_cases, source_score_intervals
from harness.core.records import CaseKey, CaseResult, Example, Outcome
from harness.data import load_source
from harness.data.hf_datasets import materialise
from harness.generate.ondemand import prepare_source
from harness.report.finish import ReportSettings
from harness.run.fingerprint import file_digest
from harness.run.suite import ConfigError, load_suite
from harness.store.files import case_name, check_store, parse_once
from harness.store.runs import read_run_record
from harness.store.view import build_view
from harness.tasks import TASKS


class ExportError(ValueError):
    """A store that cannot be exported: the message names the file and the fix."""


@dataclass(frozen=True)
class Interval:
    """The bootstrap interval and standard error of a cell's primary score."""

    low: float
    high: float
    se: float
    level: float
    resamples: int
    #: The report's own method for a score (``harness.analysis.intervals.METHODS["scores"]``).
    method: str = ""


@dataclass(frozen=True)
class ModelInfo:
    """What the suite says about a model: factory, its model id when it has one, same_as."""

    name: str
    factory: str = ""
    model_id: str = ""
    same_as: str = ""


@dataclass(frozen=True)
class CellExport:
    """One ok cell: its record and outcomes with the examples they were computed on."""

    key: CaseKey
    result: CaseResult
    outcomes: tuple[Outcome, ...]
    examples: tuple[Example, ...]
    model: ModelInfo
    source_path: str
    run: str
    generator_id: str = ""
    interval: Interval | None = None
    suite: str = ""
    created: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StoreExport:
    """The exportable cells of a store, and the cells left out with their reasons."""

    cells: tuple[CellExport, ...]
    left_out: tuple[tuple[CaseKey, str], ...]


def _model_info(suite: Any, name: str) -> ModelInfo:
    try:
        spec = suite.model(name)
    except KeyError:
        return ModelInfo(name)
    params = dict(spec.params)
    model_id = params.get("model") or params.get("model_id") or ""
    return ModelInfo(name, spec.factory, str(model_id), spec.same_as)


def _generator_id(suite: Any, name: str) -> str:
    return next((g.model_id for g in suite.generators if g.name == name), "")


def _stored_inputs(path: Path) -> Mapping[str, Any]:
    """Line 1's fingerprint parts of a case file ({} when it has none)."""
    with path.open("rb") as fh:
        head = json.loads(fh.readline().decode("utf-8"))
    inputs = head.get("inputs", {}) if isinstance(head, dict) else {}
    return inputs if isinstance(inputs, Mapping) else {}


def load_examples(
    suite: Any, key: CaseKey, data_dir: Path, run: Mapping[str, Any],
    outcomes: Sequence[Outcome], stored: Mapping[str, Any],
) -> tuple[tuple[Example, ...], str]:
    """The examples behind ``outcomes`` and the source file, checked (module docstring)."""

    spec = materialise(suite.dataset(key.dataset), data_dir)
    spec = prepare_source(suite, spec, key.generator, data_dir, "never")
    data = load_source(
        data_dir, spec, key.generator,
        max_examples=int(run.get("max_examples") or 0), seed=int(run.get("seed") or 0),
    )
    recorded = stored.get("data", {}).get("source", {}).get("hash")
    rel = spec.source_path(key.generator)
    if recorded and not rel.startswith("hf://") and recorded != file_digest(data_dir / rel):
        raise ExportError(
            f"{data.path}: changed since {key.id} was evaluated; rerun the suite (or pass "
            "the data directory of that run with --data-dir)"
        )
    task = TASKS.get(key.task)
    golds = [task.gold(ex) for ex in data.examples]
    if len(golds) != len(outcomes) or any(
        json.dumps(g, sort_keys=True) != json.dumps(o.gold, sort_keys=True)
        for g, o in zip(golds, outcomes, strict=False)
    ):
        raise ExportError(
            f"{data.path}: its {len(golds)} examples do not match the {len(outcomes)} "
            f"stored outcomes of {key.id}; export with the run's data directory, "
            "max_examples and seed"
        )
    return data.examples, data.path


def _intervals(
    view: Any, report: Mapping[str, Any]
) -> dict[CaseKey, Interval]:
    """Each ok cell's score interval, as the run's report computed it."""

    boot = ReportSettings.from_dict(report).bootstrap()
    if boot is None:
        return {}
    reps = bootstrap_cases(view.with_outcomes(), boot)
    scores = {key: source_score_intervals(rep, boot.level) for key, rep in reps.items()}
    out = {}
    for e in view.entries:
        ci = scores.get((e.key.task, e.key.dataset), {}).get(e.key.generator, {}).get(e.key.model)
        if ci and ci["low"] is not None and ci["high"] is not None and ci["se"] is not None:
            out[e.key] = Interval(
                ci["low"], ci["high"], ci["se"], boot.level, boot.resamples, METHODS["scores"]
            )
    return out


def collect(
    store: Path, data_dir: Path | None = None, suite_path: Path | None = None, created: str = ""
) -> StoreExport:
    """Every ok cell of ``store``'s latest run with its examples (module docstring)."""

    check_store(store)
    record = read_run_record(store)
    if record is None:
        raise ExportError(f"{store}: no run.json: no run finished in this store; run the suite")
    run = dict(record.run)
    suite_file = suite_path or Path(str(run.get("suite", "")))
    try:
        suite = load_suite(suite_file, resolve_models=False)
    except ConfigError as exc:
        raise ExportError(f"{exc} (the suite of {store}; pass it with --suite)") from None
    data = data_dir or (Path(run["data_dir"]) if run.get("data_dir") else None)
    if data is None:
        raise ExportError(f"{store}: the run had no data directory; pass --data-dir")
    cells, left = [], []
    with parse_once():
        view = build_view([(store, record)])
        intervals = _intervals(view, record.report)
        for e in view.entries:
            r = e.result
            if r is None or r.status != "ok":
                left.append((e.key, e.reason or (r.reason if r else "") or "no ok result"))
                continue
            stored = _stored_inputs(store / "cases" / case_name(e.key, r.fingerprint))
            examples, path = load_examples(suite, e.key, data, run, e.outcomes, stored)
            cells.append(
                CellExport(
                    e.key, r, e.outcomes, examples, _model_info(suite, e.key.model), path,
                    e.run, _generator_id(suite, e.key.generator), intervals.get(e.key),
                    str(suite_file), created,
                )
            )
    return StoreExport(tuple(cells), tuple(left))
