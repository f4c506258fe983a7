"""Fuzzing the case reader: random damage to a valid case file's lines and values.

Whatever a case file holds, every reader (the reuse check, the report's reader, the
head reader, the view) gives a record that checks out, or a ``CaseFileError`` that
names the file; never another exception (issue 24: ``"n_examples": 1e999`` raised
``OverflowError`` and stopped ``synthbench report``). ``SYNTHBENCH_FUZZ=N`` runs N
examples per test.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.core.records import CaseKey, CaseResult, DataIssues, Outcome
from harness.store.files import (
    DIGEST,
    CaseFileError,
    check_case_dict,
    check_outcome_dict,
    read_case,
    read_head,
    read_verified,
    verify_case,
    write_case,
)
from harness.store.runs import Cell, RunRecord
from harness.store.view import MISSING, build_view

N = int(os.environ.get("SYNTHBENCH_FUZZ", "0"))
FUZZ = settings(max_examples=N or 150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])

KEY = CaseKey("intent", "snips", "gen-a", "m")
FP = "ab" * 16
RESULT = CaseResult(
    KEY, "ok", "macro_f1", {"macro_f1": 0.5, "accuracy": 0.5, "invalid_rate": 0.25}, 4, 1,
    duration=0.25, data=DataIssues(rows=5, kept=4, duplicates=1, notes=("one dropped",)),
    extra={"errors": 1}, fingerprint=FP,
)
OUTCOMES = [
    Outcome(0, "play", "play", True),
    Outcome(1, "stop", "play", False, raw="play"),
    Outcome(2, "play", None, False, raw="??", error="unparseable"),
    Outcome(3, "stop", "stop", True),
]

#: JSON texts no run writes but a file may hold (``json`` reads each of them).
HOSTILE = [
    "1e999", "-1e999", "NaN", "Infinity", "-Infinity", "9" * 40, "-1", "0", "2.5",
    str(2**60), "true", "false", "null", '""', '"x"', '"\\ud800"', "[]", "{}",
    "[" * 200 + "]" * 200, '{"a": 1e999}', '["play"]', '{"macro_f1": 1e999}', '"7"',
    '{"notes": "abc"}', '{"rows": -3}', '{"schema": 1}',
]
PLACEHOLDER = "\u0000hostile\u0000"


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside a JSON object (keys and list indexes)."""
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


def _damage_value(line: str, rng: random.Random, hostile: str, delete: bool) -> str:
    obj = json.loads(line)
    paths = _paths(obj)
    if not paths:
        return hostile
    path = rng.choice(paths)
    parent = obj
    for step in path[:-1]:
        parent = parent[step]
    if delete:
        del parent[path[-1]]
        return json.dumps(obj)
    parent[path[-1]] = PLACEHOLDER
    return json.dumps(obj).replace(json.dumps(PLACEHOLDER), hostile)


DAMAGE = st.lists(
    st.tuples(
        st.sampled_from(["value", "delete", "truncate", "byte", "drop", "duplicate", "insert"]),
        st.integers(0, 10**6),
        st.sampled_from(HOSTILE),
    ),
    min_size=1,
    max_size=3,
)


def _damaged(root: Path, damage: list[tuple[str, int, str]], reseal: bool, legacy: bool) -> Path:
    path = write_case(root, RESULT, OUTCOMES, run="r1", inputs={"seed": 0})
    lines = path.read_bytes().split(b"\n")[:-1]
    for op, seed, hostile in damage:
        rng = random.Random(seed)
        n = rng.randrange(len(lines)) if lines else 0
        if not lines:
            lines = [hostile.encode()]
            continue
        if op in ("value", "delete"):
            try:
                text = lines[n].decode("utf-8")
                lines[n] = _damage_value(text, rng, hostile, op == "delete").encode("utf-8")
            except ValueError:  # already damaged past JSON: damage the bytes instead
                lines[n] = lines[n][: rng.randrange(len(lines[n]) + 1)]
        elif op == "truncate":
            lines[n] = lines[n][: rng.randrange(len(lines[n]) + 1)]
        elif op == "byte" and lines[n]:
            i = rng.randrange(len(lines[n]))
            lines[n] = lines[n][:i] + bytes([rng.randrange(256)]) + lines[n][i + 1 :]
        elif op == "drop":
            del lines[n]
        elif op == "duplicate":
            lines.insert(n, lines[n])
        else:
            lines.insert(n, hostile.encode())
    if (reseal or legacy) and lines:
        # A crafted file: line 1's digest made to match (or removed) after the damage,
        # so the outcome lines are read rather than refused by the digest.
        try:
            head = json.loads(lines[0])
            if isinstance(head, dict):
                head.pop(DIGEST, None)
                if reseal and not legacy:
                    body = b"".join(line + b"\n" for line in lines[1:])
                    head[DIGEST] = hashlib.sha256(body).hexdigest()
                lines[0] = json.dumps(head).encode()
        except (ValueError, RecursionError):
            pass
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return path


def _names_file(exc: CaseFileError, path: Path) -> None:
    assert str(exc).startswith(str(path)), str(exc)


def _checks_out(result: CaseResult, outcomes: list[Outcome] | None = None) -> None:
    """What a reader returns is a record the strict reader accepts again."""
    d = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert check_case_dict(d) == result
    for o in outcomes or []:
        assert check_outcome_dict(json.loads(json.dumps(o.to_dict()))) == o


@FUZZ
@given(damage=DAMAGE, reseal=st.booleans(), legacy=st.booleans())
def test_any_damage_gives_a_record_or_a_case_file_error(
    damage: list[tuple[str, int, str]], reseal: bool, legacy: bool
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = _damaged(root, damage, reseal, legacy)
        try:
            result, outcomes = read_case(path)
            _checks_out(result, outcomes)
        except CaseFileError as exc:
            _names_file(exc, path)
        try:
            _checks_out(read_head(path).result)
        except CaseFileError as exc:
            _names_file(exc, path)
        accepted = []
        try:
            _checks_out(verify_case(path, KEY, FP).result)
            accepted.append("rerun")
        except CaseFileError as exc:
            _names_file(exc, path)
        try:
            stored, outcomes = read_verified(path, KEY, FP)
            _checks_out(stored.result, outcomes)
            assert stored.result.key == KEY and stored.result.fingerprint == FP
            accepted.append("report")
        except CaseFileError as exc:
            _names_file(exc, path)
        if not reseal or legacy:
            # A rerun reuses exactly the files the report reads (a file whose digest was
            # recomputed after the damage is hashed, not parsed, by the reuse check).
            assert accepted in ([], ["rerun", "report"]), accepted
        # The view: the cell has a verified result, or it is missing with the file named.
        (entry,) = build_view([(root, RunRecord("r2", (Cell(KEY, FP, True),)))]).entries
        if entry.state == MISSING:
            assert str(path) in entry.reason
        else:
            assert entry.result is not None and len(entry.outcomes) == entry.result.n_examples


def test_undamaged_file_reads_back_whole() -> None:
    """The fuzz starts from a file every reader accepts (else it would test nothing)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = _damaged(Path(tmp), [], reseal=False, legacy=False)
        assert read_case(path) == (RESULT, OUTCOMES)
        assert read_verified(path, KEY, FP)[0].result == RESULT
        assert verify_case(path, KEY, FP).result == RESULT
