"""Phase timings for bench/bench_suite.py: off by default, summed over processes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from harness.core import phases


def test_flush_writes_only_when_asked_and_read_sums_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(phases, "_TOTALS", {})
    monkeypatch.delenv(phases.ENV_PHASES_DIR, raising=False)
    phases.add("predict", 1.5, "crf")
    with phases.timed("score"):
        pass
    phases.flush()
    assert list(tmp_path.iterdir()) == []  # unset: nothing written anywhere
    monkeypatch.setenv(phases.ENV_PHASES_DIR, str(tmp_path))
    phases.flush()
    mine = tmp_path / f"{os.getpid()}.json"
    assert json.loads(mine.read_text())["predict"] == {"crf": 1.5}
    # Another process's file is added in.
    (tmp_path / "1.json").write_text(json.dumps({"predict": {"crf": 2.0, "spacy": 1.0}}))
    total = phases.read(tmp_path)
    assert total["predict"] == {"crf": 3.5, "spacy": 1.0}
    assert total["score"][""] >= 0.0
