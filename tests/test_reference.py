"""The real-data reference of an agreement figure (``harness.analysis.reference``)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from harness.analysis.reference import (
    MIN_SUBSAMPLE,
    Plan,
    cross_dataset,
    judge,
    plan,
    source_references,
    split_weights,
)
from tests.report_fixtures import typed_report

# --------------------------------------------------------------------------- the split


def test_plan_complement_and_split_half() -> None:
    p = plan(1000, 200)
    assert isinstance(p, Plan)
    assert (p.scheme, p.held_out, p.pool) == ("complement", 800, 200)
    assert p.sizes[-1] == 200 and p.sizes[0] >= MIN_SUBSAMPLE
    assert list(p.sizes) == sorted(set(p.sizes))
    small = plan(300, 200)  # held-out would be 100 < 200
    assert isinstance(small, Plan)
    assert (small.scheme, small.held_out, small.pool) == ("split-half", 150, 150)
    assert small.reference_size(200) == 150
    # Sources of several sizes share one split, sized by the largest; each own size
    # is on the grid.
    mixed = plan(1000, [150, 200, 3])
    assert isinstance(mixed, Plan)
    assert (mixed.held_out, mixed.pool) == (800, 200)
    assert {3, 150, 200} <= set(mixed.sizes)
    assert mixed.reference_size(150) == 150


def test_split_weights_hold_out_what_the_subsamples_do_not_contain() -> None:
    p = plan(60, 20)
    assert isinstance(p, Plan)
    held, subs = split_weights(p, 7, seed=3)
    assert held.shape == (60, 7) and subs.shape == (60, 7 * len(p.sizes))
    assert (held.sum(axis=0) == p.held_out).all()
    for k, m in enumerate(p.sizes):
        block = subs[:, k * 7 : (k + 1) * 7]
        assert (block.sum(axis=0) == m).all()
        assert not (block * held).any()  # never scored on what it is compared with
        if k:  # nested: a larger subsample holds the smaller one
            assert (subs[:, (k - 1) * 7 : k * 7] <= block).all()


# --------------------------------------------------------------------------- worked example

HELD = [0.8, 0.7, 0.6, 0.5]
RHO_ROWS = {  # scores whose Spearman with HELD is the key
    1.0: [0.9, 0.8, 0.7, 0.6],
    0.8: [0.7, 0.8, 0.6, 0.5],
    0.6: [0.7, 0.8, 0.5, 0.6],
    0.4: [0.8, 0.5, 0.7, 0.6],
}


def test_worked_example_of_the_docs() -> None:
    """docs/analysis.md, "Real-data reference": 4 models, 4 repeats, sizes 4 and 8."""
    for rho, row in RHO_ROWS.items():
        assert math.isclose(sps.spearmanr(row, HELD)[0], rho)
    synth = np.array([0.9, 0.7, 0.8, 0.6])  # one adjacent swap: Spearman 0.8
    held = np.array([HELD] * 4)
    subs = np.array(
        [
            [RHO_ROWS[r] for r in (0.4, 0.4, 0.6, 0.8)],  # size 4: median 0.5
            [RHO_ROWS[r] for r in (1.0, 1.0, 1.0, 0.4)],  # size 8: the reference
        ]
    )
    p = Plan("complement", 16, 8, 8, (4, 8))
    ref = judge(synth, held, subs, p, 8, level=1.0)  # level 1: the min and max
    assert ref.reason == "" and ref.synthetic == 0.8
    assert ref.reference == {"median": 1.0, "low": 0.4, "high": 1.0}
    assert ref.percentile == {"value": 25.0, "low": 25.0, "high": 25.0}  # 1 of 4 below
    # mean 0.85, sd sqrt((3 * 0.15**2 + 0.45**2) / 3) = 0.3
    assert ref.z == pytest.approx((0.8 - 0.85) / 0.3, abs=1e-6)
    eff = ref.effective
    assert eff is not None
    assert eff.value == pytest.approx(4 * 2**0.6, abs=1e-5)  # 6.06: 0.8 is 60% of 0.5 -> 1.0
    assert (eff.low, eff.high, eff.censored) == (4.0, 8.0, "")
    assert ref.curve == ((4, 0.5, 0.4, 0.8), (8, 1.0, 0.4, 1.0))
    # A source of 4 examples on the same splits is compared with the size-4 subsamples.
    four = judge(synth, held, subs, p, 4, level=1.0)
    assert four.reference_size == 4 and four.percentile == {
        "value": 87.5,
        "low": 87.5,
        "high": 87.5,
    }
    json.dumps(ref.to_dict(), allow_nan=False)


# --------------------------------------------------------------------------- simulation


def _accuracy_scorer(correct: np.ndarray):  # type: ignore[no-untyped-def]
    """Accuracy of every model (columns of ``correct``) on the examples each column selects."""

    def score(w: np.ndarray) -> np.ndarray:
        return (correct.T @ w) / w.sum(axis=0)

    return score


def _effective(m0: int, seed: int, n_real: int = 1000, n_syn: int = 200) -> float:
    """One trial: synthetic outcomes are ``m0`` fresh population examples resampled to
    ``n_syn``: as informative as about ``1 / (1/m0 + 1/n_syn)`` real examples."""
    rng = np.random.default_rng(seed)
    acc = np.linspace(0.55, 0.85, 16)
    difficulty = lambda n: rng.normal(0, 1.0, (n, 1))  # noqa: E731 (shared by the models)
    logit = np.log(acc / (1 - acc))

    def draw(n: int) -> np.ndarray:
        return (rng.random((n, acc.size)) < 1 / (1 + np.exp(-(logit + difficulty(n))))).astype(
            np.float64
        )

    real = draw(n_real)
    fresh = draw(m0)
    synth = fresh[rng.integers(0, m0, n_syn)].mean(axis=0)
    found = source_references(
        _accuracy_scorer(real),
        n_real,
        real.mean(axis=0),
        {"gen": (n_syn, synth)},
        seed=seed,
        repeats=100,
    )["gen"]
    assert found.reason == "" and found.effective is not None
    assert found.effective.value is not None
    return found.effective.value


@pytest.mark.parametrize("m0", [25, 100])
def test_effective_size_recovers_a_planted_one(m0: int) -> None:
    found = [_effective(m0, seed) for seed in range(12)]
    expected = 1 / (1 / m0 + 1 / 200)  # 22.2 and 66.7
    median = float(np.median(found))
    assert expected / 2 <= median <= expected * 2, (found, expected)


def test_a_noisier_synthetic_set_has_a_smaller_effective_size() -> None:
    small = np.median([_effective(15, s) for s in range(8)])
    large = np.median([_effective(150, s) for s in range(8)])
    assert small < large


# --------------------------------------------------------------------------- bad input


def _refs(synth: np.ndarray, real: np.ndarray, n_syn: int = 20) -> dict:  # type: ignore[type-arg]
    point = real.mean(axis=0)
    return source_references(_accuracy_scorer(real), real.shape[0], point, {"g": (n_syn, synth)}, 0)


@pytest.mark.parametrize(
    ("synth_models", "n_syn", "n_real", "constant_real", "reason"),
    [
        (2, 20, 60, False, "needs at least 3 models, got 2"),
        (5, 20, 60, False, "constant scores on the synthetic source"),
        (5, 1, 60, False, "the source needs at least 2 examples, got 1"),
        (5, 20, 6, False, "the real set needs at least 8 examples, got 6"),
        (5, 20, 60, True, "the held-out real scores are constant (or undefined) in every repeat"),
    ],
)
def test_bad_input_gives_a_reason(
    synth_models: int, n_syn: int, n_real: int, constant_real: bool, reason: str
) -> None:
    rng = np.random.default_rng(0)
    m = synth_models
    real = np.ones((n_real, m)) if constant_real else (rng.random((n_real, m)) < 0.6) * 1.0
    synth = np.full(m, 0.5) if "constant scores" in reason else np.linspace(0.2, 0.9, m)
    ref = _refs(synth, real, n_syn)["g"]
    assert ref.reason == reason
    d = ref.to_dict()
    assert d["reason"] == reason and "effective" not in d
    json.dumps(d, allow_nan=False)


def test_sources_of_several_sizes_share_one_split_and_keep_their_order() -> None:
    rng = np.random.default_rng(4)
    real = (rng.random((300, 5)) < np.linspace(0.3, 0.9, 5)) * 1.0
    calls = []

    def score(w: np.ndarray) -> np.ndarray:
        calls.append(w.shape)
        return _accuracy_scorer(real)(w)

    synth = {
        "b": (100, np.linspace(0.2, 0.9, 5)),
        "a": (60, np.linspace(0.1, 0.8, 5)),
        "tiny": (1, np.linspace(0.1, 0.8, 5)),
    }
    got = source_references(score, 300, real.mean(axis=0), synth, 0, repeats=10)
    assert list(got) == ["b", "a", "tiny"] and len(calls) == 1
    assert (got["b"].reference_size, got["a"].reference_size) == (100, 60)
    assert got["b"].held_out == got["a"].held_out == 200
    assert got["tiny"].reason == "the source needs at least 2 examples, got 1"


def test_models_without_a_real_score_are_left_out() -> None:
    rng = np.random.default_rng(1)
    real = (rng.random((80, 5)) < np.linspace(0.3, 0.9, 5)) * 1.0
    point = real.mean(axis=0)
    point[0] = np.nan  # model 0 has no real score
    ref = source_references(
        _accuracy_scorer(real), 80, point, {"g": (20, np.linspace(0.1, 0.9, 5))}, 0, repeats=20
    )["g"]
    assert ref.n_models == 4


# --------------------------------------------------------------------------- cross-dataset


def test_cross_dataset_agreement_matches_scipy_on_common_models() -> None:
    rng = np.random.default_rng(2)
    a = rng.random((51, 6))
    b = rng.random((51, 5))
    got = cross_dataset("other", list("abcdef"), a, list("bcdxf"), b)
    common_a, common_b = a[0, [1, 2, 3, 5]], b[0, [0, 1, 2, 4]]
    assert got.n_models == 4
    assert got.value == pytest.approx(sps.spearmanr(common_a, common_b)[0], abs=1e-6)
    assert got.low is not None and got.high is not None
    assert got.low <= got.value <= got.high
    few = cross_dataset("other", list("abc"), a[:, :3], list("axy"), b[:, :3])
    assert few.reason == "needs at least 3 common models, got 1"
    assert few.to_dict() == {
        "dataset": "other",
        "coefficient": "spearman",
        "n_models": 1,
        "reason": few.reason,
    }


# --------------------------------------------------------------------------- end to end

SECOND_INTENT = """
[datasets.toy-intent-b]
task = "intent"
test = "real/toy-intent-b/test.jsonl"
train = "real/toy-intent/train.jsonl"

[[gates]]
name = "gen-a is worth real examples"
kind = "min_effective_examples"
dataset = "toy-intent"
generator = "gen-a"
threshold = 2

[[gates]]
name = "gen-a among real subsamples"
kind = "min_reference_percentile"
dataset = "toy-intent"
generator = "gen-a"
threshold = 0
"""


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["n0", "n2"])
def test_report_json_has_the_reference_of_every_synthetic_source(
    synth_project: pytest.Pytester, workers: list[str]
) -> None:
    from tests.synth_fixtures import GENERATORS, suite_text

    data = synth_project.path / "data"
    # A second real dataset of the intent task: the cross-dataset reference.
    (data / "real/toy-intent-b").mkdir(parents=True)
    (data / "real/toy-intent-b/test.jsonl").write_text(
        (data / "real/toy-intent/test.jsonl").read_text()
    )
    (data / "synthetic/toy-intent-b").mkdir(parents=True)
    for g in GENERATORS:
        (data / f"synthetic/toy-intent-b/{g}.jsonl").write_text(
            (data / f"synthetic/toy-intent/{g}.jsonl").read_text()
        )
    synth_project.makefile(".toml", suite=suite_text(SECOND_INTENT))
    r = synth_project.runpytest_subprocess("-k", "intent", *workers)
    assert r.parseoutcomes()["passed"] > 0
    report = json.loads((synth_project.path / "out" / "report.json").read_text())
    assert report["bootstrap"]["reference_repeats"] == 200
    groups = {g["dataset"]: g for g in report["groups"]}
    assert set(groups) == {"toy-intent", "toy-intent-b"}
    for name, g in groups.items():
        ref = g["ci"]["reference"]
        assert set(ref["sources"]) == set(GENERATORS)
        for entry in ref["sources"].values():
            # 16 real examples for 16 synthetic: the split-half fallback.
            assert "reason" not in entry, entry
            assert entry["scheme"] == "split-half" and entry["held_out"] == 8
            assert entry["n_examples"] == 16 and entry["n_models"] == 4
            assert 0 <= entry["percentile"]["value"] <= 100
            eff = entry["effective"]
            assert eff["low"] <= eff["value"] <= eff["high"] <= entry["reference_size"]
            assert [c["m"] for c in entry["curve"]] == [4, 6, 8]
        (cross,) = ref["cross_dataset"]
        assert cross["dataset"] == ({"toy-intent", "toy-intent-b"} - {name}).pop()
        # The same real examples and models: the two real datasets agree perfectly.
        assert cross["value"] == 1.0 and cross["n_models"] == 4
    gates = {g["name"]: g for g in report["gates"]["gates"]}
    for name in ("gen-a is worth real examples", "gen-a among real subsamples"):
        (check,) = gates[name]["checks"]
        assert gates[name]["status"] == "passed", gates[name]
        assert check["cell"] == "intent/toy-intent/gen-a" and check["judged"] is not None
    markdown = (synth_project.path / "out" / "report.md").read_text()
    assert markdown.count("- reference gen-a (16 examples): spearman ") == 2
    assert "- real vs real toy-intent-b: spearman 1.00" in markdown


# --------------------------------------------------------------------------- gates


def _gated_report() -> dict:  # type: ignore[type-arg]
    def source(value: float, low: float, high: float, censored: str = "") -> dict:  # type: ignore[type-arg]
        return {
            "coefficient": "spearman",
            "n_examples": 200,
            "n_real": 400,
            "reference_size": 200,
            "effective": {"value": value, "low": low, "high": high, "censored": censored},
            "percentile": {"value": value / 4, "low": low / 4, "high": high / 4},
        }

    # A valid report (the renderers read it with Report.from_dict) with no agreement
    # figures: only the real-data reference.
    undefined = {k: None for k in ("spearman", "kendall", "pearson", "mae", "mse")}
    return {
        "schema": 1,
        "groups": [
            {
                "task": "intent",
                "dataset": "atis",
                "metric": "",
                "scores": {},
                "agreement": {
                    g: {**undefined, "n_models": 0} for g in ("g1", "g2", "g3", "g4", "mean")
                },
                "bias": {},
                "ci": {
                    "reference": {
                        "sources": {
                            "g1": source(60.0, 35.0, 110.0),
                            "g2": source(200.0, 120.0, 200.0, "above"),
                            "g3": {"coefficient": "spearman", "n_examples": 1, "reason": "tiny"},
                        }
                    }
                },
            }
        ],
    }


def test_reference_gates_judge_the_pessimistic_bound_and_name_every_cause() -> None:
    from harness.gates import FAILED, PASSED, SKIPPED, describe, judge_gate, parse_gate

    report = typed_report(_gated_report())

    def check(raw: dict) -> dict:  # type: ignore[type-arg]
        gate = parse_gate({"kind": "min_effective_examples", **raw}, "suite.toml: gates[0]")
        return {c.cell.split("/")[-1]: c for c in judge_gate(gate, report).checks}

    got = check({"threshold": 30, "generator": "g1"})
    assert got["g1"].status == PASSED and got["g1"].judged == 35.0  # the lower bound
    assert check({"threshold": 50, "generator": "g1"})["g1"].status == FAILED
    assert check({"threshold": 50, "generator": "g1", "on": "point"})["g1"].status == PASSED
    # Censored above the most the real set can measure: cannot tell, says why.
    got = check({"threshold": 300, "generator": "g2", "optional": True})
    assert got["g2"].status == SKIPPED
    assert "at least 200 real examples, the most the 400 real examples" in got["g2"].reason
    everything = check({"threshold": 10, "optional": True})
    assert everything["g2"].status == PASSED
    assert everything["g3"].reason == "reference undefined: tiny"
    assert "no real-data reference (needs intervals" in everything["g4"].reason
    assert "for an ensemble" in everything["mean"].reason
    pct = parse_gate(
        {"kind": "min_reference_percentile", "threshold": 10, "generator": "g1"}, "cli"
    )
    (c,) = judge_gate(pct, report).checks
    assert c.status == FAILED and c.judged == 35.0 / 4
    assert "percentile among real subsamples >= 10" in describe(pct)


def test_markdown_has_one_line_per_source_and_per_other_dataset() -> None:
    from harness.report.render.markdown import render_group

    group = _gated_report()["groups"][0]
    sources = group["ci"]["reference"]["sources"]
    sources["g1"].update(
        synthetic=0.62,
        reference={"median": 0.8, "low": 0.55, "high": 0.95},
        z=-1.4,
        scheme="complement",
    )
    sources["g3"]["reason"] = "the source needs at least 2 examples, got 1"
    group["ci"]["reference"]["cross_dataset"] = [
        {
            "dataset": "snips",
            "coefficient": "spearman",
            "n_models": 6,
            "value": 0.8,
            "low": 0.6,
            "high": 0.9,
        },
        {
            "dataset": "clinc",
            "coefficient": "spearman",
            "n_models": 1,
            "reason": "needs at least 3 common models, got 1",
        },
    ]
    text = "\n".join(render_group(group))
    assert (
        "- reference g1 (200 examples): spearman 0.62 vs held-out real; real subsamples of "
        "200: 0.80 [0.55, 0.95] (complement); percentile 15 (z -1.40); like 60 [35, 110] "
        "real examples"
    ) in text
    assert "like >=200 [120, 200] real examples" in text
    assert "- reference g3 (1 examples): not testable (the source needs at least 2" in text
    assert "- real vs real snips: spearman 0.80 [0.60, 0.90] (6 models)" in text
    assert "- real vs real clinc: not testable (needs at least 3 common models, got 1)" in text


@settings(max_examples=60, deadline=None)
@given(
    models=st.integers(0, 7),
    repeats=st.integers(1, 6),
    seed=st.integers(0, 2**32 - 1),
    ties=st.booleans(),
    nan_model=st.booleans(),
)
def test_any_scores_give_ordered_json_safe_figures_or_a_reason(
    models: int, repeats: int, seed: int, ties: bool, nan_model: bool
) -> None:
    rng = np.random.default_rng(seed)
    sizes = (4, 6, 9)

    def draw(*shape: int) -> np.ndarray:
        x = rng.random(shape)
        return np.round(x, 1) if ties else x  # ties: equal and constant vectors happen

    synth, held, subs = draw(models), draw(repeats, models), draw(len(sizes), repeats, models)
    if nan_model and models:
        held[0, 0] = np.nan  # one undefined real score in one repeat
    p = Plan("split-half", 18, 9, 9, sizes)
    ref = judge(synth, held, subs, p, 9, level=0.9)
    d = ref.to_dict()
    json.dumps(d, allow_nan=False)
    if ref.reason:
        assert set(d) == {"coefficient", "n_examples", "reason"}
        return
    assert ref.percentile is not None and ref.percentile["value"] is not None
    assert 0 <= ref.percentile["value"] <= 100
    if ref.effective is not None and ref.effective.value is not None:
        e = ref.effective
        assert e.low is not None and e.high is not None
        assert sizes[0] <= e.low <= e.value <= e.high <= sizes[-1]


def test_every_renderer_prints_the_cards_reference_words() -> None:
    """Issue 22 part 5: the reference is built once on the card (``verdict.references``)
    and the terminal, Markdown and HTML print the same words, names escaped their way."""
    from harness.report.render.html import render_html
    from harness.report.render.markdown import render_markdown
    from harness.report.render.summary import render_summary
    from harness.report.render.verdict import build_cards
    from tests.report_fixtures import typed_report

    report = _gated_report()
    report["groups"][0]["ci"]["reference"]["sources"]["g\u202e1"] = report["groups"][0]["ci"][
        "reference"
    ]["sources"].pop("g1")
    report = typed_report(report).to_dict()  # a valid report (HTML reads it)
    (card,) = build_cards(report)
    words = {r.source: r for r in card.reference}
    assert words["g3"].reason == "tiny" and not words["g3"].figures
    like = "like 60 [35, 110] real examples"
    assert like in words["g\u202e1"].figures
    assert "like >=200 [120, 200] real examples" in words["g2"].figures
    from harness.report.render.junit import render_junit

    texts = {
        "terminal": render_summary(report),
        "markdown": render_markdown(report),
        "html": render_html(report),
        "junit": render_junit(report),
    }
    for where, text in texts.items():
        assert like in text, where
        g3 = "<bdi>g3</bdi>" if where == "html" else "g3"
        assert f"reference {g3} (1 examples): not testable (tiny)" in text, where
        assert "\u202e" not in text, where  # the name is shown visibly, never raw
    assert "reference <bdi>g\\u202e1</bdi> (200 examples)" in texts["html"]
