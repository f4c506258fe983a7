"""Hugging Face Hub evaluation results: ``<model>/.eval_results/<dataset>__<source>.yaml``.

One file per (dataset, source) of each model, holding one entry in the Hub's
``.eval_results`` format: ``dataset.id`` (the Hub repo of an ``hf://`` source, else the
suite's dataset name: the Hub shows results only for datasets registered there as
benchmarks), ``dataset.task_id`` (the source), ``value`` (the primary score), ``date``
and ``notes`` with the metric, the interval and the number of examples. The folder
``<model>/.eval_results/`` is what goes into the model's repository.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from harness.interop.cells import CellExport
from harness.interop.formats import WRITERS, ExportWriter
from harness.store.files import atomic_write_text

_HF = re.compile(r"^hf://datasets/([^/@]+/[^/@]+)")


def dataset_id(cell: CellExport) -> str:
    """The Hub repo of the cell's source when it is one, else the suite's dataset name."""
    m = _HF.match(cell.source_path)
    return m.group(1) if m else cell.key.dataset


def _notes(cell: CellExport) -> str:
    metric = cell.result.primary
    parts = [f"{metric}, {cell.key.task} task, source {cell.key.generator}",
             f"{cell.result.n_examples} examples ({cell.result.n_invalid} invalid)"]
    ci = cell.interval
    if ci is not None:
        parts.append(
            f"{ci.level:.0%} bootstrap interval [{ci.low:.4f}, {ci.high:.4f}], SE {ci.se:.4f}"
        )
    return "; ".join(parts) + " (pytest-synthbench)"


def entry(cell: CellExport) -> dict[str, Any]:
    """The ``.eval_results`` entry of one cell."""
    out: dict[str, Any] = {
        "dataset": {"id": dataset_id(cell), "task_id": cell.key.generator},
        "value": round(float(cell.result.score or 0.0), 6),
        "notes": _notes(cell),
    }
    if cell.created:
        out["date"] = cell.created
    return out


def write(cells: Sequence[CellExport], out: Path) -> list[Path]:
    """One YAML file per (model, dataset, source) with a defined score."""
    written = []
    for cell in cells:
        score = cell.result.score
        if score is None or score != score:  # NaN: an undefined metric has no value
            continue
        path = out / cell.key.model / ".eval_results" / (
            f"{cell.key.dataset}__{cell.key.generator}.yaml"
        )
        text = yaml.safe_dump([entry(cell)], allow_unicode=True, sort_keys=False)
        atomic_write_text(path, text)
        written.append(path)
    return written


WRITERS.add("hub", ExportWriter("hub", write, "Hugging Face Hub .eval_results/*.yaml per model"))
