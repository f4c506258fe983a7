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

CASES = "cases"
RUN_FILE = "run.json"
REPORT_JSON = "report.json"


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that no reader ever sees a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
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


def case_filename(key: CaseKey) -> str:
    # Suite names may hold characters a file system dislikes ('/', ':' in model ids).
    return re.sub(r"[^A-Za-z0-9._-]+", "_", key.id) + ".jsonl"


def write_case(results_dir: Path, result: CaseResult, outcomes: Sequence[Outcome]) -> Path:
    """Write one case file atomically; returns its path."""
    lines = [json.dumps({"case": result.to_dict()}, ensure_ascii=False)]
    lines.extend(json.dumps(o.to_dict(), ensure_ascii=False) for o in outcomes)
    path = results_dir / CASES / case_filename(result.key)
    atomic_write_text(path, "\n".join(lines) + "\n")
    return path


def read_case(path: Path) -> tuple[CaseResult, list[Outcome]]:
    """Read one case file; errors name the file and line."""
    with path.open(encoding="utf-8") as fh:
        head = fh.readline()
        try:
            result = CaseResult.from_dict(json.loads(head)["case"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:1: not a case record: {exc}") from None
        outcomes = []
        for n, line in enumerate(fh, start=2):
            if line.strip():
                try:
                    outcomes.append(Outcome.from_dict(json.loads(line)))
                except (ValueError, KeyError, TypeError) as exc:
                    raise ValueError(f"{path}:{n}: not an outcome record: {exc}") from None
    return result, outcomes


def iter_case_files(results_dir: Path) -> Iterator[Path]:
    yield from sorted((results_dir / CASES).glob("*.jsonl"))


def read_case_results(results_dir: Path) -> list[CaseResult]:
    """The case records of a results directory (first line of each file only)."""
    out = []
    for path in iter_case_files(results_dir):
        with path.open(encoding="utf-8") as fh:
            head = fh.readline()
        try:
            out.append(CaseResult.from_dict(json.loads(head)["case"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:1: not a case record: {exc}") from None
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
    atomic_write_text(results_dir / RUN_FILE, json.dumps(doc, indent=1) + "\n")


def read_run(results_dir: Path) -> dict[str, Any]:
    path = results_dir / RUN_FILE
    if not path.exists():
        return {}
    return dict(json.loads(path.read_text(encoding="utf-8")))
