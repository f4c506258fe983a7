"""Intervals on a real (toy) run: the bootstrap's point row equals the analysis' figures."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from harness.analysis.intervals import BootstrapSettings
from tests.synth_fixtures import toy_report


def _close(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def test_interval_points_equal_the_analysis(tmp_path: Path) -> None:
    report = toy_report(tmp_path)
    assert report["bootstrap"]["resamples"] == 200
    for g in report["groups"]:
        ci = g["ci"]
        # every score, the ensembles mean and mean-loo included
        assert set(ci["scores"]) == set(g["scores"])
        for gen, row in g["scores"].items():
            for model, value in row.items():
                assert _close(ci["scores"][gen][model]["value"], value), (g["task"], gen, model)
        for gen, a in g["agreement"].items():
            for coef in ("spearman", "kendall", "pearson", "mae", "mse"):
                assert _close(ci["agreement"][gen][coef]["value"], a[coef]), (g["task"], gen, coef)
            assert ci["agreement"][gen]["n_models"] == a["n_models"]
        assert set(ci["bias"]) == set(g["bias"])
        for model, b in g["bias"].items():
            assert _close(ci["bias"][model]["value"], b["value"])
            assert ci["bias"][model]["generator"] == b["generator"]


def test_intervals_bracket_most_points_and_widen_with_level(tmp_path: Path) -> None:
    report = toy_report(tmp_path)
    inside = total = 0
    for g in report["groups"]:
        for row in g["ci"]["scores"].values():
            for c in row.values():
                total += 1
                inside += c["low"] <= c["value"] <= c["high"]
                assert c["undefined"] == 0
    assert inside / total > 0.9
    narrow = toy_report(tmp_path / "b", resamples=200)
    wide_report = toy_report(tmp_path / "c", resamples=200, level=0.5)
    a = narrow["groups"][0]["ci"]["scores"]["real"]["good"]
    b = wide_report["groups"][0]["ci"]["scores"]["real"]["good"]
    assert b["high"] - b["low"] < a["high"] - a["low"]


def test_invalid_answers_are_sampled_and_counted(tmp_path: Path) -> None:
    report = toy_report(tmp_path)
    fair = [k for k in report["invalid_samples"] if k.endswith("-fair")]
    assert fair and all(s["error"] for k in fair for s in report["invalid_samples"][k])
    g = report["groups"][0]
    assert g["ci"]["invalid_rate"]["real"]["fair"]["value"] > 0


def test_same_results_same_intervals(tmp_path: Path) -> None:
    a = toy_report(tmp_path / "a")
    b = toy_report(tmp_path / "b")
    assert [g["ci"] for g in a["groups"]] == [g["ci"] for g in b["groups"]]


def test_no_bootstrap_leaves_no_ci(tmp_path: Path) -> None:
    report = toy_report(tmp_path, resamples=0)
    assert all("ci" not in g for g in report["groups"]) and "bootstrap" not in report


@pytest.mark.parametrize("level", [0.0, 1.0, 1.5])
def test_bad_level_is_refused(level: float) -> None:
    with pytest.raises(ValueError, match="confidence level"):
        BootstrapSettings(level=level)


def test_report_carries_model_level_figures_and_bias_tests(tmp_path: Path) -> None:
    """The hierarchical interval, the leave-one-model-out range and the bias p-values."""
    report = toy_report(tmp_path)
    # Scheme 3: every agreement interval is centred (docs/analysis.md, "Which interval").
    assert report["bootstrap"]["methods"]["agreement"]["pearson"] == "centred"
    assert report["bootstrap"]["methods"]["scores"] == "jackknife-normal"
    assert report["bootstrap"]["methods"]["agreement"]["spearman"] == "centred"
    seen_bias = seen_lomo = False
    for g in report["groups"]:
        ci = g["ci"]
        for entry in ci["agreement"].values():
            for coef in ("spearman", "pearson", "mae"):
                hier = entry[coef]["hierarchical"]
                assert hier["value"] == entry[coef]["value"]
                if hier["low"] is not None:  # centred: the point is always inside
                    assert hier["low"] <= hier["value"] <= hier["high"]
                if entry[coef]["low"] is not None:
                    assert entry[coef]["low"] <= entry[coef]["value"] <= entry[coef]["high"]
                lomo = entry[coef].get("leave_one_model_out")
                if lomo and lomo["low"] is not None:
                    seen_lomo = True
                    assert lomo["low"] <= lomo["high"]
        for b in ci["bias"].values():
            seen_bias = True
            assert 0 < b["p_value"] <= 1
        if ci["bias"]:
            test = ci["self_preference"]
            assert 0 < test["p_value"] <= 1 and test["models"] == len(ci["bias"])
    assert seen_bias
    assert seen_lomo  # the toy suite has four models


def test_report_lists_misleading_examples_per_synthetic_source(tmp_path: Path) -> None:
    report = toy_report(tmp_path, resamples=20)
    listed = 0
    for g in report["groups"]:
        for gen, items in g.get("items", {}).items():
            assert gen not in ("real", "mean", "mean-loo")
            infl = [it["influence"] for it in items]
            assert infl == sorted(infl) and 0 < len(items) <= 10
            assert all(isinstance(it["i"], int) and it["i"] >= 0 for it in items)
            listed += 1
    assert listed >= 2  # every synthetic source of every toy task with 3+ models
