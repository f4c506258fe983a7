"""harness.analysis.plan: expected widths against simulation; the ``synthbench plan`` command."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from harness.__main__ import main
from harness.analysis import engine as F
from harness.analysis import resampling as S
from harness.analysis.plan import agreement_width, score_width
from harness.report.plan import plan
from harness.tasks import TASKS
from tests.report_fixtures import typed_report

ERRORS = np.array([0.10, 0.16, 0.22, 0.28, 0.34, 0.40])  # six models, two balanced classes


def _scores(rng: np.random.Generator, n: int, errors: np.ndarray, resamples: int = 0) -> np.ndarray:
    """Macro F1 of every model on one fresh sample of n examples: (R + 1, M)."""
    task = TASKS.get("intent")
    gold = rng.integers(0, 2, n)
    stats = [
        task.example_stats(
            [str(g) for g in gold], [str(p) for p in np.where(rng.random(n) < e, 1 - gold, gold)]
        )
        for e in errors
    ]
    weights = S.resample_weights(
        n, resamples, int(rng.integers(1 << 30)), strata=S.strata_of(task, stats[0])
    )
    return S.score_batch(task, stats, weights)[0].T


def test_widths_at_more_examples_match_simulation() -> None:
    """Measure at n = 100, predict at n' = 400; simulate n' = 400 directly."""
    rng = np.random.default_rng(7)
    measured = _scores(rng, 100, ERRORS, 400)
    se = measured[1:].std(axis=0, ddof=1)
    predicted = np.mean([score_width(s, 100, 400, 0.9) for s in se])
    actual = np.mean(
        [
            np.subtract(
                *np.quantile(_scores(rng, 400, ERRORS, 200)[1:], [0.95, 0.05], axis=0)
            ).mean()
            for _ in range(10)
        ]
    )
    assert 0.75 <= predicted / actual <= 1.33, (predicted, actual)

    # Agreement: one measurement predicts the width to within about a factor of 2 with
    # six models (the measured points are noisy too), so judge the median of several.
    real_err = ERRORS + np.array([0.0, 0.03, -0.03, 0.02, 0.0, -0.02])
    widths = []
    for _ in range(7):
        synth, real = _scores(rng, 100, ERRORS, 300), _scores(rng, 300, real_err, 300)
        widths.append(
            agreement_width(
                synth[0],
                real[0],
                synth[1:].std(axis=0, ddof=1),
                real[1:].std(axis=0, ddof=1),
                math.sqrt(100 / 400),
                None,
                0.9,
            )
        )
    rhos = [
        F.spearman_last(_scores(rng, 400, ERRORS)[0], _scores(rng, 300, real_err)[0])
        for _ in range(150)
    ]
    sim = np.subtract(*np.quantile(rhos, [0.95, 0.05]))
    assert 0.5 <= np.median(widths) / sim <= 2.0, (widths, sim)


def test_more_models_narrow_the_model_drawn_width() -> None:
    synth, real = 1 - ERRORS, 1 - ERRORS[[0, 2, 1, 3, 5, 4]]
    se = np.full(6, 0.02)
    widths = [agreement_width(synth, real, se, se, 1.0, m, seed=1) for m in (4, 6, 12, 24)]
    assert widths == sorted(widths, reverse=True) and widths[-1] < widths[0]
    # These six models with 4x the examples: narrower than with today's.
    assert agreement_width(synth, real, se, se, 0.5) <= agreement_width(synth, real, se, se, 1.0)


def _report() -> dict:
    ci = lambda v, s: {"value": v, "low": v - 2 * s, "high": v + 2 * s, "se": s}  # noqa: E731
    scores = {
        "real": {m: ci(v, 0.02) for m, v in zip("abcd", (0.9, 0.7, 0.6, 0.4), strict=True)},
        "gen-x": {m: ci(v, 0.04) for m, v in zip("abcd", (0.8, 0.75, 0.5, 0.45), strict=True)},
    }
    cases = [
        {"task": "intent", "dataset": "d", "generator": g, "model": m, "n_examples": n}
        for g, n in (("real", 400), ("gen-x", 100))
        for m in "abcd"
    ]
    return {
        "groups": [{"task": "intent", "dataset": "d", "ci": {"scores": scores}}],
        "cases": {"all": cases},
    }


def test_plan_rows_scale_the_measured_standard_error() -> None:
    rows = plan(typed_report(_report()), [100, 400], [4, 8], 0.95)
    assert [(r.examples, r.models) for r in rows] == [(100, 4), (100, 8), (400, 4), (400, 8)]
    assert rows[0].score_width == pytest.approx(2 * 1.959964 * 0.04, rel=1e-5)
    assert rows[2].score_width == pytest.approx(rows[0].score_width / 2)
    assert rows[0].examples_now == 100 and rows[0].models_now == 4
    assert rows[2].spearman_width <= rows[0].spearman_width + 1e-9
    assert rows[1].spearman_width is None  # 8 models were not measured: only model-drawn
    assert rows[3].spearman_width_models <= rows[2].spearman_width_models + 1e-9


def test_plan_command_prints_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "report.json"
    path.write_text(json.dumps(typed_report(_report()).to_dict()))
    assert main(["plan", str(path), "--examples", "100,400", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["examples"] for r in rows} == {100, 400} and rows[0]["generator"] == "gen-x"
    assert main(["plan", str(path)]) == 0
    assert "intent/d/gen-x" in capsys.readouterr().out
    path.write_text(json.dumps(typed_report({"groups": []}).to_dict()))
    assert main(["plan", str(path)]) == 1
    # Read through the report's reader: a wrong key is named, nothing is guessed.
    bad = typed_report(_report()).to_dict()
    bad["groups"][0]["ci"]["scores"]["real"]["a"]["low"] = "wide"
    path.write_text(json.dumps(bad))
    assert main(["plan", str(path)]) == 2
    assert "groups[0].ci.scores['real']['a'].low: expected a number" in capsys.readouterr().err
