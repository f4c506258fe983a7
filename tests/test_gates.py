"""harness.gates: parsing with errors naming file and key; verdicts on hand-built reports."""

from __future__ import annotations

from typing import Any

import pytest

from harness.gates import (
    FAILED,
    PASSED,
    SKIPPED,
    Drop,
    GateError,
    Verdict,
    describe,
    gates_section,
    parse_gate,
    parse_gate_option,
    parse_gates,
    suite_gates,
)
from harness.gates import judge_gate as judge_typed
from tests.report_fixtures import typed_report


def judge_gate(gate: Any, report: dict[str, Any], *args: Any, **kw: Any) -> Verdict:
    """The verdict on the typed report the hand-built dict stands for."""
    return judge_typed(gate, typed_report(report), *args, **kw)


def _ci(value: float, low: float, high: float) -> dict[str, Any]:
    return {"value": value, "low": low, "high": high, "se": 0.01, "undefined": 0}


def _report() -> dict[str, Any]:
    """One intent group: 3 models, real + 2 generators; intervals by hand."""
    return {
        "groups": [
            {
                "task": "intent",
                "dataset": "snips",
                "metric": "macro_f1",
                "scores": {
                    "real": {"a": 0.9, "b": 0.8, "c": 0.5},
                    "g1": {"a": 0.85, "b": 0.82, "c": 0.4},
                    "g2": {"a": 0.7, "b": 0.75, "c": 0.6},
                },
                "agreement": {
                    "g1": {"spearman": 1.0, "kendall": 1.0},
                    "g2": {"spearman": -0.5, "kendall": -0.33},
                },
                "bias": {"a": {"generator": "g1", "value": 0.02}},
                "missing": [{"generator": "g2", "model": "d"}],
                "ci": {
                    "scores": {
                        "real": {
                            "a": _ci(0.9, 0.85, 0.95),
                            "b": _ci(0.8, 0.72, 0.88),
                            "c": _ci(0.5, 0.4, 0.6),
                        },
                        "g1": {"a": _ci(0.85, 0.8, 0.9)},
                    },
                    "invalid_rate": {"real": {"a": _ci(0.0, 0.0, 0.0), "c": _ci(0.05, 0.02, 0.09)}},
                    "agreement": {
                        "g1": {"spearman": _ci(1.0, 0.5, 1.0)},
                        "g2": {"spearman": _ci(-0.5, -1.0, 0.5)},
                    },
                    "bias": {"a": {"generator": "g1", **_ci(0.02, -0.03, 0.07)}},
                },
            }
        ],
        "cases": {
            "all": [
                {
                    "task": "intent",
                    "dataset": "snips",
                    "generator": "real",
                    "model": m,
                    "status": "ok",
                    "n_examples": 100,
                    "n_invalid": inv,
                    "metrics": {"macro_f1": s, "accuracy": s + 0.01},
                }
                for m, s, inv in (("a", 0.9, 0), ("b", 0.8, 0), ("c", 0.5, 5))
            ],
            "missing": [],
        },
    }


def gate(**kw: Any):  # type: ignore[no-untyped-def]
    return parse_gate({"name": "t", **kw}, "suite.toml: gates[0]")


def test_min_score_is_judged_on_the_lower_bound() -> None:
    g = gate(kind="min_score", dataset="snips", generator="real", model="b", threshold=0.75)
    v = judge_gate(g, _report())
    assert v.status == FAILED and "0.72" in v.reason  # point 0.8 passes, bound 0.72 does not
    pt = gate(
        kind="min_score", dataset="snips", generator="real", model="b", threshold=0.75, on="point"
    )
    assert judge_gate(pt, _report()).status == PASSED
    ok = gate(kind="min_score", generator="real", model="a", threshold=0.8)
    assert judge_gate(ok, _report()).status == PASSED


def test_gate_covering_many_cells_fails_when_one_fails() -> None:
    v = judge_gate(gate(kind="min_score", generator="real", threshold=0.6), _report())
    assert v.status == FAILED
    assert [c.status for c in v.checks] == [PASSED, PASSED, FAILED]
    assert "intent/snips/real/c" in v.reason


def test_secondary_metric_is_judged_on_the_point() -> None:
    g = gate(
        kind="min_score", generator="real", model="a", metric="accuracy", threshold=0.9, on="point"
    )
    assert judge_gate(g, _report()).status == PASSED
    bad = gate(
        kind="min_score", generator="real", model="a", metric="nope", threshold=0.9, on="point"
    )
    v = judge_gate(bad, _report())
    assert v.status == FAILED and "no metric 'nope'" in v.reason


def test_missing_interval_cannot_be_judged_and_fails_unless_optional() -> None:
    g = gate(kind="min_score", generator="g2", model="a", threshold=0.5)
    v = judge_gate(g, _report())
    assert v.status == FAILED and "cannot be judged" in v.reason and "no interval" in v.reason
    opt = gate(kind="min_score", generator="g2", model="a", threshold=0.5, optional=True)
    assert judge_gate(opt, _report()).status == SKIPPED


def test_gate_on_missing_cell_names_it() -> None:
    v = judge_gate(gate(kind="min_score", generator="g2", model="d", threshold=0.1), _report())
    assert v.status == FAILED and v.rule == "incomplete"
    assert "intent/snips/g2/d" in v.reason
    v = judge_gate(gate(kind="min_score", model="nobody", threshold=0.1), _report())
    assert v.status == FAILED and "no cell matches model=nobody" in v.reason


def test_min_agreement_uses_lower_bound() -> None:
    assert (
        judge_gate(gate(kind="min_agreement", generator="g1", threshold=0.5), _report()).status
        == PASSED
    )
    assert (
        judge_gate(gate(kind="min_agreement", generator="g1", threshold=0.6), _report()).status
        == FAILED
    )
    kendall = gate(kind="min_agreement", generator="g1", coefficient="kendall", threshold=0.5)
    v = judge_gate(kendall, _report())
    assert v.status == FAILED and "no interval" in v.reason  # point only: not judgeable on interval


def _whole() -> dict[str, Any]:
    """The report with every cell of its group present."""
    report = _report()
    report["groups"][0]["missing"] = []
    return report


def test_max_bias_uses_the_largest_absolute_value_in_the_interval() -> None:
    assert judge_gate(gate(kind="max_bias", model="a", threshold=0.07), _whole()).status == PASSED
    v = judge_gate(gate(kind="max_bias", model="a", threshold=0.05), _whole())
    assert v.status == FAILED and v.checks[0].judged == pytest.approx(0.07)
    assert (
        judge_gate(gate(kind="max_bias", model="a", threshold=0.05, on="point"), _whole()).status
        == PASSED
    )


def test_max_invalid_rate() -> None:
    assert (
        judge_gate(gate(kind="max_invalid_rate", model="a", threshold=0.0), _report()).status
        == PASSED
    )
    v = judge_gate(gate(kind="max_invalid_rate", generator="real", threshold=0.05), _report())
    assert v.status == FAILED  # c: upper bound 0.09
    pt = gate(kind="max_invalid_rate", generator="real", model="c", threshold=0.05, on="point")
    assert judge_gate(pt, _report()).status == PASSED


def test_max_drop_against_a_model_uses_the_paired_interval() -> None:
    calls = []

    def paired(task: str, dataset: str, gen: str, cand: str, base: str) -> Drop:
        calls.append((task, dataset, gen, cand, base))
        return Drop(0.1, 0.05, 0.15)

    g = gate(kind="max_drop", generator="real", model="b", baseline_model="a", threshold=0.12)
    v = judge_gate(g, _report(), paired=paired)
    assert v.status == FAILED and calls == [("intent", "snips", "real", "b", "a")]
    looser = gate(kind="max_drop", generator="real", model="b", baseline_model="a", threshold=0.2)
    assert judge_gate(looser, _report(), paired=paired).status == PASSED
    # Without outcomes only the point drop is known.
    assert judge_gate(looser, _report()).status == FAILED
    pt = gate(
        kind="max_drop", generator="real", model="b", baseline_model="a", threshold=0.2, on="point"
    )
    assert judge_gate(pt, _report()).status == PASSED


def test_max_drop_against_saved_baseline() -> None:
    g = gate(kind="max_drop", generator="real", model="a", baseline="saved", threshold=0.05)
    v = judge_gate(g, _report())
    assert v.status == FAILED and "--synth-compare" in v.reason
    v = judge_gate(g, _report(), saved=lambda *key: Drop(0.0, -0.02, 0.03))
    assert v.status == PASSED
    v = judge_gate(g, _report(), saved=lambda *key: "cell not in baseline 'main'")
    assert v.status == FAILED and "not in baseline" in v.reason


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"kind": "min_scor", "threshold": 1}, "gates[0].kind: expected one of"),
        ({"kind": "min_score"}, "gates[0].threshold: expected a number"),
        ({"kind": "min_score", "threshold": "high"}, "gates[0].threshold"),
        ({"kind": "min_score", "threshold": 1, "colour": "red"}, "gates[0].colour: unknown key"),
        ({"kind": "max_bias", "threshold": 1, "generator": "g"}, "gates[0].generator"),
        ({"kind": "max_drop", "threshold": 1}, "gates[0].model"),
        ({"kind": "max_drop", "threshold": 1, "model": "a"}, "exactly one of baseline_model"),
        ({"kind": "min_agreement", "threshold": 1, "coefficient": "tau"}, "gates[0].coefficient"),
        ({"kind": "min_score", "threshold": 1, "on": "bound"}, "gates[0].on"),
        ({"kind": "min_score", "threshold": 1, "optional": "yes"}, "gates[0].optional"),
    ],
)
def test_bad_gates_name_file_and_key(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(GateError, match=message.replace("[", r"\[").replace("]", r"\]")) as exc:
        parse_gates([raw], "suite.toml")
    assert str(exc.value).startswith("suite.toml: gates[0]")


def test_duplicate_names_and_non_list() -> None:
    with pytest.raises(GateError, match="already the name"):
        parse_gates([{"name": "x", "kind": "max_bias", "threshold": 1}] * 2)
    with pytest.raises(GateError, match="array of tables"):
        parse_gates({"kind": "max_bias"})


def test_command_line_gate() -> None:
    g = parse_gate_option("min_agreement dataset=snips generator=mean threshold=0.6 optional=true")
    assert (g.kind, g.dataset, g.generator, g.threshold, g.optional, g.name) == (
        "min_agreement",
        "snips",
        "mean",
        0.6,
        True,
        "cli-1",
    )
    with pytest.raises(GateError, match="--synth-gate #2.*not key=value"):
        parse_gate_option("max_bias threshold", 1)
    with pytest.raises(GateError, match="--synth-gate #1.threshold"):
        parse_gate_option("max_bias")
    gates = suite_gates(
        {"gates": [{"kind": "max_bias", "threshold": 0.1, "name": "b"}]},
        "/x/suite.toml",
        ["max_bias threshold=0.2"],
    )
    assert [g.name for g in gates] == ["b", "cli-1"]


def test_gates_section_counts() -> None:
    report = _whole()
    verdicts = [
        judge_gate(gate(kind="max_bias", model="a", threshold=0.07), report),
        judge_gate(gate(kind="max_bias", model="a", threshold=0.01), report),
        judge_gate(gate(kind="max_bias", model="zz", threshold=0.01, optional=True), report),
    ]
    section = gates_section(verdicts)
    assert section["status"] == FAILED
    assert section["counts"] == {PASSED: 1, FAILED: 1, SKIPPED: 1}
    assert section["gates"][0]["description"].startswith("|bias| <= 0.07 (interval)")


def test_deselected_cells_skip_but_missing_cells_fail() -> None:
    report = _report()
    declared = [("intent", "snips", g, m) for g in ("real", "g1", "g2") for m in "abcd"]
    declared += [("ner", "pol", "real", "a"), ("ner", "pol", "g1", "a")]
    ner = gate(kind="min_score", task="ner", threshold=0.5)
    v = judge_gate(ner, report, declared=declared)
    assert v.status == SKIPPED and "selected in this run" in v.reason
    assert judge_gate(ner, report).status == FAILED  # without the suite's cells: cannot tell
    report["cases"]["missing"] = [
        {"task": "ner", "dataset": "pol", "generator": "real", "model": "a"}
    ]
    v = judge_gate(ner, report, declared=declared)
    assert v.status == FAILED and "ner/pol/real/a" in v.reason  # selected, never reported
    ensemble = gate(kind="min_agreement", dataset="pol", generator="mean", threshold=0.5)
    report["cases"]["missing"] = []
    assert judge_gate(ensemble, report, declared=declared).status == SKIPPED


def test_every_kind_is_one_registered_object_with_its_keys_direction_and_reader(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A new kind is one registered object: parsing and judging need nothing else."""
    from harness.gates import GATE_KINDS, Figure, GateKind, kind_names, register_gate_kind

    builtin = {
        "min_score",
        "max_drop",
        "min_agreement",
        "max_bias",
        "max_family_bias",
        "max_invalid_rate",
        "min_effective_examples",
        "min_reference_percentile",
    }
    assert set(kind_names()) >= builtin
    assert {n for n in builtin if GATE_KINDS.get(n).lower_is_better} == {
        "max_drop",
        "max_bias",
        "max_family_bias",
        "max_invalid_rate",
    }
    monkeypatch.setattr(GATE_KINDS, "_entries", dict(GATE_KINDS._entries))  # undone after

    class MaxWidth(GateKind):
        name = "max_width"
        keys = frozenset({"model", "unit"})  # ``unit``: a key the Gate record has no field for
        lower_is_better = True
        label = "width"

        def figures(self, gate: Any, report: Any, drops: Any) -> Any:
            assert gate.param("unit") == "points"
            yield Figure(f"x/y in {len(report.groups)} groups", 0.3, 0.2, 0.4)

    register_gate_kind(MaxWidth())
    gate = parse_gate_option("max_width model=m unit=points threshold=0.35")
    assert describe(gate) == "width <= 0.35 (interval) on model=m"
    verdict = judge_gate(gate, {"groups": []})
    assert verdict.status == FAILED and "bound 0.4 not <= 0.35" in verdict.reason
    assert "x/y in 0 groups" in verdict.reason
    with pytest.raises(GateError, match="unknown key for a max_width gate"):
        parse_gate_option("max_width dataset=d generator=g threshold=1")
    with pytest.raises(TypeError, match="is not a gate kind"):
        register_gate_kind(object())  # type: ignore[type-var]


def test_a_group_figure_with_missing_cells_is_incomplete() -> None:
    # g2/d has no result: the bias figures of snips are over fewer models.
    verdict = judge_gate(gate(kind="max_bias", model="a", threshold=0.5), _report())
    assert verdict.status == FAILED and verdict.rule == "incomplete"
    assert "intent/snips/g2/d" in verdict.reason and "1 of its" in verdict.reason
    # Agreement of g2 with real reads g2/d; agreement of g1 does not.
    mean = judge_gate(gate(kind="min_agreement", generator="mean", threshold=-1.0), _report())
    assert mean.status == FAILED and "intent/snips/g2/d" in mean.reason
    g1 = judge_gate(gate(kind="min_agreement", generator="g1", threshold=0.5), _report())
    assert g1.status == PASSED and g1.reason == "1 cell(s) pass"
    # allow_missing tolerates it, and the verdict still names the cell.
    allowed = judge_gate(
        gate(kind="max_bias", model="a", threshold=0.5, allow_missing=1), _report()
    )
    assert allowed.status == PASSED
    assert "judged without 1 of its" in allowed.reason and "intent/snips/g2/d" in allowed.reason
    # A score gate reads its own cell only.
    score = judge_gate(
        gate(kind="min_score", generator="real", model="a", threshold=0.5), _report()
    )
    assert score.reason == "1 cell(s) pass"


def _with_cases(*cells: tuple[str, str, str]) -> dict[str, Any]:
    """The report plus case rows (generator, model, status) of snips."""
    report = _whole()
    for gen, model, status in cells:
        if status != "ok":  # no result, no score
            del report["groups"][0]["scores"][gen][model]
        report["cases"]["all"].append(
            {
                "task": "intent",
                "dataset": "snips",
                "generator": gen,
                "model": model,
                "status": status,
                "reason": f"{status} here",
                "n_examples": 0,
                "metrics": {},
            }
        )
    return report


@pytest.mark.parametrize("status", ["error", "skipped", "incomplete", "some-new-status"])
def test_a_covered_cell_without_an_ok_result_fails_the_gate_as_incomplete(status: str) -> None:
    report = _with_cases(("g1", "a", "ok"), ("g1", "b", status), ("g1", "c", "ok"))
    score = gate(kind="min_score", generator="g1", threshold=0.0, on="point")
    v = judge_gate(score, report)
    # g1/a passes; g1/b has no result: incomplete, named with its status and reason.
    assert v.status == FAILED and v.rule == "incomplete"
    assert f"intent/snips/g1/b ({status}: {status} here)" in v.reason
    assert "1 of its 3 cell(s)" in v.reason
    # Optional does not hide it: the gate could be judged, its cells did not deliver.
    optional = gate(kind="min_score", generator="g1", threshold=0.0, on="point", optional=True)
    assert judge_gate(optional, report).failed
    relaxed = gate(kind="min_score", generator="g1", threshold=0.0, on="point", allow_missing=1)
    v = judge_gate(relaxed, report)
    assert v.status == PASSED and "2 cell(s) pass; judged without 1 of its 3 cell(s)" in v.reason
    # The invalid-rate gate over the same cells: the crashed one is not a zero rate.
    inv = judge_gate(gate(kind="max_invalid_rate", model="b", threshold=1.0), report)
    assert inv.status == FAILED and "intent/snips/g1/b" in inv.reason


def test_selection_decides_between_incomplete_and_not_judged() -> None:
    report = _whole()
    declared = [("intent", "snips", g, m) for g in ("real", "g1") for m in "abc"]
    g1 = gate(kind="min_agreement", generator="g1", threshold=0.0)
    score = gate(kind="min_score", generator="real", threshold=0.3)
    # g1's cells were not selected and have no stored result: not judged.
    only_real = [c for c in declared if c[2] == "real"]
    v = judge_gate(g1, report, declared=declared, selected=only_real)
    assert v.status == SKIPPED and v.rule == "not_judged"
    assert "3 of its 6 cell(s) were not selected" in v.reason
    # Stored results of unselected cells count: the real cells pass though unselected.
    only_g1 = [c for c in declared if c[2] == "g1"]
    v = judge_gate(score, report, declared=declared, selected=only_g1)
    assert v.status == PASSED
    # Selected and never arrived: incomplete, not "not judged".
    v = judge_gate(g1, report, declared=declared, selected=declared)
    assert v.status == FAILED and v.rule == "incomplete" and "intent/snips/g1/b" in v.reason
    # A per-cell figure that fails stands even when other cells are not judged.
    bad = gate(kind="min_score", threshold=0.45)
    v = judge_gate(bad, report, declared=declared, selected=only_real)
    assert v.status == FAILED and "intent/snips/real/c" in v.reason and "not selected" in v.reason


@pytest.mark.parametrize(
    ("value", "ok"),
    [(0, True), (3, True), (2.0, True), (-1, False), (1.5, False), (True, False), ("2", False)],
)
def test_allow_missing_is_a_whole_number(value: Any, ok: bool) -> None:
    if ok:
        assert gate(kind="min_score", threshold=0.1, allow_missing=value).allow_missing == value
    else:
        with pytest.raises(GateError, match=r"gates\[0\]\.allow_missing: expected a whole number"):
            gate(kind="min_score", threshold=0.1, allow_missing=value)
    assert parse_gate_option("min_score threshold=0.1 allow_missing=2").allow_missing == 2


def test_a_bias_gate_with_no_bias_factor_names_the_cause() -> None:
    # Issue 22: `max_bias` over a suite with no `same_as` model said "no cell matches
    # (any) (missing cells: ...)" instead of why no bias factor exists.
    report = _whole()
    for g in report["groups"]:
        g.pop("bias", None)
        g.get("ci", {}).pop("bias", None)
    report["same_as"] = {}
    v = judge_gate(gate(kind="max_bias", threshold=0.1), report)
    assert v.status == FAILED
    assert "no model is one of the generators" in v.reason and "same_as" in v.reason
    assert "no cell matches" not in v.reason
    report["same_as"] = {"a": "gen-a"}
    v = judge_gate(gate(kind="max_bias", model="zz", threshold=0.1), report)
    assert "model 'zz' is not one of the generators" in v.reason
    v = judge_gate(gate(kind="max_family_bias", threshold=0.1), report)
    assert "declare the suite's [families] table" in v.reason
