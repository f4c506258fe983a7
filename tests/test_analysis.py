"""harness.analysis.agreement: the worked example of metrics.md, hand-computed
coefficients, properties."""

from __future__ import annotations

import itertools
import json
import math
import random

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from harness.analysis import agreement as A
from harness.core.records import ENSEMBLE, REAL, CaseKey, CaseResult

# ------------------------------------------------------------------------------ the worked example

WORKED: A.Matrix = {
    "real": {"A": 0.80, "B": 0.70, "C": 0.60, "D": 0.50},
    "gen-A": {"A": 0.90, "B": 0.70, "C": 0.65, "D": 0.40},
    "gen-B": {"A": 0.80, "B": 0.82, "C": 0.62, "D": 0.45},
    "gen-E": {"A": 0.75, "B": 0.66, "C": 0.64, "D": 0.55},
}
SAME_AS = {"A": "gen-A", "B": "gen-B"}
# metrics.md gives 4 decimals: a value is right when it rounds to them.
DEC4 = 5e-5 + 1e-12


def rows_of(matrix: A.Matrix, task: str = "intent", dataset: str = "toy", metric: str = "f1"):
    return [A.ScoreRow(task, dataset, g, m, metric, s)
            for g, row in matrix.items() for m, s in row.items()]


def test_worked_example_normalized_scores() -> None:
    n = A.normalized(WORKED, ["gen-A", "gen-B", "gen-E"])
    want = {
        "gen-A": {"A": 0.2375, "B": 0.0375, "C": -0.0125, "D": -0.2625},
        "gen-B": {"A": 0.1275, "B": 0.1475, "C": -0.0525, "D": -0.2225},
        "gen-E": {"A": 0.1000, "B": 0.0100, "C": -0.0100, "D": -0.1000},
    }
    for g, row in want.items():
        for m, v in row.items():
            assert n[g][m] == pytest.approx(v, abs=DEC4), (g, m)


def test_worked_example_bias_factors() -> None:
    bias = A.bias_factors(WORKED, SAME_AS)
    assert set(bias) == {"A", "B"}  # C and D are no generator
    assert bias["A"].generator == "gen-A" and bias["B"].generator == "gen-B"
    assert bias["A"].value.value == pytest.approx(0.1238, abs=DEC4)
    assert bias["B"].value.value == pytest.approx(0.1237, abs=DEC4)


@pytest.mark.parametrize(
    ("gen", "spearman", "kendall", "pearson"),
    [
        ("gen-A", 1.0, 1.0, 0.9730),
        ("gen-B", 0.8, 0.6667, 0.9303),
        ("gen-E", 1.0, 1.0, 0.9754),
    ],
)
def test_worked_example_agreement(
    gen: str, spearman: float, kendall: float, pearson: float
) -> None:
    a = A.agreement(WORKED[gen], WORKED[REAL], gen)
    assert a.n_models == 4 and a.excluded == ()
    assert a.spearman.value == pytest.approx(spearman, abs=DEC4)
    assert a.kendall.value == pytest.approx(kendall, abs=DEC4)
    assert a.pearson.value == pytest.approx(pearson, abs=DEC4)


def test_worked_example_ensemble() -> None:
    mean = A.ensemble_mean(WORKED, ["gen-A", "gen-B", "gen-E"])
    for m, v in {"A": 0.8167, "B": 0.7267, "C": 0.6367, "D": 0.4667}.items():
        assert mean[m] == pytest.approx(v, abs=DEC4)
    a = A.agreement(mean, WORKED[REAL], ENSEMBLE)
    assert a.spearman.value == pytest.approx(1.0, abs=DEC4)
    assert a.kendall.value == pytest.approx(1.0, abs=DEC4)
    assert a.pearson.value == pytest.approx(0.9855, abs=DEC4)


def test_worked_example_errors_by_hand() -> None:
    # gen-A - real: +0.10, 0.00, +0.05, -0.10
    a = A.agreement(WORKED["gen-A"], WORKED[REAL], "gen-A")
    assert a.mae.value == pytest.approx((0.10 + 0.0 + 0.05 + 0.10) / 4)
    assert a.mse.value == pytest.approx((0.01 + 0.0 + 0.0025 + 0.01) / 4)


def test_worked_example_kendall_by_hand() -> None:
    # gen-B orders A, B the other way round from real; the other 5 of 6 pairs agree.
    assert A.agreement(WORKED["gen-B"], WORKED[REAL]).kendall.value == pytest.approx((5 - 1) / 6)


def test_worked_example_leave_own_out() -> None:
    loo = A.leave_own_out(WORKED, SAME_AS)
    assert loo["A"] == pytest.approx((0.80 + 0.75) / 2)  # gen-A left out
    assert loo["B"] == pytest.approx((0.70 + 0.66) / 2)  # gen-B left out
    assert loo["C"] == pytest.approx((0.65 + 0.62 + 0.64) / 3)  # no generator: plain mean


def test_worked_example_report_group() -> None:
    [group] = A.analyse(rows_of(WORKED), SAME_AS)
    d = json.loads(json.dumps(A.build_report([group]), allow_nan=False))
    assert d["schema"] == 1
    g = d["groups"][0]
    assert (g["task"], g["dataset"], g["metric"]) == ("intent", "toy", "f1")
    assert list(g["scores"]) == ["real", "gen-A", "gen-B", "gen-E", "mean", "mean-loo"]
    assert list(g["agreement"]) == ["gen-A", "gen-B", "gen-E", "mean", "mean-loo"]
    assert g["scores"]["mean"]["A"] == pytest.approx(0.8167, abs=DEC4)
    assert g["agreement"]["gen-B"]["kendall"] == pytest.approx(0.6667, abs=DEC4)
    assert g["agreement"]["mean"]["pearson"] == pytest.approx(0.9855, abs=DEC4)
    assert g["agreement"]["gen-A"]["n_models"] == 4 and g["agreement"]["gen-A"]["undefined"] == {}
    assert g["bias"]["A"] == {"generator": "gen-A", "value": pytest.approx(0.1238, abs=DEC4),
                              "reason": ""}
    assert g["missing"] == []


# ------------------------------------------------------------------------ scipy-independent checks


def _avg_ranks(xs: list[float]) -> list[float]:
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    ranks = [0.0] * len(xs)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and xs[order[j + 1]] == xs[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1  # ties share the mean of their positions
        i = j + 1
    return ranks


def _pearson(x: list[float], y: list[float]) -> float:
    mx, my = sum(x) / len(x), sum(y) / len(y)
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    return sxy / math.sqrt(sxx * syy)


def _tau_b(x: list[float], y: list[float]) -> float:
    def sign(v: float) -> int:
        return (v > 0) - (v < 0)

    conc = disc = tx = ty = 0
    for i, j in itertools.combinations(range(len(x)), 2):
        sx, sy = sign(x[i] - x[j]), sign(y[i] - y[j])
        if sx == 0 and sy == 0:
            continue
        if sx == 0:
            tx += 1
        elif sy == 0:
            ty += 1
        elif sx == sy:
            conc += 1
        else:
            disc += 1
    return (conc - disc) / math.sqrt((conc + disc + tx) * (conc + disc + ty))


# Scores on a coarse grid, so ties occur often.
grid_score = st.integers(0, 20).map(lambda i: i / 20)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(grid_score, grid_score), min_size=3, max_size=9))
def test_coefficients_equal_textbook_formulas(pairs: list[tuple[float, float]]) -> None:
    x, y = [p[0] for p in pairs], [p[1] for p in pairs]
    assume(len(set(x)) > 1 and len(set(y)) > 1)
    models = [f"m{i}" for i in range(len(pairs))]
    a = A.agreement(dict(zip(models, x, strict=True)), dict(zip(models, y, strict=True)), "g")
    assert a.pearson.value == pytest.approx(_pearson(x, y), abs=1e-9)
    assert a.spearman.value == pytest.approx(_pearson(_avg_ranks(x), _avg_ranks(y)), abs=1e-9)
    assert a.kendall.value == pytest.approx(_tau_b(x, y), abs=1e-9)
    assert a.mae.value == pytest.approx(sum(abs(p - q) for p, q in pairs) / len(pairs))
    assert a.mse.value == pytest.approx(sum((p - q) ** 2 for p, q in pairs) / len(pairs))


# ------------------------------------------------------------------- properties of the bias factor

MODELS = ("m0", "m1", "m2", "m3", "m4")
score = st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def matrices(draw: st.DrawFn, min_gens: int = 2) -> tuple[A.Matrix, dict[str, str]]:
    """A full grid with real, 2-4 generators, 2-5 models, some of them generators."""
    n_models = draw(st.integers(2, 5))
    n_gens = draw(st.integers(min_gens, 4))
    models = MODELS[:n_models]
    gens = [f"gen-{i}" for i in range(n_gens)]
    matrix = {g: {m: draw(score) for m in models} for g in [REAL, *gens]}
    same_as = {m: gens[i] for i, m in enumerate(models[: min(n_models, n_gens)])
               if draw(st.booleans()) or i == 0}
    return matrix, same_as


def _bias_values(matrix: A.Matrix, same_as: dict[str, str]) -> dict[str, float | None]:
    return {m: b.value.value for m, b in A.bias_factors(matrix, same_as).items()}


@settings(max_examples=150, deadline=None)
@given(matrices(), st.data())
def test_bias_unchanged_by_a_constant_added_to_one_source(grid, data) -> None:
    matrix, same_as = grid
    source = data.draw(st.sampled_from(sorted(matrix)))
    shift = data.draw(st.floats(-5.0, 5.0, allow_nan=False))
    shifted = {g: {m: s + shift if g == source else s for m, s in row.items()}
               for g, row in matrix.items()}
    before, after = _bias_values(matrix, same_as), _bias_values(shifted, same_as)
    assert before.keys() == after.keys() == same_as.keys()
    for m in before:
        assert after[m] == pytest.approx(before[m], abs=1e-9)


@settings(max_examples=150, deadline=None)
@given(matrices(), st.floats(-0.5, 0.5, allow_nan=False))
def test_bias_is_zero_when_normalized_score_is_equal_everywhere(grid, c: float) -> None:
    matrix, same_as = grid
    m = next(iter(same_as))
    k = len(matrix[REAL])
    # Solve n(m, g) = c for s(m, g): s - (s + rest) / k = c.
    for g in A.synthetic_generators(matrix):
        rest = sum(s for other, s in matrix[g].items() if other != m)
        matrix[g][m] = (c + rest / k) * k / (k - 1)
    n = A.normalized(matrix, A.synthetic_generators(matrix))
    assert all(n[g][m] == pytest.approx(c, abs=1e-9) for g in n)
    assert A.bias_factors(matrix, same_as)[m].value.value == pytest.approx(0.0, abs=1e-9)


@settings(max_examples=50, deadline=None)
@given(matrices(min_gens=1))
def test_bias_undefined_with_fewer_than_two_generators(grid) -> None:
    matrix, same_as = grid
    gens = A.synthetic_generators(matrix)
    for g in gens[1:]:
        del matrix[g]
    same_as = {m: g for m, g in same_as.items() if g in matrix}
    for b in A.bias_factors(matrix, same_as).values():
        assert b.value.value is None
        assert b.value.reason == "needs at least 2 synthetic generators, got 1"


def test_bias_undefined_without_a_score_on_the_own_generator() -> None:
    matrix = {g: dict(row) for g, row in WORKED.items()}
    del matrix["gen-A"]["A"]
    matrix["gen-B"]["B"] = math.nan
    bias = A.bias_factors(matrix, {**SAME_AS, "C": "gen-Z", "D": "gen-E"})
    assert bias["A"].value == A.Value(None, "no score of A on its own generator gen-A")
    assert bias["B"].value == A.Value(None, "undefined score of B on its own generator gen-B")
    assert bias["C"].value == A.Value(None, "no score of C on its own generator gen-Z")
    assert bias["D"].value.defined
    lonely = {REAL: WORKED[REAL], "gen-A": WORKED["gen-A"], "gen-B": {"B": 0.8, "C": 0.7}}
    b = A.bias_factors(lonely, {"A": "gen-A"})["A"].value
    assert b == A.Value(None, "no score of A on a generator other than its own (gen-A)")


def test_bias_normalizes_over_every_model_scored_on_the_generator() -> None:
    # E is scored on gen-A only; it still belongs to the field that gen-A normalizes by.
    matrix = {g: dict(row) for g, row in WORKED.items()}
    matrix["gen-A"]["E"] = 0.10
    mu_a = (0.90 + 0.70 + 0.65 + 0.40 + 0.10) / 5
    mu_b, mu_e = (0.80 + 0.82 + 0.62 + 0.45) / 4, (0.75 + 0.66 + 0.64 + 0.55) / 4
    want = (0.90 - mu_a) - ((0.80 - mu_b) + (0.75 - mu_e)) / 2
    assert A.bias_factors(matrix, SAME_AS)["A"].value.value == pytest.approx(want)


# ---------------------------------------------------------------- agreement properties and reasons


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(grid_score, grid_score), min_size=0, max_size=8),
       st.sampled_from(["cube", "exp", "affine"]))
def test_rank_agreement_invariant_under_increasing_transform(pairs, how: str) -> None:
    transform = {"cube": lambda v: v**3 + v, "exp": lambda v: math.exp(4 * v),
                 "affine": lambda v: 3 * v - 7}[how]
    models = [f"m{i}" for i in range(len(pairs))]
    synth = {m: p[0] for m, p in zip(models, pairs, strict=True)}
    real = {m: p[1] for m, p in zip(models, pairs, strict=True)}
    before = A.agreement(synth, real, "g")
    after = A.agreement({m: transform(v) for m, v in synth.items()}, real, "g")
    for name in ("spearman", "kendall"):
        b, a = getattr(before, name), getattr(after, name)
        assert (a.value is None) == (b.value is None) and a.reason == b.reason
        if b.value is not None:
            assert a.value == pytest.approx(b.value, abs=1e-9)


def test_fewer_than_three_models_is_undefined_with_reason() -> None:
    a = A.agreement({"x": 0.5, "y": 0.7, "z": 0.1}, {"x": 0.4, "y": 0.9}, "gen-a")
    assert a.n_models == 2
    for name in ("spearman", "kendall", "pearson"):
        assert getattr(a, name) == A.Value(None, "needs at least 3 models, got 2")
    assert a.mae.value == pytest.approx(0.15) and a.mse.value == pytest.approx(0.025)
    d = a.to_dict()
    assert d["spearman"] is None and d["undefined"]["kendall"] == "needs at least 3 models, got 2"
    assert "mae" not in d["undefined"]


def test_no_common_model_leaves_even_the_errors_undefined() -> None:
    a = A.agreement({"x": 0.5}, {"y": 0.4}, "gen-a")
    assert a.n_models == 0
    assert a.mae == A.Value(None, "no model has a defined score on both gen-a and real")
    one = A.agreement({"x": 0.5}, {"x": 0.25}, "gen-a")
    assert one.mae.value == pytest.approx(0.25) and one.spearman.value is None


@pytest.mark.parametrize(
    ("synth", "real", "reason"),
    [
        ([0.5, 0.5, 0.5], [0.1, 0.2, 0.3], "constant scores on gen-a"),
        ([0.1, 0.2, 0.3], [0.7, 0.7, 0.7], "constant scores on real"),
        ([0.4, 0.4, 0.4], [0.7, 0.7, 0.7], "constant scores on gen-a and real"),
    ],
)
def test_constant_vector_is_undefined_with_reason(synth, real, reason: str) -> None:
    models = ["x", "y", "z"]
    a = A.agreement(dict(zip(models, synth, strict=True)), dict(zip(models, real, strict=True)),
                    "gen-a")
    for name in ("spearman", "kendall", "pearson"):
        assert getattr(a, name) == A.Value(None, reason)
    assert a.mae.defined and a.mse.defined


def test_nan_score_excludes_the_model_and_says_so() -> None:
    synth = {"a": 0.9, "b": math.nan, "c": 0.5, "d": 0.3}
    real = {"a": 0.8, "b": 0.7, "c": 0.6, "d": math.nan}
    a = A.agreement(synth, real, "gen-a")
    assert a.n_models == 2
    assert a.to_dict()["excluded"] == {"b": "undefined score on gen-a",
                                       "d": "undefined score on real"}
    assert a.spearman.reason == "needs at least 3 models, got 2"


# ------------------------------------------------------------ grouping, missing cells, determinism


def _case(gen: str, model: str, status: str = "ok", score: float = 0.5, dataset: str = "toy"):
    return CaseResult(CaseKey("intent", dataset, gen, model), status, primary="macro_f1",
                      metrics={"macro_f1": score, "accuracy": score + 0.1})


def test_rows_from_cases_keep_ok_cases_and_chosen_metrics() -> None:
    cases = [_case(REAL, "a"), _case("gen-a", "a", status="skipped"), _case("gen-b", "a", "error")]
    assert A.rows_from_cases(cases) == [A.ScoreRow("intent", "toy", REAL, "a", "macro_f1", 0.5)]
    rows = A.rows_from_cases(cases, all_metrics=True)
    assert [(r.metric, r.score) for r in rows] == [("accuracy", pytest.approx(0.6)),
                                                   ("macro_f1", 0.5)]
    no_primary = CaseResult(CaseKey("intent", "toy", REAL, "b"), "ok", primary="macro_f1")
    assert math.isnan(A.rows_from_cases([no_primary])[0].score)


def test_missing_cells_are_listed_and_undefined_cells_are_not() -> None:
    matrix = {g: dict(row) for g, row in WORKED.items()}
    del matrix["gen-B"]["C"]
    matrix["gen-E"]["D"] = math.nan
    expected = [("intent", "toy", g, m) for g in WORKED for m in "ABCD"]
    expected += [("intent", "toy", "gen-Z", "A"), ("ner", "other", REAL, "A")]
    [group] = A.analyse(rows_of(matrix), SAME_AS, expected=expected)
    d = group.to_dict()
    assert d["missing"] == [{"generator": "gen-B", "model": "C"},
                            {"generator": "gen-Z", "model": "A"}]
    assert d["scores"]["gen-E"]["D"] is None
    assert d["agreement"]["gen-E"]["excluded"] == {"D": "undefined score on gen-E"}
    assert d["agreement"]["gen-B"]["n_models"] == 3


def test_groups_per_task_dataset_metric_sorted() -> None:
    rows = rows_of(WORKED, "ner", "b") + rows_of(WORKED, "intent", "z", "acc")
    rows += rows_of(WORKED, "intent", "z", "f1")
    keys = [(g.task, g.dataset, g.metric) for g in A.analyse(rows)]
    assert keys == [("intent", "z", "acc"), ("intent", "z", "f1"), ("ner", "b", "f1")]
    assert set(A.score_matrices(rows)) == set(keys)


def test_report_is_byte_identical_for_shuffled_input() -> None:
    rows = rows_of(WORKED) + rows_of(WORKED, "ner", "x")
    rows.append(A.ScoreRow("ner", "x", "gen-B", "E", "f1", math.nan))
    texts = set()
    for seed in range(5):
        shuffled = list(rows)
        random.Random(seed).shuffle(shuffled)
        same_as = dict(sorted(SAME_AS.items(), reverse=bool(seed % 2)))
        report = A.build_report(A.analyse(shuffled, same_as), run={"x": 1})
        texts.add(json.dumps(report, allow_nan=False))
    assert len(texts) == 1
    assert json.loads(texts.pop())["run"] == {"x": 1}


def test_one_generator_has_no_ensemble_and_says_why() -> None:
    matrix = {REAL: WORKED[REAL], "gen-A": WORKED["gen-A"]}
    [group] = A.analyse(rows_of(matrix), SAME_AS)
    d = group.to_dict()
    assert list(d["scores"]) == [REAL, "gen-A"]
    assert list(d["agreement"]) == ["gen-A", "mean", "mean-loo"]
    why = "the ensemble needs at least 2 synthetic generators, got 1"
    assert d["agreement"]["mean"]["undefined"]["spearman"] == why
    assert d["bias"]["A"]["value"] is None and d["bias"]["A"]["reason"]


def test_without_same_as_there_is_no_leave_own_out_row() -> None:
    [group] = A.analyse(rows_of(WORKED))
    assert list(group.to_dict()["agreement"]) == ["gen-A", "gen-B", "gen-E", "mean"]
    assert group.bias == {}


def test_conflicting_duplicate_rows_keep_the_last_and_are_reported() -> None:
    rows = rows_of(WORKED) + [A.ScoreRow("intent", "toy", "gen-A", "A", "f1", 0.1)]
    rows.append(A.ScoreRow("intent", "toy", REAL, "A", "f1", 0.80))  # same value: no conflict
    [group] = A.analyse(rows)
    d = group.to_dict()
    assert d["scores"]["gen-A"]["A"] == 0.1
    assert d["duplicates"] == [{"generator": "gen-A", "model": "A", "dropped": 0.9, "kept": 0.1}]


def test_reserved_generator_names_are_refused() -> None:
    with pytest.raises(ValueError, match="'mean' is reserved"):
        A.ScoreRow("intent", "toy", "mean", "a", "f1", 0.5)


def test_no_real_data_leaves_agreement_undefined() -> None:
    matrix = {g: row for g, row in WORKED.items() if g != REAL}
    [group] = A.analyse(rows_of(matrix))
    a = group.agreement["gen-A"]
    assert a.n_models == 0 and a.spearman.reason.startswith("no model has a defined score")


# ------------------------------------------------------------------------------ vectorised variant


def _scalar_rows(x: np.ndarray, y: np.ndarray) -> dict[str, list[float]]:
    models = [f"m{j}" for j in range(x.shape[1])]
    out: dict[str, list[float]] = {name: [] for name in A.FIGURES}
    for xr, yr in zip(x, y, strict=True):
        a = A.agreement(dict(zip(models, xr, strict=True)), dict(zip(models, yr, strict=True)))
        for name, v in a.figures().items():
            out[name].append(math.nan if v.value is None else v.value)
    return out


@pytest.mark.parametrize("m", [0, 1, 2, 3, 4, 7])
def test_agreement_arrays_equal_the_scalar_version(m: int) -> None:
    rng = np.random.default_rng(m)
    # Coarse values make ties; row 0 is constant on purpose.
    x = rng.integers(0, 5, size=(60, m)) / 4
    y = rng.integers(0, 5, size=(60, m)) / 4 + rng.normal(0, 0.01, size=(60, m))
    if m:
        x[0] = 0.5
    fast = A.agreement_arrays(x, y)
    slow = _scalar_rows(x, y)
    for name in A.FIGURES:
        assert fast[name].shape == (60,)
        np.testing.assert_allclose(fast[name], slow[name], atol=1e-12, equal_nan=True)


def test_agreement_arrays_refuse_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match="shapes differ"):
        A.agreement_arrays(np.zeros((2, 4)), np.zeros((2, 3)))


# ------------------------------------------------------------- agreement with the intervals' point


def test_point_figures_match_the_bootstrap_row_zero() -> None:
    """harness.analysis.intervals recomputes ensembles and bias per resample; row 0 must
    equal ours."""
    from harness.analysis.intervals import GroupReplicates, bias, ensemble

    matrix = {g: dict(row) for g, row in WORKED.items()}
    matrix["gen-E"]["C"] = math.nan
    gens = tuple(A.generator_order(matrix))
    models = ("A", "B", "C", "D")
    scores = np.array([[[matrix[g].get(m, math.nan) for m in models] for g in gens]])
    rep = GroupReplicates("intent", "toy", "f1", gens, models, scores, np.zeros_like(scores))
    ours = A.bias_factors(matrix, SAME_AS)
    theirs = bias(rep, SAME_AS)
    for m in SAME_AS:
        assert theirs[m][1][0] == pytest.approx(ours[m].value.value)
    mean = A.ensemble_mean(matrix, A.synthetic_generators(matrix))
    np.testing.assert_allclose(ensemble(rep)[0], [mean[m] for m in models])
