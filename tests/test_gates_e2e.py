"""Gates through real pytest runs (pytester): verdicts, exit status, JUnit, baselines."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tests.synth_fixtures import BENCH_TEST, suite_text, write_data_dir

GATES = """
[[gates]]
name = "mean agrees"
kind = "min_agreement"
dataset = "toy-intent"
generator = "mean"
threshold = 0.0

[[gates]]
name = "best is good on real"
kind = "min_score"
dataset = "toy-intent"
generator = "real"
model = "best"
threshold = 0.5

[[gates]]
name = "fair answers"
kind = "max_invalid_rate"
model = "fair"
threshold = 0.02

[[gates]]
name = "ghost"
kind = "min_score"
model = "ghost"
threshold = 0.1
optional = true
"""

FAST = ("--synth-bootstrap", "200", "-p", "no:randomly")


def _project(p: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, gates: str) -> pytest.Pytester:
    monkeypatch.delenv("SYNTHBENCH_DATA_DIR", raising=False)
    write_data_dir(p.path / "data", n=30)
    p.makefile(".toml", suite=suite_text(gates))
    p.makeini("[pytest]\nsynth_suite = suite.toml\nsynth_data_dir = data\nsynth_report_dir = out\n")
    p.makepyfile(test_bench=BENCH_TEST)
    return p


def _report(p: pytest.Pytester) -> dict[str, Any]:
    return json.loads((p.path / "out" / "report.json").read_text())


def test_failing_gate_sets_exit_status_and_is_reported_everywhere(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = _project(pytester, monkeypatch, GATES)
    summary = p.path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    r = p.runpytest_subprocess(*FAST, "--synth-junit-xml", "gates.xml")
    # every case passed (48), and each gate is a test of the run: 2 pass, 1 fails, 1 skips
    r.assert_outcomes(passed=50, failed=1, skipped=1)
    assert r.ret == 1  # ... but a gate failed
    r.stdout.fnmatch_lines(
        [
            "gates: FAILED (2 passed, 1 failed, 1 skipped)",
            "*FAIL  fair answers: invalid rate <= 0.02 (interval)*",
        ]
    )
    gates = {g["name"]: g for g in _report(p)["gates"]["gates"]}
    assert {n: g["status"] for n, g in gates.items()} == {
        "mean agrees": "passed",
        "best is good on real": "passed",
        "fair answers": "failed",
        "ghost": "skipped",
    }
    assert "no cell matches model=ghost" in gates["ghost"]["reason"]
    # JUnit: one test case per gate.
    suite = ET.parse(p.path / "gates.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("tests") == "4" and suite.get("failures") == "1"
    failing = [c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None]
    assert failing == ["fair answers"]
    # Markdown and HTML next to report.json; the step summary got the Markdown appended.
    md = (p.path / "out" / "report.md").read_text()
    assert "## Gates: FAILED" in md and "fair answers" in md
    assert summary.read_text().startswith("earlier step\n# synthbench report")
    assert (p.path / "out" / "report.html").read_text().count("<svg") >= 3


def test_passing_gates_exit_zero_and_cli_gate_can_fail(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = _project(pytester, monkeypatch, "[[gates]]".join(GATES.split("[[gates]]")[:3]).rstrip())
    r = p.runpytest_subprocess(*FAST, "--synth-formats", "none", "-m", "task_intent")
    assert r.ret == 0
    r.stdout.fnmatch_lines(["gates: PASSED (2 passed, 0 failed, 0 skipped)"])
    assert not (p.path / "out" / "report.html").exists()
    r = p.runpytest_subprocess(
        *FAST,
        "--synth-formats",
        "none",
        "-m",
        "task_intent",
        "--synth-gate",
        "min_score model=poor generator=real threshold=0.99",
    )
    assert r.ret == 1
    r.stdout.fnmatch_lines(["*FAIL  cli-1: score >= 0.99 (interval) on generator=real model=poor"])


def test_deselected_cells_skip_a_gate_missing_cells_fail_it(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    gates = "[[gates]]" + GATES.split("[[gates]]")[2]  # best on real toy-intent
    gates += '[[gates]]\nname = "typo"\nkind = "min_score"\nmodel = "bets"\nthreshold = 0.1\n'
    p = _project(pytester, monkeypatch, gates)
    r = p.runpytest_subprocess(*FAST, "--synth-formats", "none", "-m", "task_ner")
    assert r.ret == 1  # the typo fails; the deselected gate only skips
    verdicts = {g["name"]: g for g in _report(p)["gates"]["gates"]}
    assert verdicts["best is good on real"]["status"] == "skipped"
    assert (
        "not judged: 1 of its 1 cell(s) were not selected"
        in verdicts["best is good on real"]["reason"]
    )
    assert verdicts["typo"]["status"] == "failed"
    assert "no cell matches model=bets" in verdicts["typo"]["reason"]


def test_bad_gate_is_a_usage_error_naming_file_and_key(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = _project(pytester, monkeypatch, '[[gates]]\nkind = "min_score"\nthreshold = "high"\n')
    r = p.runpytest_subprocess(*FAST)
    assert r.ret == pytest.ExitCode.USAGE_ERROR
    r.stderr.fnmatch_lines(["*suite.toml: gates[[]0[]].threshold: expected a number, got 'high'*"])


def test_saved_baseline_round_trip(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = (
        '[[gates]]\nname = "no regression"\nkind = "max_drop"\nmodel = "good"\n'
        'dataset = "toy-sim"\nbaseline = "saved"\nthreshold = 0.0\n'
    )
    p = _project(pytester, monkeypatch, gate)
    args = (*FAST, "--synth-formats", "none", "-m", "task_similarity")
    r = p.runpytest_subprocess(*args, "--synth-save-baseline", "main")
    assert r.ret == 1  # nothing to compare with yet: the gate cannot be judged
    saved = p.path / "benchmarks" / "baselines" / "main.json"
    doc = json.loads(saved.read_text())
    assert {c["model"] for c in doc["cells"]} == {"best", "good", "fair", "poor"}
    # Same data, same seeds: the paired drop is exactly 0 on every resample.
    r = p.runpytest_subprocess(*args, "--synth-compare", "main")
    assert r.ret == 0, r.stdout.str()
    checks = _report(p)["gates"]["gates"][0]["checks"]
    assert len(checks) == 6 and all(c["low"] == 0 and c["high"] == 0 for c in checks)
    # A worse candidate: the drop's interval lies above 0, the gate fails.
    p.makefile(".toml", suite=suite_text(gate).replace("accuracy = 0.8", "accuracy = 0.3"))
    r = p.runpytest_subprocess(*args, "--synth-compare", "main")
    assert r.ret == 1
    r.stdout.fnmatch_lines(["*FAIL  no regression*"])
    r = p.runpytest_subprocess(*args, "--synth-compare", "nope")
    assert r.ret == 1
    assert (
        "no such baseline; write it with --synth-save-baseline nope"
        in _report(p)["gates"]["gates"][0]["reason"]
    )


def test_report_files_are_deterministic(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = _project(pytester, monkeypatch, GATES)
    outs = []
    for folder in ("o1", "o2"):
        p.runpytest_subprocess(*FAST, "-m", "task_intent", "--synth-report-dir", folder)
        outs.append(
            {
                name: _strip_stamp((p.path / folder / name).read_text())
                for name in ("report.md", "report.html")
            }
        )
    assert outs[0] == outs[1]


def _strip_stamp(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if "generated 20" not in line)


def test_session_module_file_paths(tmp_path: Path) -> None:
    """The session writes the extra reports where report.json is (plain call, no pytest run)."""
    from harness.report.model import REPORT_SCHEMA
    from harness.report.write import write_reports

    # A valid (empty) report: the renderers read it with as_report.
    report = {"schema": REPORT_SCHEMA, "groups": [], "cases": {"counts": {}}}
    written = write_reports(report, tmp_path, junit_xml=tmp_path / "j.xml")
    assert sorted(x.name for x in written) == ["j.xml", "report.html", "report.md"]
