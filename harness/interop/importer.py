"""``import``: a model whose answers come from another harness's logs.

Suite entry (paths relative to the data directory, or absolute)::

    [models.smollm-lmeval]
    factory = "import"
    params.format = "lm-eval"                    # lm-eval | inspect | eee
    params.files."snips/real" = "imports/samples_snips_real_2025-01-01T00-00-00.jsonl"
    params.files."snips/gpt-4o" = "imports/results_2025-01-01T00-00-00.json#snips_gpt4o"

``files`` maps each ``dataset/source`` cell to a log file (``#name`` selects an lm-eval
task of a results file or an Every Eval Ever ``evaluation_name``). Each example of
the suite's source is matched to the log's sample with the same text (the task's text
fields, read from an lm-eval sample's ``doc``, an Inspect sample's metadata or
input, an Every Eval Ever instance's metadata or ``input.raw``; ``params.fields``
renames them). The answers are then read as the plugin reads its own ``llm`` model's
answers (``answer = "chat"``: the task's parser) or as prediction values
(``answer = "value"``: a label, a number, JSON spans) and scored by the task's own
metric, so an imported cell is a cell like any other: agreement, intervals, bias and
gates treat it the same.

Nothing is dropped silently: an example with no sample, a sample that matches no
example of a whole source, a sample without the fields to match on, or an answer the
task cannot read is named with the file and the sample id.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.core.records import Dataset, Example, Prediction
from harness.interop.formats import READERS, ReadOptions
from harness.interop.logs import (
    ImportedLog,
    ImportMismatch,
    ImportMissing,
    LoggedSample,
    dig,
    text_of,
)
from harness.models import MODELS, Predictor, TaskContext
from harness.tasks import TASKS
from harness.tasks.kit.base import text_fields
from harness.tasks.kit.chat import ChatOptions, Parse, chat_io
from harness.tasks.kit.prompts.parse import DEFAULT_THRESHOLD

#: How an answer text becomes a prediction: the task's chat parser, or a value.
ANSWERS = ("chat", "value")
#: Examples named in a mismatch message (the count says how many more).
SHOWN = 3


def split_ref(ref: str) -> tuple[str, str]:
    """``path#selector`` -> (path, selector); a path without ``#`` has none."""
    path, _, selector = ref.partition("#")
    return path, selector


def resolve_path(path: str, data_dir: Path | None) -> Path:
    """A log path as the suite gives it: absolute, or relative to the data directory."""
    p = Path(path).expanduser()
    if p.is_absolute() or data_dir is None:
        return p
    return Path(data_dir) / p


def cell_file(files: Mapping[str, str], dataset: str, source: str) -> str:
    """The ``files`` entry of one cell ('' when the suite declares none)."""
    return str(files.get(f"{dataset}/{source}", ""))


def case_files(
    params: Mapping[str, Any], dataset: str, source: str, data_dir: Path | None
) -> list[Path]:
    """The files a case of this model reads, for its fingerprint: a new log, a new result."""
    ref = cell_file(dict(params.get("files", {})), dataset, source)
    return [resolve_path(split_ref(ref)[0], data_dir)] if ref else []


def _short(text: str, n: int = 60) -> str:
    return repr(text if len(text) <= n else text[: n - 1] + "\u2026")


def decode_value(text: str) -> Any:
    """An answer given as a prediction value: JSON when it parses, else the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text.strip()


@dataclass
class ImportPredictor:
    """Answers each source from its log; see the module docstring."""

    ctx: TaskContext
    format: str
    files: Mapping[str, str]
    answer: str
    fields: Mapping[str, str]
    options: ReadOptions
    parse: Parse | None
    _logs: dict[str, ImportedLog] = field(default_factory=dict)

    def predict(self, examples: Sequence[Example]) -> list[Prediction]:
        raise TypeError(
            "import: answers depend on the source; call predict_source(dataset) "
            "(harness.models.base.predict_data does)"
        )

    def predict_source(self, data: Dataset) -> list[Prediction]:
        ref = cell_file(self.files, data.name, data.generator)
        if not ref:
            raise ImportMissing(
                data.path,
                f"import: no log declared for dataset {data.name!r}, source "
                f"{data.generator!r}; add params.files.\"{data.name}/{data.generator}\" = "
                f"\"PATH\" to the model (declared: {', '.join(sorted(self.files)) or 'none'})",
            )
        log = self._log(ref)
        samples = match_samples(log, data, self.fields)
        name = Path(log.path).name
        return [
            self._prediction(ex, s, name) for ex, s in zip(data.examples, samples, strict=True)
        ]

    def _log(self, ref: str) -> ImportedLog:
        if ref not in self._logs:
            path, selector = split_ref(ref)
            where = resolve_path(path, self.ctx.data_dir)
            if not where.exists():
                raise ImportMissing(where, f"import: log file not found: {where}")
            options = ReadOptions(selector or self.options.task, self.options.filter,
                                  self.options.epoch)
            self._logs[ref] = READERS.get(self.format).read(where, options)
        return self._logs[ref]

    def _prediction(self, ex: Example, sample: LoggedSample, name: str) -> Prediction:
        who = f"{name}: sample {sample.sample_id}"
        if sample.answer is None:
            return Prediction(None, raw=None, error=f"{who}: {sample.error or 'no answer'}")
        if self.parse is not None:
            pred = self.parse(ex, sample.answer)
        else:
            given = sample.extracted if sample.extracted is not None else sample.answer
            if not given.strip():
                return Prediction(None, raw=sample.answer, error=f"{who}: empty answer")
            pred = Prediction(decode_value(given), raw=sample.answer)
        if pred.value is None:
            return Prediction(None, raw=pred.raw, error=f"{who}: {pred.error or 'no answer'}")
        try:
            readable = TASKS.get(self.ctx.task).encode(pred.value)
        except (TypeError, ValueError, KeyError, IndexError) as exc:
            readable, why = None, f"{type(exc).__name__}: {exc}"
        else:
            why = "not a prediction of this task"
        if readable is None:
            return Prediction(
                None, raw=pred.raw,
                error=f"{who}: the {self.ctx.task} task cannot read {_short(str(pred.value))} "
                f"({why})",
            )
        return pred


def _sample_key(sample: LoggedSample, names: Sequence[str], fields: Mapping[str, str]) -> tuple[
    str, ...
] | None:
    """The texts of the task's text fields as the sample records them; None if absent."""
    out = []
    for name in names:
        value = dig(sample.record, fields.get(name, name))
        if value is None and len(names) == 1 and name not in fields:
            value = sample.record.get("input")  # a one-text task's input is the text
        text = text_of(value)
        if text is None:
            return None
        out.append(text.strip())
    return tuple(out)


def _example_key(ex: Example, names: Sequence[str]) -> tuple[str, ...]:
    return tuple(str(getattr(ex, n, "")).strip() for n in names)


def _whole(data: Dataset) -> bool:
    """Whether ``data`` is its whole file (not a seeded sample of it)."""
    return len(data.examples) >= data.issues.rows - data.issues.dropped_records


def match_samples(
    log: ImportedLog, data: Dataset, fields: Mapping[str, str]
) -> list[LoggedSample]:
    """The log's sample of every example of ``data``, in order; mismatches raise."""
    task = TASKS.get(data.task)
    names = text_fields(task)
    by_key: dict[tuple[str, ...], list[LoggedSample]] = {}
    for s in log.samples:
        key = _sample_key(s, names, fields)
        if key is None:
            raise ImportMismatch(
                log.path,
                f"sample {s.sample_id} has no field {' or '.join(repr(n) for n in names)} "
                f"to match the suite's examples on (its fields: "
                f"{', '.join(sorted(map(str, s.record))) or 'none'})",
                "map the task's text fields onto the log's with params.fields, e.g. "
                f'fields = {{ {names[0]} = "FIELD" }}',
            )
        by_key.setdefault(key, []).append(s)
    used: dict[tuple[str, ...], int] = {}
    out: list[LoggedSample] = []
    missing: list[str] = []
    for ex in data.examples:
        key = _example_key(ex, names)
        found = by_key.get(key)
        if not found:
            missing.append(" | ".join(key))
            continue
        n = used.get(key, 0)
        # A duplicate example answered once in the log reuses that answer.
        out.append(found[min(n, len(found) - 1)])
        used[key] = n + 1
    if missing:
        raise ImportMismatch(
            log.path,
            f"{len(missing)} of {len(data.examples)} examples of source {data.generator!r} "
            f"({data.path}) have no sample in the log, e.g. "
            + ", ".join(_short(t) for t in missing[:SHOWN]),
            "import the log of this very source (same texts), or fix params.files",
        )
    if _whole(data):
        extra = [s.sample_id for k, ss in by_key.items() if k not in used for s in ss]
        if extra:
            raise ImportMismatch(
                log.path,
                f"{len(extra)} sample(s) match no example of source {data.generator!r} "
                f"({data.path}): sample id(s) {', '.join(extra[:SHOWN + 2])}",
                "the log was made on other data; import the log of this source",
            )
    return out


@MODELS.register("import")
def import_model(
    ctx: TaskContext,
    format: str,
    files: dict[str, str],
    answer: str = "chat",
    fields: dict[str, str] | None = None,
    task: str = "",
    filter: str = "",
    epoch: int = 1,
    fuzzy_threshold: float = DEFAULT_THRESHOLD,
    scale: str = "",
) -> Predictor:
    """Another harness's logged answers as a model (see the module docstring)."""
    if format not in READERS:
        raise ValueError(
            f"import: unknown format {format!r}; known: {', '.join(READERS.names())}"
        )
    if answer not in ANSWERS:
        raise ValueError(f"import: answer must be one of {', '.join(ANSWERS)}; got {answer!r}")
    bad = [k for k in files if k.count("/") != 1]
    if bad:
        raise ValueError(
            f"import: files keys are 'dataset/source' (e.g. \"snips/real\"), got {bad[0]!r}"
        )
    parse = None
    if answer == "chat":
        options = ChatOptions(float(fuzzy_threshold), str(scale))
        parse = chat_io(TASKS.get(ctx.task), ctx, options).parse
    return ImportPredictor(
        ctx, format, dict(files), answer, dict(fields or {}),
        ReadOptions(task, filter, int(epoch)), parse,
    )


# The store fingerprints a case by the logs it reads (harness.run.fingerprint).
import_model.case_files = case_files  # type: ignore[attr-defined]
