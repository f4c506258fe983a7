"""End-to-end tests of the plugin through pytester: real pytest runs, -n 0 and -n 2."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from scipy.stats import spearmanr

from tests.synth_fixtures import BENCH_TEST, GENERATORS, suite_text, write_data_dir

N_CASES = 3 * (1 + len(GENERATORS)) * 4  # datasets x (real + generators) x models


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A project with a toy data directory, a suite of oracle models and the case body."""
    monkeypatch.delenv("SYNTHBENCH_DATA_DIR", raising=False)
    write_data_dir(pytester.path / "data")
    pytester.makefile(".toml", suite=suite_text())
    pytester.makeini(
        "[pytest]\nsynth_suite = suite.toml\nsynth_data_dir = data\nsynth_report_dir = out\n"
    )
    pytester.makepyfile(test_bench=BENCH_TEST)
    return pytester


def _report(p: pytest.Pytester, folder: str = "out") -> dict[str, Any]:
    return json.loads((p.path / folder / "report.json").read_text())


def _stable(report: dict[str, Any]) -> dict[str, Any]:
    """The report without what legitimately differs between runs (timings, paths, run ids)."""
    out = {k: v for k, v in report.items() if k not in ("run", "store")}
    cases = dict(out["cases"])
    for part in ("all", "not_ok"):
        cases[part] = [{k: v for k, v in c.items() if k not in ("duration", "run")}
                       for c in cases[part]]
    out["cases"] = cases
    out["store_states"] = report["store"]["states"]
    return out


def test_run_writes_matrix_agreement_and_bias(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess("--strict-markers")
    result.assert_outcomes(passed=N_CASES)
    result.stdout.fnmatch_lines(
        [
            "*= synthbench =*",
            "intent / toy-intent  (macro_f1)*",  # the verdict card: answer first
            "*bias factor:*",
            "*agreement with real*",  # then the dataset x generator table
        ]
    )
    report = _report(project)
    assert report["schema"] == 1
    groups = {(g["task"], g["dataset"]): g for g in report["groups"]}
    assert set(groups) == {("intent", "toy-intent"), ("similarity", "toy-sim"), ("ner", "toy-ner")}
    for g in groups.values():
        assert set(g["scores"]) >= {"real", *GENERATORS}
        assert set(g["scores"]["real"]) == {"best", "good", "fair", "poor"}
        assert {"gen-a", "gen-b", "gen-c", "mean"} <= set(g["agreement"])
        assert set(g["bias"]) == {"best", "good"}
    # The figures follow from the reported scores (checked independently with scipy),
    # and the oracle's accuracy orders the extreme models on the real data.
    for g in groups.values():
        real = g["scores"]["real"]
        models = sorted(real)
        assert real["best"] > real["poor"]
        for gen in GENERATORS:
            synth = g["scores"][gen]
            rho = spearmanr([synth[m] for m in models], [real[m] for m in models]).statistic
            assert g["agreement"][gen]["spearman"] == pytest.approx(rho)
    # One case file per case, each with one outcome per example.
    files = sorted((project.path / "out" / "cases").glob("*.jsonl"))
    assert len(files) == N_CASES
    assert len(files[0].read_text().splitlines()) == 1 + 40
    # The fair model's invalid answers are counted, not hidden.
    fair = [c for c in report["cases"]["all"] if c["model"] == "fair"]
    assert all(c["n_invalid"] > 0 for c in fair)


def test_n0_and_n2_give_identical_reports(project: pytest.Pytester) -> None:
    r0 = project.runpytest_subprocess("-p", "no:randomly", "--synth-report-dir", "out0")
    r0.assert_outcomes(passed=N_CASES)
    r2 = project.runpytest_subprocess("-n", "2", "--synth-report-dir", "out2")
    r2.assert_outcomes(passed=N_CASES)
    assert _stable(_report(project, "out0")) == _stable(_report(project, "out2"))


CRASH_CONFTEST = """
import os
from harness.models import MODELS
from harness.core.records import Prediction


class Crasher:
    def __init__(self, ctx):
        self.ctx = ctx

    def predict(self, examples):
        # Dies like an out-of-memory kill: no exception, no report from this process.
        if self.ctx.dataset == "toy-sim":
            os._exit(3)
        return [Prediction(ex.label) for ex in examples]


MODELS.add("crasher", lambda ctx, **kw: Crasher(ctx), tasks=("intent", "similarity"))
"""


def test_worker_crash_keeps_finished_cases_and_names_missing(project: pytest.Pytester) -> None:
    project.makeconftest(CRASH_CONFTEST)
    project.makefile(
        ".toml",
        suite=suite_text(
            '\n[models.crasher]\nfactory = "crasher"\ntasks = ["intent", "similarity"]\n'
        ),
    )
    result = project.runpytest_subprocess("-n", "2", "--max-worker-restart", "0")
    report = _report(project)
    cases = report["cases"]
    ok = cases["counts"].get("ok", 0)
    crashed = [c for c in cases["not_ok"] if c["model"] == "crasher"]
    assert crashed and all(c["status"] == "error" for c in crashed)
    assert "crashed" in crashed[0]["reason"]
    # Every finished case before and beside the crash is in the report ...
    assert ok > 0
    ok_keys = {
        (c["dataset"], c["generator"], c["model"]) for c in cases["all"] if c["status"] == "ok"
    }
    files = list((project.path / "out" / "cases").glob("*.jsonl"))
    assert len(files) == ok == len(ok_keys)
    # ... and whatever never ran is named, so expected = reported + missing.
    expected = N_CASES + 2 * (1 + len(GENERATORS))
    assert ok + len(cases["not_ok"]) + len(cases["missing"]) == expected
    result.stdout.fnmatch_lines(["*= synthbench =*"])


def test_markers_and_keywords_select_cases(project: pytest.Pytester) -> None:
    r = project.runpytest_subprocess("--strict-markers", "-m", "task_intent and generator_real")
    r.assert_outcomes(passed=4, deselected=N_CASES - 4)
    r = project.runpytest_subprocess("-k", "toy-sim and gen-b")
    r.assert_outcomes(passed=4, deselected=N_CASES - 4)
    # The report is a view of the store: both selections' groups, the rest missing with why.
    report = _report(project)
    assert [(g["task"], g["dataset"]) for g in report["groups"]] == [
        ("intent", "toy-intent"),
        ("similarity", "toy-sim"),
    ]
    assert report["store"]["states"] == {"evaluated": 4, "reused": 4, "missing": N_CASES - 8}
    assert {m["reason"] for m in report["cases"]["missing"]} == {
        "not selected in this run, and no stored result matches its inputs"
    }


def test_options_sit_in_one_group_with_ini_twins(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess("--help")
    result.stdout.fnmatch_lines(
        [
            "synthbench: synthetic-vs-real benchmark harness:",
            "*--synth-data-dir*",
            "*--synth-report-dir*",
            "*--synth-strict*",
            "*synth_data_dir*",
            "*synth_strict*",
        ]
    )


def test_missing_data_skips_with_reason_and_strict_fails(project: pytest.Pytester) -> None:
    (project.path / "data/synthetic/toy-intent/gen-c.jsonl").unlink()
    r = project.runpytest_subprocess("-k", "toy-intent", "-rs")
    r.assert_outcomes(passed=12, skipped=4, deselected=N_CASES - 16)
    r.stdout.fnmatch_lines(["*gen-c.jsonl*synthbench data fetch*"])
    report = _report(project)
    skipped = [c for c in report["cases"]["not_ok"] if c["status"] == "skipped"]
    assert {c["generator"] for c in skipped} == {"gen-c"}
    group = report["groups"][0]
    assert {(m["generator"], m["model"]) for m in group["missing"]} == {
        ("gen-c", m) for m in ("best", "good", "fair", "poor")
    }
    r = project.runpytest_subprocess("-k", "toy-intent", "--synth-strict")
    r.assert_outcomes(passed=12, failed=4, deselected=N_CASES - 16)


def test_no_data_dir_skips_every_case_naming_the_setting(project: pytest.Pytester) -> None:
    project.makeini("[pytest]\nsynth_suite = suite.toml\nsynth_report_dir = out\n")
    r = project.runpytest_subprocess("-rs", "-k", "toy-ner")
    # Every case skipped: the run proves nothing and fails, saying why (issue 20).
    r.assert_outcomes(skipped=16, failed=1, deselected=N_CASES - 16)
    assert r.ret == 1
    r.stdout.fnmatch_lines(["*SYNTHBENCH_DATA_DIR*"])
    r.stdout.fnmatch_lines(["every selected suite case was skipped (16): no data directory*"])


def test_unknown_factory_is_a_usage_error_listing_known(project: pytest.Pytester) -> None:
    project.makefile(".toml", suite=suite_text('\n[models.typo]\nfactory = "orcale"\n'))
    r = project.runpytest_subprocess()
    # The suite is read lazily (the plugin stays dormant elsewhere), so a bad suite
    # stops collection with the message, before any case runs.
    assert r.ret == pytest.ExitCode.INTERRUPTED
    r.stdout.fnmatch_lines(["*models.typo.factory: unknown model factory 'orcale'; known:*oracle*"])
    assert not (project.path / "out" / "cases").exists()


RAISING_CONFTEST = """
from harness.models import MODELS


class Broken:
    def predict(self, examples):
        raise RuntimeError("model exploded on purpose")


MODELS.add("broken", lambda ctx, **kw: Broken(), tasks=("intent",))
"""


def test_a_failing_case_is_reported_and_loses_nothing_else(project: pytest.Pytester) -> None:
    project.makeconftest(RAISING_CONFTEST)
    project.makefile(".toml", suite=suite_text('\n[models.broken]\nfactory = "broken"\n'))
    r = project.runpytest_subprocess("-k", "toy-intent")
    r.assert_outcomes(passed=16, failed=4, deselected=N_CASES - 16)
    report = _report(project)
    broken = [c for c in report["cases"]["not_ok"] if c["model"] == "broken"]
    assert len(broken) == 4 and all("model exploded" in c["reason"] for c in broken)
    assert report["cases"]["counts"]["ok"] == 16


def test_plugin_is_dormant_in_ordinary_projects(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_plain():\n    assert True\n")
    r = pytester.runpytest_subprocess()
    r.assert_outcomes(passed=1)
    assert "= synthbench =" not in r.stdout.str()
    assert not Path(pytester.path / ".synthbench").exists()


def test_each_dataset_model_pair_stays_on_one_worker(project: pytest.Pytester) -> None:
    """Under plain ``-n 2`` the plugin schedules each pair as one unit: one model build per pair."""
    r = project.runpytest_subprocess("-n", "2", "-v")
    r.assert_outcomes(passed=N_CASES)
    workers: dict[tuple[str, str], set[str]] = {}
    for line in r.outlines:
        m = re.match(
            r"\[(gw\d+)\].* PASSED .*test_benchmark\[(\w+-[\w-]+?)-(real|gen-\w)-(\w+)\]", line
        )
        if m:
            workers.setdefault((m.group(2), m.group(4)), set()).add(m.group(1))
    assert len(workers) == 3 * 4
    assert all(len(w) == 1 for w in workers.values()), workers
    # -v gives the full tables instead of the one-screen card.
    r.stdout.fnmatch_lines(["*generator \\ model*", "*closest to real (Spearman)*"])
    # An explicit --dist is the user's choice and is kept.
    r = project.runpytest_subprocess("-n", "2", "--dist", "load", "-v")
    r.assert_outcomes(passed=N_CASES)
