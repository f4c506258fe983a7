"""Evaluate one case: load the source, build (or reuse) the model, predict, score.

Plain Python, no pytest: the plugin calls ``run_case`` from a fixture, and anything
else (a notebook, the CLI, a benchmark) can call it too. Expected, benign outcomes
(missing data file, missing optional package, unconfigured endpoint) come back as a
``CaseResult`` with status ``skipped`` and a reason that says how to fix it; a case
whose requests failed comes back ``incomplete`` (``harness.core.failures``); real bugs
raise, so pytest shows a traceback.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.core import phases
from harness.core.errors import DataError, DataMissing
from harness.core.failures import INCOMPLETE, count_failures
from harness.core.records import CaseKey, CaseResult, Dataset, Outcome, Prediction, id_clashes
from harness.models import MissingDependency, NotConfigured, Predictor, TaskContext
from harness.models.base import params_key, predict_data
from harness.models.factories import resolve_factory
from harness.run.fingerprint import Fingerprint, case_fingerprint
from harness.run.suite import ConfigError, DatasetSpec, ModelSpec, Suite
from harness.store.files import CASES, CaseFileError, case_name, store_or_error, verify_case
from harness.tasks import TASKS, Capability, Task
from harness.tasks.kit.base import text_fields

SKIPPED = "skipped"
OK = "ok"


@dataclass(frozen=True)
class RunSettings:
    """Run-wide settings the plugin resolves from options, ini and environment."""

    data_dir: Path | None
    results_dir: Path
    max_examples: int = 0
    seed: int = 0
    #: Sources of kind ``generate``: never, missing or always (``harness.generate.ondemand``).
    generate: str = "missing"
    #: This run's id: written with every result, part of the fingerprint of models
    #: that cannot promise the same answers twice.
    run_id: str = ""
    #: Ignore stored results: evaluate every case asked for.
    fresh: bool = False


@dataclass(frozen=True)
class Evaluated:
    """A case's record, and the run it was reused from ('' when evaluated now)."""

    result: CaseResult
    reused_from: str = ""


def iter_cases(suite: Suite) -> list[CaseKey]:
    """Every (task, dataset, generator, model) cell the suite declares, in suite order."""
    keys = []
    all_gens = suite.generator_names()
    for ds in suite.datasets:
        gens = ds.generators or all_gens
        for gen in gens:
            for model in suite.models:
                if ds.task in model.tasks:
                    keys.append(CaseKey(ds.task, ds.name, gen, model.name))
    return keys


def check_case_ids(suite: Suite) -> None:
    """Refuse names that give two cases one pytest id (``a``+``b-c`` vs ``a-b``+``c``).

    Selection (``-k``, ``--lf``) and the controller find a case by its id, so a clash
    would silently merge two cases; the error names the file and the clashing names.
    """
    clashes = id_clashes(iter_cases(suite))
    if not clashes:
        return
    case_id, keys = sorted(clashes.items())[0]
    names = "; ".join(
        f"dataset {k.dataset!r}, generator {k.generator!r}, model {k.model!r}" for k in keys
    )
    raise ConfigError(
        f"{suite.path}: case id {case_id!r} is shared by {names}: the names join with '-' "
        "into one id; rename a dataset, generator or model (for example without '-')"
    )


def fingerprint_of(key: CaseKey, suite: Suite, settings: RunSettings) -> Fingerprint:
    return case_fingerprint(
        suite, key, settings.data_dir, settings.max_examples, settings.seed, settings.run_id
    )


def stored_result(key: CaseKey, fp: Fingerprint, settings: RunSettings) -> Evaluated | None:
    """The stored ok result of ``key`` under fingerprint ``fp``, if whole and readable."""
    path = settings.results_dir / CASES / case_name(key, fp.digest)
    if not path.is_file():
        return None
    try:
        # A damaged outcome line makes the file useless for intervals; a line 1 naming
        # another case or other inputs is not this cell's (the report checks the same).
        stored = verify_case(path, key, fp.digest)
    except (CaseFileError, OSError):
        return None  # evaluated again and rewritten
    if stored.result.status != OK:
        return None
    return Evaluated(stored.result, stored.run or "?")


def evaluate(key: CaseKey, suite: Suite, settings: RunSettings) -> Evaluated:
    """The case's stored result when its fingerprint matches (unless ``fresh``), else run it."""
    fp = fingerprint_of(key, suite, settings)
    if not settings.fresh:
        found = stored_result(key, fp, settings)
        if found is not None:
            return found
    return Evaluated(run_case(key, suite, settings, fp))


# One predictor per (model, dataset) per process: training on the train split and
# loading weights happen once per worker, not once per case.
_PREDICTORS: dict[tuple[str, str, str, str], Predictor] = {}


def _context(spec: DatasetSpec, settings: RunSettings) -> TaskContext:
    # Lazy for import-time cost (listed in tests/test_layers.py), as in run_case.
    from harness.data import label_set, load_train

    assert settings.data_dir is not None
    return TaskContext(
        task=spec.task,
        dataset=spec.name,
        labels=label_set(settings.data_dir, spec),
        train=load_train(settings.data_dir, spec),
        score_range=spec.score_range,
        seed=settings.seed,
        data_dir=settings.data_dir,
    )


def get_predictor(model: ModelSpec, spec: DatasetSpec, settings: RunSettings) -> Predictor:
    """The process-wide predictor of ``model`` for dataset ``spec``."""
    key = (model.name, model.factory, params_key(dict(model.params)), spec.name)
    if key not in _PREDICTORS:
        factory = resolve_factory(model.factory)
        _PREDICTORS[key] = factory(_context(spec, settings), **dict(model.params))
    return _PREDICTORS[key]


def outcomes_of(task: Task, data: Dataset, preds: Sequence[Prediction]) -> list[Outcome]:
    """Per-example outcomes: gold, encoded prediction, correctness, raw text, error."""
    if len(preds) != len(data.examples):
        raise RuntimeError(
            f"model returned {len(preds)} predictions for {len(data.examples)} examples"
        )
    out = []
    # A label (intent) or entity type (NER) outside the dataset's label set is not an
    # answer to the task: invalid, with the answer kept in ``raw`` for the examples.
    check = (
        task.outside_labels
        if data.labels and Capability.OUTSIDE_LABELS in task.capabilities
        else None
    )
    labels = frozenset(data.labels)
    for i, (ex, p) in enumerate(zip(data.examples, preds, strict=True)):
        gold = task.gold(ex)
        pred = task.encode(p.value) if p.valid else None
        error, raw = p.error, p.raw
        if p.valid and pred is None:
            # The task refused the value (NaN score, span outside the text): invalid.
            error = error or f"invalid prediction value {p.value!r}"
        elif pred is not None and check is not None and (why := check(pred, labels)):
            raw = raw if raw is not None else json.dumps(pred, ensure_ascii=False)
            pred, error = None, why
        correct = task.correct(gold, pred) if pred is not None else False
        out.append(Outcome(i, gold, pred, correct, raw, error, input_text(task, ex, gold)))
    return out


def input_text(task: Task, example: Any, gold: Any) -> tuple[str, ...] | None:
    """The example's text fields, kept with its outcome for the report's example browser;
    None when the gold already holds the text (NER), so it is not stored twice."""
    if isinstance(gold, dict) and isinstance(gold.get("text"), str):
        return None
    texts = [getattr(example, f, None) for f in text_fields(task)]
    return tuple(t for t in texts if isinstance(t, str)) or None


def score_outcomes(
    task: Task, outcomes: Sequence[Outcome], labels: Sequence[str]
) -> dict[str, float]:
    return task.score([o.gold for o in outcomes], [o.prediction for o in outcomes], labels)


def _skipped(key: CaseKey, reason: str, started: float, kind: str) -> CaseResult:
    """A skipped case; ``kind`` (data, dependency, config) lets --synth-strict pick."""
    return CaseResult(
        key, SKIPPED, reason=reason, duration=time.perf_counter() - started, extra={"skip": kind}
    )


def _data_error(key: CaseKey, exc: Exception, started: float) -> CaseResult:
    """A case whose data cannot be read: an error whose reason is the loader's message."""
    return CaseResult(
        key, "error", reason=str(exc), duration=time.perf_counter() - started,
        extra={"data_error": getattr(exc, "path", "")},
    )


def data_error_lines(results: Sequence[CaseResult]) -> list[str]:
    """One line per unreadable data file (however many cases it failed), for the summary."""
    cases: dict[str, int] = {}
    for r in results:
        if r.status == "error" and "data_error" in r.extra:
            cases[r.reason] = cases.get(r.reason, 0) + 1
    return [f"data error ({n} case{'s' if n > 1 else ''}): {why}" for why, n in cases.items()]


def run_case(
    key: CaseKey, suite: Suite, settings: RunSettings, fp: Fingerprint | None = None
) -> CaseResult:
    """Run one case end to end and write its case file; see the module docstring."""
    started = time.perf_counter()
    if fp is None:
        fp = fingerprint_of(key, suite, settings)
    spec = suite.dataset(key.dataset)
    model = suite.model(key.model)
    task = TASKS.get(spec.task)
    if settings.data_dir is None:
        return _skipped(
            key,
            "no data directory: pass --synth-data-dir, set the synth_data_dir ini option "
            "or SYNTHBENCH_DATA_DIR (`synthbench data fetch` downloads the data)",
            started,
            "data",
        )
    # Lazy for import-time cost (listed in tests/test_layers.py): the plugin imports
    # this module in every pytest session, and the loaders and the on-demand generator
    # bring the data, quality and generation packages (and sqlite3, statistics).
    from harness.data import load_source
    from harness.data.hf_datasets import materialise
    from harness.generate.ondemand import prepare_source

    try:
        # Datasets-format splits (Hub repos, Parquet/CSV folders) become JSONL once.
        spec = materialise(spec, settings.data_dir)
        # hf:// sources resolve to the Hub cache; `generate` sources are written if missing.
        source_spec = prepare_source(
            suite, spec, key.generator, settings.data_dir, settings.generate
        )
        with phases.timed("load"):
            data = load_source(
                settings.data_dir,
                source_spec,
                key.generator,
                max_examples=settings.max_examples,
                seed=settings.seed,
            )
    except DataMissing as exc:
        return _skipped(key, str(exc), started, "data")
    except NotConfigured as exc:  # a generate source whose LLM has no key or endpoint
        return _skipped(key, str(exc), started, "config")
    except MissingDependency as exc:  # `datasets` for a datasets-format source
        return _skipped(key, str(exc), started, "dependency")
    except DataError as exc:  # malformed data: one line naming file and line, no traceback
        return _data_error(key, exc, started)
    try:
        with phases.timed("build", model.factory):
            predictor = get_predictor(model, spec, settings)
    except DataError as exc:  # the train split or the label file
        return _data_error(key, exc, started)
    except MissingDependency as exc:
        return _skipped(key, str(exc), started, "dependency")
    except NotConfigured as exc:
        return _skipped(key, str(exc), started, "config")

    try:
        with phases.timed("predict", model.factory):
            preds = predict_data(predictor, data)
    except DataMissing as exc:  # an imported model without a log for this source
        return _skipped(key, str(exc), started, "data")
    except DataError as exc:  # a log that does not fit the source: named file and sample
        return _data_error(key, exc, started)
    with phases.timed("score"):
        outcomes = outcomes_of(task, data, preds)
        metrics = score_outcomes(task, outcomes, data.labels)
    n_invalid = sum(1 for o in outcomes if not o.valid)
    failures = count_failures(preds, n_invalid)
    extra: dict[str, Any] = failures.extra()
    if failures.incomplete:
        # Not a result: no score, no case file (an earlier whole result stays); the
        # next run asks the failed examples again and the cache answers the rest.
        return CaseResult(
            key,
            INCOMPLETE,
            primary=task.primary,
            n_examples=len(outcomes),
            n_invalid=n_invalid,
            reason=failures.reason(key.model, len(outcomes)),
            duration=time.perf_counter() - started,
            data=data.issues,
            extra=extra,
        )
    result = CaseResult(
        key=key,
        status=OK,
        primary=task.primary,
        metrics=metrics,
        n_examples=len(outcomes),
        n_invalid=n_invalid,
        duration=time.perf_counter() - started,
        data=data.issues,
        extra=extra,
        fingerprint=fp.digest,
    )
    # A file that cannot be written (full disk, a folder at its path) turns the case
    # into an error whose reason carries the score: failed, never silently lost.
    result = store_or_error(settings.results_dir, result, outcomes, settings.run_id, fp.parts)
    phases.flush()  # bench/bench_suite.py's phase table; a no-op unless asked for
    return result
