"""Which datasets and sources a data directory holds, for ``data check`` and ``generate``.

Dataset specs come from the suite file when it names the dataset, else from the
data directory's conventions: ``real/<dataset>/test.jsonl`` (and ``train.jsonl``,
``labels.json`` when present) with the task taken from ``manifest.json`` or given.
"""

from __future__ import annotations

import json
from pathlib import Path

from harness.config import DatasetSpec, Suite
from harness.records import REAL


def _manifest_tasks(data_dir: Path) -> dict[str, str]:
    try:
        manifest = json.loads((data_dir / "manifest.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    real = manifest.get("real", {}) if isinstance(manifest, dict) else {}
    return {str(k): str(v["task"]) for k, v in real.items() if isinstance(v, dict) and "task" in v}


def conventional_spec(data_dir: Path, dataset: str, task: str) -> DatasetSpec:
    """A spec from the layout alone (no suite entry)."""
    base = f"real/{dataset}"
    has = (Path(data_dir) / base).joinpath
    return DatasetSpec(
        name=dataset,
        task=task,
        test=f"{base}/test.jsonl",
        train=f"{base}/train.jsonl" if has("train.jsonl").is_file() else "",
        labels=f"{base}/labels.json" if has("labels.json").is_file() else "",
    )


def find_spec(
    data_dir: Path, dataset: str, suite: Suite | None = None, task: str = ""
) -> DatasetSpec:
    """The spec of ``dataset``: the suite's, else the conventional one.

    Raises ``ValueError`` naming what is missing when neither knows the task.
    """
    if suite is not None:
        for spec in suite.datasets:
            if spec.name == dataset:
                if task and task != spec.task:
                    raise ValueError(f"dataset {dataset!r} is a {spec.task} dataset in "
                                     f"{suite.path}, not {task}")
                return spec
    task = task or _manifest_tasks(Path(data_dir)).get(dataset, "")
    if not task:
        raise ValueError(f"unknown dataset {dataset!r}: not in the suite nor in "
                         f"{Path(data_dir) / 'manifest.json'}; pass --task")
    return conventional_spec(Path(data_dir), dataset, task)


def all_sources(data_dir: Path, suite: Suite | None = None) -> list[tuple[DatasetSpec, str]]:
    """Every (spec, generator) whose file exists: real first, then synthetic by name."""
    data_dir = Path(data_dir)
    names = [d.name for d in suite.datasets] if suite is not None else []
    names += sorted(set(_manifest_tasks(data_dir)) - set(names))
    out = []
    for name in names:
        try:
            spec = find_spec(data_dir, name, suite)
        except ValueError:
            continue
        if (data_dir / spec.test).is_file():
            out.append((spec, REAL))
        synth = (data_dir / spec.source_path("__gen__")).parent
        if synth.is_dir():
            stem_tpl = Path(spec.source_path("__gen__")).name
            suffix = stem_tpl.replace("__gen__", "")
            for f in sorted(synth.glob(f"*{suffix}")):
                gen = f.name[: -len(suffix)] if suffix else f.name
                if f.is_file() and not f.name.startswith("."):
                    out.append((spec, gen))
    return out
