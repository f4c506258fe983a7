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
import math
import os
import re
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.core.records import CaseKey, CaseResult, Outcome
from harness.core.redaction import redact
from harness.core.textsafe import json_dumps, scrub

#: The layout version of a store; readers refuse a store written by a newer one.
STORE_SCHEMA = 2
STORE_FILE = "store.json"
CASES = "cases"
#: Line 1's key for the SHA-256 of the outcome lines (as written).
DIGEST = "outcomes_sha256"
#: Line 1's key for when the file was written (UTC): between two results of the same
#: inputs in merged stores, the newer wins (``harness.store.view``).
WRITTEN = "written"
RUNS = "runs"
#: Every file and folder a store may hold at its top, and whether it is a folder.
LAYOUT = {
    STORE_FILE: False,
    CASES: True,
    RUNS: True,
    "run.json": False,
    "report.json": False,
    "report.md": False,
    "report.html": False,
    ".report.lock": False,
}


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
    replaced = 0
    if isinstance(text, str):  # anything else fails in write() below, leaving no file
        text, replaced = scrub(redact(text))  # no configured secret reaches a file
    path.parent.mkdir(parents=True, exist_ok=True)  # its error names the folder
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        if exc.errno is None:
            raise
        raise _naming(exc, path) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        # mkstemp makes the file private (0600); results are ordinary files (umask).
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.errno is not None:
            raise _naming(exc, path) from exc
        raise
    return replaced


def _naming(exc: OSError, path: Path) -> OSError:
    """The same error (same class, by its errno) naming the file meant, not a temp file."""
    return OSError(exc.errno, exc.strerror, str(path))


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


def validate_store(root: Path) -> None:
    """Refuse, before a run starts, a store this run could not write its results into.

    Checks the schema, that each part of the layout has its kind (``cases`` a folder,
    ``run.json`` a file, ...), and that the folder (or, when it does not exist yet, the
    folder it will be made in) takes new files: a probe file is made and removed, so
    nothing is left behind. Raises ``StoreError`` naming the path and the fix.
    """
    check_store(root)
    if root.exists() and not root.is_dir():
        raise StoreError(
            f"{root}: the results store is a file, not a folder; remove it or pass "
            "another --synth-report-dir"
        )
    for name, folder in LAYOUT.items():
        path = root / name
        if path.is_symlink() and not path.exists():
            continue  # a dangling link is replaced by the first write
        if path.exists() and path.is_dir() != folder:
            want, got = ("a folder", "a file") if folder else ("a file", "a folder")
            raise StoreError(
                f"{path}: the store needs {want} here but finds {got}; move it away (or "
                "pass another --synth-report-dir)"
            )
    probe_in = [root, root / CASES, root / RUNS] if root.is_dir() else [_existing_parent(root)]
    for place in probe_in:
        if place.is_dir():
            _probe(place, root)


def _existing_parent(path: Path) -> Path:
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _probe(folder: Path, root: Path) -> None:
    """Make and remove one file in ``folder``: the only test every file system answers."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".synthbench-probe.", dir=folder)
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise StoreError(
            f"{folder}: the results store cannot be written ({exc.strerror or exc}); make "
            f"it writable or pass a writable --synth-report-dir (now {root})"
        ) from None


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
    """A case record as found in a store: where, which run computed it, and when."""

    result: CaseResult
    run: str
    path: Path
    #: When the file was written (``now()``'s form; older files: their modification time).
    written: str = ""


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
    head: dict[str, Any] = {"case": result.to_dict(), "run": run, WRITTEN: now()}
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


def write_failure(path: Path, exc: OSError) -> str:
    """The one line that says a file could not be written, and why."""
    return f"cannot write {path}: {exc.strerror or exc}"


def now() -> str:
    """The current UTC time as written in the store (sorts as text, to the microsecond)."""
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1e6):06d}Z"


def mtime_stamp(path: Path) -> str:
    """A file's modification time in ``now()``'s form ('' when it cannot be read)."""
    try:
        t = path.stat().st_mtime
    except OSError:
        return ""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1e6):06d}Z"


def store_or_error(
    root: Path,
    result: CaseResult,
    outcomes: Sequence[Outcome],
    run: str = "",
    inputs: Mapping[str, Any] | None = None,
) -> CaseResult:
    """``write_case``, or, when the file cannot be written, an error record saying so.

    A full disk or a folder at the case file's path must not lose a computed result
    without a word: the error's reason carries the score and the path, the case
    fails with it, and the next run computes the case again.
    """
    try:
        write_case(root, result, outcomes, run, inputs)
    except OSError as exc:
        score = result.score
        figure = f"{result.primary} {score:.4g}" if score is not None else "no score"
        where = exc.filename or case_path(root, result)
        return CaseResult(
            result.key,
            "error",
            reason=(
                f"computed ({figure} over {result.n_examples} examples) but not stored: "
                f"{where}: {exc.strerror or exc}; free the space or remove what is at that "
                "path, then run the case again"
            ),
            duration=result.duration,
            extra={"unstored": str(where)},
        )
    return result


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


#: Counts beyond this are not counts of examples (and would not fit a float exactly).
MAX_COUNT = 2**53


def _count(d: Mapping[str, Any], name: str) -> None:
    v = d.get(name, 0)
    if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= MAX_COUNT:
        raise ValueError(f"{name!r} must be a whole number from 0 to 2**53, not {v!r}")


def _number(v: Any, what: str, low: float = -math.inf) -> None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ValueError(f"{what} must be a number, not {v!r}")
    try:
        ok = math.isfinite(v) and v >= low
    except OverflowError:  # an integer too large for a float
        ok = False
    if not ok:
        floor = f" of at least {low}" if math.isfinite(low) else ""
        raise ValueError(f"{what} must be a finite number{floor}, not {v!r}")


def _text(d: Mapping[str, Any], name: str, required: bool = False) -> None:
    if name not in d:
        if required:
            raise ValueError(f"no {name!r}")
        return
    if not isinstance(d[name], str) or (required and not d[name]):
        raise ValueError(f"{name!r} must be a {'non-empty ' if required else ''}string")


def check_case_dict(d: Any) -> CaseResult:
    """A case record's JSON form checked strictly, then the record; else ``ValueError``.

    ``CaseResult.from_dict`` converts what it is given (``int(1e999)`` raises
    ``OverflowError``, ``"7"`` becomes 7); a stored record must already have the types
    it was written with, so nothing downstream meets a value no run could write.
    """
    if not isinstance(d, dict):
        raise ValueError(f"a JSON {type(d).__name__}, not an object")
    for name in ("task", "dataset", "generator", "model", "status"):
        _text(d, name, required=True)
    for name in ("primary", "reason", "fingerprint"):
        _text(d, name)
    metrics = d.get("metrics", {})
    if not isinstance(metrics, dict):
        raise ValueError("'metrics' must be an object")
    for k, v in metrics.items():
        if v is not None:  # an undefined metric (NaN) is written as null
            _number(v, f"metric {k!r}")
    _count(d, "n_examples")
    _count(d, "n_invalid")
    if d.get("n_invalid", 0) > d.get("n_examples", 0):
        raise ValueError("'n_invalid' exceeds 'n_examples'")
    _number(d.get("duration", 0.0), "'duration'", 0.0)
    data = d.get("data", {})
    if not isinstance(data, dict):
        raise ValueError("'data' must be an object")
    for name in ("rows", "kept", "duplicates", "repaired_entities", "dropped_entities",
                 "dropped_records"):
        _count(data, name)
    notes = data.get("notes", [])
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        raise ValueError("'data.notes' must be a list of strings")
    if not isinstance(d.get("extra", {}), dict):
        raise ValueError("'extra' must be an object")
    _finite_numbers(d.get("extra", {}), "'extra'")
    return CaseResult.from_dict(d)


def _finite_numbers(v: Any, what: str) -> None:
    """Every number in a free-form object is finite: ``1e999`` parses to inf, which no
    run writes and no JSON writer of a report can write back."""
    if isinstance(v, dict):
        for k, x in v.items():
            _finite_numbers(x, f"{what}.{k}")
    elif isinstance(v, list):
        for i, x in enumerate(v):
            _finite_numbers(x, f"{what}[{i}]")
    elif isinstance(v, int | float) and not isinstance(v, bool):
        _number(v, what)


def check_outcome_dict(d: dict[str, Any]) -> Outcome:
    """An outcome line's object checked strictly, then the outcome; else ``ValueError``.

    One test of exact types per field: a report reads 135,000 of these lines (the
    default suite), so the message is worked out only for a line that fails.
    """
    i, correct, raw, error = d.get("i"), d.get("correct"), d.get("raw"), d.get("error")
    text = d.get("text")
    if (
        type(i) is not int
        or not 0 <= i <= MAX_COUNT
        or "gold" not in d
        or (correct is not None and type(correct) is not bool)
        or (raw is not None and type(raw) is not str)
        or (error is not None and type(error) is not str)
        or (text is not None and (type(text) is not list or any(type(t) is not str for t in text)))
    ):
        raise ValueError(_outcome_problem(d))
    return Outcome(
        i, d["gold"], d.get("pred"), correct, raw, error, tuple(text) if text is not None else None
    )


def _outcome_problem(d: dict[str, Any]) -> str:
    if "i" not in d or "gold" not in d:
        return "an outcome needs 'i' and 'gold'"
    i = d["i"]
    if type(i) is not int or not 0 <= i <= MAX_COUNT:
        return f"'i' must be a whole number from 0 to 2**53, not {i!r}"
    if d.get("correct") is not None and type(d["correct"]) is not bool:
        return "'correct' must be true, false or null"
    text = d.get("text")
    if text is not None and (type(text) is not list or any(type(t) is not str for t in text)):
        return "'text' must be a list of strings or null"
    name = "raw" if d.get("raw") is not None and type(d["raw"]) is not str else "error"
    return f"{name!r} must be a string or null"


def _head(path: Path, n: int, raw: bytes) -> Stored:
    return _stored(path, n, _decode(path, n, raw, "a case record"))


def _stored(path: Path, n: int, obj: dict[str, Any]) -> Stored:
    for name in ("run", WRITTEN):
        if not isinstance(obj.get(name, ""), str):
            raise CaseFileError(f"{path}:{n}: not a case record: {name!r} is not a string")
    try:
        result = check_case_dict(obj.get("case"))
    except Exception as exc:  # any value a file may hold: the file is damaged, never a crash
        raise CaseFileError(f"{path}:{n}: not a case record: {exc}") from None
    return Stored(result, obj.get("run", ""), path, obj.get(WRITTEN) or mtime_stamp(path))


def _digest_of(path: Path, head: Mapping[str, Any]) -> str | None:
    """Line 1's outcome digest; None for files written before it existed."""
    if DIGEST not in head:
        return None
    digest = head[DIGEST]
    if not isinstance(digest, str) or not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise CaseFileError(f"{path}:1: {DIGEST} is not a SHA-256 digest: {digest!r}")
    return digest


def _mismatch(path: Path) -> CaseFileError:
    return CaseFileError(
        f"{path}: the outcome lines do not match line 1's {DIGEST} (damaged or edited)"
    )


def check_head(stored: Stored, key: CaseKey, fingerprint: str) -> None:
    """Refuse a file whose line 1 names another case or other inputs than its address.

    The file name carries the cell's fingerprint digest; a record naming another
    model, or another fingerprint, was copied or edited there and is not this cell's.
    """
    got = stored.result
    if got.key != key:
        raise CaseFileError(
            f"{stored.path}:1: the record is case {got.key.id!r}, not {key.id!r} (the cell "
            "its file name stands for): copied or edited"
        )
    # A non-ok record (an incomplete case, say) may carry no fingerprint: it is never
    # reused, only reported; a result must carry exactly its file's.
    if got.fingerprint != fingerprint and (got.status == "ok" or got.fingerprint):
        raise CaseFileError(
            f"{stored.path}:1: the record's fingerprint {got.fingerprint!r} is not the "
            f"{fingerprint!r} its file name carries: copied or edited"
        )


def _open(path: Path) -> Any:
    try:
        return path.open("rb")
    except OSError as exc:
        raise CaseFileError(f"{path}: cannot read: {exc.strerror or exc}") from None


def verify_case(path: Path, key: CaseKey | None = None, fingerprint: str | None = None) -> Stored:
    """The case record of a case file whose every line is intact, else ``CaseFileError``.

    Files written with an outcome digest are checked by hashing (the default suite's
    252 files: 135,000 outcome lines not parsed on a warm rerun); older ones are
    parsed whole. With ``key`` and ``fingerprint`` (the cell the file's name stands
    for), line 1 must name exactly that case and those inputs (``check_head``).
    ``read_verified`` checks the same while parsing: the report and a rerun accept
    the same files.
    """
    with _open(path) as fh:
        head = _decode(path, 1, fh.readline(), "a case record")
        stored = _stored(path, 1, head)
        if key is not None and fingerprint is not None:
            check_head(stored, key, fingerprint)
        digest = _digest_of(path, head)
        if digest is None:
            _check_count(stored, len(_parse_case(path)[1]))
            return stored
        body = fh.read()
        if hashlib.sha256(body).hexdigest() != digest:
            raise _mismatch(path)
    _check_count(stored, sum(1 for line in body.split(b"\n") if line.strip()))
    return stored


def _check_count(stored: Stored, lines: int) -> None:
    """An ok record holds one outcome line per example (a rerun and the report alike)."""
    if stored.result.status == "ok" and lines != stored.result.n_examples:
        raise CaseFileError(
            f"{stored.path}: line 1 counts {stored.result.n_examples} examples but the file "
            f"holds {lines} outcome lines (damaged or edited)"
        )


def read_head(path: Path) -> Stored:
    """The case record of a case file (its first line); errors name file and line."""
    with _open(path) as fh:
        return _head(path, 1, fh.readline())


#: While ``parse_once()`` is active: each parsed case file by (path, mtime, size).
_PARSED: dict[tuple[str, int, int], tuple[Stored, tuple[Outcome, ...]]] | None = None


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
    """A case file's record and outcomes; any damaged line, or outcome lines that do
    not match line 1's digest, raise ``CaseFileError``."""
    stored, outcomes = _read(path)
    return stored.result, outcomes


def read_verified(path: Path, key: CaseKey, fingerprint: str) -> tuple[Stored, list[Outcome]]:
    """``read_case`` plus what a rerun checks before reuse (``verify_case``): line 1
    names ``key`` and ``fingerprint``, and an ok record holds one outcome per example."""
    stored, outcomes = _read(path)
    check_head(stored, key, fingerprint)
    _check_count(stored, len(outcomes))
    return stored, outcomes


def _read(path: Path) -> tuple[Stored, list[Outcome]]:
    memo = _PARSED
    if memo is None:
        return _parse_case(path)
    try:
        st = os.stat(path)
    except OSError:
        return _parse_case(path)  # raises the file's own error
    key = (str(path), st.st_mtime_ns, st.st_size)
    if key not in memo:
        stored, outcomes = _parse_case(path)
        memo[key] = (stored, tuple(outcomes))
    stored, kept = memo[key]
    return stored, list(kept)  # a caller's list of its own; outcomes are frozen


def _parse_case(path: Path) -> tuple[Stored, list[Outcome]]:
    """Parse every line and hash the outcome lines in the same pass (one read)."""
    with _open(path) as fh:
        head = _decode(path, 1, fh.readline(), "a case record")
        stored = _stored(path, 1, head)
        digest = _digest_of(path, head)
        hasher = hashlib.sha256()
        outcomes = []
        for n, raw in enumerate(fh, start=2):
            hasher.update(raw)
            if not raw.strip():
                continue
            obj = _decode(path, n, raw, "an outcome record")
            try:
                outcomes.append(check_outcome_dict(obj))
            except Exception as exc:  # any value a file may hold: damage, never a crash
                raise CaseFileError(f"{path}:{n}: not an outcome record: {exc}") from None
    if digest is not None and hasher.hexdigest() != digest:
        raise _mismatch(path)
    return stored, outcomes


def iter_case_files(root: Path) -> Iterator[Path]:
    yield from sorted((root / CASES).glob("*.jsonl"))
