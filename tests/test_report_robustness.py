"""harness.report.robustfigures: the typed robustness and preference blocks of ``ci``.

Each block the analysis writes (every variant: defined and with a reason) is read into
its frozen value and written back to the same bytes; a wrong value is named by its path.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.analysis.robustness import floor_ceiling, leave_one_out_p, subset_sweep
from harness.analysis.selfpref import BiasTest
from harness.analysis.twolevel import LeaveOneOut
from harness.core.textsafe import json_dumps
from harness.report.figures import AgreementIntervals, GroupIntervals, Interval
from harness.report.finish import Finished
from harness.report.model import Report
from harness.report.reading import ReportFormatError
from harness.report.robustfigures import (
    FloorCeiling,
    GroupRobustness,
    LeaveOneModelOut,
    LeaveOneOutTest,
    PreferenceTest,
    SourceRobustness,
    SubsetAgreement,
)
from tests.synth_fixtures import finish_store, toy_store
from tests.test_report_model import FAMILIES, GATES


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Finished:
    store, record = toy_store(tmp_path_factory.mktemp("robust"), FAMILIES)
    return finish_store(store, record, resamples=30, gate_options=GATES)


def _same_bytes(d: Any, read: Any) -> None:
    """``read`` written again is ``d``, key order included."""
    assert json_dumps(read.to_dict(), indent=1) == json_dumps(d, indent=1)


# --------------------------------------------------------------------------- the toy run


def test_toy_report_blocks_are_typed_and_written_back_byte_for_byte(finished: Finished) -> None:
    d = finished.report.to_dict()
    ci_json = d["groups"][0]["ci"]
    again = Report.from_dict(json.loads(json.dumps(d)))
    _same_bytes(d, again)
    ci = again.groups[0].ci
    assert ci is not None
    # The blocks left ``rest``: they are attributes now.
    assert not {"robustness", "self_preference", "family_preference"} & set(ci.rest)
    assert isinstance(ci.robustness, GroupRobustness)
    assert ci.robustness.min_models == ci_json["robustness"]["min_models"] == 5
    assert ci.robustness.floor_ceiling == ()
    for name in ("self_preference", "family_preference"):
        test = getattr(ci, name)
        assert isinstance(test, PreferenceTest) and test.testable
        assert (test.statistic, test.p_value, test.permutations, test.exact, test.models) == (
            ci_json[name]["statistic"],
            ci_json[name]["p_value"],
            ci_json[name]["permutations"],
            ci_json[name]["exact"],
            ci_json[name]["models"],
        )
    for source, entry in ci.agreement.items():
        raw = ci_json["agreement"][source]
        rob = entry.robustness
        assert isinstance(rob, SourceRobustness) and rob.leave_one_out is not None
        assert rob.leave_one_out.defined
        assert rob.leave_one_out.without == raw["robustness"]["leave_one_out"]["without"]
        assert rob.leave_one_out.p_value == raw["robustness"]["leave_one_out"]["p_value"]
        assert [s.k for s in rob.subsets] == [s["k"] for s in raw["robustness"]["subsets"]]
        first = rob.subsets[0]
        assert first.random is not None and first.windows is not None
        assert first.random.draws == first.random.size == 100 and first.random.count is None
        assert first.windows.count == raw["robustness"]["subsets"][0]["windows"]["count"]
        lomo = entry.of("spearman")
        assert lomo is not None and isinstance(lomo.leave_one_model_out, LeaveOneModelOut)
        assert lomo.leave_one_model_out.lowest_without == (
            raw["spearman"]["leave_one_model_out"]["lowest_without"]
        )


# --------------------------------------------------------------------------- every producer shape


def test_every_shape_the_analysis_writes_round_trips() -> None:
    """The producers' own output, with their reasons: read, typed, written back."""
    rng = np.random.default_rng(1)
    x, y = rng.random(6), rng.random(6)
    names = [f"m{i}" for i in range(6)]
    loos = [
        leave_one_out_p(names, x, y),
        leave_one_out_p(names[:3], x[:3], y[:3]),  # too few models: a reason
        leave_one_out_p(names, np.ones(6), y),  # constant: a reason
    ]
    assert [LeaveOneOutTest.from_dict(v, "loo").defined for v in loos] == [True, False, False]
    sweeps = subset_sweep(x, y, sizes=[2, 3, 6, 9]) + subset_sweep(np.ones(6), y, sizes=[3])
    for loo in loos:
        block = {"leave_one_out": loo, "subsets": sweeps}
        read = SourceRobustness.from_dict(json.loads(json.dumps(block)), "robustness")
        _same_bytes(block, read)
    read = SourceRobustness.from_dict({"leave_one_out": loos[0], "subsets": sweeps}, "r")
    assert [s.reason is not None for s in read.subsets] == [True, False, False, True, False]
    flat = read.subsets[-1].random
    assert flat is not None and flat.median is None and flat.undefined == 100
    flags = floor_ceiling(["a", "b"], {"real": np.array([0.0, 1.0])}, (0.0, 1.0))
    group = {"min_models": 5, "floor_ceiling": flags}
    typed = GroupRobustness.from_dict(group, "robustness")
    assert typed.floor_ceiling == (FloorCeiling("a", "floor"), FloorCeiling("b", "ceiling"))
    _same_bytes(group, typed)
    untestable = BiasTest({}, None, None, 0, True).to_dict()
    test = PreferenceTest.from_dict(untestable, "self_preference")
    assert not test.testable and test.models == 0
    _same_bytes(untestable, test)
    for lomo in (LeaveOneOut(0.2, 0.9, "m3"), LeaveOneOut(None, None, "")):
        _same_bytes(lomo.to_dict(), LeaveOneModelOut.from_dict(lomo.to_dict(), "lomo"))


# --------------------------------------------------------------------------- reader errors


@pytest.mark.parametrize(
    ("where", "value", "named"),
    [
        (("robustness", "min_models"), "5", "ci.robustness.min_models: expected a whole"),
        (("robustness", "floor_ceiling"), [{"model": "m", "at": "top"}], "floor_ceiling[0].at"),
        (("robustness", "floor_ceiling"), {}, "ci.robustness.floor_ceiling: expected a list"),
        (("self_preference", "exact"), 1, "ci.self_preference.exact: expected true or false"),
        (("family_preference", "p_value"), "0.3", "ci.family_preference.p_value"),
        (
            ("agreement", "mean", "robustness", "leave_one_out", "p_value"),
            [0.1],
            "ci.agreement['mean'].robustness.leave_one_out.p_value",
        ),
        (
            ("agreement", "gen-a", "robustness", "subsets", 1, "random", "median"),
            "high",
            "ci.agreement['gen-a'].robustness.subsets[1].random.median",
        ),
        (
            ("agreement", "gen-a", "robustness", "subsets", 0, "windows", "count"),
            2.5,
            "ci.agreement['gen-a'].robustness.subsets[0].windows.count",
        ),
        (
            ("agreement", "mean", "spearman", "leave_one_model_out", "lowest_without"),
            None,
            "ci.agreement['mean'].spearman.leave_one_model_out.lowest_without",
        ),
    ],
)
def test_a_wrong_value_is_named_by_its_path(
    finished: Finished, where: tuple[Any, ...], value: Any, named: str
) -> None:
    d = copy.deepcopy(finished.report.to_dict())
    node = d["groups"][0]["ci"]
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    escaped = named.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")
    with pytest.raises(ReportFormatError, match=escaped):
        Report.from_dict(d)


@pytest.mark.parametrize(
    ("path", "missing"),
    [
        (("robustness",), "min_models"),
        (("self_preference",), "permutations"),
        (("agreement", "mean", "robustness"), "leave_one_out"),
        (("agreement", "mean", "robustness", "leave_one_out"), "without"),
        (("agreement", "mean", "robustness", "subsets", 0), "windows"),
        (("agreement", "mean", "robustness", "subsets", 0, "random"), "draws"),
        (("agreement", "mean", "kendall", "leave_one_model_out"), "low"),
    ],
)
def test_a_renamed_key_is_an_error_not_a_silent_blank(
    finished: Finished, path: tuple[Any, ...], missing: str
) -> None:
    d = copy.deepcopy(finished.report.to_dict())
    node = d["groups"][0]["ci"]
    for key in path:
        node = node[key]
    node[missing + "_renamed"] = node.pop(missing)
    with pytest.raises(ReportFormatError, match=f"missing key '{missing}'"):
        Report.from_dict(d)


def test_an_unknown_key_rides_along_and_a_floor_flag_is_closed(finished: Finished) -> None:
    d = copy.deepcopy(finished.report.to_dict())
    ci = d["groups"][0]["ci"]
    ci["self_preference"]["reason"] = "a later key"  # added by a newer harness: kept
    ci["agreement"]["mean"]["robustness"]["kendall"] = {"k": 1}
    again = Report.from_dict(d)
    _same_bytes(d, again)
    typed = again.groups[0].ci
    assert typed is not None and typed.self_preference is not None
    assert typed.self_preference.rest == {"reason": "a later key"}
    ci["robustness"]["floor_ceiling"] = [{"model": "m", "at": "floor", "extra": 1}]
    with pytest.raises(ReportFormatError, match=r"floor_ceiling\[0\]: unknown key 'extra'"):
        Report.from_dict(d)


def test_absent_blocks_are_none_and_stay_absent(finished: Finished) -> None:
    """A report of a run without the bootstrap's newer blocks: None, not written."""
    ci = copy.deepcopy(finished.report.to_dict()["groups"][0]["ci"])
    for key in ("robustness", "self_preference", "family_preference"):
        del ci[key]
    for entry in ci["agreement"].values():
        del entry["robustness"]
        for name, figure in entry.items():
            if name != "n_models":
                figure.pop("leave_one_model_out", None)
    typed = GroupIntervals.from_dict(ci, "ci")
    assert typed.robustness is None and typed.self_preference is None
    assert typed.family_preference is None
    mean = typed.agreement["mean"]
    assert mean.robustness is None
    spearman = mean.of("spearman")
    assert spearman is not None and spearman.leave_one_model_out is None
    _same_bytes(ci, typed)


# --------------------------------------------------------------------------- properties

_NUM = st.one_of(
    st.none(),
    st.integers(-5, 5),
    st.floats(-1.0, 1.0, allow_nan=False).map(lambda v: round(v, 6)),
)
_NAME = st.text("abcxyz-0123", min_size=1, max_size=8)
_EXTRA = st.dictionaries(st.sampled_from(["note", "z_later"]), st.integers(0, 3), max_size=1)


def _shuffled(keys: list[str]) -> st.SearchStrategy[list[str]]:
    return st.permutations(keys)


@st.composite
def _obj(draw: st.DrawFn, fields: dict[str, Any]) -> dict[str, Any]:
    """An object of ``fields`` drawn in any key order, with maybe a key unknown yet."""
    values = {k: draw(v) for k, v in fields.items()}
    values.update(draw(_EXTRA))
    return {k: values[k] for k in draw(_shuffled(list(values)))}


def _spread(size_key: str) -> st.SearchStrategy[dict[str, Any]]:
    return _obj(
        {
            "median": _NUM,
            "low": _NUM,
            "high": _NUM,
            "undefined": st.integers(0, 100),
            size_key: st.integers(0, 100),
        }
    )


_SUBSET = st.one_of(
    _obj({"k": st.integers(0, 200), "reason": st.text(max_size=20)}),
    _obj({"k": st.integers(3, 200), "random": _spread("draws"), "windows": _spread("count")}),
)
_LOO = st.one_of(
    _obj({"reason": st.text(max_size=20)}),
    _obj({"without": _NAME, "spearman": _NUM, "p_value": _NUM}),
)
_SOURCE = _obj({"leave_one_out": _LOO, "subsets": st.lists(_SUBSET, max_size=4)})
_LOMO = _obj({"low": _NUM, "high": _NUM, "lowest_without": st.text("ab-", max_size=4)})
_GROUP = _obj(
    {
        "min_models": st.integers(0, 9),
        "floor_ceiling": st.lists(
            st.fixed_dictionaries(
                {"model": _NAME, "at": st.sampled_from(["floor", "ceiling"])}
            ),
            max_size=3,
        ),
    }
)
_PREF = _obj(
    {
        "statistic": _NUM,
        "p_value": _NUM,
        "permutations": st.integers(0, 1000),
        "exact": st.booleans(),
        "models": st.integers(0, 9),
    }
)


@settings(max_examples=100, deadline=None)
@given(source=_SOURCE, lomo=_LOMO, group=_GROUP, pref=_PREF, fam=st.one_of(st.none(), _PREF))
def test_any_block_read_and_written_again_is_the_same(
    source: dict[str, Any],
    lomo: dict[str, Any],
    group: dict[str, Any],
    pref: dict[str, Any],
    fam: dict[str, Any] | None,
) -> None:
    _same_bytes(source, SourceRobustness.from_dict(source, "r"))
    _same_bytes(lomo, LeaveOneModelOut.from_dict(lomo, "lomo"))
    _same_bytes(group, GroupRobustness.from_dict(group, "g"))
    _same_bytes(pref, PreferenceTest.from_dict(pref, "p"))
    # Inside the intervals that hold them, in the places the analysis puts them.
    spearman = {"value": 0.5, "low": 0.1, "high": 0.9, "se": 0.2, "undefined": 0,
                "leave_one_model_out": lomo}
    agreement = {"spearman": spearman, "n_models": 6, "robustness": source}
    read = AgreementIntervals.from_dict(agreement, "a")
    assert isinstance(read.of("spearman"), Interval)
    _same_bytes(agreement, read)
    ci: dict[str, Any] = {
        "scores": {}, "invalid_rate": {}, "agreement": {"mean": agreement}, "bias": {},
        "paired": {}, "robustness": group, "self_preference": pref,
    }
    if fam is not None:
        ci = {"family_preference": fam, **ci}  # any position: the order read is kept
    typed = GroupIntervals.from_dict(ci, "ci")
    assert typed.rest == {} and (typed.family_preference is None) == (fam is None)
    _same_bytes(ci, typed)


@settings(max_examples=50, deadline=None)
@given(source=_SOURCE, group=_GROUP, pref=_PREF)
def test_typed_values_survive_their_json_form(
    source: dict[str, Any], group: dict[str, Any], pref: dict[str, Any]
) -> None:
    """from_dict(to_dict(x)) == x: the JSON form loses nothing the type holds."""
    readers: list[tuple[Callable[[Any, str], Any], dict[str, Any]]] = [
        (SourceRobustness.from_dict, source),
        (GroupRobustness.from_dict, group),
        (PreferenceTest.from_dict, pref),
    ]
    for read, d in readers:
        typed = read(d, "x")
        assert read(json.loads(json.dumps(typed.to_dict())), "x") == typed
    built = SourceRobustness(
        LeaveOneOutTest("m1", 0.4, 0.2),
        (SubsetAgreement(2, reason="a subset needs at least 3 models, got 2"),),
    )
    assert SourceRobustness.from_dict(built.to_dict(), "x") == built
