"""harness.analysis.familybias: family bias, the leave-family-out ensemble, permutation test."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest

from harness.analysis import agreement as A
from harness.analysis.familybias import (
    family_bias,
    family_bias_arrays,
    family_test,
    leave_family_out,
    leave_family_out_arrays,
)
from harness.core.families import Families
from tests.synth_fixtures import finish_store, toy_store

# docs/metrics.md's worked example, with families (docs/analysis.md, "Families"):
# gen-A and gen-B are one family "ab" (A and B by same_as), gen-E is family "e" and D
# declares family = "e"; C has no family.
GENS = ("gen-A", "gen-B", "gen-E")
MODELS = ("A", "B", "C", "D")
SCORES = np.array([[0.90, 0.70, 0.65, 0.40], [0.80, 0.82, 0.62, 0.45], [0.75, 0.66, 0.64, 0.55]])
REAL = (0.80, 0.70, 0.60, 0.50)
SAME = {"A": "gen-A", "B": "gen-B"}
FAMILIES = Families({"ab": ("gen-A", "gen-B"), "e": ("gen-E",)}, {"A": "ab", "B": "ab", "D": "e"})


def _grid(scores: np.ndarray = SCORES) -> A.Matrix:
    grid = {g: dict(zip(MODELS, row, strict=True)) for g, row in zip(GENS, scores, strict=True)}
    return {"real": dict(zip(MODELS, REAL, strict=True)), **grid}


def _rows(grid: A.Matrix) -> list[A.ScoreRow]:
    return [A.ScoreRow("t", "d", g, m, "f", s) for g, row in grid.items() for m, s in row.items()]


def test_worked_example_by_hand() -> None:
    got = family_bias(_grid(), FAMILIES)
    # normalised gen-A, gen-B, gen-E of A: 0.2375, 0.1275, 0.1000
    assert got["A"].value.value == pytest.approx((0.2375 + 0.1275) / 2 - 0.1000)  # 0.0825
    assert got["B"].value.value == pytest.approx((0.0375 + 0.1475) / 2 - 0.0100)  # 0.0825
    assert got["D"].value.value == pytest.approx(-0.1000 - (-0.2625 - 0.2225) / 2)  # 0.1425
    assert got["A"].generators == ("gen-A", "gen-B") and got["D"].family == "e"
    assert "C" not in got
    lfo = leave_family_out(_grid(), FAMILIES)
    assert lfo == pytest.approx({"A": 0.75, "B": 0.66, "C": (0.65 + 0.62 + 0.64) / 3, "D": 0.425})
    group = A.analyse(_rows(_grid()), SAME, families=FAMILIES)[0].to_dict()
    assert list(group["scores"])[-3:] == ["mean", "mean-loo", "mean-lfo"]
    agree = group["agreement"]["mean-lfo"]
    assert agree["spearman"] == 1.0 and agree["kendall"] == 1.0
    assert agree["pearson"] == pytest.approx(0.936790, abs=1e-6)
    assert agree["mae"] == pytest.approx((0.05 + 0.04 + (1.91 / 3 - 0.6) + 0.075) / 4)
    assert group["family_bias"]["D"] == {
        "family": "e",
        "generators": ["gen-E"],
        "value": pytest.approx(0.1425),
        "reason": "",
    }


def test_a_family_of_the_own_generator_alone_is_the_bias_factor() -> None:
    own = Families({"a": ("gen-A",), "b": ("gen-B",)}, {"A": "a", "B": "b"})
    bias = A.bias_factors(_grid(), SAME)
    got = family_bias(_grid(), own)
    for m in SAME:
        assert got[m].value.value == pytest.approx(bias[m].value.value)


def test_shifting_one_source_leaves_family_bias_unchanged() -> None:
    shifted = SCORES.copy()
    shifted[1] += 0.3
    before, after = family_bias(_grid(), FAMILIES), family_bias(_grid(shifted), FAMILIES)
    for m in before:
        assert after[m].value.value == pytest.approx(before[m].value.value)


def test_undefined_with_a_reason() -> None:
    grid = _grid()
    grid["gen-E"]["D"] = math.nan  # D's only family generator
    del grid["gen-A"]["A"], grid["gen-B"]["A"]  # A has no score on its family
    got = family_bias(grid, FAMILIES)
    assert got["D"].value.reason == "no defined score of D on a generator of its family e"
    assert got["A"].value.reason == "no defined score of A on a generator of its family ab"
    one = {"real": grid["real"], "gen-A": grid["gen-A"]}
    assert family_bias(one, FAMILIES)["B"].value.reason == (
        "needs at least 2 synthetic generators, got 1"
    )
    group = A.analyse(_rows(one), SAME, families=FAMILIES)[0].to_dict()
    assert group["agreement"]["mean-lfo"]["undefined"]["spearman"].startswith("the ensemble needs")


def test_without_families_nothing_changes() -> None:
    rows = _rows(_grid())
    plain = A.build_report(A.analyse(rows, SAME))
    assert A.build_report(A.analyse(rows, SAME, families=Families())) == plain
    assert "family_bias" not in plain["groups"][0]
    assert "mean-lfo" not in plain["groups"][0]["scores"]
    # Families none of whose models are here: the key, but no mean-lfo row.
    other = Families({"ab": ("gen-A",)}, {"Z": "ab"})
    group = A.build_report(A.analyse(rows, SAME, families=other))["groups"][0]
    assert group["family_bias"] == {} and "mean-lfo" not in group["scores"]


def test_resampled_row_zero_equals_the_point_figures() -> None:
    rng = np.random.default_rng(0)
    point = np.vstack([np.array(REAL)[None], SCORES])
    point[2, 0] = np.nan  # A not run on gen-B
    reps = np.concatenate([point[None], point[None] + rng.normal(0, 0.01, (5, 4, 4))])
    reps[1:, 2, 0] = np.nan
    gens = ("real", *GENS)
    grid = _grid(point[1:])
    grid["gen-B"].pop("A")
    arrays = family_bias_arrays(gens, MODELS, reps, FAMILIES)
    for m, fb in family_bias(grid, FAMILIES).items():
        assert arrays[m][0] == fb.family
        assert arrays[m][1][0] == pytest.approx(fb.value.value)
        assert np.isfinite(arrays[m][1]).all()
    lfo = leave_family_out_arrays(gens, MODELS, reps, FAMILIES)
    want = leave_family_out(grid, FAMILIES)
    assert lfo[0] == pytest.approx([want[m] for m in MODELS])
    assert lfo[3, 2] == pytest.approx(reps[3, 1:, 2].mean())  # C: no family, plain mean


def _stat(m: int, own: set[int]) -> float:
    norm = SCORES - SCORES.mean(axis=1, keepdims=True)
    return float(
        np.mean([norm[g, m] for g in own]) - np.mean([norm[g, m] for g in range(3) if g not in own])
    )


def test_worked_example_p_values_by_hand() -> None:
    test = family_test(GENS, MODELS, SCORES, FAMILIES)
    # A: own {gen-A, gen-B} 0.0825 against {A, E} 0.04125 and {B, E} -0.12375: 1 of 3.
    assert _stat(0, {0, 2}) == pytest.approx(0.04125)
    assert _stat(0, {1, 2}) == pytest.approx(-0.12375)
    assert test.per_model == {
        "A": pytest.approx(1 / 3),
        "B": pytest.approx(1 / 3),
        "D": pytest.approx(1 / 3),
    }
    # Jointly: "e" on gen-E (observed, mean 0.1025), on gen-A (-0.06125), on gen-B
    # (-0.04125), each arrangement twice among the 3! permutations: p = 2/6.
    labels = ("ab", "ab", "e")
    means = []
    for perm in itertools.permutations(range(3)):
        fam = [labels[perm[s]] for s in range(3)]
        own = {f: {s for s in range(3) if fam[s] == f} for f in ("ab", "e")}
        means.append(np.mean([_stat(0, own["ab"]), _stat(1, own["ab"]), _stat(3, own["e"])]))
    assert sorted(set(np.round(means, 6))) == pytest.approx([-0.06125, -0.04125, 0.1025])
    assert test.statistic == pytest.approx(0.1025)
    assert test.exact and test.permutations == 6
    assert test.p_value == pytest.approx(np.mean(np.array(means) >= 0.1025 - 1e-12))
    assert test.p_value == pytest.approx(1 / 3)


def _simulate(bias: float, rng: np.random.Generator) -> np.ndarray:
    """9 models on 6 sources; families (g0, g1), (g2, g3), (g4, g5) of models 0..5."""
    skill = rng.normal(0.6, 0.1, 9)
    scores = skill[None] + rng.normal(0, 0.03, (6, 9)) + rng.normal(0, 0.05, (6, 1))
    for j in range(6):
        scores[[2 * (j // 2), 2 * (j // 2) + 1], j] += bias
    return scores


SIM_GENS = tuple(f"g{i}" for i in range(6))
SIM_MODELS = tuple(f"m{i}" for i in range(9))
SIM_FAMILIES = Families(
    {"a": ("g0", "g1"), "b": ("g2", "g3"), "c": ("g4", "g5")},
    {f"m{j}": "abc"[j // 2] for j in range(6)},
)


def test_p_value_is_uniform_under_the_null_and_small_under_planted_bias() -> None:
    rng = np.random.default_rng(3)
    runs = [
        family_test(SIM_GENS, SIM_MODELS, _simulate(0.0, rng), SIM_FAMILIES, 720)
        for _ in range(300)
    ]
    null = np.array([t.p_value for t in runs])
    # Uniform: about 10% / 50% below 0.1 / 0.5 (300 draws: +-5 points is ~3 sd).
    assert 0.05 <= (null <= 0.1).mean() <= 0.16
    assert 0.42 <= (null <= 0.5).mean() <= 0.58
    # Per model the p is k/15 (2 of 6 sources): P(p <= 3/15) = 0.2 under the null.
    per_model = np.array([p for t in runs[:100] for p in t.per_model.values()])
    assert 0.14 <= (per_model <= 0.2 + 1e-9).mean() <= 0.26
    planted = [
        family_test(SIM_GENS, SIM_MODELS, _simulate(0.05, rng), SIM_FAMILIES, 720).p_value
        for _ in range(50)
    ]
    # 90 distinct arrangements of the labels: the smallest p is 1/90.
    assert np.median(planted) < 0.02
    strong = family_test(SIM_GENS, SIM_MODELS, _simulate(0.3, rng), SIM_FAMILIES, 720)
    assert all(p == pytest.approx(1 / 15) for p in strong.per_model.values())
    assert strong.p_value == pytest.approx(8 / 720)


def test_many_generators_sample_permutations_reproducibly() -> None:
    gens = tuple(f"g{i}" for i in range(8))
    fams = Families({"a": ("g0", "g1", "g2"), "b": ("g3",)}, {"m0": "a", "m3": "b"})
    scores = np.random.default_rng(1).normal(0.5, 0.1, (8, 5))
    test = family_test(gens, SIM_MODELS[:5], scores, fams, 40, seed=2)
    assert not test.exact and test.permutations == 40
    assert 0 < test.p_value <= 1
    # C(8, 3) = 56 subsets > 40: m0's p is sampled too, m3's (8 subsets) is exact.
    assert test.per_model["m3"] * 8 == pytest.approx(round(test.per_model["m3"] * 8))
    assert test == family_test(gens, SIM_MODELS[:5], scores, fams, 40, seed=2)


FAMILY_SUITE = '\n[families]\nab = ["gen-a", "gen-b"]\n'


@pytest.fixture(scope="module")
def family_report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The toy suite with ``ab = [gen-a, gen-b]`` run without pytest into a store, then
    reported by ``finish`` with 50 resamples."""
    store, record = toy_store(tmp_path_factory.mktemp("families"), FAMILY_SUITE)
    assert dict(record.families.models) == {"best": "ab", "good": "ab"}
    return finish_store(store, record, resamples=50).report.to_dict()


def test_toy_run_reports_family_figures_with_intervals(family_report: dict) -> None:
    report = family_report
    assert report["families"] == {
        "generators": {"ab": ["gen-a", "gen-b"]},
        "models": {"best": "ab", "good": "ab"},
    }
    for group in report["groups"]:
        fb, ci = group["family_bias"], group["ci"]
        assert set(fb) == {"best", "good"}
        for m, b in fb.items():
            assert b["family"] == "ab" and b["generators"] == ["gen-a", "gen-b"]
            c = ci["family_bias"][m]
            assert c["value"] == pytest.approx(b["value"], abs=1e-6)  # row 0: the point
            assert c["low"] <= c["value"] <= c["high"] and 0 < c["p_value"] <= 1
        # best and good average only gen-c; fair and poor every generator.
        lfo = group["scores"]["mean-lfo"]
        assert lfo["best"] == pytest.approx(group["scores"]["gen-c"]["best"])
        assert lfo["fair"] == pytest.approx(group["scores"]["mean"]["fair"])
        assert ci["scores"]["mean-lfo"]["best"]["value"] == pytest.approx(lfo["best"], abs=1e-6)
        agree = group["agreement"]["mean-lfo"]["spearman"]
        assert ci["agreement"]["mean-lfo"]["spearman"]["value"] == pytest.approx(agree, abs=1e-6)
        pref = ci["family_preference"]
        assert pref["exact"] and pref["permutations"] == 6 and pref["models"] == 2


def test_every_renderer_shows_the_family_bias_beside_the_bias_factor(family_report: dict) -> None:
    from harness.report.render.html import render_html
    from harness.report.render.markdown import render_markdown
    from harness.report.render.summary import render_summary
    from harness.report.render.terminal import render_terminal

    group = family_report["groups"][0]
    best = group["ci"]["family_bias"]["best"]
    shown = f"{best['value']:+.3f} [{best['low']:+.3f}"
    pref = f"permutation p={group['ci']['family_preference']['p_value']:.3f}"
    terminal = render_terminal(family_report)
    assert "family bias: best on ab (gen-a, gen-b): " + shown in terminal
    assert pref in terminal
    markdown = render_markdown(family_report)
    assert "| model | family data | family bias | p | note |" in markdown
    assert f"| best | ab (gen-a, gen-b) | {shown}" in markdown and pref in markdown
    html = render_html(family_report)
    assert "<h4>Family bias</h4>" in html and f"<td>{shown}" in html and pref in html
    assert "family bias: " in render_summary(family_report)
    # Without families none of it appears.
    plain = {
        **family_report,
        "groups": [
            {k: v for k, v in g.items() if k != "family_bias"}
            | {
                "ci": {
                    k: v
                    for k, v in g["ci"].items()
                    if k not in ("family_bias", "family_preference")
                }
            }
            for g in family_report["groups"]
        ],
    }
    for text in (render_terminal(plain), render_markdown(plain), render_summary(plain)):
        assert "family" not in text
    assert "Family bias" not in render_html(plain)


def test_max_family_bias_gate_judges_the_family_bias_interval(family_report: dict) -> None:
    from harness.gates import describe, judge_gate, parse_gate_option
    from harness.report.model import Report
    from tests.report_fixtures import typed_report

    report = Report.from_dict(family_report)
    ci = family_report["groups"][0]["ci"]["family_bias"]["good"]
    widest = max(abs(ci["low"]), abs(ci["high"]))
    task, dataset = family_report["groups"][0]["task"], family_report["groups"][0]["dataset"]
    spec = f"max_family_bias task={task} dataset={dataset} model=good threshold="
    passed = judge_gate(parse_gate_option(spec + f"{widest + 0.001:.6f}"), report)
    failed = judge_gate(parse_gate_option(spec + f"{widest - 0.001:.6f}"), report)
    assert passed.status == "passed" and failed.status == "failed"
    assert f"{task}/{dataset}/good on family ab" in failed.reason
    assert describe(parse_gate_option(spec + "0.1")).startswith("|family bias| <= 0.1")
    # A report without families has nothing to judge: the gate says so.
    plain = {
        "groups": [
            {k: v for k, v in g.items() if k != "family_bias"} | {"ci": {}}
            for g in family_report["groups"]
        ]
    }
    gate = parse_gate_option("max_family_bias threshold=0.1")
    assert judge_gate(gate, typed_report(plain)).status == "failed"


def test_report_command_takes_families_for_published_score_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from harness.__main__ import main

    table = tmp_path / "paper.jsonl"
    rows = [
        {"task": "intent", "dataset": "d", "generator": g, "model": m, "metric": "f1", "score": s}
        for g, row in _grid().items()
        for m, s in row.items()
    ]
    table.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "r.json"
    flags = ["--same-as", "A=gen-A", "--same-as", "B=gen-B", "--family", "ab=gen-A,gen-B"]
    flags += ["--family", "e=gen-E", "--family-of", "D=e", "--json", str(out), "--bootstrap", "0"]
    assert main(["report", str(table), *flags]) == 0
    report = json.loads(out.read_text())
    (group,) = report["groups"]
    assert {m: b["value"] for m, b in group["family_bias"].items()} == {
        "A": pytest.approx(0.0825),
        "B": pytest.approx(0.0825),
        "D": pytest.approx(0.1425),
    }
    assert group["scores"]["mean-lfo"]["D"] == pytest.approx(0.425)
    assert report["families"]["models"] == {"A": "ab", "B": "ab", "D": "e"}
    assert main(["report", str(table), "--family-of", "D=zz"]) == 2
    assert "--family-of 'D=zz': unknown family 'zz'" in capsys.readouterr().err
    assert main(["report", str(table), "--family", "a=gen-A", "--family", "b=gen-A"]) == 2
    assert "generator 'gen-A' is also in family 'a'" in capsys.readouterr().err


def test_saved_baselines_keep_the_mean_lfo_rows_with_families() -> None:
    from harness.analysis.baseline import SavedComparison, baseline_doc
    from harness.analysis.intervals import BootstrapSettings, GroupReplicates

    point = np.vstack([np.array(REAL)[None], SCORES])
    noise = np.random.default_rng(0).normal(0, 0.01, (10, 4, 4))
    scores = np.concatenate([point[None], point[None] + noise])
    rep = GroupReplicates("t", "d", "f", ("real", *GENS), MODELS, scores, np.zeros_like(scores))
    reps, boot = {("t", "d"): rep}, BootstrapSettings(resamples=10)
    plain = baseline_doc("b", reps, boot, SAME)
    with_families = baseline_doc("b", reps, boot, SAME, "", FAMILIES)
    assert {c["generator"] for c in plain["cells"]} == {"real", *GENS, "mean", "mean-loo"}
    lfo = [c for c in with_families["cells"] if c["generator"] == "mean-lfo"]
    assert {c["model"]: c["value"] for c in lfo} == pytest.approx(
        {"A": 0.75, "B": 0.66, "C": 1.91 / 3, "D": 0.425}, abs=1e-6
    )
    drop = SavedComparison(with_families, reps, boot, SAME, FAMILIES)("t", "d", "mean-lfo", "D")
    assert not isinstance(drop, str) and drop.value == pytest.approx(0.0, abs=1e-6)
