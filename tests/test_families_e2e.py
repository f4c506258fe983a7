"""A toy suite with [families] through real pytest runs, with and without xdist."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

from tests.synth_fixtures import BENCH_TEST, suite_text, write_data_dir

# best (same_as gen-a) and good (same_as gen-b) are one family; gen-c is in none.
FAMILIES = """
[families]
ab = ["gen-a", "gen-b"]

[[gates]]
name = "no family prefers its own data"
kind = "max_family_bias"
dataset = "toy-intent"
threshold = 5.0
"""

FAST = ("--synth-bootstrap", "100", "-p", "no:randomly")


def _families_part(report: dict[str, Any]) -> dict[str, Any]:
    """What families add to report.json: compared across runs."""
    return {
        "families": report["families"],
        "groups": [
            {
                "family_bias": g["family_bias"],
                "mean-lfo": g["scores"]["mean-lfo"],
                "ci": {k: g["ci"][k] for k in ("family_bias", "family_preference")},
                "ci_lfo": g["ci"]["agreement"]["mean-lfo"]["spearman"],
            }
            for g in report["groups"]
        ],
    }


def test_families_reach_report_json_every_renderer_and_the_gates(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SYNTHBENCH_DATA_DIR", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    write_data_dir(pytester.path / "data", n=24)
    pytester.makefile(".toml", suite=suite_text(FAMILIES))
    pytester.makeini(
        "[pytest]\nsynth_suite = suite.toml\nsynth_data_dir = data\nsynth_report_dir = out\n"
    )
    pytester.makepyfile(test_bench=BENCH_TEST)
    r = pytester.runpytest_subprocess(*FAST, "-n", "0")
    r.assert_outcomes(passed=49)  # 48 cases and the gate, a test of the run
    assert r.ret == 0
    r.stdout.fnmatch_lines(["*family bias: *; family preference p=*", "*PASS  no family*"])
    out = pytester.path / "out"
    report = json.loads((out / "report.json").read_text())
    assert report["families"] == {
        "generators": {"ab": ["gen-a", "gen-b"]},
        "models": {"best": "ab", "good": "ab"},
    }
    for g in report["groups"]:
        assert set(g["family_bias"]) == set(g["ci"]["family_bias"]) == {"best", "good"}
        assert g["ci"]["family_preference"]["exact"]
        assert list(g["scores"])[-3:] == ["mean", "mean-loo", "mean-lfo"]
    assert "| model | family data | family bias | p | note |" in (out / "report.md").read_text()
    assert "<h4>Family bias</h4>" in (out / "report.html").read_text()
    gate = report["gates"]["gates"][0]
    assert gate["status"] == "passed" and "good on family ab" in json.dumps(gate["checks"])
    # The run record keeps the families: `synthbench report` rebuilds the same figures.
    again = pytester.path / "again.json"
    # A subprocess: pytester drops the modules a test imports, numpy cannot load twice.
    cli = pytester.run(sys.executable, "-m", "harness", "report", str(out), "--json", str(again))
    assert cli.ret == 0
    assert _families_part(json.loads(again.read_text())) == _families_part(report)
    # Under xdist (cases on two workers, figures on the controller): the same figures.
    r2 = pytester.runpytest_subprocess(*FAST, "-n", "2", "--synth-report-dir=out2")
    r2.assert_outcomes(passed=49)
    parallel = json.loads((pytester.path / "out2" / "report.json").read_text())
    assert _families_part(parallel) == _families_part(report)
