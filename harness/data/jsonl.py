"""Reading JSON Lines with errors that point at the offending line.

The file is read as bytes and split on ``\\n`` before decoding, so a bad byte is
reported on its own line (a text-mode reader decodes in 8 KB chunks and blames
whichever line that chunk started at). Everything ``json`` can raise on hostile
input (bad syntax, nesting deep enough for ``RecursionError``, integers longer than
Python's 4,300-digit conversion limit) becomes a ``DataError`` naming file and line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from harness.data.errors import DataError, DataMissing


def loads_line(path: Path, lineno: int, line: str | bytes) -> Any:
    """``json.loads(line)``; any failure is a ``DataError`` for ``path:lineno``."""
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        at = f"column {exc.colno}" if lineno else f"line {exc.lineno} column {exc.colno}"
        raise DataError(path, lineno, "", f"not valid JSON ({exc.msg} at {at})") from None
    except RecursionError:
        raise DataError(path, lineno, "", "JSON nested too deeply to read") from None
    except (ValueError, OverflowError) as exc:  # e.g. an integer of more than 4,300 digits
        raise DataError(path, lineno, "", f"unreadable JSON value ({exc})") from None


def read_lines(path: Path) -> Iterator[tuple[int, str]]:
    """``(line number, decoded line)`` of ``path``; a non-UTF-8 line names itself."""
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed by the with below
    except FileNotFoundError:
        raise DataMissing(path) from None
    except OSError as exc:
        raise DataError(path, 0, "", f"cannot read: {exc.strerror or exc}") from None
    with fh:
        for lineno, raw in enumerate(fh, 1):
            try:
                yield lineno, raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise DataError(
                    path, lineno, "", f"not UTF-8 text ({exc.reason} at byte {exc.start + 1})"
                ) from None


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line number, object)`` for each non-blank line of ``path``.

    Line numbers are 1-based and count blank lines, so they match an editor.
    A line that is not JSON, or is JSON but not an object, raises ``DataError``
    naming ``file:line``; a missing file raises ``DataMissing``.
    """
    for lineno, line in read_lines(path):
        if not line.strip():
            continue
        obj = loads_line(path, lineno, line)
        if not isinstance(obj, dict):
            kind = type(obj).__name__
            raise DataError(path, lineno, "", f"expected a JSON object, got {kind}")
        yield lineno, obj
