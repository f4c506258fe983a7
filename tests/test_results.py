"""The results directory: atomic files, round trips, errors naming file and line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.records import CaseKey, CaseResult, Outcome
from harness.results import (
    atomic_write_text,
    case_filename,
    clear_cases,
    read_case,
    read_case_results,
    read_run,
    write_case,
    write_run,
)


def _case(model: str = "m") -> CaseResult:
    return CaseResult(
        CaseKey("intent", "d", "gen/a:b", model), "ok", "macro_f1", {"macro_f1": 0.5}, 2
    )


def test_case_file_round_trip(tmp_path: Path) -> None:
    outs = [Outcome(0, "a", "a", True), Outcome(1, "b", None, False, raw="??", error="unparseable")]
    path = write_case(tmp_path, _case(), outs)
    assert path.name == case_filename(_case().key) and "/" not in path.name and ":" not in path.name
    result, back = read_case(path)
    assert result == _case() and back == outs
    assert read_case_results(tmp_path) == [_case()]
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")], "temp file left over"
    # Readable like any file the user writes, not private like a temp file.
    assert path.stat().st_mode & 0o044 == 0o644 & 0o044 & ~os.umask(os.umask(0))


def test_broken_case_file_names_file_and_line(tmp_path: Path) -> None:
    path = write_case(tmp_path, _case(), [Outcome(0, "a", "a", True)])
    path.write_text(path.read_text() + "{not json\n")
    with pytest.raises(ValueError, match=r":3: not an outcome record"):
        read_case(path)
    path.write_text("[]\n")
    with pytest.raises(ValueError, match=r":1: not a case record"):
        read_case_results(tmp_path)


def test_atomic_write_leaves_old_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "f.txt"
    atomic_write_text(target, "old")

    with pytest.raises(TypeError):
        atomic_write_text(target, 3)  # type: ignore[arg-type]
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_clear_cases_and_run_file(tmp_path: Path) -> None:
    write_case(tmp_path, _case("a"), [])
    write_case(tmp_path, _case("b"), [])
    clear_cases(tmp_path)
    assert read_case_results(tmp_path) == []
    write_run(tmp_path, [_case().key], {"m": "gen-a"})
    run = read_run(tmp_path)
    assert run["same_as"] == {"m": "gen-a"} and run["expected"] == [_case().key.to_dict()]
    assert read_run(tmp_path / "nowhere") == {}
