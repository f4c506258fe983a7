"""A partial run's report goes beside the store's full report, not over it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.report.partial import folder_name, report_dir, unselected
from harness.store.view import NOT_SELECTED


def _report(missing: int, **run: Any) -> dict[str, Any]:
    cell = {"task": "intent", "dataset": "d", "generator": "g", "model": "m"}
    return {
        "schema": 1,
        "groups": [],
        "run": {"max_examples": 0, "seed": 0, "data_dir": "/d", "suite": "s.toml", **run},
        "cases": {
            "missing": [{**cell, "reason": NOT_SELECTED}] * missing
            + [{**cell, "reason": "selected in this run but no result arrived"}]
        },
    }


def _store(tmp_path: Path, report: dict[str, Any]) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "report.json").write_text(json.dumps(report))
    return tmp_path


def test_only_a_partial_report_with_other_settings_moves_aside(tmp_path: Path) -> None:
    full = _store(tmp_path, _report(0))
    assert unselected(_report(3)) == 3 and unselected(_report(0)) == 0
    # complete: always the store's folder, whatever the settings
    assert report_dir(full, _report(0, max_examples=20)) == full
    # partial, other settings: beside the full one, named by its settings
    assert report_dir(full, _report(3, max_examples=20)) == full / "report-max20-seed0"
    assert report_dir(full, _report(3, seed=7)) == full / "report-maxall-seed7"
    other_data = report_dir(full, _report(3, data_dir="/elsewhere"))
    assert other_data.parent == full and other_data.name.startswith("report-maxall-seed0-")
    # partial with the full report's own settings (the rest is simply gone): in place
    assert report_dir(full, _report(3)) == full
    # nothing to protect: no report yet, an unreadable one, or a partial one
    assert report_dir(tmp_path / "empty", _report(3, max_examples=20)) == tmp_path / "empty"
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "report.json").write_text("{not json")
    assert report_dir(tmp_path / "bad", _report(3, max_examples=20)) == tmp_path / "bad"
    part = _store(tmp_path / "part", _report(2, max_examples=5))
    assert report_dir(part, _report(3, max_examples=20)) == part
    assert folder_name(_report(1, max_examples=5), _report(0)) == "report-max5-seed0"


def test_a_k_run_with_other_max_examples_keeps_the_full_report(
    synth_project: pytest.Pytester,
) -> None:
    out = synth_project.path / "out"
    synth_project.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=48)
    full = {name: (out / name).read_bytes() for name in ("report.json", "report.md", "report.html")}
    assert json.loads(full["report.json"])["cases"]["missing"] == []
    # the reported case: a few cells, another sample size
    result = synth_project.runpytest_subprocess(
        "-p", "no:cacheprovider", "-k", "toy-intent", "--synth-max-examples", "12"
    )
    result.assert_outcomes(passed=16)
    for name, before in full.items():
        assert (out / name).read_bytes() == before, f"{name} was overwritten"
    beside = out / "report-max12-seed3"
    result.stdout.fnmatch_lines([f"report: {beside}/report.json", f"report: {beside}/report.md"])
    partial = json.loads((beside / "report.json").read_text())
    assert partial["run"]["max_examples"] == 12
    assert unselected(partial) == 32  # 48 cells, 16 selected
    html = (beside / "report.html").read_text()
    # the examples are read from the store's case files, not from the side folder
    assert "<h3 id=\"examples-" in html and "data-flags=" in html
    # a selection with the full report's settings reuses the rest: complete, in place
    result = synth_project.runpytest_subprocess("-p", "no:cacheprovider", "-k", "toy-intent")
    result.assert_outcomes(passed=16)
    again = json.loads((out / "report.json").read_text())
    assert again["cases"]["missing"] == [] and again["run"]["max_examples"] == 0
