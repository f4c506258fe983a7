"""Checking CSV and JSON files before ``datasets`` reads them, and where each row is.

``datasets`` (through pandas and pyarrow) reports a bad file as
``DatasetGenerationError`` or ``Instruction "train" corresponds to no data!``,
naming neither the file nor the line. Each file of a CSV or JSON source is
therefore scanned here first: a byte that is not UTF-8, an unterminated quote, a
row with more fields than the header, an empty file or one with only a header is a
``DataError`` naming the file and line. The scan also records the line each row
starts on (counting the header, blank lines and the lines of multi-line quoted
fields), so an invalid record is reported at its line, not at its row number.

The scan follows pandas' reading: blank and whitespace-only lines are no rows, and
a stray quote inside a field (``"x"y``) is accepted as pandas accepts it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.data.errors import DataError


def _decode(path: Path, data: bytes) -> str:
    """``data`` as text; the first byte that is not UTF-8 is named with its line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise DataError(
            path, line, "", f"not UTF-8 text ({exc.reason} at column {column}); save the file "
            "as UTF-8"
        ) from None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DataError(path, 0, "", f"cannot read: {exc.strerror or exc}") from None


def _blank(row: Sequence[str]) -> bool:
    # pandas skips empty and whitespace-only lines; a one-field row of blanks is one.
    return not row or (len(row) == 1 and not row[0].strip())


def scan_csv(path: Path) -> tuple[int, ...]:
    """The line each data row of the CSV file ``path`` starts on; checks it first.

    Raises ``DataError`` (file, and line when one is at fault) for a byte that is
    not UTF-8, an unterminated quoted field, a row with more fields than the header,
    an empty file and a file with a header but no rows.
    """
    text = _decode(path, _read(path))
    if not text.strip():
        raise DataError(path, 0, "", "is empty: a CSV source needs a header line and rows")
    _check_quotes(path, text)
    reader = csv.reader(io.StringIO(text, newline=""))
    starts: list[int] = []
    header: list[str] | None = None
    end = 0  # the last line of the previous row
    for row in _rows(path, reader):
        first, end = end + 1, reader.line_num
        if _blank(row):
            continue
        if header is None:
            header = row
            continue
        if len(row) > len(header):
            raise DataError(
                path, first, "", f"{len(row)} fields, but the header has {len(header)}; "
                "quote a field that holds a comma (\"a, b\")"
            )
        starts.append(first)
    if not starts:
        raise DataError(
            path, 0, "", "has a header line but no rows: add rows, or leave the file out"
        )
    return tuple(starts)


def _rows(path: Path, reader: Any) -> Iterator[list[str]]:
    """The rows of ``reader``; a ``csv.Error`` names the line it stopped at."""
    _allow_long_fields()
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise DataError(path, reader.line_num, "", f"not readable as CSV ({exc})") from None
        yield row


def _allow_long_fields() -> None:
    # The csv module refuses fields over 128 KiB, pandas does not: a long document
    # is a valid text. The limit is process-wide; raising it harms no other reader.
    if csv.field_size_limit() < _FIELD_LIMIT:
        csv.field_size_limit(_FIELD_LIMIT)


_FIELD_LIMIT = 2**31 - 1


def _check_quotes(path: Path, text: str) -> None:
    """An unterminated quoted field, named at the line its row starts on.

    Strict parsing stops at the first quote it dislikes, also ones pandas accepts,
    so only its "end of data inside a quoted field" is reported.
    """
    _allow_long_fields()
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    end = 0
    try:
        for _ in reader:
            end = reader.line_num
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise DataError(
                path, end + 1, "", "a quoted field starts on this line and never ends "
                "(an unmatched '\"'); close the quote or double it (\"\") inside the field"
            ) from None


def scan_json(path: Path) -> tuple[int, ...] | None:
    """The line of each row of a ``.json`` file in JSON Lines form, None for one JSON
    document (a list of records: rows have no line of their own); checks it first.

    Raises ``DataError`` naming the file and line for a byte that is not UTF-8, JSON
    that does not parse, an empty file and a file without records.
    """
    text = _decode(path, _read(path))
    if not text.strip():
        raise DataError(path, 0, "", "is empty: a JSON source needs records")
    try:
        whole = json.loads(text)
    except RecursionError:
        raise DataError(path, 0, "", "JSON nested too deeply to read") from None
    except ValueError as exc:
        return _scan_json_lines(path, text, exc)
    lines = [i for i, line in enumerate(text.splitlines(), 1) if line.strip()]
    if isinstance(whole, dict) and len(lines) == 1:
        return (lines[0],)  # JSON Lines of one record
    # Only a list of objects is a table: `datasets` 5.2 crashes the whole process
    # (a segmentation fault in its JSON reader) on a file holding just `null`.
    if not isinstance(whole, list):
        raise DataError(path, 0, "", f"a JSON document must be a list of records (objects), "
                        f"got {type(whole).__name__}; or write one JSON object per line")
    if not whole:
        raise DataError(path, 0, "", "holds an empty list: no records")
    for i, item in enumerate(whole):
        if not isinstance(item, dict):
            raise DataError(path, 0, "", f"item {i + 1} of the list is a "
                            f"{type(item).__name__}, not a record (a JSON object)")
    return None


def _scan_json_lines(path: Path, text: str, whole: ValueError) -> tuple[int, ...]:
    """Rows of a JSON Lines text; the document's own error if it is not JSON Lines."""
    starts: list[int] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except (ValueError, RecursionError) as exc:
            if not starts:  # not JSON Lines either: the document's error says where
                at = whole if isinstance(whole, json.JSONDecodeError) else None
                where = at.lineno if at is not None else 0
                why = at.msg if at is not None else str(whole)
                raise DataError(path, where, "", f"not valid JSON ({why}); fix the JSON, "
                                "or write one JSON object per line") from None
            why = exc.msg if isinstance(exc, json.JSONDecodeError) else "unreadable"
            raise DataError(path, lineno, "", f"not valid JSON ({why})") from None
        if not isinstance(value, dict):
            raise DataError(path, lineno, "", f"expected a JSON object, got "
                            f"{type(value).__name__}")
        starts.append(lineno)
    return tuple(starts)


#: Scanner of a file by suffix; formats without one (Parquet, Arrow) are binary and
#: read by pyarrow, whose own errors are wrapped by the caller.
SCANNERS = {".csv": scan_csv, ".json": scan_json, ".jsonl": scan_json}


@dataclass(frozen=True)
class RowLines:
    """Where the rows of one split come from: its files in reading order, and for
    each the line every row starts on (None for a file whose rows have no line)."""

    files: tuple[tuple[Path, tuple[int, ...] | None], ...]

    def locate(self, row: int) -> tuple[Path, int] | None:
        """``(file, line)`` of the 0-based ``row``, when the files say."""
        for path, starts in self.files:
            if starts is None:
                return None
            if row < len(starts):
                return path, starts[row]
            row -= len(starts)
        return None

    def rows(self) -> int | None:
        """How many rows the scan found, when every file has line numbers."""
        if any(starts is None for _, starts in self.files):
            return None
        return sum(len(starts) for _, starts in self.files if starts is not None)


def scan_files(files: Sequence[Path]) -> RowLines:
    """Scan each file (see ``SCANNERS``) and return where its rows are."""
    out: list[tuple[Path, tuple[int, ...] | None]] = []
    for f in files:
        scan = SCANNERS.get(f.suffix.lower())
        out.append((f, scan(f) if scan is not None else None))
    return RowLines(tuple(out))
