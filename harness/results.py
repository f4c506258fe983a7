"""The results directory: one JSONL file per case, a run description, the reports.

Layout (``--synth-report-dir``, default ``.synthbench/``)::

    run.json               the suite's expected cells and same_as map (written first)
    cases/<case id>.jsonl  line 1 {"case": <CaseResult>}, then one outcome per line
    report.json            the aggregated report

Every file is written to a temporary name in the same folder and renamed into
place, so a reader (or a crashed worker) never leaves or sees half a file.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from harness.records import SCHEMA_VERSION, CaseKey, CaseResult, Outcome
from harness.redaction import redact
from harness.textsafe import json_dumps, scrub

CASES = "cases"
RUN_FILE = "run.json"
REPORT_JSON = "report.json"


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


class CaseFileError(ValueError):
    """A damaged case or run file; the message names the file and line."""


def atomic_write_text(path: Path, text: str) -> int:
    """Write ``text`` to ``path`` so that no reader ever sees a partial file.

    Lone surrogates (which UTF-8 cannot encode) become U+FFFD rather than losing the
    whole file; returns how many were replaced (0 for JSON from ``json_dumps``).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    replaced = 0
    if isinstance(text, str):  # anything else fails in write() below, leaving no file
        text, replaced = scrub(redact(text))  # no configured secret reaches a file
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        # mkstemp makes the file private (0600); results are ordinary files (umask).
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return replaced


def case_filename(key: CaseKey) -> str:
    # Suite names may hold characters a file system dislikes ('/', ':' in model ids).
    return re.sub(r"[^A-Za-z0-9._-]+", "_", key.id) + ".jsonl"


def write_case(results_dir: Path, result: CaseResult, outcomes: Sequence[Outcome]) -> Path:
    """Write one case file atomically; returns its path."""
    # json_dumps escapes lone surrogates (from data or model answers) losslessly.
    lines = [json_dumps({"case": result.to_dict()})]
    lines.extend(json_dumps(o.to_dict()) for o in outcomes)
    path = results_dir / CASES / case_filename(result.key)
    atomic_write_text(path, "\n".join(lines) + "\n")
    return path


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` of a results file; decoding errors name file and line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CaseFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    for n, raw in enumerate(data.split(b"\n"), start=1):
        try:
            yield n, raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CaseFileError(
                f"{path}:{n}: not UTF-8 text ({exc.reason}); the file is damaged, rerun the case"
            ) from None


def _record(path: Path, n: int, line: str, what: str) -> dict[str, Any]:
    where = f"{path}:{n}" if n else str(path)
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
        raise CaseFileError(f"{where}: not {what}: {exc}; rerun the case") from None
    if not isinstance(obj, dict):
        raise CaseFileError(f"{where}: not {what}: a JSON {type(obj).__name__}; rerun the case")
    return obj


def _case_head(path: Path, n: int, line: str) -> CaseResult:
    obj = _record(path, n, line, "a case record")
    try:
        return CaseResult.from_dict(obj["case"])
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise CaseFileError(f"{path}:{n}: not a case record: {exc!r}; rerun the case") from None


def read_case(path: Path) -> tuple[CaseResult, list[Outcome]]:
    """Read one case file; every error is a ``CaseFileError`` naming file and line."""
    lines = _lines(path)
    first = next(lines, (1, ""))
    result = _case_head(path, *first)
    outcomes = []
    for n, line in lines:
        if line.strip():
            obj = _record(path, n, line, "an outcome record")
            try:
                outcomes.append(Outcome.from_dict(obj))
            except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
                raise CaseFileError(
                    f"{path}:{n}: not an outcome record: {exc!r}; rerun the case"
                ) from None
    return result, outcomes


def iter_case_files(results_dir: Path) -> Iterator[Path]:
    yield from sorted((results_dir / CASES).glob("*.jsonl"))


def read_case_results(results_dir: Path) -> list[CaseResult]:
    """The case records of a results directory (first line of each file only)."""
    out = []
    for path in iter_case_files(results_dir):
        try:
            with path.open("rb") as fh:
                head = fh.readline()
        except OSError as exc:
            raise CaseFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CaseFileError(
                f"{path}:1: not UTF-8 text ({exc.reason}); the file is damaged, rerun the case"
            ) from None
        out.append(_case_head(path, 1, text))
    return out


def read_outcomes(results_dir: Path, key: CaseKey) -> list[Outcome]:
    return read_case(results_dir / CASES / case_filename(key))[1]


def clear_cases(results_dir: Path) -> None:
    """Remove the previous run's case files so a report never mixes two runs."""
    for path in iter_case_files(results_dir):
        path.unlink(missing_ok=True)


def write_run(results_dir: Path, expected: Iterable[CaseKey], same_as: dict[str, str],
              extra: dict[str, Any] | None = None) -> None:
    doc = {
        "schema": SCHEMA_VERSION,
        "same_as": dict(sorted(same_as.items())),
        "expected": [k.to_dict() for k in sorted(expected)],
        **(extra or {}),
    }
    atomic_write_text(results_dir / RUN_FILE, json_dumps(doc, indent=1) + "\n")


def read_run(results_dir: Path) -> dict[str, Any]:
    path = results_dir / RUN_FILE
    if not path.exists():
        return {}
    text = "\n".join(line for _, line in _lines(path))
    obj = _record(path, 0, text, "a run description (run.json)")
    for key, kind in (("same_as", dict), ("expected", list)):
        if key in obj and not isinstance(obj[key], kind):
            raise CaseFileError(f"{path}: key {key!r}: expected a JSON {kind.__name__}")
    return obj
