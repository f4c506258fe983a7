"""Inspect (inspect_ai) eval logs: ``.eval`` and ``.json`` in, one log per cell out.

Export builds each cell's log in the JSON form of inspect_ai's ``EvalLog``: per example
a sample with its input (the task's text fields), target (the gold), output (the
model's answer) and a ``synthbench`` score (``C``/``I`` where the task defines
per-example correctness, the predicted value where it does not), the text fields
and the stored gold and prediction in its metadata; the cell's metrics, interval
and standard error in ``results``; the suite's model and source in the eval's
metadata. With inspect_ai installed the dict is validated by ``EvalLog`` and written
by inspect_ai's own ``write_eval_log`` as ``.eval``, which ``inspect view`` opens;
without it the same dict is written as a ``.json`` log.

Import reads a log with inspect_ai's ``read_eval_log`` when installed, else the
``.json`` file or the ``.eval`` zip directly. Each sample's ``metadata`` and ``input``
(a string, or the last user message of a chat input) are matched on; its answer is
``output.completion``; a sample with an error has none. ``params.epoch`` picks the
epoch of a log with several (default 1).
"""

from __future__ import annotations

import importlib.util
import json
import math
import re
import zipfile
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

SCORER = "synthbench"


def available() -> bool:
    """Whether inspect_ai is installed (its writer and reader are then used)."""
    return importlib.util.find_spec("inspect_ai") is not None


# --------------------------------------------------------------------------- export


def _score(cell: CellExport, i: int) -> dict[str, Any]:
    o = cell.outcomes[i]
    value: Any
    if o.correct is not None:
        value = "C" if o.correct else "I"
    else:  # graded task: the prediction itself; the cell's metric is over all samples
        value = float(o.prediction) if isinstance(o.prediction, int | float) else "invalid"
    return {
        "value": value,
        "answer": "" if o.prediction is None else value_text(o.prediction),
        "explanation": o.error or "",
        "metadata": {"gold": o.gold, "prediction": o.prediction, "correct": o.correct},
    }


def _sample(cell: CellExport, i: int) -> dict[str, Any]:
    task = TASKS.get(cell.key.task)
    ex, o = cell.examples[i], cell.outcomes[i]
    text, answer = input_text(task, ex), answer_text(o)
    model = cell.model.model_id or f"synthbench/{cell.key.model}"
    return {
        "id": o.index + 1,
        "epoch": 1,
        "input": text,
        "target": value_text(o.gold),
        "messages": [
            {"role": "user", "content": text, "source": "input"},
            {"role": "assistant", "content": answer, "source": "generate"},
        ],
        "output": {
            "model": model,
            "choices": [{"message": {"role": "assistant", "content": answer},
                         "stop_reason": "stop"}],
            "completion": answer,
        },
        "scores": {SCORER: _score(cell, i)},
        "metadata": {**input_fields(task, ex), "synthbench_error": o.error},
        **({"error": {"message": o.error, "traceback": "", "traceback_ansi": ""}}
           if o.error and o.raw is None else {}),
    }


def _metrics(cell: CellExport) -> dict[str, dict[str, Any]]:
    values = {m: v for m, v in cell.result.metrics.items() if math.isfinite(v)}
    ci = cell.interval
    if ci is not None:
        values.update({"ci_low": ci.low, "ci_high": ci.high, "stderr": ci.se})
    return {name: {"name": name, "value": float(v)} for name, v in values.items()}


def eval_log(cell: CellExport) -> dict[str, Any]:
    """The cell's log in the JSON form of inspect_ai's ``EvalLog`` (module docstring)."""
    k, n = cell.key, len(cell.outcomes)
    created = cell.created or "1970-01-01T00:00:00+00:00"
    return {
        "version": 2,
        "status": "success",
        "eval": {
            "eval_id": f"synthbench-{cell.result.fingerprint}",
            "run_id": cell.run or "synthbench",
            "created": created,
            "task": f"synthbench/{k.task}/{k.dataset}/{k.generator}",
            "task_id": f"{k.task}-{k.dataset}-{k.generator}",
            "task_version": 0,
            "dataset": {"name": f"{k.dataset}/{k.generator}", "location": cell.source_path,
                        "samples": n, "sample_ids": [o.index + 1 for o in cell.outcomes],
                        "shuffled": False},
            "model": cell.model.model_id or f"synthbench/{k.model}",
            "config": {},
            "metadata": {"synthbench": {
                "task": k.task, "dataset": k.dataset, "source": k.generator,
                "generator_model_id": cell.generator_id, "model": k.model,
                "factory": cell.model.factory, "same_as": cell.model.same_as,
                "suite": cell.suite, "run": cell.run, "fingerprint": cell.result.fingerprint,
                "primary": cell.result.primary,
            }},
        },
        "plan": {"name": "plan", "steps": [], "config": {}},
        "results": {
            "total_samples": n,
            "completed_samples": n,
            "scores": [{"name": SCORER, "scorer": SCORER, "reducer": None,
                        "params": {}, "metrics": _metrics(cell)}],
        },
        "stats": {"started_at": created, "completed_at": created, "model_usage": {}},
        "samples": [_sample(cell, i) for i in range(n)],
    }


def _file_name(cell: CellExport, suffix: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", cell.key.id)[:150] + suffix


def write(cells: Sequence[CellExport], out: Path) -> list[Path]:
    """One log per cell: ``.eval`` through inspect_ai when installed, else ``.json``."""
    written = []
    for cell in cells:
        doc = eval_log(cell)
        if available():
            from inspect_ai.log import EvalLog, write_eval_log

            path = out / _file_name(cell, ".eval")
            path.parent.mkdir(parents=True, exist_ok=True)
            write_eval_log(EvalLog.model_validate(doc), str(path), format="eval")
        else:
            path = out / _file_name(cell, ".json")
            atomic_write_text(path, json_dumps(doc, indent=1) + "\n")
        written.append(path)
    return written


# --------------------------------------------------------------------------- import


def _load(path: Path) -> dict[str, Any]:
    """The log as a JSON-form dict, with its samples."""
    if available():
        from inspect_ai.log import read_eval_log

        try:
            log = read_eval_log(str(path))
        except Exception as exc:  # noqa: BLE001 - any unreadable log: name the file
            raise ImportMismatch(path, f"inspect_ai cannot read it ({type(exc).__name__}: "
                                 f"{exc})", "is it an Inspect eval log?") from None
        doc: dict[str, Any] = log.model_dump(mode="json")
        return doc
    return _load_plain(path)


def _load_plain(path: Path) -> dict[str, Any]:
    """A log without inspect_ai: the ``.json`` file, or the ``.eval`` zip's parts."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                names = z.namelist()
                head = "header.json" if "header.json" in names else "_journal/start.json"
                doc = json.loads(z.read(head))
                doc["samples"] = [
                    json.loads(z.read(n)) for n in sorted(names)
                    if n.startswith("samples/") and n.endswith(".json")
                ]
                return dict(doc)
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, KeyError, UnicodeDecodeError, zipfile.BadZipFile) as exc:
        raise ImportMismatch(path, f"not an Inspect eval log ({exc})") from None
    if not isinstance(loaded, dict):
        raise ImportMismatch(path, "not an Inspect eval log (not a JSON object)")
    return loaded


def _answer(sample: Mapping[str, Any]) -> tuple[str | None, str | None]:
    error = sample.get("error")
    if isinstance(error, Mapping) and error.get("message"):
        return None, f"the sample failed in Inspect: {error['message']}"
    output = sample.get("output")
    if not isinstance(output, Mapping):
        return None, "no output"
    text = output.get("completion")
    if isinstance(text, str) and text:
        return text, None
    choices = output.get("choices") or []
    if choices and isinstance(choices[0], Mapping):
        content = choices[0].get("message", {}).get("content")
        if isinstance(content, str):
            return content, None
        if isinstance(content, list):
            return "".join(str(c.get("text", "")) for c in content if isinstance(c, Mapping)), None
    return (text, None) if isinstance(text, str) else (None, "no output completion")


def _extracted(sample: Mapping[str, Any]) -> str | None:
    scores = sample.get("scores")
    if isinstance(scores, Mapping) and len(scores) == 1:
        (score,) = scores.values()
        if isinstance(score, Mapping) and isinstance(score.get("answer"), str):
            return str(score["answer"])
    return None


def read(path: Path, options: ReadOptions) -> ImportedLog:
    """One epoch of an Inspect log's samples (module docstring)."""
    doc = _load(path)
    spec = table(doc.get("eval"))
    samples = [s for s in doc.get("samples") or [] if isinstance(s, Mapping)]
    if not samples:
        raise ImportMismatch(
            path, f"the log has no samples (status {doc.get('status')!r})",
            "import a log written with its samples (the default of inspect eval)",
        )
    epochs = sorted({int(s.get("epoch") or 1) for s in samples})
    if options.epoch not in epochs:
        raise ImportMismatch(path, f"no epoch {options.epoch}; the log has {epochs}")
    out = []
    for s in samples:
        if int(s.get("epoch") or 1) != options.epoch:
            continue
        meta = table(s.get("metadata"))
        answer, error = _answer(s)
        record = {**dict(meta), "input": s.get("input"), "id": s.get("id")}
        out.append(LoggedSample(str(s.get("id")), record, answer, s.get("target"), error,
                                _extracted(s)))
    return ImportedLog(
        str(path), tuple(out), str(spec.get("model", "")), str(spec.get("task", "")), "inspect",
        {"status": doc.get("status"), "epochs": epochs},
    )


READERS.add("inspect", LogReader("inspect", read, "an Inspect eval log (.eval or .json)"))
WRITERS.add(
    "inspect",
    ExportWriter("inspect", write, "one Inspect eval log per cell (.eval; .json without "
                 "inspect_ai)"),
)
