"""Case files: one content-addressed JSONL file per case result, written atomically.

Layout of a store (``--synth-report-dir``, default ``.synthbench/``)::

    store.json                          the store's schema (a newer one is refused)
    cases/<case id>.<fingerprint>.jsonl line 1 {"case": <CaseResult>}, then one outcome per line
    runs/<run id>.json                  what each run selected, found and settled
    run.json, report.*                  the latest run's record and report (under a lock)

A case file's name carries the digest of its fingerprint, which covers the case key,
so two cases never share a file whatever their names, and a result computed from
other inputs lands beside the old one instead of over it. No run deletes a case file;
``synthbench store gc`` prunes those no suite cell points to.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.records import CaseKey, CaseResult, Outcome
from harness.redaction import redact
from harness.textsafe import json_dumps, scrub

#: The layout version of a store; readers refuse a store written by a newer one.
STORE_SCHEMA = 2
STORE_FILE = "store.json"
CASES = "cases"
#: Line 1's key for the SHA-256 of the outcome lines (as written).
DIGEST = "outcomes_sha256"
RUNS = "runs"


class CaseFileError(ValueError):
    """A damaged case or run file; the message names the file and line."""


class StoreError(ValueError):
    """A store this harness cannot use (a newer schema); the message names both versions."""


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


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


def check_store(root: Path) -> None:
    """Refuse a store written by a newer layout; no file yet is an empty store."""
    path = root / STORE_FILE
    if not path.is_file():
        return
    try:
        schema = json.loads(path.read_text(encoding="utf-8")).get("schema")
    except (ValueError, AttributeError, UnicodeDecodeError) as exc:
        raise StoreError(f"{path}: not a store description ({exc}); remove the file") from None
    if not isinstance(schema, int) or schema > STORE_SCHEMA:
        raise StoreError(
            f"{path}: the store has schema {schema!r}, this harness reads schema "
            f"{STORE_SCHEMA} and older; upgrade pytest-synthbench or use another "
            "--synth-report-dir"
        )


def open_store(root: Path) -> Path:
    """Check ``root`` and mark it as a store of this schema; returns ``root``."""
    check_store(root)
    path = root / STORE_FILE
    if not path.is_file():
        atomic_write_text(path, json.dumps({"schema": STORE_SCHEMA}) + "\n")
    return root


def _readable(text: str) -> str:
    # Only for people listing the folder: uniqueness comes from the digest.
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)[:120]


def case_name(key: CaseKey, fingerprint: str) -> str:
    """The file name of a case result with this fingerprint digest."""
    return f"{_readable(key.id)}.{fingerprint or 'unkeyed'}.jsonl"


def case_path(root: Path, result: CaseResult) -> Path:
    return root / CASES / case_name(result.key, result.fingerprint)


@dataclass(frozen=True)
class Stored:
    """A case record as found in a store: where, and which run computed it."""

    result: CaseResult
    run: str
    path: Path


def write_case(
    root: Path,
    result: CaseResult,
    outcomes: Sequence[Outcome],
    run: str = "",
    inputs: Mapping[str, Any] | None = None,
) -> Path:
    """Write one case file atomically under its address; returns its path.

    ``run`` (the computing run's id) and ``inputs`` (the fingerprint's parts) ride on
    line 1 so a report can say where a reused result came from and why it matched.
    """
    head: dict[str, Any] = {"case": result.to_dict(), "run": run}
    if inputs is not None:
        head["inputs"] = dict(inputs)
    # json_dumps escapes lone surrogates (from data or model answers) losslessly.
    body = "".join(json_dumps(o.to_dict()) + "\n" for o in outcomes)
    # The digest of the bytes as written (secrets masked, as atomic_write_text does):
    # a reuse check compares it instead of parsing every outcome line.
    body = scrub(redact(body))[0]
    head[DIGEST] = hashlib.sha256(body.encode("utf-8")).hexdigest()
    path = case_path(root, result)
    atomic_write_text(path, json_dumps(head) + "\n" + body)
    return path


def _decode(path: Path, n: int, raw: bytes, what: str) -> dict[str, Any]:
    """One line as a JSON object; every failure is a ``CaseFileError`` naming file and line."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CaseFileError(
            f"{path}:{n}: not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
        raise CaseFileError(f"{path}:{n}: not JSON ({exc})") from None
    if not isinstance(obj, dict):
        raise CaseFileError(f"{path}:{n}: not {what}: a JSON {type(obj).__name__}")
    return obj


_BAD = (ValueError, KeyError, TypeError, AttributeError, RecursionError)


def _head(path: Path, n: int, raw: bytes) -> Stored:
    return _stored(path, n, _decode(path, n, raw, "a case record"))


def _stored(path: Path, n: int, obj: dict[str, Any]) -> Stored:
    try:
        return Stored(CaseResult.from_dict(obj["case"]), str(obj.get("run", "")), path)
    except _BAD as exc:
        raise CaseFileError(f"{path}:{n}: not a case record: {exc!r}") from None


def _open(path: Path) -> Any:
    try:
        return path.open("rb")
    except OSError as exc:
        raise CaseFileError(f"{path}: cannot read: {exc.strerror or exc}") from None


def verify_case(path: Path) -> Stored:
    """The case record of a case file whose every line is intact, else ``CaseFileError``.

    Files written with an outcome digest are checked by hashing (the default suite's
    252 files: 135,000 outcome lines not parsed on a warm rerun); older ones are
    parsed whole.
    """
    with _open(path) as fh:
        head = _decode(path, 1, fh.readline(), "a case record")
        stored = _stored(path, 1, head)
        digest = head.get(DIGEST)
        if not isinstance(digest, str):
            _parse_case(path)
            return stored
        if hashlib.sha256(fh.read()).hexdigest() != digest:
            raise CaseFileError(
                f"{path}: the outcome lines do not match line 1's {DIGEST} (damaged or "
                "edited); the case is evaluated again"
            )
    return stored


def read_head(path: Path) -> Stored:
    """The case record of a case file (its first line); errors name file and line."""
    with _open(path) as fh:
        return _head(path, 1, fh.readline())


#: While ``parse_once()`` is active: each parsed case file by (path, mtime, size).
_PARSED: dict[tuple[str, int, int], tuple[CaseResult, tuple[Outcome, ...]]] | None = None


@contextlib.contextmanager
def parse_once() -> Iterator[None]:
    """Within the block each case file is parsed once, however often it is read.

    A report reads the same files several times: the view, the bootstrap and the
    example browser (the default suite: 252 files, 135,000 outcome lines, about a
    second a pass). Keyed by the file's state, so a file rewritten meanwhile is
    parsed again; the parsed files are let go when the outermost block ends.
    """
    global _PARSED
    outer = _PARSED is not None
    if not outer:
        _PARSED = {}
    try:
        yield
    finally:
        if not outer:
            _PARSED = None


def read_case(path: Path) -> tuple[CaseResult, list[Outcome]]:
    """A case file's record and outcomes; any damaged line raises ``CaseFileError``."""
    memo = _PARSED
    if memo is None:
        return _parse_case(path)
    try:
        st = os.stat(path)
    except OSError:
        return _parse_case(path)  # raises the file's own error
    key = (str(path), st.st_mtime_ns, st.st_size)
    if key not in memo:
        result, outcomes = _parse_case(path)
        memo[key] = (result, tuple(outcomes))
    result, kept = memo[key]
    return result, list(kept)  # a caller's list of its own; outcomes are frozen


def _parse_case(path: Path) -> tuple[CaseResult, list[Outcome]]:
    with _open(path) as fh:
        result = _head(path, 1, fh.readline()).result
        outcomes = []
        for n, raw in enumerate(fh, start=2):
            if not raw.strip():
                continue
            obj = _decode(path, n, raw, "an outcome record")
            try:
                outcomes.append(Outcome.from_dict(obj))
            except _BAD as exc:
                raise CaseFileError(f"{path}:{n}: not an outcome record: {exc!r}") from None
    return result, outcomes


def iter_case_files(root: Path) -> Iterator[Path]:
    yield from sorted((root / CASES).glob("*.jsonl"))
