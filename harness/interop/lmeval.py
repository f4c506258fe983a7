"""lm-evaluation-harness logs: ``samples_<task>_<date>.jsonl`` beside ``results_<date>.json``.

The suite points at a samples file, or at a results file with ``#task``. The results
file of the same date gives the task's config (its ``output_type``) and the model's
name; without it the output type is read off the samples. An answer is

* ``generate_until``: the filtered response text (``filtered_resps[0]``);
* ``multiple_choice``: the continuation with the highest log-likelihood (lm-eval's
  ``acc`` rule), stripped;

any other output type (log-likelihoods of one continuation, rolling perplexity) gives
no answer a task can read, and is refused naming the file. A task that logged several
filters needs ``params.filter`` to pick one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.interop.formats import READERS, LogReader, ReadOptions
from harness.interop.logs import ImportedLog, ImportMismatch, LoggedSample

_SAMPLES = re.compile(r"^samples_(?P<task>.+)_(?P<date>\d{4}-\d{2}-\d{2}T[0-9.\-]+)\.jsonl$")
_RESULTS = re.compile(r"^results_(?P<date>\d{4}-\d{2}-\d{2}T[0-9.\-]+)\.json$")
#: Output types whose samples carry an answer text.
GENERATE, CHOICE = "generate_until", "multiple_choice"
_WHAT = "point params.files at an lm-eval samples_*.jsonl file"


def _json_lines(path: Path) -> list[dict[str, Any]]:
    rows = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise ImportMismatch(path, f"not UTF-8 text ({exc.reason})", _WHAT) from None
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise ImportMismatch(f"{path}:{n}", f"not JSON ({exc})", _WHAT) from None
        if not isinstance(obj, dict) or "doc_id" not in obj:
            raise ImportMismatch(f"{path}:{n}", "not an lm-eval sample (no doc_id)")
        rows.append(obj)
    return rows


def _results(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ImportMismatch(path, f"not an lm-eval results file ({exc})") from None
    if not isinstance(doc, dict):
        raise ImportMismatch(path, "not an lm-eval results file (not a JSON object)")
    return doc


def locate(path: Path, task: str) -> tuple[Path, Path | None, str]:
    """(samples file, results file or None, task name) of a suite's path and selector."""
    m = _RESULTS.match(path.name)
    if m:
        if not task:
            raise ImportMismatch(
                path, "a results file holds several tasks", "add '#TASK' to the path"
            )
        found = sorted(path.parent.glob(f"samples_{task}_{m['date']}.jsonl"))
        if not found:
            raise ImportMismatch(
                path, f"no samples_{task}_{m['date']}.jsonl beside it",
                "run lm-eval with --log_samples, or check the task name",
            )
        return found[0], path, task
    s = _SAMPLES.match(path.name)
    if not s:
        return path, None, task
    results = path.parent / f"results_{s['date']}.json"
    return path, (results if results.is_file() else None), task or s["task"]


def _output_type(config: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]) -> str:
    declared = config.get("output_type")
    if isinstance(declared, str) and declared:
        return declared
    resps = rows[0].get("filtered_resps") if rows else None
    if isinstance(resps, list) and resps and all(isinstance(r, list) for r in resps):
        return CHOICE  # one (log-likelihood, is-greedy) pair per choice
    return GENERATE


def _continuations(args: Any) -> list[str]:
    """Each choice's continuation from a sample's ``arguments`` (dict or list form)."""
    if isinstance(args, Mapping):
        args = [list(v.values()) if isinstance(v, Mapping) else v for v in args.values()]
    out = []
    for a in args if isinstance(args, list) else []:
        out.append(str(a[1]) if isinstance(a, list) and len(a) > 1 else "")
    return out


def _choice_answer(row: Mapping[str, Any]) -> tuple[str | None, str | None]:
    resps = row.get("filtered_resps")
    choices = _continuations(row.get("arguments"))
    try:
        lls = [float(r[0] if isinstance(r, list) else r) for r in resps or []]
    except (TypeError, ValueError):
        return None, f"unreadable log-likelihoods {str(resps)[:60]}"
    if not lls or len(lls) != len(choices):
        return None, f"{len(lls)} log-likelihoods for {len(choices)} choices"
    best = max(range(len(lls)), key=lambda i: lls[i])
    return choices[best].strip(), None


def _generated_answer(row: Mapping[str, Any]) -> tuple[str | None, str | None]:
    resps: Any = row.get("filtered_resps")
    while isinstance(resps, list) and resps:
        resps = resps[0]
    if isinstance(resps, str):
        return resps, None
    return None, f"no generated text in filtered_resps ({str(row.get('filtered_resps'))[:60]})"


_ANSWERS = {GENERATE: _generated_answer, CHOICE: _choice_answer}


def _one_filter(rows: list[dict[str, Any]], chosen: str, path: Path) -> list[dict[str, Any]]:
    filters = sorted({str(r.get("filter", "")) for r in rows})
    if chosen:
        if chosen not in filters:
            raise ImportMismatch(path, f"no filter {chosen!r}; the log has: {', '.join(filters)}")
        return [r for r in rows if str(r.get("filter", "")) == chosen]
    if len(filters) > 1:
        raise ImportMismatch(
            path, f"the log holds {len(filters)} filters ({', '.join(filters)})",
            'choose one with params.filter = "NAME"',
        )
    return rows


def _model_name(results: Mapping[str, Any]) -> str:
    for key in ("model_name",):
        if isinstance(results.get(key), str) and results[key]:
            return str(results[key])
    config = results.get("config", {})
    if isinstance(config, Mapping):
        return str(config.get("model_args") or config.get("model") or "")
    return ""


def read(path: Path, options: ReadOptions) -> ImportedLog:
    """The samples of one lm-eval task (see the module docstring)."""
    samples_file, results_file, task = locate(path, options.task)
    rows = _one_filter(_json_lines(samples_file), options.filter, samples_file)
    results = _results(results_file) if results_file is not None else {}
    configs = results.get("configs", {})
    config = configs.get(task, {}) if isinstance(configs, Mapping) else {}
    kind = _output_type(config if isinstance(config, Mapping) else {}, rows)
    answer_of = _ANSWERS.get(kind)
    if answer_of is None:
        raise ImportMismatch(
            samples_file,
            f"task {task!r} has output type {kind!r}, which gives no answer a task can read",
            f"import a task of output type {' or '.join(_ANSWERS)}",
        )
    samples = []
    for row in rows:
        doc = row.get("doc")
        record = dict(doc) if isinstance(doc, Mapping) else {"input": doc}
        answer, error = answer_of(row)
        samples.append(
            LoggedSample(str(row.get("doc_id")), record, answer, row.get("target"), error)
        )
    return ImportedLog(
        str(samples_file), tuple(samples), _model_name(results), task, "lm-eval",
        {"output_type": kind, "results": str(results_file or "")},
    )


READERS.add(
    "lm-eval",
    LogReader("lm-eval", read, "samples_<task>_<date>.jsonl, or results_<date>.json#<task>"),
)
