"""Which generator (harness.analysis.whichgen): paired comparisons, task rollup, Holm,
recommendation."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import numpy.fft  # noqa: F401  loaded here, not first inside an in-process pytester run
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.analysis.engine import spearman_last
from harness.analysis.resampling import resample_weights
from harness.analysis.whichgen import (
    ENSEMBLE,
    GroupInput,
    compare_generators,
    holm,
    paired_p,
)

MODELS = tuple(f"m{i:02d}" for i in range(20))


def _source(acc: np.ndarray, n: int, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """``(R, M)`` accuracies of models with true accuracies ``acc`` on ``n`` fresh examples,
    plainly resampled (row 0 the point), as the bootstrap resamples a source."""
    correct = rng.random((n, acc.size)) < acc[None]
    w = resample_weights(n, resamples, int(rng.integers(2**32)))
    return (w.T @ correct) / n


def _group(
    noise: dict[str, float],
    seed: int,
    n: int = 200,
    resamples: int = 200,
    dataset: str = "d1",
    models: tuple[str, ...] = MODELS,
) -> GroupInput:
    """Real data and one source per generator; a generator's models' accuracies are the
    real ones plus normal noise of its scale (0: a clean copy of the real population)."""
    rng = np.random.default_rng(seed)
    true = np.linspace(0.45, 0.9, len(models))
    arrays = [_source(true, n, resamples, rng)]
    for _, scale in noise.items():
        acc = np.clip(true + rng.normal(0.0, scale, true.size), 0.02, 0.98)
        arrays.append(_source(acc, n, resamples, rng))
    return GroupInput("intent", dataset, ("real", *noise), models, np.stack(arrays, axis=1))


def _cmp(comps: object, a: str, b: str) -> dict:
    for c in comps:  # type: ignore[attr-defined]
        if {c.a, c.b} == {a, b}:
            return c
    raise AssertionError(f"no comparison of {a} and {b}")


# --------------------------------------------------------------------------- arithmetic


def test_holm_matches_the_hand_computed_step_down() -> None:
    # Sorted 0.01, 0.02, 0.03, 0.5 with m=4: 0.04, 0.06, 0.06 (monotone), 0.5.
    assert holm([0.03, 0.01, 0.5, 0.02]) == pytest.approx([0.06, 0.04, 0.5, 0.06])
    assert holm([0.9, 0.3]) == pytest.approx([0.9, 0.6])
    assert holm([0.9, 0.8]) == [1.0, 1.0]  # 2 x 0.8 capped at 1
    assert holm([]) == []


def test_paired_p_counts_the_centred_resamples_beyond_zero() -> None:
    # Point 0.3; resamples with mean 0.2 -> centred = resamples + 0.1.
    reps = [0.2] * 8 + [-0.15, 0.55]  # centred: eight 0.3, one -0.05, one 0.65
    p, count = paired_p([0.3, *reps])
    assert count == 10
    assert p == pytest.approx(2 * (1 + 1) / 11)  # one centred resample at or below 0
    assert paired_p([0.0] * 11)[0] == 1.0  # identical sides: no evidence at all
    assert paired_p([math.nan, 0.1, 0.2]) == (None, 2)


def test_the_point_agreement_is_the_spearman_of_the_point_scores() -> None:
    g = _group({"a": 0.05, "b": 0.2}, seed=3)
    res = compare_generators([g])
    agree = res.groups[("intent", "d1")].agreement
    s = g.scores[0]
    for k, name in enumerate(("a", "b"), start=1):
        expected = float(spearman_last(s[k], s[0]))
        assert agree[name].value == pytest.approx(expected, abs=1e-6)
    mean = float(spearman_last(s[1:].mean(axis=0), s[0]))
    assert agree[ENSEMBLE].value == pytest.approx(mean, abs=1e-6)
    diff = _cmp(res.groups[("intent", "d1")].comparisons, "a", "b")
    assert diff.difference == pytest.approx(agree["a"].value - agree["b"].value, abs=2e-6)


# --------------------------------------------------------------------------- simulations


def test_a_planted_better_generator_is_found_best_and_significantly_better() -> None:
    """'good' is a clean copy of the real population, 'bad' and 'worse' distort every
    model's accuracy: 'good' is best and significantly better than 'worse' (after Holm)."""
    found = 0
    models = tuple(f"m{i:02d}" for i in range(30))
    for seed in range(6):
        noise = {"good": 0.0, "bad": 0.1, "worse": 0.3}
        g = _group(noise, seed=seed, resamples=1000, models=models)
        res = compare_generators([g], seed=seed)
        task = res.tasks["intent"]
        assert task.best == "good"
        c = _cmp(task.comparisons, "good", "worse")
        found += c.significant()
        assert c.p_holm is not None and c.p_holm >= c.p_value  # Holm never lowers a p
        # The recommendation names the best, and the ones shown worse as such.
        assert task.recommendation.startswith("for intent: good")
        assert ("worse" in task.worse) == c.significant()
        assert ("significantly worse" in task.recommendation) == bool(task.worse)
    assert found >= 5  # 7 of the first 8 seeds; the p is bounded by the model redraw


def test_two_equal_generators_are_not_told_apart_above_the_nominal_rate() -> None:
    """Two generators distorting the real accuracies equally: over seeded repeats, their
    comparison is significant after Holm no more often than the 5% level (loose band)."""
    repeats = 60
    hits = 0
    for seed in range(repeats):
        g = _group({"x": 0.08, "y": 0.08}, seed=100 + seed, resamples=200)
        res = compare_generators([g], seed=seed)
        hits += _cmp(res.tasks["intent"].comparisons, "x", "y").significant()
    assert hits / repeats <= 0.1  # nominal 0.05; binomial sd at 60 repeats is 0.028


def test_the_task_rollup_averages_its_datasets_and_holm_covers_the_family() -> None:
    noise = {"good": 0.0, "bad": 0.2}
    groups = [_group(noise, 1, dataset="atis"), _group(noise, 2, dataset="snips")]
    res = compare_generators(groups)
    task = res.tasks["intent"]
    assert task.datasets == ("atis", "snips")
    for name in ("good", "bad", ENSEMBLE):
        per = [res.groups[("intent", d)].agreement[name].value for d in ("atis", "snips")]
        assert task.agreement[name].value == pytest.approx(float(np.mean(per)), abs=2e-6)
    # The task's family: its 3 rollup comparisons (good-bad, good-mean, bad-mean);
    # each dataset's 3 are adjusted within the dataset.
    assert task.family_size == 3
    assert [c.p_holm for c in task.comparisons] == pytest.approx(
        holm([c.p_value for c in task.comparisons]), abs=1e-6
    )
    for d in ("atis", "snips"):
        comps = res.groups[("intent", d)].comparisons
        assert [c.p_holm for c in comps] == pytest.approx(
            holm([c.p_value for c in comps]), abs=1e-6
        )
    assert json.loads(json.dumps(res.to_dict()))["tasks"]["intent"]["family_size"] == 3


def test_a_family_too_large_for_the_resamples_says_so() -> None:
    # 200 resamples: the smallest p is 2/201, so Holm over 3 reaches 0.0299 but not
    # over 6 (0.0597): 4 generators make 6 pairs and 4 against mean, 10 in all.
    small = compare_generators([_group({"a": 0.0, "b": 0.2}, 12)]).tasks["intent"]
    assert "resamples" not in small.recommendation
    big = compare_generators([_group({"a": 0.0, "b": 0.2, "c": 0.2, "d": 0.2}, 12)])
    assert big.tasks["intent"].family_size == 10
    assert big.tasks["intent"].recommendation.endswith(
        "; with 200 resamples none of the 10 comparisons can reach a Holm p < 0.05 "
        "(it needs at least 400)"
    )


def test_a_task_of_one_dataset_counts_its_comparisons_once() -> None:
    res = compare_generators([_group({"a": 0.05, "b": 0.1}, 4)])
    task = res.tasks["intent"]
    assert task.family_size == 3
    group = res.groups[("intent", "d1")]
    assert [c.p_holm for c in group.comparisons] == [c.p_holm for c in task.comparisons]


def test_the_same_seed_gives_the_same_report() -> None:
    g = _group({"a": 0.05, "b": 0.1}, 4)
    assert compare_generators([g], seed=1).to_dict() == compare_generators([g], seed=1).to_dict()


# --------------------------------------------------------------------------- bad input


def _no_nan(tree: object) -> None:
    text = json.dumps(tree, allow_nan=False)  # raises on a NaN or an infinity
    assert "NaN" not in text


def test_one_generator_is_judged_alone_with_a_sentence() -> None:
    res = compare_generators([_group({"solo": 0.05}, 5)])
    group = res.groups[("intent", "d1")]
    assert group.comparisons == ()
    assert group.reason == "one synthetic generator (solo): nothing to compare it with"
    assert ENSEMBLE not in group.agreement
    task = res.tasks["intent"]
    assert task.best == "solo" and task.not_worse == ("solo",)
    assert task.recommendation.startswith("for intent: solo, the only generator (spearman over")
    assert "judge it by its agreement alone" in task.recommendation
    _no_nan(res.to_dict())
    _no_nan(group.to_dict())


def test_too_few_models_is_an_undefined_comparison_with_its_reason() -> None:
    g = _group({"a": 0.05, "b": 0.1}, 6, models=("m0", "m1"))
    res = compare_generators([g])
    group = res.groups[("intent", "d1")]
    assert group.reason == ("needs at least 3 models scored on real and on every generator, got 2")
    assert group.comparisons == ()
    assert res.tasks["intent"].recommendation == (
        "for intent: no recommendation (no dataset can be compared (d1: needs at least 3 "
        "models scored on real and on every generator, got 2))"
    )
    _no_nan(res.to_dict())


def test_a_model_missing_on_one_generator_is_left_out_of_every_side() -> None:
    g = _group({"a": 0.05, "b": 0.1}, 7)
    g.scores[:, 2, 0] = np.nan  # b never ran m00
    group = compare_generators([g]).groups[("intent", "d1")]
    assert group.left_out == ("m00",) and group.n_models == len(MODELS) - 1


def test_a_constant_score_vector_makes_its_comparisons_undefined() -> None:
    g = _group({"a": 0.05, "flat": 0.1, "c": 0.1}, 8)
    g.scores[:, 2, :] = 0.5  # every model scores 0.5 on 'flat'
    res = compare_generators([g])
    group = res.groups[("intent", "d1")]
    assert group.agreement["flat"].value is None
    assert group.agreement["flat"].reason == "constant scores on flat"
    for c in group.comparisons:
        if "flat" in (c.a, c.b):
            assert c.p_value is None and c.p_holm is None
            assert c.reason == "constant scores on flat"
        else:
            assert c.p_value is not None
    task = res.tasks["intent"]
    assert task.left_out == {"flat": "d1: constant scores on flat"}
    assert "flat" not in task.not_worse
    _no_nan(res.to_dict())


def test_constant_real_scores_and_no_real_scores_have_reasons() -> None:
    g = _group({"a": 0.05, "b": 0.1}, 9)
    g.scores[:, 0, :] = 0.7
    assert compare_generators([g]).groups[("intent", "d1")].reason == "constant scores on real"
    h = _group({"a": 0.05, "b": 0.1}, 9)
    no_real = GroupInput("intent", "d1", h.generators[1:], h.models, h.scores[:, 1:, :])
    res = compare_generators([no_real])
    assert res.groups[("intent", "d1")].reason == "no real scores to agree with"
    _no_nan(res.to_dict())


def test_a_generator_missing_from_one_dataset_is_left_out_of_the_rollup() -> None:
    groups = [_group({"a": 0.05, "b": 0.1}, 1, dataset="x"), _group({"a": 0.05}, 2, dataset="y")]
    task = compare_generators(groups).tasks["intent"]
    assert task.left_out["b"] == "not in every dataset of intent (missing y)"
    assert ENSEMBLE not in task.agreement  # y has no ensemble, so the rollup has none
    assert task.best == "a"


@pytest.mark.parametrize("names", list(itertools.permutations(["a", "b", "c"])))
def test_the_recommendation_does_not_depend_on_the_order_of_the_sources(names: list) -> None:
    base = _group({"a": 0.0, "b": 0.2, "c": 0.2}, 11)
    order = [0, *(1 + ["a", "b", "c"].index(n) for n in names)]
    g = GroupInput(
        "intent",
        "d1",
        tuple(base.generators[i] for i in order),
        base.models,
        base.scores[:, order, :],
    )
    ref = compare_generators([base]).tasks["intent"]
    got = compare_generators([g]).tasks["intent"]
    assert got.best == ref.best and set(got.not_worse) == set(ref.not_worse)


# --------------------------------------------------------------------------- end to end


def _sentences(report: dict) -> list[str]:
    return [t["recommendation"] for t in report["generators"]["tasks"].values()]


@pytest.mark.parametrize("workers", [(), ("-n", "2")])
def test_the_recommendation_is_in_every_report(
    synth_project: pytest.Pytester, workers: tuple
) -> None:
    result = synth_project.runpytest_subprocess(*workers)
    result.assert_outcomes(passed=3 * 4 * 4)
    out = synth_project.path / "out"
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["generators"]["correction"] == "holm"
    assert sorted(report["generators"]["tasks"]) == ["intent", "ner", "similarity"]
    for group in report["groups"]:
        section = group["ci"]["generators"]
        assert section["n_models"] == 4
        # 3 pairs of generators and each against the ensemble, all with a Holm p.
        assert len(section["comparisons"]) == 6
        assert all(c["p_holm"] >= c["p_value"] for c in section["comparisons"])
    sentences = _sentences(report)
    assert all(
        s.startswith(f"for {t}: ")
        for s, t in zip(sentences, ["intent", "ner", "similarity"], strict=True)
    )
    terminal = " ".join(result.stdout.str().split())  # the summary wraps long lines
    markdown = " ".join((out / "report.md").read_text(encoding="utf-8").split())
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "which generator" in terminal and "### Which generator" in markdown
    from harness.report.render.html import esc
    from harness.report.render.markdown import md

    for s in sentences:
        assert s in terminal and md(s) in markdown and esc(s) in html
    assert '<a href="#which-generator">' in html and 'id="which-generator"' in html


def test_a_one_generator_suite_is_judged_by_its_own_agreement(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.synth_fixtures import BENCH_TEST, suite_text, write_data_dir

    monkeypatch.delenv("SYNTHBENCH_DATA_DIR", raising=False)
    write_data_dir(pytester.path / "data", n=16)
    text = suite_text().replace('"gen-b" = { model_id = "toy/gen-b" }\n', "")
    text = text.replace('"gen-c" = { model_id = "toy/gen-c" }\n', "")
    text = text.replace('same_as = "gen-b"\n', "")
    pytester.makefile(".toml", suite=text)
    pytester.makeini(
        "[pytest]\nsynth_suite = suite.toml\nsynth_data_dir = data\nsynth_report_dir = out\n"
        "synth_bootstrap = 100\naddopts = -p no:randomly\n"
    )
    pytester.makepyfile(test_bench=BENCH_TEST)
    result = pytester.runpytest_subprocess("-k", "toy-intent")
    result.assert_outcomes(passed=2 * 4)
    report = json.loads((pytester.path / "out" / "report.json").read_text(encoding="utf-8"))
    (sentence,) = _sentences(report)
    assert sentence.startswith("for intent: gen-a, the only generator")
    terminal = " ".join(result.stdout.str().split())
    assert "no ensemble agreement" not in terminal
    assert "one generator (gen-a), judged by its own agreement" in terminal
    assert sentence in terminal


def test_the_worked_example_of_the_docs() -> None:
    """docs/analysis.md, "Which generator": two datasets, 30 models, 1,000 resamples."""
    models = tuple(f"m{i:02d}" for i in range(30))
    noise = {"good": 0.0, "bad": 0.1, "worse": 0.3}
    groups = [
        _group(noise, seed=1, resamples=1000, models=models, dataset="atis"),
        _group(noise, seed=2, resamples=1000, models=models, dataset="snips"),
    ]
    task = compare_generators(groups, seed=0).tasks["intent"]
    assert task.agreement["good"].value == pytest.approx(0.959087)
    c = _cmp(task.comparisons, "good", "mean")
    assert (c.p_value, c.p_holm) == (pytest.approx(0.015984), pytest.approx(0.047952))
    assert task.recommendation == (
        "for intent: good (bad, worse significantly worse); good better than the ensemble "
        "(spearman over 2 datasets, Holm-adjusted p < 0.05)"
    )


@settings(max_examples=60, deadline=None)
@given(
    gens=st.integers(0, 4),
    models=st.integers(0, 6),
    resamples=st.integers(1, 12),
    levels=st.integers(1, 4),
    holes=st.floats(0.0, 0.6),
    seed=st.integers(0, 2**16),
)
def test_any_input_gives_reasons_never_an_error_or_a_nan(
    gens: int, models: int, resamples: int, levels: int, holes: float, seed: int
) -> None:
    """Few models, few levels (ties, constants), missing cells: always a report."""
    rng = np.random.default_rng(seed)
    names = ("real", *(f"g{i}" for i in range(gens)))
    shape = (resamples + 1, len(names), models)
    scores = rng.integers(0, levels, size=shape).astype(float) / levels
    scores[:, rng.random(shape[1:]) < holes] = np.nan
    g = GroupInput("t", "d", names, tuple(f"m{i}" for i in range(models)), scores)
    res = compare_generators([g], seed=seed)
    _no_nan(res.to_dict())
    _no_nan(res.groups[("t", "d")].to_dict())
    assert res.tasks["t"].recommendation.startswith("for t: ")


def _one_generator_group(p: float | None, spearman: float | None) -> dict:
    """A report group (valid: renderers read it with ``Group.from_dict``) of one generator."""
    ci = {"value": spearman, "low": 0.3, "high": 1.0, "p_value": p}
    others = {"kendall": None, "pearson": None, "mae": None, "mse": None, "n_models": 6}
    return {
        "task": "intent",
        "dataset": "atis",
        "metric": "macro_f1",
        "scores": {},
        "agreement": {
            "gen-a": {"spearman": spearman, **others},
            "mean": {"spearman": None, **others},
        },
        "bias": {},
        "ci": {"agreement": {"gen-a": {"spearman": ci, "n_models": 6}}},
    }


def test_a_one_generator_card_is_judged_by_its_own_agreement() -> None:
    from harness.report.render.verdict import build_cards

    card = build_cards({"schema": 1, "groups": [_one_generator_group(0.01, 0.8)]})[0]
    assert card.answer == (
        "one generator (gen-a), judged by its own agreement: ranks models better than "
        "chance (p=0.010)"
    )
    weak = build_cards({"schema": 1, "groups": [_one_generator_group(0.2, 0.3)]})[0]
    assert weak.answer.endswith("not shown better than chance (p=0.200)")
    undefined = build_cards({"schema": 1, "groups": [_one_generator_group(None, None)]})[0]
    assert undefined.answer == (
        "one generator (gen-a), judged by its own agreement: cannot tell (its agreement "
        "is undefined)"
    )
    # With a real-data reference in the group (another module's figure), the card says so.
    group = _one_generator_group(0.01, 0.8)
    pct = {"value": 50.0, "low": 30.0, "high": 70.0}
    group["ci"]["reference"] = {
        "sources": {"gen-a": {"coefficient": "spearman", "n_examples": 40, "percentile": pct}}
    }
    assert build_cards({"schema": 1, "groups": [group]})[0].answer.endswith(
        "; compare with the real-data reference"
    )


def test_recommendations_are_read_from_the_report_unchanged() -> None:
    from harness.report.render.verdict import recommendations

    res = compare_generators([_group({"a": 0.0, "b": 0.2}, 13)])
    report = json.loads(json.dumps({"schema": 1, "groups": [], "generators": res.to_dict()}))
    (rec,) = recommendations(report)
    assert rec.task == "intent" and rec.sentence == res.tasks["intent"].recommendation
    assert rec.best == res.tasks["intent"].best
    empty = {"schema": 1, "groups": []}
    assert recommendations(empty) == ()
    # A valid section with no task: no recommendation.
    assert recommendations({**empty, "generators": {**res.to_dict(), "tasks": {}}}) == ()
