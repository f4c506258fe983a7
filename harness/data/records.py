"""Parsing one source file into examples through its task's ``parse_record``.

A record whose text is empty is a generation failure the release kept (e.g. 14
empty pairs in a 200-row similarity file): it is yielded as ``None`` for the loader
to drop and count. Any other invalid record is an error naming file, line and field.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from harness.core.records import Example
from harness.data.errors import DataError
from harness.data.jsonl import read_jsonl
from harness.tasks import TASKS, RecordError
from harness.tasks.kit.base import text_fields


def is_empty_record(obj: Mapping[str, Any], task: str) -> bool:
    """True when one of the task's text fields is a string with nothing but blanks."""
    fields = text_fields(TASKS.get(task))
    return any(isinstance(obj.get(f), str) and not obj[f].strip() for f in fields)


def parse_file(path: Path, task: str) -> Iterator[tuple[int, Example | None]]:
    """Yield ``(line number, example)``; ``None`` for an empty-text record.

    Validation is the task's own (``parse_record``), so the loader and the task
    agree on what a record is; its ``RecordError`` gains the file and line here.
    """
    parse = TASKS.get(task).parse_record
    for lineno, obj in read_jsonl(path):
        if is_empty_record(obj, task):
            yield lineno, None
            continue
        try:
            yield lineno, parse(obj)
        except RecordError as exc:
            raise DataError(path, lineno, exc.field, str(exc)) from None
        except (TypeError, ValueError, KeyError, IndexError, OverflowError, RecursionError) as exc:
            # A task's checks missed some hostile shape; still name the file and line.
            raise DataError(path, lineno, "", f"not a valid {task} record ({exc!r:.200})") from None
