"""The label set of a dataset, read from its real data.

- ner: the JSON list in ``spec.labels`` (e.g. ``real/crossner_politics/labels.json``);
  without one, the sorted entity labels of the real test and train splits.
- intent: the sorted union of the labels of the real splits that exist: test,
  train (``spec.train``) and a ``valid.jsonl`` or ``dev.jsonl`` next to the test file.
- similarity: no labels, ``()``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from harness.config import DatasetSpec
from harness.data.errors import DataError, DataMissing
from harness.data.jsonl import loads_line
from harness.data.records import parse_file
from harness.records import IntentExample, NerExample
from harness.registry import Registry

#: Names of a validation split looked for next to the real test file.
SIBLING_SPLITS = ("valid.jsonl", "dev.jsonl")

LabelReader = Callable[[Path, DatasetSpec], tuple[str, ...]]
LABEL_READERS: Registry[LabelReader] = Registry("label reader")


def _stat_key(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return (str(path.resolve()), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=64)
def _labels_of_file(key: tuple[str, int, int], task: str) -> frozenset[str]:
    path = Path(key[0])
    found: set[str] = set()
    for _, ex in parse_file(path, task):
        if ex is None:
            continue
        if isinstance(ex, IntentExample):
            found.add(ex.label)
        elif isinstance(ex, NerExample):
            found.update(e.label for e in ex.entities)
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


def _union_of_real_labels(data_dir: Path, spec: DatasetSpec) -> tuple[str, ...]:
    found: set[str] = set()
    for p in _real_split_paths(data_dir, spec):
        found |= _labels_of_file(_stat_key(p), spec.task)
    return tuple(sorted(found))


@functools.lru_cache(maxsize=64)
def _labels_file(key: tuple[str, int, int]) -> tuple[str, ...]:
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


@LABEL_READERS.register("ner")
def _ner_labels(data_dir: Path, spec: DatasetSpec) -> tuple[str, ...]:
    if not spec.labels:
        return _union_of_real_labels(data_dir, spec)
    path = data_dir / spec.labels
    if not path.is_file():
        raise DataMissing(path, "label file")
    return _labels_file(_stat_key(path))


@LABEL_READERS.register("intent")
def _intent_labels(data_dir: Path, spec: DatasetSpec) -> tuple[str, ...]:
    return _union_of_real_labels(data_dir, spec)


@LABEL_READERS.register("similarity")
def _no_labels(data_dir: Path, spec: DatasetSpec) -> tuple[str, ...]:
    return ()


def label_set(data_dir: Path, spec: DatasetSpec) -> tuple[str, ...]:
    """The dataset's label set (see the module docstring); cached per file state.

    A task may read its own (``read_labels(data_dir, spec)``); one that neither does
    nor has a reader here has no label set.
    """
    from harness.tasks import TASKS

    own = getattr(TASKS.get(spec.task), "read_labels", None)
    if own is not None:
        return tuple(own(Path(data_dir), spec))
    if spec.task not in LABEL_READERS:
        return ()
    return LABEL_READERS.get(spec.task)(Path(data_dir), spec)
