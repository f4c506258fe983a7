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
of ``text`` + ``entities`` and converts them to character spans (``harness.tasks.ner.bio``).

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
import math
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.core.errors import MissingDependency
from harness.core.paths import resolve_cache_dir
from harness.core.spec import DatasetSpec
from harness.core.textsafe import json_dumps
from harness.data.errors import DataError, DataMissing
from harness.data.hub import is_repo_uri, snapshot
from harness.data.records import is_empty_record
from harness.data.tabular import RowLines, scan_files
from harness.tasks import TASKS, RecordError
from harness.tasks.kit.base import Capability, text_fields

#: File suffixes read through ``datasets`` rather than as the project's JSONL.
FORMATS = {".parquet": "parquet", ".csv": "csv", ".json": "json", ".arrow": "arrow"}


def is_datasets_source(path: str, spec: DatasetSpec, data_dir: Path) -> bool:
    """Whether ``path`` (a spec's test, train or source) is read through ``datasets``."""
    if is_repo_uri(path):
        return True
    if path.startswith("hf://"):
        return False  # a single Hub file: resolved by harness.data.hub, then looked at again
    local = data_dir / path
    return local.is_dir() or local.suffix in FORMATS or (bool(spec.columns) and local.is_file())


def fingerprint(local: Path) -> str:
    """The state of a source file or folder: every file's path, size and mtime."""
    files = [local] if local.is_file() else sorted(p for p in local.rglob("*") if p.is_file())
    h = hashlib.sha256()
    for f in files:
        st = f.stat()
        h.update(f"{f}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


#: Part of every converted file's key: raised when the conversion's output changes
#: (2: CSV cells as written, empty cells kept as empty texts).
CONVERSION = 2

#: How pandas reads a CSV cell for us: only an empty cell is missing. Its default
#: also turns the texts "NA", "null", "None", "nan", "n/a", ... into missing values,
#: which would lose real utterances.
CSV_OPTIONS: Mapping[str, Any] = {"keep_default_na": False, "na_values": [""]}


@dataclass(frozen=True)
class Loaded:
    """One split as ``datasets`` read it, and what is known of where its rows are."""

    ds: Any
    #: Where each row starts (file, line), when the files are text (CSV, JSON Lines).
    where: RowLines
    #: Whether the source is CSV, where an empty cell is an empty string, not null.
    csv: bool
    #: How the source is named in messages, with the split: ``tickets[test]``.
    origin: str


def _datasets() -> Any:
    try:
        import datasets
    except ImportError:
        raise MissingDependency("datasets") from None
    return datasets


def _split_files(local: Path, split: str) -> tuple[list[Path], list[Path]]:
    """(the files of ``split``, all data files) of a folder or a file, as
    ``datasets.load_dataset`` would read them; ([], []) for a ``save_to_disk`` folder."""
    if local.is_file():
        return [local], [local]
    if _is_saved(local):
        return [], []
    try:
        from datasets.data_files import DataFilesDict, get_data_patterns

        found = DataFilesDict.from_patterns(get_data_patterns(str(local)), base_path=str(local))
    except Exception:  # noqa: BLE001 - no inferable files: `datasets` says so, wrapped below
        return [], []
    every = [Path(f) for files in found.values() for f in files]
    names = list(found)
    chosen = split if split in found else (names[0] if len(names) == 1 else "")
    return ([Path(f) for f in found[chosen]] if chosen else []), every


def _is_saved(local: Path) -> bool:
    return local.is_dir() and (
        (local / "dataset_dict.json").is_file() or (local / "state.json").is_file()
    )


def _cause(exc: BaseException) -> str:
    """The innermost cause of a ``datasets`` error, the one that says what is wrong."""
    seen = exc
    for _ in range(50):  # a chain can loop back on itself; stop somewhere
        inner = seen.__cause__ or seen.__context__
        if inner is None:
            break
        seen = inner
    text = " ".join(str(seen).split())[:300]
    return f"{type(seen).__name__}: {text}" if text else type(seen).__name__


def _load(local: Path, split: str, origin: str) -> Loaded:
    """The ``datasets.Dataset`` of ``split`` at ``local`` (folder, disk folder or file).

    Text files (CSV, JSON) are scanned first (``harness.data.tabular``) so that a bad
    file is named with its line; whatever ``datasets`` still raises becomes a
    ``DataError`` naming the source, never a foreign exception.
    """
    datasets = _datasets()
    files, every = _split_files(local, split)
    is_csv = bool(every) and all(f.suffix.lower() == ".csv" for f in every)
    # Every file is scanned, not only the split's: `datasets` reads them all.
    scanned = scan_files(every)
    where = RowLines(tuple(item for item in scanned.files if item[0] in files))
    label = f"{origin}[{split}]"
    options = dict(CSV_OPTIONS) if is_csv else {}
    try:
        if _is_saved(local):
            found = datasets.load_from_disk(str(local))
        elif local.is_file():
            fmt = FORMATS.get(local.suffix.lower(), "json")  # .jsonl with a mapping: json
            found = datasets.load_dataset(fmt, data_files=str(local), **options)
        else:
            found = datasets.load_dataset(str(local), **options)
    except (DataError, DataMissing):
        raise
    except Exception as exc:  # noqa: BLE001 - `datasets`, pandas and pyarrow raise many kinds
        kind = "CSV" if is_csv else "data"
        raise DataError(
            origin, 0, "", f"`datasets` cannot read it ({_cause(exc)}); check that it is "
            f"valid {kind} in one of the formats of docs/data.md"
        ) from None
    if isinstance(found, datasets.Dataset):
        return Loaded(found, where, is_csv, label)
    names = list(found)
    if split in found:
        return Loaded(found[split], where, is_csv, label)
    if len(names) == 1:
        return Loaded(found[names[0]], where, is_csv, label)
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


def _cell(value: Any, is_csv: bool) -> Any:
    """A CSV cell as written: an empty cell (null, or NaN in a numeric column) is an
    empty string, as it is in the file; other formats have a real null."""
    if is_csv and (value is None or (isinstance(value, float) and math.isnan(value))):
        return ""
    return value


def _row_error(loaded: Loaded, row: int, problem: str) -> DataError:
    """A bad row, named at its file and line when the scan knows them."""
    at = loaded.where.locate(row) if loaded.where.rows() == loaded.ds.num_rows else None
    if at is not None:
        return DataError(at[0], at[1], "", f"row {row + 1} of {loaded.origin}, {problem}")
    return DataError(loaded.origin, row + 1, "", f"row {row + 1}, {problem}")


def _records(
    loaded: Loaded, task: Any, columns: Mapping[str, str], key: str = ""
) -> Iterator[dict]:
    """Rows of the split as the task's JSON records, through the column mapping; ``key``
    names the suite's mapping (``datasets.NAME.columns``) when the suite gave one."""
    ds = loaded.ds
    for field, column in columns.items():
        if column not in ds.column_names:
            known = ", ".join(ds.column_names)
            if key:  # the suite's mapping names it: the cure is there, not in the data
                raise DataError(
                    loaded.origin,
                    0,
                    "",
                    f"{key}.{field} = {column!r} names no column of this source; "
                    f"its columns: {known}",
                    fix=f"correct {key}.{field} in the suite file",
                )
            raise DataError(
                loaded.origin,
                0,
                column,
                f"no column {column!r}; its columns: {known}",
                fix="map the task's fields to these columns with a columns table "
                "in the suite file (docs/extending.md)",
            )
    names = {f: _class_names(ds, c) for f, c in columns.items()}
    # The task turns a row into its record (NER: tokens + tags to spans), if it says how.
    from_row = task.from_row if Capability.FROM_ROW in task.capabilities else None
    for i, row in enumerate(ds):
        obj = {f: _named(_cell(row[c], loaded.csv), names[f]) for f, c in columns.items()}
        if from_row is not None:
            try:
                obj = from_row(obj)
            except RecordError as exc:
                raise _row_error(loaded, i, f"column {columns.get('tags', exc.field)!r}: "
                                            f"{exc}") from None
            except (TypeError, ValueError, KeyError, IndexError) as exc:
                # A cell of a shape the task's conversion did not foresee.
                raise _row_error(loaded, i, f"not a valid {task.name} row "
                                            f"({exc!r:.200})") from None
        yield obj


def _default_columns(task: Any, ds: Any) -> dict[str, str]:
    """The task's own mapping, else the identity mapping of its record fields that exist."""
    cols = set(ds.column_names)
    if Capability.DEFAULT_COLUMNS in task.capabilities:
        return dict(task.default_columns(cols))
    fields = task.record_fields or (*text_fields(task), "label")
    return {f: f for f in fields if f in cols}


def convert(path: str, spec: DatasetSpec, split: str, data_dir: Path) -> Path:
    """The converted JSONL of one datasets-format source (see the module docstring)."""
    local = snapshot(path) if is_repo_uri(path) else data_dir / path
    if not local.exists():
        raise DataMissing(local)
    key = json.dumps([CONVERSION, path, fingerprint(local), split, spec.task,
                      list(spec.columns)])
    out = (
        resolve_cache_dir()
        / "datasets"
        / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".jsonl")
    )
    if out.is_file():
        return out.resolve()
    loaded = _load(local, split, path)
    task = TASKS.get(spec.task)
    columns = dict(spec.columns) or _default_columns(task, loaded.ds)
    key = f"datasets.{spec.name}.columns" if spec.columns else ""
    parse = task.parse_record
    lines = []
    empty = 0
    for i, obj in enumerate(_records(loaded, task, columns, key)):
        # An empty text is a record the loader drops and counts, as in a JSONL file.
        if is_empty_record(obj, spec.task):
            empty += 1
        else:
            try:
                parse(obj)
            except RecordError as exc:
                field = exc.field.split("[")[0].split(".")[0]
                if key and field and field not in columns:
                    raise _unmapped(key, task, columns, field, loaded.origin) from None
                col = columns.get(field, exc.field)
                raise _row_error(loaded, i, f"column {col!r}: {exc}") from None
            except (TypeError, ValueError, KeyError, IndexError, OverflowError) as exc:
                raise _row_error(loaded, i, f"not a valid {spec.task} record "
                                            f"({exc!r:.200})") from None
        lines.append(json_dumps(obj, default=str))
    if empty == len(lines):
        # Said here, naming the source: the loader would name the converted file.
        why = f"all {empty} records have empty text" if empty else "no records"
        raise DataError(loaded.origin, 0, "", f"{why}; nothing to evaluate")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    os.replace(tmp, out)  # atomic: xdist workers converting at once agree
    return out.resolve()


def _unmapped(
    key: str, task: Any, columns: Mapping[str, str], field: str, origin: str
) -> DataError:
    """A record field the suite's mapping leaves out: name the keys it has instead."""
    fields = task.record_fields or (*text_fields(task), "label")
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
