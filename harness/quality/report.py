"""The data-quality report of one source: every figure of ``docs/generate.md``.

Records are read as written (no repairs), and a malformed line does not stop the
report: it is counted and listed with its line number, since the report exists to
show what is wrong with a file.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.core.records import REAL, Example
from harness.core.spec import DatasetSpec
from harness.data import label_set
from harness.quality.checks import run_checks
from harness.quality.contamination import NEAR_THRESHOLD, Encoder, contamination
from harness.quality.distribution import compare, keys_for, label_counts
from harness.quality.sources import readable_spec, source_jsonl
from harness.quality.text import distinct_n, length_stats, units
from harness.tasks import TASKS, RecordError, Task

#: Version of the quality dict's shape, for readers of report.json.
QUALITY_SCHEMA = 1
#: How many malformed lines / duplicate texts are listed (all are counted).
LISTED = 5


def read_records(path: Path, task: str) -> tuple[list[Example], list[dict[str, Any]], int]:
    """``(examples, malformed, rows)`` of a JSONL file; blank lines are not rows.

    ``malformed`` holds ``{"line", "error"}`` for each line that is not a valid record.
    """
    parse = TASKS.get(task).parse_record
    examples: list[Example] = []
    malformed: list[dict[str, Any]] = []
    rows = 0
    with open(path, encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            rows += 1
            try:
                examples.append(parse(json.loads(line)))
            except json.JSONDecodeError as exc:
                malformed.append({"line": lineno, "error": f"not valid JSON ({exc.msg})"})
            except RecordError as exc:
                malformed.append({"line": lineno, "error": str(exc)})
    return examples, malformed, rows


def _duplicates(task: Task, examples: Sequence[Example]) -> dict[str, Any]:
    # The task's duplicate key: the same rule as the data loader's count, so they agree.
    counts = Counter(task.dedup_key(e) for e in examples)
    repeated = [(k, n) for k, n in counts.most_common() if n > 1]
    return {
        # Extra copies: rows minus distinct examples (the data README's count).
        "count": len(examples) - len(counts),
        "groups": len(repeated),
        "top": [
            {"text": " || ".join(map(str, k)) if isinstance(k, tuple) else str(k),
             "copies": n}
            for k, n in repeated[:LISTED]
        ],
    }


def assess(
    task: str,
    examples: Sequence[Example],
    *,
    labels: Sequence[str] = (),
    score_range: tuple[float, float] = (0.0, 5.0),
    real: Sequence[Example] | None = None,
    encoder: Encoder | None = None,
    threshold: float = NEAR_THRESHOLD,
    rows: int | None = None,
    malformed: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """The quality dict of ``examples``; ``real`` (the real test set) enables the
    comparisons, ``encoder`` the near-duplicate search."""
    own = TASKS.get(task)
    texts = [t for ex in examples for t in units(own, ex)]
    keys = keys_for(task)
    real_counts = label_counts(real, keys) if real is not None else None
    out: dict[str, Any] = {
        "schema": QUALITY_SCHEMA,
        "task": task,
        "rows": len(examples) + len(malformed) if rows is None else rows,
        "valid": len(examples),
        "malformed": len(malformed),
        "malformed_lines": list(malformed[:LISTED]),
        "duplicates": _duplicates(own, examples),
        "labels": compare(label_counts(examples, keys), real_counts),
        "distinct_1": _round(distinct_n(texts, 1)),
        "distinct_2": _round(distinct_n(texts, 2)),
        "length": length_stats(texts),
        "checks": run_checks(task, list(examples), labels, score_range),
    }
    if labels:  # a task with a label set (similarity has none)
        present = set(label_counts(examples, keys))
        out["labels"]["label_set_coverage"] = round(len(present & set(labels)) / len(labels), 6)
    if real is not None:
        out["contamination"] = contamination(
            [units(own, e) for e in examples], [units(own, e) for e in real], encoder, threshold
        )
    return out


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 6)


def check_file(
    path: Path,
    task: str,
    *,
    labels: Sequence[str] = (),
    score_range: tuple[float, float] = (0.0, 5.0),
    real: Sequence[Example] | None = None,
    encoder: Encoder | None = None,
    threshold: float = NEAR_THRESHOLD,
) -> dict[str, Any]:
    """The quality dict of one JSONL file (see ``assess``), with its path."""
    examples, malformed, rows = read_records(path, task)
    out = assess(task, examples, labels=labels, score_range=score_range, real=real,
                 encoder=encoder, threshold=threshold, rows=rows, malformed=malformed)
    return {"path": str(path), **out}


def check_source(
    data_dir: Path,
    spec: DatasetSpec,
    generator: str,
    *,
    encoder: Encoder | None = None,
    threshold: float = NEAR_THRESHOLD,
) -> dict[str, Any]:
    """The quality dict of one (dataset, generator) source against the real test set.

    The real source itself is the reference: it gets every figure but contamination.
    A missing file raises ``DataMissing``.
    """
    return check_against(data_dir, spec, generator, spec.source_path(generator),
                         encoder=encoder, threshold=threshold)


def check_against(
    data_dir: Path,
    spec: DatasetSpec,
    generator: str,
    source: str | Path,
    *,
    encoder: Encoder | None = None,
    threshold: float = NEAR_THRESHOLD,
) -> dict[str, Any]:
    """``check_source`` for an explicit file (relative to ``data_dir``) or ``hf://`` URI."""
    data_dir = Path(data_dir)
    # Any format the loader reads: CSV, Parquet, JSON, folders and hf:// become the
    # JSONL a run reads (converted once, cached), real splits included.
    path, converted = source_jsonl(data_dir, spec, str(source))
    local = readable_spec(data_dir, spec)
    labels = label_set(data_dir, local)
    real = None
    if generator != REAL:
        real = read_records(source_jsonl(data_dir, spec, spec.test)[0], spec.task)[0]
    out = check_file(path, spec.task, labels=labels, score_range=spec.score_range, real=real,
                     encoder=encoder, threshold=threshold)
    if converted:
        # Rows of the converted file are the source's rows, one per line: say "row".
        out["converted"] = out["path"]
        out["path"] = str(source) if str(source).startswith("hf://") else str(data_dir / source)
        out["malformed_lines"] = [{"row": m["line"], "error": m["error"]}
                                  for m in out["malformed_lines"]]
    if str(source).startswith("hf://"):
        out["source"] = str(source)
    return {"dataset": spec.name, "generator": generator, **out}

