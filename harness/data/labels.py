"""The label set of a dataset, read from its real data by its task.

Each task reads its own (``read_labels(source)`` with a ``RealFiles`` source; the built-in ones in
``harness/tasks/<name>/labels.py``: intent the union of its real splits' labels, ner
a label file or the union, similarity none). A task without one has no label set.
These are the helpers they share, cached per file state.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from harness.core.records import Example
from harness.core.spec import DatasetSpec
from harness.data.errors import DataError, DataMissing
from harness.data.jsonl import loads_line
from harness.data.records import parse_file
from harness.tasks import TASKS
from harness.tasks.kit.base import Capability

#: Names of a validation split looked for next to the real test file.
SIBLING_SPLITS = ("valid.jsonl", "dev.jsonl")


def labels_of(example: Example) -> list[str]:
    """The distribution keys of a record whose task has none: its ``label``, if any."""
    label = getattr(example, "label", None)
    return [] if label is None else [str(label)]


def keys_for(task: str) -> Callable[[Example], list[str]]:
    """The task's own ``distribution_keys(example)``, else ``labels_of``."""
    if task in TASKS and Capability.DISTRIBUTION in (t := TASKS.get(task)).capabilities:
        return t.distribution_keys
    return labels_of


def stat_key(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return (str(path.resolve()), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=64)
def _labels_of_file(key: tuple[str, int, int], task: str) -> frozenset[str]:
    """The labels of one file's records: their distribution keys (intent: the label,
    ner: the entity labels)."""
    path = Path(key[0])
    keys = keys_for(task)
    found: set[str] = set()
    for _, ex in parse_file(path, task):
        if ex is not None:
            found.update(keys(ex))
    return frozenset(found)


def _real_split_paths(data_dir: Path, spec: DatasetSpec) -> list[Path]:
    test = data_dir / spec.test
    declared = [test] + ([data_dir / spec.train] if spec.train else [])
    for p in declared:
        if not p.is_file():
            raise DataMissing(p)
    siblings = [test.parent / name for name in SIBLING_SPLITS]
    out: list[Path] = []
    for p in declared + [s for s in siblings if s.is_file()]:
        if p not in out:
            out.append(p)
    return out


def union_of_real_labels(data_dir: Path, spec: DatasetSpec) -> tuple[str, ...]:
    """The sorted labels of the real splits: test, train and a validation split."""
    found: set[str] = set()
    for p in _real_split_paths(data_dir, spec):
        found |= _labels_of_file(stat_key(p), spec.task)
    return tuple(sorted(found))


@functools.lru_cache(maxsize=64)
def label_file(key: tuple[str, int, int]) -> tuple[str, ...]:
    """A JSON list of distinct non-empty label strings (``key``: ``stat_key(path)``)."""
    path = Path(key[0])
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(path, 0, "", f"not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise DataError(path, 0, "", f"cannot read: {exc.strerror or exc}") from None
    value = loads_line(path, 0, text)
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise DataError(path, 0, "", "expected a JSON list of non-empty label strings")
    if len(set(value)) != len(value):
        raise DataError(path, 0, "", "a label is listed twice")
    return tuple(value)


def label_set(data_dir: Path, spec: DatasetSpec) -> tuple[str, ...]:
    """The dataset's label set (see the module docstring); cached per file state.

    The task reads it (``read_labels(source)``); one that does not has none.
    """

    task = TASKS.get(spec.task)
    if Capability.LABELS not in task.capabilities:
        return ()
    return tuple(task.read_labels(RealFiles(Path(data_dir), spec)))


@dataclass(frozen=True)
class RealFiles:
    """A dataset's real files for a task's ``read_labels`` (``harness.tasks.kit.labels``)."""

    data_dir: Path
    spec: DatasetSpec

    def real_labels(self) -> tuple[str, ...]:
        return union_of_real_labels(self.data_dir, self.spec)

    def label_file(self, path: str) -> tuple[str, ...]:
        full = self.data_dir / path
        if not full.is_file():
            raise DataMissing(full, "label file")
        return label_file(stat_key(full))
