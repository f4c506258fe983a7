"""The store through real pytest runs: reuse, views, --lf, --collect-only, writers, shards."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from tests.synth_fixtures import GENERATORS, suite_text

N_CASES = 3 * (1 + len(GENERATORS)) * 4  # datasets x (real + generators) x models


def _report(p: pytest.Pytester, folder: str = "out") -> dict[str, Any]:
    return json.loads((p.path / folder / "report.json").read_text())


def _stable(report: dict[str, Any]) -> dict[str, Any]:
    """The figures, verdicts and cases, without timings, paths and run ids."""
    out = {k: v for k, v in report.items() if k not in ("run", "store")}
    out["cases"] = {
        **report["cases"],
        "all": [
            {k: v for k, v in c.items() if k not in ("duration", "run", "state")}
            for c in report["cases"]["all"]
        ],
        "not_ok": [],
    }
    return out


def _reused(r: pytest.RunResult) -> int:
    return sum("PASSED (reused)" in line for line in r.outlines)


def test_warm_rerun_reuses_fresh_reevaluates_collect_only_writes_nothing(
    synth_project: pytest.Pytester,
) -> None:
    p = synth_project
    first = p.runpytest_subprocess()
    first.assert_outcomes(passed=N_CASES)
    cold = _report(p)
    assert cold["store"]["states"] == {"evaluated": N_CASES}
    # Nothing changed: every case is a passing test that reuses its stored result.
    warm = p.runpytest_subprocess("-n", "2", "-v")
    warm.assert_outcomes(passed=N_CASES)
    assert _reused(warm) == N_CASES
    warm.stdout.fnmatch_lines([f"store: 0 case(s) run now, {N_CASES} reused unchanged*"])
    report = _report(p)
    assert report["store"]["states"] == {"reused": N_CASES}
    assert {c["run"] for c in report["cases"]["all"]} == set(cold["store"]["runs"])
    assert _stable(report) == _stable(cold)
    assert len(list((p.path / "out" / "cases").iterdir())) == N_CASES
    # --synth-fresh: the selection is evaluated again, the rest still reused.
    fresh = p.runpytest_subprocess("--synth-fresh", "-k", "toy-sim", "-v")
    fresh.assert_outcomes(passed=16, deselected=N_CASES - 16)
    assert _reused(fresh) == 0
    assert _report(p)["store"]["states"] == {"evaluated": 16, "reused": N_CASES - 16}
    # --collect-only writes nothing and exits 0.
    before = {f: f.read_bytes() for f in (p.path / "out").rglob("*") if f.is_file()}
    collect = p.runpytest_subprocess("--collect-only", "-q")
    assert collect.ret == 0
    after = {f: f.read_bytes() for f in (p.path / "out").rglob("*") if f.is_file()}
    assert after == before


def test_changed_inputs_reevaluate_exactly_their_cells_and_the_view_stays_whole(
    synth_project: pytest.Pytester,
) -> None:
    p = synth_project
    p.runpytest_subprocess().assert_outcomes(passed=N_CASES)
    data = p.path / "data/synthetic/toy-sim"
    (data / "gen-b.jsonl").write_text((data / "gen-a.jsonl").read_text())
    p.makefile(".toml", suite=suite_text().replace("accuracy = 0.4,", "accuracy = 0.45,"))
    r = p.runpytest_subprocess("-k", "toy-sim", "-v")
    r.assert_outcomes(passed=16, deselected=N_CASES - 16)
    # gen-b's 4 cells plus model poor's 3 other toy-sim cells; the other 9 reused.
    assert _reused(r) == 16 - 7
    report = _report(p)
    assert report["store"]["states"] == {"evaluated": 7, "reused": 9 + 24, "missing": 8}
    missing = {(m["dataset"], m["model"]) for m in report["cases"]["missing"]}
    assert missing == {("toy-intent", "poor"), ("toy-ner", "poor")}
    assert {g["dataset"] for g in report["groups"]} == {"toy-intent", "toy-sim", "toy-ner"}


def test_lf_after_fixing_a_bad_line_completes_the_report(synth_project: pytest.Pytester) -> None:
    p = synth_project
    source = p.path / "data/synthetic/toy-intent/gen-c.jsonl"
    good = source.read_text()
    source.write_text(good + '{"text": "no label"}\n')
    r = p.runpytest_subprocess()
    r.assert_outcomes(passed=N_CASES - 4, failed=4)
    assert _report(p)["cases"]["counts"] == {"error": 4, "ok": N_CASES - 4}
    source.write_text(good)
    r = p.runpytest_subprocess("--lf")
    r.assert_outcomes(passed=4)  # pytest's --lf does not count what it leaves out
    assert r.ret == 0
    report = _report(p)
    assert report["cases"]["counts"] == {"ok": N_CASES} and report["cases"]["missing"] == []
    assert report["store"]["states"] == {"evaluated": 4, "reused": N_CASES - 4}


def _pytest(p: pytest.Pytester, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", *args],
        cwd=p.path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )


def test_two_runs_at_once_into_one_store_lose_nothing(synth_project: pytest.Pytester) -> None:
    p = synth_project
    runs = [_pytest(p, "-q", "-k", sel) for sel in ("toy-intent", "toy-ner or toy-sim")]
    outs = [proc.communicate(timeout=600)[0].decode() for proc in runs]
    assert [proc.returncode for proc in runs] == [0, 0], outs
    assert len(list((p.path / "out" / "cases").iterdir())) == N_CASES
    # run.json and report.json come from one run (written together under the lock).
    run_id = json.loads((p.path / "out" / "run.json").read_text())["run_id"]
    assert run_id in _report(p)["store"]["runs"]
    # Whatever the order, a third run finds every case stored.
    r = p.runpytest_subprocess("-v")
    assert _reused(r) == N_CASES


def test_shards_merge_to_the_single_machine_report(synth_project: pytest.Pytester) -> None:
    p = synth_project
    whole = p.runpytest_subprocess("--synth-report-dir=one")
    whole.assert_outcomes(passed=N_CASES)
    passed = 0
    for i, extra in ((1, ()), (2, ("-n", "2"))):
        r = p.runpytest_subprocess(f"--synth-shard={i}/2", f"--synth-report-dir=s{i}", *extra)
        shard = r.parseoutcomes()["passed"]
        assert 0 < shard < N_CASES
        passed += shard
    assert passed == N_CASES  # the shards split the suite (no case twice, none left)
    merged = p.path / "merged.json"
    cli = subprocess.run(
        [sys.executable, "-m", "harness", "report", "s1", "s2", "--json", str(merged)],
        cwd=p.path,
        capture_output=True,
        text=True,
    )
    assert cli.returncode == 0, cli.stderr
    assert _stable(json.loads(merged.read_text())) == _stable(_report(p, "one"))
    # With no options the command rebuilds the session's report byte for byte.
    again = p.path / "again.json"
    subprocess.run(
        [sys.executable, "-m", "harness", "report", "one", "--json", str(again)],
        cwd=p.path,
        check=True,
        capture_output=True,
    )
    assert again.read_text() == (p.path / "one" / "report.json").read_text()


def test_selecting_no_case_writes_nothing(synth_project: pytest.Pytester) -> None:
    r = synth_project.runpytest_subprocess("-k", "no_such_case")
    r.assert_outcomes(deselected=N_CASES)
    assert not (synth_project.path / "out").exists()


def test_bad_shard_and_colliding_names_are_usage_errors(synth_project: pytest.Pytester) -> None:
    p = synth_project
    r = p.runpytest_subprocess("--synth-shard=3/2")
    assert r.ret == pytest.ExitCode.USAGE_ERROR
    r.stderr.fnmatch_lines(["*--synth-shard 3/2: I must lie in 1..N*"])
    assert not (p.path / "out").exists()
    # Generator gen-a with model best and generator gen with model a-best: one id.
    extra = '\n[models.a-best]\nfactory = "oracle"\n'
    gens = '"gen" = { model_id = "toy/gen" }\n"gen-c" ='
    p.makefile(".toml", suite=suite_text(extra).replace('"gen-c" =', gens))
    r = p.runpytest_subprocess()
    # The suite is read at collection (the plugin stays dormant elsewhere): it stops there.
    assert r.ret == pytest.ExitCode.INTERRUPTED
    r.stdout.fnmatch_lines(
        ["*case id 'intent-toy-intent-gen-a-best' is shared by*generator 'gen', model 'a-best'*"]
    )


def test_damaged_case_file_is_named_and_its_cell_missing(synth_project: pytest.Pytester) -> None:
    p = synth_project
    p.runpytest_subprocess("-k", "toy-sim").assert_outcomes(passed=16, deselected=N_CASES - 16)
    victim = sorted((p.path / "out" / "cases").iterdir())[0]
    lines = victim.read_bytes().splitlines(keepends=True)
    victim.write_bytes(b"".join([*lines[:3], b"\xff\xfe not text\n", *lines[4:]]))
    out = p.path / "re.json"
    cli = subprocess.run(
        [sys.executable, "-m", "harness", "report", "out", "--json", str(out)],
        cwd=p.path,
        capture_output=True,
        text=True,
    )
    assert cli.returncode == 0, cli.stderr
    report = json.loads(out.read_text())
    assert report["store"]["damaged"] == [
        f"out/cases/{victim.name}:4: not UTF-8 text (invalid start byte at byte 0); "
        "the cell is treated as missing"
    ]
    gone = [m for m in report["cases"]["missing"] if m["reason"].startswith("damaged")]
    assert len(gone) == 1 and report["store"]["states"]["evaluated"] == 15
    # The next run evaluates that cell again and rewrites its file.
    r = p.runpytest_subprocess("-k", "toy-sim", "-v")
    assert _reused(r) == 15
    assert _report(p)["store"]["damaged"] == []
