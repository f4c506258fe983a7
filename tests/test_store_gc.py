"""``synthbench store gc``: a dry-run listing by default, removal with --delete."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.__main__ import main
from harness.core.records import CaseKey, CaseResult
from harness.store.files import write_case
from harness.store.gc import plan
from harness.store.runs import Cell, RunRecord, write_run_record


def _store(root: Path) -> tuple[Path, Path]:
    key = CaseKey("intent", "d", "real", "m")
    current = write_case(root, CaseResult(key, "ok", fingerprint="new"), [])
    stale = write_case(root, CaseResult(key, "ok", fingerprint="old"), [])
    write_run_record(root, RunRecord("r", (Cell(key, "new", True),)))
    return current, stale


def test_gc_lists_then_deletes_only_unreferenced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    current, stale = _store(tmp_path)
    assert plan(tmp_path).drop == (stale,)
    assert main(["store", "gc", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"would remove {stale}" in out and "1 case file(s) kept" in out
    assert stale.exists(), "a dry run removed a file"
    assert main(["store", "gc", str(tmp_path), "--delete"]) == 0
    assert current.exists() and not stale.exists()


def test_gc_without_a_run_prunes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_case(tmp_path, CaseResult(CaseKey("t", "d", "g", "m"), "ok", fingerprint="x"), [])
    assert main(["store", "gc", str(tmp_path), "--delete"]) == 2
    assert "no run.json" in capsys.readouterr().err
    assert len(list((tmp_path / "cases").iterdir())) == 1
