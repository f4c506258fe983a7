"""Reading JSON Lines with errors that point at the offending line."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from harness.data.errors import DataError, DataMissing


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line number, object)`` for each non-blank line of ``path``.

    Line numbers are 1-based and count blank lines, so they match an editor.
    A line that is not JSON, or is JSON but not an object, raises ``DataError``
    naming ``file:line``; a missing file raises ``DataMissing``.
    """
    try:
        with open(path, encoding="utf-8") as fh:
            yield from _objects(path, fh)
    except FileNotFoundError:
        raise DataMissing(path) from None


def _objects(path: Path, lines: Iterable[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    lineno = 0
    try:
        for lineno, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(
                    path, lineno, "", f"not valid JSON ({exc.msg} at column {exc.colno})"
                ) from None
            if not isinstance(obj, dict):
                kind = type(obj).__name__
                raise DataError(path, lineno, "", f"expected a JSON object, got {kind}")
            yield lineno, obj
    except UnicodeDecodeError as exc:
        # Decoding happens while reading the next line, so that line is at fault.
        raise DataError(path, lineno + 1, "", f"not UTF-8 text ({exc.reason})") from None
