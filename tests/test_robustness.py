"""Verdicts robust to the model pool (harness.analysis.robustness, the card's verdict text)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from harness.analysis.robustness import (
    MIN_VERDICT_MODELS,
    floor_ceiling,
    leave_one_out_p,
    subset_sweep,
)
from harness.report.render.verdict import build_cards
from tests.report_fixtures import typed_report
from tests.synth_fixtures import BENCH_TEST, write_data_dir

MODELS = ["m0", "m1", "m2", "m3", "m4"]
# Five models whose synthetic ranking agrees with the real one only loosely.
REAL = np.array([0.70, 0.66, 0.61, 0.55, 0.52])
SYNTH = np.array([0.64, 0.69, 0.52, 0.58, 0.50])


def test_a_zero_scoring_model_is_what_a_significant_verdict_leans_on() -> None:
    from harness.analysis.resampling import permutation_pvalues

    alone = permutation_pvalues(SYNTH, REAL)["spearman"]
    x, y = np.append(SYNTH, 0.0), np.append(REAL, 0.0)
    pooled = permutation_pvalues(x, y)["spearman"]
    assert alone is not None and pooled is not None
    assert alone >= 0.05 > pooled  # the useless model alone makes it "significant"
    loo = leave_one_out_p([*MODELS, "boom"], x, y)
    assert loo["without"] == "boom" and loo["p_value"] == alone
    flags = floor_ceiling([*MODELS, "boom"], {"real": y, "gen": x}, (0.0, 1.0))
    assert flags == [{"model": "boom", "at": "floor"}]


def test_leave_one_out_p_is_the_largest_over_every_model_left_out() -> None:
    from harness.analysis.resampling import permutation_pvalues

    rng = np.random.default_rng(2)
    x, y = rng.random(7), rng.random(7)
    names = [f"m{i}" for i in range(7)]
    every = [permutation_pvalues(np.delete(x, i), np.delete(y, i))["spearman"] for i in range(7)]
    assert leave_one_out_p(names, x, y)["p_value"] == max(p for p in every if p is not None)


def test_bad_input_gives_reasons_not_errors_or_nan() -> None:
    assert "at least 4 models" in leave_one_out_p(["a", "b", "c"], [1, 2, 3], [1, 2, 3])["reason"]
    const = leave_one_out_p(MODELS, np.ones(5), REAL)
    assert const == {"reason": "constant scores with every model left out"}
    sweep = subset_sweep(SYNTH, REAL, sizes=[2, 3, 5, 9])
    assert sweep[0]["reason"] == "a subset needs at least 3 models, got 2"
    assert sweep[3]["reason"] == "subset of 9 is larger than the 5 models"
    assert sweep[1]["windows"]["count"] == 3 and sweep[1]["random"]["draws"] == 100
    # The whole pool: one window, the point coefficient.
    assert sweep[2]["windows"]["low"] == sweep[2]["windows"]["high"]
    flat = subset_sweep(np.ones(5), REAL, sizes=[3])[0]
    assert flat["random"] == {
        "median": None,
        "low": None,
        "high": None,
        "undefined": 100,
        "draws": 100,
    }
    assert json.dumps(sweep, allow_nan=False)  # no NaN anywhere
    assert subset_sweep([1.0, 2.0], [2.0, 1.0]) == []  # too few models: no sizes at all
    assert floor_ceiling([], {}, (0.0, 1.0)) == []


def test_default_sweep_sizes_stop_at_the_pool() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.random(12), rng.random(12)
    assert [row["k"] for row in subset_sweep(x, y)] == [3, 5, 10, 12]


def _card_group(n_models: int, p: float, loo: dict[str, Any] | None) -> dict[str, Any]:
    ci: dict[str, Any] = {"value": 0.8, "low": 0.3, "high": 1.0, "p_value": p}
    return {
        "task": "intent",
        "dataset": "atis",
        "metric": "macro_f1",
        "agreement": {"mean": {"spearman": 0.8, "n_models": n_models}},
        "ci": {
            "agreement": {"mean": {"spearman": ci, "robustness": {"leave_one_out": loo}}},
            "robustness": {"min_models": 5, "floor_ceiling": [{"model": "boom", "at": "floor"}]},
        },
    }


@pytest.mark.parametrize(
    ("n", "p", "loo", "expected"),
    [
        (
            6,
            0.029,
            {"without": "boom", "p_value": 0.121},
            "ranks models better than chance only with `boom` (p=0.029; without it p=0.121)",
        ),
        (
            6,
            0.01,
            {"without": "m1", "p_value": 0.03},
            "ranks models better than chance (p=0.010; with any one model left out p<=0.030)",
        ),
        (6, 0.2, {"without": "m1", "p_value": 0.4}, "not shown better than chance (p=0.200)"),
        (MIN_VERDICT_MODELS - 1, 0.01, None, "no verdict: 4 models, fewer than the 5 it needs"),
    ],
)
def test_card_verdict_is_qualified_by_the_pool(
    n: int, p: float, loo: dict[str, Any] | None, expected: str
) -> None:
    card = build_cards({"groups": [_card_group(n, p, loo)]})[0]
    assert card.answer == expected + "; `boom` at the score floor on every source"


HEAD = """
[run]
seed = 3

[generators]
"gen-a" = { model_id = "toy/gen-a" }
"gen-b" = { model_id = "toy/gen-b" }
"gen-c" = { model_id = "toy/gen-c" }

[datasets.toy-intent]
task = "intent"
test = "real/toy-intent/test.jsonl"
train = "real/toy-intent/train.jsonl"
"""


def _suite(boom: bool) -> str:
    text = HEAD
    for i, acc in enumerate((0.7, 0.65, 0.6, 0.55, 0.5)):
        params = f'{{ accuracy = {acc}, salt = "{i}" }}'
        text += f'\n[models.m{i}]\nfactory = "oracle"\nparams = {params}\n'
    if boom:  # always wrong: macro F1 0 on every source
        text += '\n[models.boom]\nfactory = "oracle"\nparams = { accuracy = 0.0, salt = "b" }\n'
    return text


@pytest.mark.parametrize(("boom", "workers"), [(False, ()), (True, ()), (True, ("-n", "2"))])
def test_a_zero_scoring_model_qualifies_the_verdict_end_to_end(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, boom: bool, workers: tuple
) -> None:
    """Real sources, five close oracles: not shown better than chance. Add a model that
    is always wrong: significant, but only with it, and every renderer says so."""
    monkeypatch.delenv("SYNTHBENCH_DATA_DIR", raising=False)
    write_data_dir(pytester.path / "data", n=40)
    pytester.makefile(".toml", suite=_suite(boom))
    pytester.makeini(
        "[pytest]\nsynth_suite = suite.toml\nsynth_data_dir = data\nsynth_report_dir = out\n"
    )
    pytester.makepyfile(test_bench=BENCH_TEST)
    result = pytester.runpytest_subprocess(
        "--synth-bootstrap", "200", "-p", "no:randomly", *workers
    )
    result.assert_outcomes(passed=(6 if boom else 5) * 4)
    report = json.loads((pytester.path / "out" / "report.json").read_text())
    (group,) = report["groups"]
    entry = group["ci"]["agreement"]["mean"]
    robust = entry["robustness"]
    assert [row["k"] for row in robust["subsets"]] == ([3, 5, 6] if boom else [3, 5])
    out = " ".join(result.stdout.str().split())  # the summary wraps long answers
    # The summary names each kind's interval method (scheme 3).
    assert "scores: jackknife normal" in out and "agreement: centred bootstrap" in out
    if not boom:
        assert entry["spearman"]["p_value"] >= 0.05
        assert group["ci"]["robustness"]["floor_ceiling"] == []
        assert "not shown better than chance" in out
        return
    assert entry["spearman"]["p_value"] < 0.05 <= robust["leave_one_out"]["p_value"]
    assert robust["leave_one_out"]["without"] == "boom"
    assert group["ci"]["robustness"]["floor_ceiling"] == [{"model": "boom", "at": "floor"}]
    assert "only with `boom`" in out and "`boom` at the score floor" in out
    for name in ("report.md", "report.html"):
        assert "boom" in (pytester.path / "out" / name).read_text(encoding="utf-8")
    # The HTML draws the subset sweep as a curve.
    html = (pytester.path / "out" / "report.html").read_text(encoding="utf-8")
    assert 'data-plot="subsets"' in html


def test_a_passed_agreement_gate_names_the_model_it_leans_on() -> None:
    group = _card_group(6, 0.01, {"without": "m1", "p_value": 0.03})
    group["ci"]["agreement"]["mean"]["spearman"]["leave_one_model_out"] = {
        "low": 0.35,
        "high": 0.9,
        "lowest_without": "boom",
    }
    gate = {
        "name": "mean agrees",
        "kind": "min_agreement",
        "threshold": 0.5,
        "description": "spearman >= 0.5 (interval) on generator=mean",
        "status": "passed",
        "checks": [{"cell": "intent/atis/mean", "status": "passed"}],
    }
    card = build_cards({"groups": [group], "gates": {"gates": [gate]}})[0]
    assert card.gates[0].leans_on == "boom"
    assert card.answer.startswith("gates passed (1 of 1; 'mean agrees' passes only with `boom`)")
    from harness.report.render.summary import render_summary

    gates = {"status": "passed", "counts": {"passed": 1, "failed": 0, "skipped": 0}}
    text = render_summary({"groups": [group], "gates": {**gates, "gates": [gate]}})
    assert "PASS  mean agrees (passes only with `boom`)" in text
    gate["threshold"] = 0.3  # holds without any one model: no qualifier
    card = build_cards({"groups": [group], "gates": {"gates": [gate]}})[0]
    assert card.gates[0].leans_on == "" and card.answer.startswith("gates passed (1 of 1); ")


def test_bias_that_cannot_be_tested_says_so_in_every_renderer() -> None:
    from harness.report.render.html import render_html
    from harness.report.render.markdown import render_markdown
    from harness.report.render.summary import render_summary

    group = _card_group(6, 0.2, None)
    why = "needs at least 2 synthetic generators, got 1"
    group["bias"] = {
        m: {"generator": "gen-a", "value": None, "reason": why} for m in ("a", "b", "c")
    }
    report = typed_report({"groups": [group]}).to_dict()  # a valid report (HTML reads it)
    card = build_cards(report)[0]
    assert not any(b.testable for b in card.bias)
    for text in (render_summary(report), render_markdown(report), render_html(report)):
        assert f"not testable ({why})" in text
        assert "none significant" not in text


def test_card_and_gate_table_agree_when_the_gate_failed_unjudged() -> None:
    """A published table: the gate's only check was skipped (its cells missing) and the
    gate failed for it; the card said SKIPPED beside a FAILED gate table."""
    from harness.report.render.summary import render_summary

    group = _card_group(6, 0.2, None)
    gate = {
        "name": "cli-1",
        "kind": "min_score",
        "threshold": 0.5,
        "description": "score >= 0.5 (interval)",
        "status": "failed",
        "reason": "incomplete: 2 cells missing",
        "checks": [{"cell": "intent/atis/real/m0", "status": "skipped", "reason": "missing"}],
    }
    counts = {"passed": 0, "failed": 1, "skipped": 0}
    report = {"groups": [group], "gates": {"status": "failed", "counts": counts, "gates": [gate]}}
    card = build_cards(report)[0]
    assert [(g.status, g.reason) for g in card.gates] == [("failed", "incomplete: 2 cells missing")]
    assert card.answer.startswith("gates FAILED (1 of 1)")
    assert "FAIL  cli-1" in render_summary(report)
