"""Every Eval Ever (schema v0.2.0): instance files in, aggregate and instance files out.

Export, per cell, ``eee/<dataset>__<source>/<model>/<uuid>.json`` (the aggregate:
``evaluation_results`` with the primary metric, its bootstrap interval and standard
error in ``score_details.uncertainty``, then the other metrics) and ``<uuid>.jsonl``
beside it (one instance per example). The uuid is derived from the cell's
fingerprint, so exporting the same results again writes the same names.

Import reads an instance file: each line's ``sample_id``, ``input.raw``, ``metadata``
(matched on), ``output.raw`` (the answer text) and the terminal
``answer_attribution``'s ``extracted_value`` (``answer = "value"``). ``#NAME`` after
the path keeps the instances of one ``evaluation_name``.

Per-example correctness is not defined for a graded task (similarity): its instances
carry ``is_correct: false`` (the schema requires a boolean) with ``score`` the
predicted value and ``metadata.synthbench.correct`` null, so nobody reads them as
wrong answers.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.core.textsafe import json_dumps
from harness.interop.cells import CellExport
from harness.interop.formats import READERS, WRITERS, ExportWriter, LogReader, ReadOptions
from harness.interop.logs import ImportedLog, ImportMismatch, LoggedSample, table
from harness.interop.texts import answer_text, input_fields, input_text, value_text
from harness.store.files import atomic_write_text
from harness.tasks import TASKS

SCHEMA_VERSION = "0.2.0"
INSTANCE_SCHEMA_VERSION = "instance_level_eval_0.2.0"
#: Metrics that range over [-1, 1] (correlations); every other one lies in [0, 1].
SIGNED = frozenset({"spearman", "pearson", "kendall"})
#: Metrics where less is better.
LOWER_IS_BETTER = frozenset({"invalid_rate"})
_NS = uuid.UUID("5f0c7c2e-93b8-4c55-9d47-2c1b7e5e8a01")


# --------------------------------------------------------------------------- export


def cell_uuid(cell: CellExport) -> str:
    """A stable uuid of the cell's result (its key and fingerprint)."""
    return str(uuid.uuid5(_NS, f"{cell.key.id}|{cell.result.fingerprint}"))


def _model_id(cell: CellExport) -> str:
    return cell.model.model_id or f"synthbench/{cell.key.model}"


def evaluation_name(cell: CellExport, metric: str = "") -> str:
    base = f"{cell.key.dataset}/{cell.key.generator}"
    return base if not metric or metric == cell.result.primary else f"{base}/{metric}"


def _uncertainty(cell: CellExport) -> dict[str, Any]:
    out: dict[str, Any] = {"num_samples": cell.result.n_examples}
    ci = cell.interval
    if ci is not None:
        out["standard_error"] = {"value": ci.se, "method": "jackknife"}
        out["confidence_interval"] = {
            "lower": ci.low, "upper": ci.high, "confidence_level": ci.level,
            "method": ci.method,  # the report's own words for a score's interval
        }
        out["num_bootstrap_samples"] = ci.resamples
    return out


def _result(cell: CellExport, metric: str, value: float) -> dict[str, Any]:
    low = -1.0 if metric in SIGNED else 0.0
    primary = metric == cell.result.primary
    details: dict[str, Any] = {
        "task": cell.key.task, "metric": metric, "primary": primary,
        "n_examples": cell.result.n_examples, "n_invalid": cell.result.n_invalid,
    }
    entry: dict[str, Any] = {
        "evaluation_name": evaluation_name(cell, metric),
        "source_data": {
            "dataset_name": f"{cell.key.dataset} ({cell.key.generator})",
            "source_type": "other",
            "additional_details": {
                "dataset": cell.key.dataset, "source": cell.key.generator,
                "generator_model_id": cell.generator_id, "path": cell.source_path,
            },
        },
        "metric_config": {
            "evaluation_description": (
                f"{metric} of the {cell.key.task} task on {cell.key.dataset}, "
                f"source {cell.key.generator} (pytest-synthbench)"
            ),
            "lower_is_better": metric in LOWER_IS_BETTER,
            "score_type": "continuous",
            "min_score": low,
            "max_score": 1.0,
        },
        "score_details": {"score": value, "details": details},
    }
    if primary:
        entry["score_details"]["uncertainty"] = _uncertainty(cell)
    return entry


def aggregate(cell: CellExport, instances: Path, checksum: str, stamp: str) -> dict[str, Any]:
    """The aggregate record of one cell (schema v0.2.0)."""
    metrics = sorted(cell.result.metrics.items(), key=lambda kv: kv[0] != cell.result.primary)
    results = [_result(cell, m, v) for m, v in metrics if math.isfinite(v)]
    return {
        "schema_version": SCHEMA_VERSION,
        "evaluation_id": f"synthbench/{cell.key.id}/{_model_id(cell)}/{stamp}",
        "evaluation_timestamp": cell.created or stamp,
        "retrieved_timestamp": stamp,
        "source_metadata": {
            "source_name": "pytest-synthbench",
            "source_type": "evaluation_run",
            "source_organization_name": "pytest-synthbench",
            "evaluator_relationship": "third_party",
        },
        "model_info": {
            "name": cell.key.model,
            "id": _model_id(cell),
            "additional_details": {
                "factory": cell.model.factory, "same_as": cell.model.same_as,
                "run": cell.run, "fingerprint": cell.result.fingerprint,
            },
        },
        "evaluation_results": results,
        "detailed_evaluation_results": {
            "format": "jsonl",
            "file_path": instances.name,
            "hash_algorithm": "sha256",
            "checksum": checksum,
            "total_rows": len(cell.outcomes),
        },
    }


def instance(cell: CellExport, evaluation_id: str, i: int) -> dict[str, Any]:
    """One example of the cell as an instance record (schema v0.2.0)."""
    task = TASKS.get(cell.key.task)
    ex, o = cell.examples[i], cell.outcomes[i]
    raw, reference = input_text(task, ex), value_text(o.gold)
    answer = answer_text(o)
    correct = o.correct
    score: float
    if correct is not None:
        score = 1.0 if correct else 0.0
    else:  # graded task: the predicted value (0 when invalid), see the module docstring
        score = float(o.prediction) if isinstance(o.prediction, int | float) else 0.0
    return {
        "schema_version": INSTANCE_SCHEMA_VERSION,
        "evaluation_id": evaluation_id,
        "model_id": _model_id(cell),
        "evaluation_name": evaluation_name(cell),
        "sample_id": o.index,
        "sample_hash": hashlib.sha256((raw + reference).encode("utf-8", "surrogatepass"))
        .hexdigest(),
        "interaction_type": "single_turn",
        "input": {"raw": raw, "reference": reference},
        "output": {"raw": answer},
        "answer_attribution": [{
            "turn_idx": 0,
            "source": "output.raw",
            "extracted_value": "" if o.prediction is None else value_text(o.prediction),
            "extraction_method": "pytest-synthbench task parser",
            "is_terminal": True,
        }],
        "evaluation": {"score": score, "is_correct": bool(correct)},
        "error": o.error,
        "metadata": {
            **input_fields(task, ex),
            "synthbench": {
                "task": cell.key.task, "dataset": cell.key.dataset,
                "source": cell.key.generator, "model": cell.key.model,
                "gold": o.gold, "prediction": o.prediction, "correct": correct,
            },
        },
    }


def write(cells: Sequence[CellExport], out: Path) -> list[Path]:
    """Aggregate and instance files of every cell under ``out`` (module docstring)."""
    stamp = f"{time.time():.3f}"
    written = []
    for cell in cells:
        folder = out / f"{cell.key.dataset}__{cell.key.generator}" / cell.key.model
        name = cell_uuid(cell)
        eval_id = f"synthbench/{cell.key.id}/{_model_id(cell)}/{stamp}"
        body = "".join(
            json_dumps(instance(cell, eval_id, i)) + "\n" for i in range(len(cell.outcomes))
        )
        jsonl = folder / f"{name}.jsonl"
        atomic_write_text(jsonl, body)
        checksum = hashlib.sha256(jsonl.read_bytes()).hexdigest()
        agg = aggregate(cell, jsonl, checksum, stamp)
        agg["evaluation_id"] = eval_id
        path = folder / f"{name}.json"
        atomic_write_text(path, json_dumps(agg, indent=1) + "\n")
        written += [path, jsonl]
    return written


# --------------------------------------------------------------------------- import


def _first_text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, str) else None


def _extracted(line: Mapping[str, Any]) -> str | None:
    attributions = line.get("answer_attribution")
    if not isinstance(attributions, list):
        return None
    terminal = [a for a in attributions if isinstance(a, Mapping) and a.get("is_terminal")]
    chosen = (terminal or [a for a in attributions if isinstance(a, Mapping)])[-1:]
    value = chosen[0].get("extracted_value") if chosen else None
    return value if isinstance(value, str) else None


def _sample(line: Mapping[str, Any]) -> LoggedSample:
    inp, meta = table(line.get("input")), table(line.get("metadata"))
    record = {**dict(meta), "input": inp.get("raw")}
    output = line.get("output")
    answer = _first_text(output.get("raw")) if isinstance(output, Mapping) else None
    error = line.get("error") if isinstance(line.get("error"), str) else None
    if answer is None and error is None:
        error = "no output.raw (a multi-turn instance has no single answer)"
    return LoggedSample(
        str(line.get("sample_id")), record, answer, inp.get("reference"), error, _extracted(line)
    )


def read(path: Path, options: ReadOptions) -> ImportedLog:
    """The instances of one evaluation in an instance file (module docstring)."""
    lines = []
    try:
        content = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ImportMismatch(path, f"not UTF-8 text ({exc.reason})",
                             "point params.files at an instance (.jsonl) file") from None
    for n, text in enumerate(content.splitlines(), start=1):
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except ValueError as exc:
            raise ImportMismatch(f"{path}:{n}", f"not JSON ({exc})") from None
        if not isinstance(obj, dict) or "sample_id" not in obj:
            raise ImportMismatch(
                f"{path}:{n}", "not an Every Eval Ever instance (no sample_id)",
                "point params.files at the instance (.jsonl) file, not the aggregate",
            )
        lines.append(obj)
    names = sorted({str(x.get("evaluation_name", "")) for x in lines})
    if options.task:
        lines = [x for x in lines if x.get("evaluation_name") == options.task]
        if not lines:
            raise ImportMismatch(
                path, f"no instances of evaluation {options.task!r}; it has: {', '.join(names)}"
            )
    elif len(names) > 1:
        raise ImportMismatch(
            path, f"instances of {len(names)} evaluations ({', '.join(names[:5])})",
            "add '#EVALUATION_NAME' to the path",
        )
    models = sorted({str(x.get("model_id", "")) for x in lines})
    return ImportedLog(
        str(path), tuple(_sample(x) for x in lines), ", ".join(models),
        options.task or (names[0] if names else ""), "every-eval-ever",
    )


READERS.add("eee", LogReader("eee", read, "an Every Eval Ever instance file (.jsonl)"))
WRITERS.add(
    "eee",
    ExportWriter("eee", write, "Every Eval Ever v0.2.0 aggregate (.json) and instances (.jsonl)"),
)
