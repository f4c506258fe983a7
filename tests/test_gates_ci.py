"""Release gates that cannot pass by accident, through real pytest runs (pytester).

A gate over a crashed cell fails as incomplete in the session and in ``synthbench
report``; a model that never answers with a label has invalid rate 1.0; every gate is
a test case in pytest's own ``--junitxml`` and ``-rA``; a run whose every case was
skipped (no data) or a suite with no case exits non-zero. Each with ``-n 0`` and ``-n 2``.
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tests.synth_fixtures import BENCH_TEST, suite_text, write_data_dir

CONFTEST = """
from harness import Prediction, model
class Crashy:
    def __init__(self, ctx):
        self.ctx = ctx

    def predict(self, examples):
        if any(ex.text.startswith("gen-b") for ex in examples):
            raise RuntimeError("crashy broke on gen-b")
        return [Prediction(ex.label) for ex in examples]


@model("crashy", tasks=("intent",))
def build_crashy(ctx):
    return Crashy(ctx)


class FirstWord:
    def predict(self, examples):
        return [Prediction(ex.text.split()[0]) for ex in examples]


@model("first-word", tasks=("intent",))
def build_first_word(ctx):
    return FirstWord()
"""

MODELS = """
[models.crashy]
factory = "crashy"

[models.first-word]
factory = "first-word"
"""

GATES = """
[[gates]]
name = "intent classifiers always answer"
kind = "max_invalid_rate"
task = "intent"
model = "{model}"
threshold = {threshold}
"""

FAST = ("--synth-bootstrap", "50", "-p", "no:randomly", "-p", "no:cacheprovider", "-rA")
WORKERS = [pytest.param(("-n", "0"), id="n0"), pytest.param(("-n", "2"), id="n2")]


def _project(p: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, extra: str) -> pytest.Pytester:
    monkeypatch.delenv("SYNTHBENCH_DATA_DIR", raising=False)
    write_data_dir(p.path / "data", n=20)
    p.makefile(".toml", suite=suite_text(MODELS + extra))
    p.makeini("[pytest]\nsynth_suite = suite.toml\nsynth_data_dir = data\nsynth_report_dir = out\n")
    p.makeconftest(CONFTEST)
    p.makepyfile(test_bench=BENCH_TEST)
    return p


def _gates(p: pytest.Pytester) -> dict[str, dict[str, Any]]:
    report = json.loads((p.path / "out" / "report.json").read_text())
    return {g["name"]: g for g in report["gates"]["gates"]}


def _junit(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """pytest's own JUnit file: the suite's counts, and each synthbench test's outcome."""
    suite = ET.parse(path).getroot().find("testsuite")
    assert suite is not None
    outcomes = {}
    for case in suite.iter("testcase"):
        if case.get("classname") == "synthbench":
            tags = [child.tag for child in case if child.tag in ("failure", "skipped", "error")]
            outcomes[str(case.get("name"))] = tags[0] if tags else "passed"
    return dict(suite.attrib), outcomes


@pytest.mark.parametrize("workers", WORKERS)
def test_a_gate_over_a_crashed_cell_fails_in_the_session_and_in_report(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, workers: tuple[str, ...]
) -> None:
    gates = GATES.format(model="crashy", threshold=1.0)  # every answer counts: the ok cells pass
    gates += '[[gates]]\nname = "best answers"\nkind = "max_invalid_rate"\ntask = "intent"\n'
    gates += 'model = "best"\nthreshold = 1.0\n'
    p = _project(pytester, monkeypatch, gates)
    r = p.runpytest_subprocess(*FAST, *workers, "-m", "task_intent", "--junitxml", "junit.xml")
    assert r.ret == 1
    r.assert_outcomes(passed=24, failed=2)  # 23 cases + gate "best answers"; the crash + gate
    gate = _gates(p)["intent classifiers always answer"]
    assert gate["status"] == "failed" and gate["rule"] == "incomplete"
    assert gate["reason"].startswith("incomplete: 1 of its 4 cell(s) have no result")
    assert (
        "intent/toy-intent/gen-b/crashy (error: RuntimeError: crashy broke on gen-b)"
        in (gate["reason"])
    )
    r.stdout.fnmatch_lines(
        [
            "FAILED test_bench.py::test_benchmark[[]intent-toy-intent-gen-b-crashy[]]*",
            "FAILED synthbench::gate[[]intent classifiers always answer[]] - incomplete: 1 of*",
        ]
    )
    r.stdout.fnmatch_lines(["PASSED synthbench::gate[[]best answers[]]"])
    r.stdout.fnmatch_lines(
        ["gates: exit status 1: failed 'intent classifiers always answer' (incomplete)"]
    )
    # pytest's own JUnit file: one test case per gate, the failing one failing.
    counts, outcomes = _junit(p.path / "junit.xml")
    assert outcomes == {
        "gate[intent classifiers always answer]": "failure",
        "gate[best answers]": "passed",
    }
    assert counts["tests"] == "26" and counts["failures"] == "2"
    # The CI merge step over the same store decides the same.
    cli = p.run(sys.executable, "-m", "harness", "report", str(p.path / "out"))
    assert cli.ret == 1
    cli.stdout.fnmatch_lines(["*gates: FAILED*", "*intent/toy-intent/gen-b/crashy*"])
    # allow_missing = 1 relaxes it, and says which cell it went without.
    relaxed = p.path / "relaxed.toml"
    relaxed.write_text(GATES.format(model="crashy", threshold=1.0) + "allow_missing = 1\n")
    cli = p.run(sys.executable, "-m", "harness", "report", "out", "--gates", str(relaxed))
    assert cli.ret == 0
    cli.stdout.fnmatch_lines(["*gates: PASSED*"])


@pytest.mark.parametrize("workers", WORKERS)
def test_a_model_that_never_answers_with_a_label_is_invalid(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, workers: tuple[str, ...]
) -> None:
    p = _project(pytester, monkeypatch, GATES.format(model="first-word", threshold=0.5))
    r = p.runpytest_subprocess(
        *FAST, *workers, "-m", "task_intent and not model_crashy", "--junitxml", "junit.xml"
    )
    assert r.ret == 1
    report = json.loads((p.path / "out" / "report.json").read_text())
    mine = [c for c in report["cases"]["all"] if c["model"] == "first-word"]
    assert len(mine) == 4 and all(c["n_invalid"] == c["n_examples"] == 20 for c in mine)
    assert all(c["metrics"]["invalid_rate"] == 1.0 for c in mine)
    # The examples show the refused answers, with the reason.
    sample = report["invalid_samples"]["intent-toy-intent-real-first-word"][0]
    assert sample["raw"] == '"real"' and "is not one of the dataset's 4 labels" in sample["error"]
    gate = _gates(p)["intent classifiers always answer"]
    assert gate["status"] == "failed" and gate["rule"] == "threshold"
    assert "bound 1 not <= 0.5" in gate["reason"]
    r.stdout.fnmatch_lines(["FAILED synthbench::gate[[]intent classifiers always answer[]]*"])
    assert _junit(p.path / "junit.xml")[1] == {"gate[intent classifiers always answer]": "failure"}


@pytest.mark.parametrize("workers", WORKERS)
def test_a_run_whose_every_case_was_skipped_fails_unless_allowed(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, workers: tuple[str, ...]
) -> None:
    p = _project(pytester, monkeypatch, "")
    args = (*FAST, *workers, "-m", "task_similarity", "--synth-data-dir", "nowhere")
    r = p.runpytest_subprocess(*args, "--junitxml", "junit.xml")
    assert r.ret == 1
    r.assert_outcomes(skipped=16, failed=1)
    r.stdout.fnmatch_lines(["FAILED synthbench::run - every selected suite case was skipped*"])
    r.stdout.fnmatch_lines(["every selected suite case was skipped (16): data file not found*"])
    assert "--synth-allow-empty" in r.stdout.str()
    assert _junit(p.path / "junit.xml")[1] == {"run": "failure"}
    r = p.runpytest_subprocess(*args, "--synth-allow-empty")
    assert r.ret == 0
    r.assert_outcomes(skipped=16)


@pytest.mark.parametrize("workers", WORKERS)
def test_a_suite_with_no_case_fails_unless_allowed(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, workers: tuple[str, ...]
) -> None:
    p = _project(pytester, monkeypatch, "")
    text = suite_text()
    p.makefile(".toml", suite=text[: text.index("[models.best]")])
    r = p.runpytest_subprocess(*FAST, *workers)
    assert r.ret != 0
    r.stdout.fnmatch_lines(["*suite.toml: the suite declares no case*--synth-allow-empty*"])
    p.makeini(
        "[pytest]\nsynth_suite = suite.toml\nsynth_data_dir = data\nsynth_allow_empty = true\n"
    )
    assert p.runpytest_subprocess(*FAST, *workers).ret == 0
