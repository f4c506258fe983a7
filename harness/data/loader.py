"""Loading one source (real or synthetic) of a dataset: validate, repair, count, sample.

Parsed files are cached per process, keyed on the file's resolved path, mtime and
size: every model of a dataset reads the same real test set, and the returned
``Dataset`` is frozen, so sharing it is safe.
"""

from __future__ import annotations

import functools
import random
from collections import Counter
from collections.abc import Hashable
from pathlib import Path

from harness.core.records import DataIssues, Dataset, Example
from harness.core.spec import DatasetSpec
from harness.data import labels
from harness.data.errors import DataError, DataMissing
from harness.data.labels import label_set
from harness.data.records import parse_file
from harness.tasks import TASKS, Capability
from harness.tasks.kit.base import dedup_key, text_fields

_FileKey = tuple[str, int, int]


def _file_key(path: Path) -> _FileKey:
    try:
        st = path.stat()
    except FileNotFoundError:
        raise DataMissing(path) from None
    if not path.is_file():
        raise DataMissing(path)
    return (str(path.resolve()), st.st_mtime_ns, st.st_size)


def _dedup_key(task: str, ex: Example) -> Hashable:
    """What makes two records the same example: the task says (text, or the text pair)."""
    key: Hashable = dedup_key(TASKS.get(task), ex)
    return key


def _plural(n: int, word: str, plural: str = "") -> str:
    return f"{n} {word}" if n == 1 else f"{n} {plural or word + 's'}"


def _notes(
    task: str, counts: Counter[str], duplicates: int, foreign: int, empty: int
) -> tuple[str, ...]:
    spec = TASKS.get(task)
    notes = []
    if empty:
        notes.append(f"{_plural(empty, 'record')} with empty text dropped")
    if Capability.REPAIR in spec.capabilities:
        notes.extend(spec.repair_notes(counts))
    if duplicates:
        what = "text pair" if len(text_fields(spec)) == 2 else "text"
        notes.append(f"{_plural(duplicates, 'duplicate ' + what)} (kept)")
    if foreign:
        notes.append(f"{_plural(foreign, 'record')} with a label outside the label set (kept)")
    return tuple(notes)


@functools.lru_cache(maxsize=128)
def _load_file(
    key: _FileKey, task: str, labels: tuple[str, ...]
) -> tuple[tuple[Example, ...], DataIssues]:
    """Parse, repair and count one file; ``key`` makes the cache see edits."""
    path = Path(key[0])
    counts: Counter[str] = Counter()
    examples: list[Example] = []
    label_lookup = frozenset(labels)
    foreign = empty = repaired = dropped = 0
    # The task repairs what it can (NER: entity spans); a record of a task with labels
    # whose label is outside the label set is counted (and kept).
    own = TASKS.get(task)
    repairs = Capability.REPAIR in own.capabilities
    keys = own.distribution_keys if Capability.DISTRIBUTION in own.capabilities else None
    for _, ex in parse_file(path, task):
        if ex is None:
            empty += 1
            continue
        if repairs:
            fixed = own.repair(ex, label_lookup)
            counts.update(fixed.counts)
            repaired, dropped = repaired + fixed.repaired, dropped + fixed.dropped
            ex = fixed.example
        elif keys is not None and label_lookup and any(k not in label_lookup for k in keys(ex)):
            foreign += 1
        examples.append(ex)
    duplicates = len(examples) - len({_dedup_key(task, e) for e in examples})
    issues = DataIssues(
        rows=len(examples) + empty,
        kept=len(examples),
        duplicates=duplicates,
        repaired_entities=repaired,
        dropped_entities=dropped,
        dropped_records=empty,
        notes=_notes(task, counts, duplicates, foreign, empty),
    )
    return tuple(examples), issues


def sample_indices(n: int, max_examples: int, seed: int, dataset: str, generator: str) -> list[int]:
    """The kept row indices, in file order: all, or a seeded sample of ``max_examples``.

    The seed is a string, which ``random`` hashes with SHA-512, so the sample is the
    same in every process (unlike ``hash()``, which is salted per process).
    """
    if max_examples <= 0 or max_examples >= n:
        return list(range(n))
    rng = random.Random(f"{seed}:{dataset}:{generator}")
    return sorted(rng.sample(range(n), max_examples))


def load_source(
    data_dir: Path, spec: DatasetSpec, generator: str, *, max_examples: int = 0, seed: int = 0
) -> Dataset:
    """The examples of ``spec``'s source ``generator`` (``real`` or an LLM's stem).

    A missing file raises ``DataMissing``; a malformed record raises ``DataError``
    naming file, line and field. NER spans are repaired or dropped and every repair,
    drop and duplicate is counted in ``Dataset.issues`` (counts describe the whole
    file; ``issues.kept`` is the number of examples returned after sampling).
    """
    data_dir = Path(data_dir)
    path = data_dir / spec.source_path(generator)
    key = _file_key(path)
    labels = label_set(data_dir, spec)
    examples, issues = _load_file(key, spec.task, labels)
    if not examples:
        # Scores of nothing would be reported as an "ok" case with null scores.
        why = (
            f"all {issues.rows} records have empty text"
            if issues.rows
            else "no records (the file is empty)"
        )
        raise DataError(path, 0, "", f"{why}; nothing to evaluate")
    keep = sample_indices(len(examples), max_examples, seed, spec.name, generator)
    if len(keep) < len(examples):
        full = len(examples)
        examples = tuple(examples[i] for i in keep)
        issues = DataIssues(
            rows=issues.rows,
            kept=len(examples),
            duplicates=issues.duplicates,
            repaired_entities=issues.repaired_entities,
            dropped_entities=issues.dropped_entities,
            dropped_records=issues.dropped_records,
            notes=issues.notes + (f"seeded sample of {len(examples)} of {full} (seed {seed})",),
        )
    return Dataset(
        task=spec.task,
        name=spec.name,
        generator=generator,
        examples=examples,
        labels=labels,
        path=str(path),
        issues=issues,
    )


def load_train(data_dir: Path, spec: DatasetSpec) -> tuple[Example, ...]:
    """The real train split of ``spec`` (repaired like a test split); ``()`` without one."""
    if not spec.train:
        return ()
    data_dir = Path(data_dir)
    examples, _ = _load_file(_file_key(data_dir / spec.train), spec.task, label_set(data_dir, spec))
    return examples


def clear_cache() -> None:
    """Forget every parsed file (tests; long-lived processes after editing data)."""
    _load_file.cache_clear()
    labels._labels_of_file.cache_clear()
    labels.label_file.cache_clear()


__all__ = ["clear_cache", "load_source", "load_train", "sample_indices"]
