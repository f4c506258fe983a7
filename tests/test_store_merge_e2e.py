"""Merged stores and what the report reads, through real runs (issue 20 parts 2 and 6,
issue 24 part 2): the merge rule in both orders, in the session and in
``synthbench report``; edited and foreign case files caught; a number that does not
fit is a missing cell that the next run recomputes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.synth_fixtures import suite_text

CONFTEST = '''
import os

from harness import Prediction, model
class Flaky:
    """Right on every example; raises or answers one label when FLAKY_MODE says so."""

    def __init__(self, labels):
        self.labels = sorted(labels)

    def predict(self, examples):
        mode = os.environ.get("FLAKY_MODE", "")
        if mode == "fail":
            raise RuntimeError("flaky model broke")
        if mode == "wrong":
            return [Prediction(self.labels[0]) for _ in examples]
        return [Prediction(ex.label) for ex in examples]


@model("flaky", tasks=("intent",))
def build(ctx):
    return Flaky(ctx.labels)
'''


@pytest.fixture
def project(synth_project: pytest.Pytester) -> pytest.Pytester:
    synth_project.makeconftest(CONFTEST)
    synth_project.makefile(".toml", suite=suite_text('\n[models.flaky]\nfactory = "flaky"\n'))
    return synth_project


def _run(
    p: pytest.Pytester, store: str, mode: str, mp: pytest.MonkeyPatch, *args: str
) -> pytest.RunResult:
    with mp.context() as m:
        m.setenv("FLAKY_MODE", mode)
        return p.runpytest_subprocess("-k", "flaky", f"--synth-report-dir={store}", *args)


def _report(p: pytest.Pytester, *args: str) -> tuple[subprocess.CompletedProcess[str], Any]:
    out = p.path / "merged.json"
    out.unlink(missing_ok=True)
    cli = subprocess.run(
        [sys.executable, "-m", "harness", "report", *args, "--json", str(out)],
        cwd=p.path,
        capture_output=True,
        text=True,
    )
    assert "Traceback" not in cli.stderr, cli.stderr
    return cli, json.loads(out.read_text()) if out.exists() else None


def _cases(report: dict[str, Any]) -> dict[str, Any]:
    """The cells' records without timings and runs, and the missing cells."""
    return {
        "all": [{k: v for k, v in c.items() if k not in ("duration", "run", "state")}
                for c in report["cases"]["all"]],
        "missing": report["cases"]["missing"],
        "counts": report["cases"]["counts"],
    }


WORKERS = pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["n0", "n2"])


@WORKERS
def test_a_result_wins_over_an_error_of_the_same_inputs_in_either_order(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, workers: list[str]
) -> None:
    p = project
    # (xdist's controller does not count deselected tests)
    _run(p, "A", "fail", monkeypatch, *workers).assert_outcomes(failed=4)
    _run(p, "B", "", monkeypatch, *workers).assert_outcomes(passed=4)
    _run(p, "C", "fail", monkeypatch, *workers).assert_outcomes(failed=4)
    # An older error (A) and a newer one (C): B's results of the same inputs stand.
    seen = []
    for pair in (("A", "B"), ("B", "A"), ("B", "C"), ("C", "B")):
        cli, report = _report(p, *pair)
        assert cli.returncode == 0, cli.stderr
        assert report["cases"]["counts"] == {"ok": 4}, pair
        flaky = [c for c in report["cases"]["all"] if c["model"] == "flaky"]
        assert {c["state"] for c in flaky} == {"evaluated"}
        superseded = report["store"]["superseded"]
        assert len(superseded) == 4 and all(
            "error in run" in s and "flaky model broke" in s and "result of the same inputs stands"
            in s for s in superseded
        )
        assert all(f"synthbench report: {s}" in cli.stderr for s in superseded)
        seen.append(_cases(report))
    assert seen[0] == seen[1] == seen[2] == seen[3]
    # The session applies the same rule: a failing rerun into B keeps B's results.
    r = _run(p, "B", "fail", monkeypatch, "--synth-fresh", *workers)
    r.assert_outcomes(failed=4)
    r.stdout.fnmatch_lines(["store: intent-toy-intent-*-flaky: error in run * set aside: *"])
    session = json.loads((p.path / "B" / "report.json").read_text())
    assert session["cases"]["counts"] == {"ok": 4} and len(session["store"]["superseded"]) == 4
    cli, again = _report(p, "B")
    assert _cases(again) == _cases(session) == seen[0]


def test_results_of_the_same_inputs_that_differ_are_conflicts_the_newer_used(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = project
    _run(p, "E", "", monkeypatch).assert_outcomes(passed=4, deselected=48)
    _run(p, "F", "wrong", monkeypatch).assert_outcomes(passed=4, deselected=48)
    newer = json.loads((p.path / "F" / "report.json").read_text())
    want = {c["generator"]: c["metrics"] for c in newer["cases"]["all"]}
    assert all(m["accuracy"] < 1.0 for m in want.values())
    for pair in (("E", "F"), ("F", "E")):
        cli, report = _report(p, *pair)
        assert cli.returncode == 0, cli.stderr
        assert {c["generator"]: c["metrics"] for c in report["cases"]["all"]} == want
        conflicts = report["store"]["conflicts"]
        assert len(conflicts) == 4
        for line in conflicts:
            assert "results of the same inputs differ: macro_f1 1 (run " in line
            assert "the newer is used" in line and ", E/cases/" in line and ", F/cases/" in line
            assert f"synthbench report: {line}" in cli.stderr


def _case_file(p: pytest.Pytester, prefix: str) -> Path:
    (path,) = (p.path / "out" / "cases").glob(f"{prefix}.*.jsonl")
    return path


#: One gate per cell the test damages (a gate over more cells fails on them once
#: issue 20 part 1 lands; a gate over only them fails already: no cell to judge).
GATES = [
    arg
    for gen in ("real", "gen-a")
    for arg in ("--gate", f"min_score dataset=toy-intent generator={gen} model=poor "
                "threshold=0.0 on=point")
]


@WORKERS
def test_the_report_refuses_edited_outcomes_and_a_foreign_head(
    synth_project: pytest.Pytester, workers: list[str]
) -> None:
    p = synth_project
    p.runpytest_subprocess("-k", "toy-intent", *workers).assert_outcomes(passed=16)
    cli, report = _report(p, "out", *GATES)
    assert cli.returncode == 0 and report["store"]["damaged"] == []
    assert report["gates"]["status"] == "passed"
    # Every prediction set to the gold, each line still valid JSON.
    edited = _case_file(p, "intent-toy-intent-real-poor")
    head, *body = edited.read_text().splitlines(keepends=True)
    lines = []
    for line in body:
        o = json.loads(line)
        lines.append(json.dumps({**o, "pred": o["gold"], "correct": True}) + "\n")
    edited.write_text(head + "".join(lines))
    # Line 1 naming another model (a file copied over another's).
    foreign = _case_file(p, "intent-toy-intent-gen-a-poor")
    head, rest = foreign.read_text().split("\n", 1)
    foreign.write_text(head.replace('"model": "poor"', '"model": "best"') + "\n" + rest)
    cli, report = _report(p, "out", *GATES)
    damaged = report["store"]["damaged"]
    assert damaged == [  # in the order of the cells: gen-a before real
        f"out/cases/{foreign.name}:1: the record is case 'intent-toy-intent-gen-a-best', not "
        "'intent-toy-intent-gen-a-poor' (the cell its file name stands for): copied or edited; "
        "the cell is treated as missing",
        f"out/cases/{edited.name}: the outcome lines do not match line 1's outcomes_sha256 "
        "(damaged or edited); the cell is treated as missing",
    ]
    assert all(f"synthbench report: {d}" in cli.stderr for d in damaged)
    missing = {(m["generator"], m["model"]) for m in report["cases"]["missing"]}
    assert {("real", "poor"), ("gen-a", "poor")} <= missing
    # The gate over those cells now fails: its cells have no result.
    assert cli.returncode == 1
    assert report["gates"]["counts"]["failed"] == 2
    # A rerun refuses the same two files: they are evaluated again, the rest reused.
    r = p.runpytest_subprocess("-k", "toy-intent", "-v", *workers)
    assert sum("PASSED (reused)" in line for line in r.outlines) == 14
    assert json.loads((p.path / "out" / "report.json").read_text())["store"]["damaged"] == []


def test_a_number_that_does_not_fit_is_a_missing_cell_the_next_run_rewrites(
    synth_project: pytest.Pytester,
) -> None:
    p = synth_project
    p.runpytest_subprocess("-k", "toy-sim").assert_outcomes(passed=16, deselected=32)
    victim = sorted((p.path / "out" / "cases").iterdir())[0]
    head, rest = victim.read_text().split("\n", 1)
    victim.write_text(
        head.replace('"n_examples": 16', '"n_examples": 1e999', 1) + "\n" + rest
    )
    assert "1e999" in victim.read_text()
    cli, report = _report(p, "out")
    assert cli.returncode == 0, cli.stderr
    (damage,) = report["store"]["damaged"]
    assert damage.startswith(f"out/cases/{victim.name}:1: not a case record: 'n_examples'")
    assert report["store"]["states"] == {"evaluated": 15, "missing": 33}
    r = p.runpytest_subprocess("-k", "toy-sim", "-v")
    r.assert_outcomes(passed=16, deselected=32)
    assert sum("PASSED (reused)" in line for line in r.outlines) == 15
    assert "1e999" not in victim.read_text()  # recomputed and rewritten
    assert json.loads((p.path / "out" / "report.json").read_text())["store"]["damaged"] == []
