"""The resumable JSONL writer and the provenance sidecar.

Each generated record is one line, written with a single ``write`` and ``fsync``ed
before the next request's result is handled, so a killed run loses at most the
line being written. That line (no final newline, or not JSON) is cut off on resume
and counted. Each record carries ``"_gen": {"index": i, "attempt": a}``: the plan
index it realises, which is how a resumed run knows what is done; task loaders
ignore the extra key.

The sidecar ``<stem>.provenance.json`` is replaced atomically (write, fsync, rename).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from harness.core.redaction import redact_tree
from harness.core.textsafe import json_dumps

#: The key of the per-record generation metadata.
META = "_gen"


class GenerateError(RuntimeError):
    """Generation cannot proceed; the message names the file and what to do."""


def provenance_path(path: Path) -> Path:
    """``synthetic/snips/gen.jsonl`` -> ``synthetic/snips/gen.provenance.json``."""
    return path.with_name(path.stem + ".provenance.json")


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # some platforms cannot open directories
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_json_atomic(path: Path, obj: Any) -> None:
    """Replace ``path`` with ``obj`` as JSON so readers never see half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        # json_dumps: a lone surrogate in an answer is escaped, not a crash at every resume.
        fh.write(json_dumps(redact_tree(obj), indent=1) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def read_provenance(path: Path) -> dict[str, Any] | None:
    """The sidecar of the JSONL at ``path``, or None when there is none."""
    side = provenance_path(path)
    try:
        value = json.loads(side.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        return None
    except (ValueError, RecursionError, OSError) as exc:  # bad JSON, not UTF-8, too deep
        raise GenerateError(
            f"{side}: not a readable provenance file ({type(exc).__name__}: {exc}); "
            "delete it and pass --overwrite"
        ) from None
    if not isinstance(value, dict):
        raise GenerateError(f"{side}: expected a JSON object; delete it and pass --overwrite")
    return value


class ResumableWriter:
    """Append-only JSONL with one fsync per record; see the module docstring."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.truncated = 0
        self._fh: Any = None

    def existing(self) -> list[dict[str, Any]]:
        """The complete records already in the file; a partial last line is cut off.

        A bad line elsewhere is not something a crash leaves behind: it is an error.
        """
        if not self.path.exists():
            return []
        data = self.path.read_bytes()
        records: list[dict[str, Any]] = []
        good_end = 0
        pos = 0
        lineno = 0
        while pos < len(data):
            nl = data.find(b"\n", pos)
            end = len(data) if nl < 0 else nl + 1
            lineno += 1
            line = data[pos:end]
            try:
                obj = json.loads(line) if line.strip() else None
                complete = nl >= 0
            except (ValueError, RecursionError):  # not JSON, not UTF-8, too deep, huge int
                obj, complete = None, False
            if obj is not None and complete and isinstance(obj, dict) and META in obj:
                records.append(obj)
                good_end = end
            elif line.strip() and end == len(data):
                break  # the line a killed run was writing
            elif line.strip():
                raise GenerateError(
                    f"{self.path}:{lineno}: not a generated record; fix the line or pass "
                    "--overwrite to start again"
                )
            else:
                good_end = end
            pos = end
        if good_end < len(data):
            self.truncated = 1
            with open(self.path, "r+b") as fh:
                fh.truncate(good_end)
                fh.flush()
                os.fsync(fh.fileno())
        return records

    def open(self, *, overwrite: bool = False) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Held open across appends (one fsync per record); closed by close().
        self._fh = open(self.path, "w" if overwrite else "a", encoding="utf-8")  # noqa: SIM115

    def append(self, record: dict[str, Any]) -> None:
        """Write one record as one line and make it durable before returning."""
        assert self._fh is not None, "open() first"
        self._fh.write(json_dumps(redact_tree(record)) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
