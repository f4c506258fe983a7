"""Which datasets and sources a data directory holds, for ``data check`` and ``generate``.

Dataset specs come from the suite file when it names the dataset, else from the
data directory's conventions: ``real/<dataset>/test.jsonl`` (and ``train.jsonl``,
``labels.json`` when present) with the task taken from ``manifest.json`` or given.

A source in any format the loader reads (JSONL, CSV, Parquet, JSON, a
``save_to_disk`` folder, an ``hf://`` file or repository) is read through the
loader's own conversion (``harness.data.hf_datasets``), so the quality checks see
exactly the records a run evaluates.
"""

from __future__ import annotations

import json
from pathlib import Path

from harness.core.records import REAL
from harness.core.spec import DatasetSpec, Suite
from harness.data.errors import DataMissing
from harness.data.hf_datasets import convert, is_datasets_source, materialise
from harness.data.hub import is_repo_uri, resolve


def source_jsonl(data_dir: Path, spec: DatasetSpec, source: str) -> tuple[Path, bool]:
    """``(JSONL file, converted?)`` holding ``source`` (a path relative to ``data_dir``,
    an absolute path or an ``hf://`` URI), as the loader reads it.

    Raises ``DataMissing`` for a missing source and ``DataError`` (naming the file
    and line) for one that cannot be read.
    """
    data_dir = Path(data_dir)
    if source.startswith("hf://") and not is_repo_uri(source):
        source = str(resolve(source))  # one Hub file, through the Hub cache
    if is_datasets_source(source, spec, data_dir):
        return convert(source, spec, spec.split, data_dir), True
    path = data_dir / source
    if not path.is_file():
        raise DataMissing(path)
    return path, False


def readable_spec(data_dir: Path, spec: DatasetSpec) -> DatasetSpec:
    """``spec`` with datasets-format real splits converted, as a run loads them."""
    return materialise(spec, Path(data_dir))


def source_exists(data_dir: Path, path: str) -> bool:
    """Whether a source path names something to read: a file, a folder or an hf:// URI."""
    return path.startswith("hf://") or (Path(data_dir) / path).exists()


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
        if source_exists(data_dir, spec.test):
            out.append((spec, REAL))
        found: list[str] = []
        synth = (data_dir / spec.source_path("__gen__")).parent
        if synth.is_dir():
            stem_tpl = Path(spec.source_path("__gen__")).name
            suffix = stem_tpl.replace("__gen__", "")
            # The real splits may share the folder (`tickets/test.csv` beside
            # `tickets/{generator}.csv`): they are not generators.
            splits = {(data_dir / p).resolve() for p in (spec.test, spec.train, spec.labels)
                      if p and not p.startswith("hf://")}
            for f in sorted(synth.glob(f"*{suffix}")):
                gen = f.name[: -len(suffix)] if suffix else f.name
                if (f.exists() and not f.name.startswith(".") and gen != REAL
                        and f.resolve() not in splits):
                    found.append(gen)
        # The suite's generators too: hf:// sources and folders the glob does not see.
        named = spec.generators or (suite.generator_names() if suite is not None else ())
        for gen in named:
            if gen not in found and gen != REAL and source_exists(data_dir,
                                                                  spec.source_path(gen)):
                found.append(gen)
        out += [(spec, gen) for gen in found]
    return out
