"""Sources in the ``datasets`` library's formats, converted once to the project's JSONL.

A dataset's ``test`` or ``train`` may be, besides a ``.jsonl`` file:

* a Hub dataset repository at a pinned revision, ``hf://datasets/ORG/NAME@REVISION``
  (no file path): its files are fetched through huggingface_hub's cache
  (``hub.snapshot``), then read like a local folder;
* a local folder of Parquet, CSV or JSON files (splits from the file names, as
  ``datasets.load_dataset(folder)`` infers them) or a ``save_to_disk`` folder;
* one ``.parquet``, ``.csv``, ``.json`` or ``.arrow`` file.

``split`` (test) and ``train_split`` (train) pick the split; a source with a single
split uses it. ``columns`` maps the task's fields to the dataset's columns
(``{ text = "utterance", label = "intent" }``); a ``ClassLabel`` column is read as
its names. NER accepts ``tokens`` + ``tags`` (BIO/IOB2 tag ids or strings) instead
of ``text`` + ``entities`` and converts them to character spans (``harness.data.bio``).

The converted records are validated by the task's ``parse_record`` (an error names
the source, the row and the column) and written as JSONL into
``$SYNTHBENCH_CACHE_DIR/datasets/`` under a key of the source's identity (path,
size and mtime of every local file, or the Hub revision), split and mapping, so
each is converted once per machine, and every loader, label reader and quality
check reads it like any other source. ``datasets`` is imported on first use.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from harness.config import DatasetSpec
from harness.data.errors import DataError, DataMissing
from harness.tasks.base import text_fields

#: File suffixes read through ``datasets`` rather than as the project's JSONL.
FORMATS = {".parquet": "parquet", ".csv": "csv", ".json": "json", ".arrow": "arrow"}


def is_datasets_source(path: str, spec: DatasetSpec, data_dir: Path) -> bool:
    """Whether ``path`` (a spec's test, train or source) is read through ``datasets``."""
    from harness.hub import is_repo_uri

    if is_repo_uri(path):
        return True
    if path.startswith("hf://"):
        return False  # a single Hub file: resolved by harness.hub, then looked at again
    local = data_dir / path
    return local.is_dir() or local.suffix in FORMATS or (bool(spec.columns) and local.is_file())


def _fingerprint(local: Path) -> str:
    files = [local] if local.is_file() else sorted(p for p in local.rglob("*") if p.is_file())
    h = hashlib.sha256()
    for f in files:
        st = f.stat()
        h.update(f"{f}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _load(local: Path, split: str, origin: str) -> Any:
    """The ``datasets.Dataset`` of ``split`` at ``local`` (folder, disk folder or file)."""
    try:
        import datasets
    except ImportError:
        from harness.models.base import MissingDependency

        raise MissingDependency("datasets") from None
    if local.is_dir() and (
        (local / "dataset_dict.json").is_file() or (local / "state.json").is_file()
    ):
        found = datasets.load_from_disk(str(local))
    elif local.is_file():
        fmt = FORMATS.get(local.suffix, "json")  # .jsonl with a column mapping: json
        found = datasets.load_dataset(fmt, data_files=str(local))
    else:
        found = datasets.load_dataset(str(local))
    if isinstance(found, datasets.Dataset):
        return found
    names = list(found)
    if split in found:
        return found[split]
    if len(names) == 1:
        return found[names[0]]
    raise DataError(origin, 0, "", f"no split {split!r}; it has {', '.join(names)}")


def _class_names(ds: Any, column: str) -> list[str] | None:
    """The names of a ``ClassLabel`` column (or a sequence of them), else None."""
    feature = ds.features.get(column)
    inner = getattr(feature, "feature", None)  # Sequence(ClassLabel) / List(ClassLabel)
    for f in (feature, inner):
        if f is not None and hasattr(f, "names") and hasattr(f, "int2str"):
            return list(f.names)
    return None


def _named(value: Any, names: list[str] | None) -> Any:
    if names is None:
        return value
    if isinstance(value, list):
        return [names[v] if isinstance(v, int) else v for v in value]
    return names[value] if isinstance(value, int) else value


def _records(
    ds: Any, task: Any, columns: Mapping[str, str], origin: str, key: str = ""
) -> Iterator[dict]:
    """Rows of ``ds`` as the task's JSON records, through the column mapping; ``key``
    names the suite's mapping (``datasets.NAME.columns``) when the suite gave one."""
    from harness.tasks import RecordError

    for field, column in columns.items():
        if column not in ds.column_names:
            known = ", ".join(ds.column_names)
            if key:  # the suite's mapping names it: the cure is there, not in the data
                raise DataError(
                    origin,
                    0,
                    "",
                    f"{key}.{field} = {column!r} names no column of this source; "
                    f"its columns: {known}",
                    fix=f"correct {key}.{field} in the suite file",
                )
            raise DataError(
                origin,
                0,
                column,
                f"no column {column!r}; its columns: {known}",
                fix="map the task's fields to these columns with a columns table "
                "in the suite file (docs/extending.md)",
            )
    names = {f: _class_names(ds, c) for f, c in columns.items()}
    # The task turns a row into its record (NER: tokens + tags to spans), if it says how.
    from_row = getattr(task, "from_row", None)
    for i, row in enumerate(ds):
        obj = {f: _named(row[c], names[f]) for f, c in columns.items()}
        if from_row is not None:
            try:
                obj = from_row(obj)
            except RecordError as exc:
                raise DataError(origin, i + 1, exc.field, str(exc)) from None
        yield obj


def _default_columns(task: Any, ds: Any) -> dict[str, str]:
    """The task's own mapping, else the identity mapping of its record fields that exist."""
    cols = set(ds.column_names)
    if (own := getattr(task, "default_columns", None)) is not None:
        return dict(own(cols))
    fields = getattr(task, "record_fields", None) or (*text_fields(task), "label")
    return {f: f for f in fields if f in cols}


def convert(path: str, spec: DatasetSpec, split: str, data_dir: Path) -> Path:
    """The converted JSONL of one datasets-format source (see the module docstring)."""
    from harness.cache import resolve_cache_dir
    from harness.hub import is_repo_uri, snapshot
    from harness.tasks import TASKS, RecordError

    local = snapshot(path) if is_repo_uri(path) else data_dir / path
    if not local.exists():
        raise DataMissing(local)
    key = json.dumps([path, _fingerprint(local), split, spec.task, list(spec.columns)])
    out = (
        resolve_cache_dir()
        / "datasets"
        / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".jsonl")
    )
    if out.is_file():
        return out.resolve()
    ds = _load(local, split, path)
    task = TASKS.get(spec.task)
    columns = dict(spec.columns) or _default_columns(task, ds)
    key = f"datasets.{spec.name}.columns" if spec.columns else ""
    parse = task.parse_record
    lines = []
    for i, obj in enumerate(_records(ds, task, columns, path, key)):
        try:
            parse(obj)
        except RecordError as exc:
            field = exc.field.split("[")[0].split(".")[0]
            if key and field and field not in columns:
                raise _unmapped(key, task, columns, field, path) from None
            col = columns.get(field, exc.field)
            raise DataError(
                f"{path}[{split}]", i + 1, "", f"row {i + 1}, column {col!r}: {exc}"
            ) from None
        lines.append(json.dumps(obj, ensure_ascii=False, default=str))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    os.replace(tmp, out)  # atomic: xdist workers converting at once agree
    return out.resolve()


def _unmapped(
    key: str, task: Any, columns: Mapping[str, str], field: str, origin: str
) -> DataError:
    """A record field the suite's mapping leaves out: name the keys it has instead."""
    fields = getattr(task, "record_fields", None) or (*text_fields(task), "label")
    strange = [k for k in columns if k not in fields]
    which = (
        f"; it maps {', '.join(repr(k) for k in strange)}, which {task.name} records do not have"
        if strange
        else ""
    )
    return DataError(
        origin,
        0,
        "",
        f"{key} gives no column for the field {field!r}{which} "
        f"(fields: {', '.join(fields)})",
        fix=f"correct {key} in the suite file",
    )


def materialise(spec: DatasetSpec, data_dir: Path) -> DatasetSpec:
    """``spec`` with its datasets-format test and train replaced by converted JSONL files."""
    changes: dict[str, Any] = {}
    for field, split in (("test", spec.split), ("train", spec.train_split)):
        path = getattr(spec, field)
        if path and is_datasets_source(path, spec, data_dir):
            changes[field] = str(convert(path, spec, split, data_dir))
    return dataclasses.replace(spec, **changes) if changes else spec
