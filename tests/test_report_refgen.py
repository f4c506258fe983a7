"""The typed real-data reference and which-generator sections of report.json.

``harness.report.referencefigures`` (``ci.reference``: every source's reference
figures and the cross-dataset entries) and ``harness.report.generatorfigures``
(``ci.generators`` per group, ``generators`` per report): read by attribute, written
back byte for byte (key order kept), a wrong key named by its path.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.analysis import reference as analysis_reference
from harness.analysis import whichgen
from harness.core.textsafe import json_dumps
from harness.report.figures import (
    CrossDatasetReference,
    GeneratorComparison,
    GeneratorsSection,
    GroupGenerators,
    ReferenceSection,
    ReportFormatError,
    SourceReference,
    TaskGenerators,
)
from harness.report.finish import Finished
from harness.report.model import Report, read_report
from tests.synth_fixtures import finish_store, toy_store


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Finished:
    store, record = toy_store(tmp_path_factory.mktemp("refgen"))
    return finish_store(store, record, resamples=20)


def _same_bytes(d: Any) -> str:
    return json_dumps(d, indent=1)  # key order matters: compared as text


# --------------------------------------------------------------------------- the toy report


def test_the_sections_are_typed_and_read_by_attribute(finished: Finished) -> None:
    report = finished.report
    d = report.to_dict()
    assert "generators" not in report.sections  # typed, not plain JSON
    assert isinstance(report.generators, GeneratorsSection)
    top = d["generators"]
    assert report.generators.alpha == top["alpha"] and report.generators.correction == "holm"
    intent = report.generators.tasks["intent"]
    assert isinstance(intent, TaskGenerators)
    assert intent.recommendation == top["tasks"]["intent"]["recommendation"]
    assert intent.not_worse == tuple(top["tasks"]["intent"]["not_worse"])
    assert intent.comparisons[0].p_holm == top["tasks"]["intent"]["comparisons"][0]["p_holm"]

    g, gd = report.groups[0], d["groups"][0]
    assert g.ci is not None and isinstance(g.ci.generators, GroupGenerators)
    assert "generators" not in g.ci.rest
    gens = g.ci.generators
    assert gens.n_models == gd["ci"]["generators"]["n_models"]
    assert gens.agreement["mean"].low == gd["ci"]["generators"]["agreement"]["mean"]["low"]
    first = gens.comparisons[0]
    assert isinstance(first, GeneratorComparison) and first.defined
    assert (first.a, first.b) == ("gen-a", "gen-b")
    assert first.significant(1.01) and not first.significant(0.0)

    assert g.ci.reference is not None
    ref = g.ci.reference.sources["gen-a"]
    rd = gd["ci"]["reference"]["sources"]["gen-a"]
    assert ref.scheme == rd["scheme"] and ref.held_out == rd["held_out"]
    assert ref.reference_size == rd["reference_size"] and ref.repeats == rd["repeats"]
    assert ref.n_models == rd["n_models"] and ref.synthetic == rd["synthetic"]
    assert ref.z == rd["z"] and ref.undefined == rd["undefined"]
    assert ref.reference is not None and ref.reference.median == rd["reference"]["median"]
    assert ref.curve is not None and [c.m for c in ref.curve] == [c["m"] for c in rd["curve"]]
    assert ref.curve[-1].high == rd["curve"][-1]["high"]
    assert not ref.rest  # every key the producer writes is modelled


def test_generators_keeps_its_place_in_report_json(finished: Finished) -> None:
    d = finished.report.to_dict()
    keys = list(d)
    assert keys.index("generators") == keys.index("bootstrap") + 1
    again = Report.from_dict(json.loads(json_dumps(d)))
    assert _same_bytes(again.to_dict()) == _same_bytes(d)
    assert list(again.to_dict()) == keys


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("path", "value", "named"),
    [
        (("ci", "reference", "sources", "gen-a", "curve", 1, "m"), 4.5,
         "reference.sources['gen-a'].curve[1].m: expected a whole number"),
        (("ci", "reference", "sources", "gen-a", "reference", "median"), "0.8",
         "reference.sources['gen-a'].reference.median: expected a number"),
        (("ci", "reference", "sources", "gen-a", "held_out"), None,
         "sources['gen-a'].held_out: expected a whole number"),
        (("ci", "reference", "sources", "gen-a", "scheme"), 3,
         "sources['gen-a'].scheme: expected a string"),
        (("ci", "generators", "comparisons", 0, "p_holm"), "1",
         "ci.generators.comparisons[0].p_holm: expected a number"),
        (("ci", "generators", "agreement", "mean", "value"), [1],
         "ci.generators.agreement['mean'].value"),
        (("ci", "generators", "models_left_out"), "best",
         "ci.generators.models_left_out: expected a list"),
    ],
)
def test_a_wrong_value_is_named_by_its_path(
    finished: Finished, path: tuple[Any, ...], value: Any, named: str
) -> None:
    d = copy.deepcopy(finished.report.to_dict())
    node = d["groups"][0]
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(ReportFormatError, match=_literal(named)):
        Report.from_dict(d)


def _literal(text: str) -> str:
    return text.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")


@pytest.mark.parametrize(
    ("path", "named"),
    [
        (("groups", 0, "ci", "generators", "comparisons", 1, "p_value"),
         "ci.generators.comparisons[1]: missing key 'p_value'"),
        (("groups", 0, "ci", "reference", "sources", "gen-b", "curve", 0, "median"),
         "sources['gen-b'].curve[0]: missing key 'median'"),
        (("generators", "tasks", "ner", "recommendation"),
         "generators.tasks['ner']: missing key 'recommendation'"),
        (("generators", "alpha"), "generators: missing key 'alpha'"),
    ],
)
def test_a_renamed_key_is_an_error_not_a_silent_blank(
    finished: Finished, path: tuple[Any, ...], named: str
) -> None:
    d = copy.deepcopy(finished.report.to_dict())
    node: Any = d
    for key in path[:-1]:
        node = node[key]
    node[f"{path[-1]}s"] = node.pop(path[-1])
    with pytest.raises(ReportFormatError, match=_literal(named)):
        Report.from_dict(d)


def test_a_null_alpha_and_a_bad_cross_dataset_entry_are_named(finished: Finished) -> None:
    d = copy.deepcopy(finished.report.to_dict())
    d["generators"]["alpha"] = None
    with pytest.raises(ReportFormatError, match="generators.alpha: expected a number, got null"):
        Report.from_dict(d)
    ref = {"cross_dataset": [{"dataset": "other", "coefficient": "spearman"}]}
    with pytest.raises(ReportFormatError, match=_literal("cross_dataset[0]: missing key")):
        ReferenceSection.from_dict(ref, "ci.reference")
    with pytest.raises(ReportFormatError, match="cross_dataset: expected a list"):
        ReferenceSection.from_dict({"cross_dataset": {}}, "ci.reference")


# --------------------------------------------------------------------------- built in code


def test_values_built_in_code_write_the_producers_keys() -> None:
    """Without keys read (``keys=()``), ``to_dict`` writes what the analysis writes."""
    rng = np.random.default_rng(3)
    n_real, n_syn, reps = 40, 12, 20
    p = analysis_reference.plan(n_real, n_syn)
    assert not isinstance(p, str)
    held = rng.random((reps, 5))
    subs = rng.random((len(p.sizes), reps, 5))
    judged = analysis_reference.judge(np.arange(5.0), held, subs, p, n_syn)
    refused = analysis_reference.SourceReference("spearman", 1, reason="too few")
    for produced in (judged, refused):
        typed = SourceReference.from_dict(produced.to_dict(), "ref")
        built = dataclasses.replace(typed, keys=())
        assert _same_bytes(built.to_dict()) == _same_bytes(produced.to_dict())
    for cross in (
        analysis_reference.CrossDataset("b", "spearman", 5, 0.5, 0.1, 0.9),
        analysis_reference.CrossDataset("b", "spearman", 2, reason="needs 3"),
    ):
        typed_cross = CrossDatasetReference.from_dict(cross.to_dict(), "cross")
        built_cross = dataclasses.replace(typed_cross, keys=())
        assert _same_bytes(built_cross.to_dict()) == _same_bytes(cross.to_dict())

    scores = rng.random((21, 3, 6))
    group = whichgen.GroupInput("t", "d", ("real", "g1", "g2"), tuple("abcdef"), scores)
    lone = whichgen.GroupInput("t", "e", ("real", "g1"), tuple("abcdef"), scores[:, :2])
    which = whichgen.compare_generators([group, lone])
    for g in which.groups.values():
        typed_group = GroupGenerators.from_dict(g.to_dict(), "gens")
        assert _same_bytes(dataclasses.replace(typed_group, keys=()).to_dict()) == _same_bytes(
            g.to_dict()
        )
    section = GeneratorsSection.from_dict(which.to_dict(), "generators")
    # The report's comparison is the analysis' (its rules, its default level), read.
    assert section.alpha == whichgen.ALPHA
    for task in section.tasks.values():
        for c in task.comparisons:
            assert isinstance(c, whichgen.Comparison)
    bare = dataclasses.replace(
        section,
        keys=(),
        tasks={t: dataclasses.replace(v, keys=()) for t, v in section.tasks.items()},
    )
    assert _same_bytes(bare.to_dict()) == _same_bytes(which.to_dict())


# --------------------------------------------------------------------------- property

#: Names are data, any text: a few letters, an accent, a bidi control.
_names = st.text(alphabet="ab-é\u202e", min_size=1, max_size=6)
#: A reason read as written, the empty one included (written back as read).
_reason = st.text(alphabet="ab -é", max_size=6)
_num = st.one_of(st.none(), st.integers(-5, 5), st.floats(allow_nan=False, allow_infinity=False))
_extra = st.dictionaries(st.sampled_from(["future", "note", "extra_figure"]), _num, max_size=2)


def _shuffled(d: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    """``d`` with its keys in an order drawn by hypothesis (any order is kept)."""
    keys = data.draw(st.permutations(list(d)))
    return {k: d[k] for k in keys}


def _maybe(d: dict[str, Any], optional: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    for k, v in optional.items():
        if data.draw(st.booleans()):
            d[k] = v
    d.update(data.draw(_extra))
    return _shuffled(d, data)


def _source_reference(data: st.DataObject) -> dict[str, Any]:
    d: dict[str, Any] = {"coefficient": "spearman", "n_examples": data.draw(st.integers(0, 99))}
    if data.draw(st.booleans()):
        return _maybe(d, {"reason": data.draw(_reason)}, data)
    rng = {k: data.draw(_num) for k in ("median", "low", "high")}
    fig = {k: data.draw(_num) for k in ("value", "low", "high")}
    curve = [
        {"m": data.draw(st.integers(1, 99)), **{k: data.draw(_num) for k in rng}}
        for _ in range(data.draw(st.integers(0, 3)))
    ]
    optional = {
        "scheme": data.draw(st.sampled_from(["complement", "split-half"])),
        "n_real": data.draw(st.integers(0, 99)),
        "held_out": data.draw(st.integers(0, 99)),
        "reference_size": data.draw(st.integers(0, 99)),
        "repeats": data.draw(st.integers(0, 999)),
        "n_models": data.draw(st.integers(0, 9)),
        "synthetic": data.draw(_num),
        "reference": data.draw(st.one_of(st.none(), st.just(rng))),
        "percentile": data.draw(st.one_of(st.none(), st.just(fig))),
        "z": data.draw(_num),
        "effective": data.draw(
            st.one_of(st.none(), st.just({**fig, "censored": "above"}), st.just(fig))
        ),
        "curve": curve,
        "undefined": data.draw(st.integers(0, 9)),
    }
    return _maybe(d, optional, data)


def _cross(data: st.DataObject) -> dict[str, Any]:
    d = {"dataset": data.draw(_names), "coefficient": "spearman",
         "n_models": data.draw(st.integers(0, 9))}
    optional: dict[str, Any] = {"reason": data.draw(_reason)}
    optional.update({k: data.draw(_num) for k in ("value", "low", "high")})
    return _maybe(d, optional, data)


def _agreement(data: st.DataObject) -> dict[str, Any]:
    d = {k: data.draw(_num) for k in ("value", "low", "high")}
    return _maybe(d, {"reason": data.draw(_reason)}, data)


def _comparison(data: st.DataObject) -> dict[str, Any]:
    d: dict[str, Any] = {"a": data.draw(_names), "b": data.draw(_names)}
    d.update({k: data.draw(_num) for k in ("difference", "low", "high", "p_value", "p_holm")})
    return _maybe(d, {"reason": data.draw(_reason)}, data)


def _agreements_and_comparisons(data: st.DataObject) -> dict[str, Any]:
    sources = data.draw(st.lists(_names, max_size=3, unique=True))
    return {
        "agreement": {s: _agreement(data) for s in sources},
        "comparisons": [_comparison(data) for _ in range(data.draw(st.integers(0, 3)))],
    }


def _group_generators(data: st.DataObject) -> dict[str, Any]:
    d = {"coefficient": "spearman", "n_models": data.draw(st.integers(0, 9)),
         **_agreements_and_comparisons(data)}
    optional = {
        "models_left_out": data.draw(st.lists(_names, max_size=2)),
        "reason": data.draw(_reason),
    }
    return _maybe(d, optional, data)


def _task_generators(data: st.DataObject) -> dict[str, Any]:
    gens = data.draw(st.lists(_names, max_size=3, unique=True))
    d = {
        "datasets": data.draw(st.lists(_names, max_size=2)),
        **_agreements_and_comparisons(data),
        "best": gens[0] if gens else "",
        "not_worse": gens[:2],
        "worse": gens[2:],
        "vs_ensemble": {g: "not distinguishable" for g in gens[:2]},
        "family_size": data.draw(st.integers(0, 9)),
        "recommendation": data.draw(_names),
    }
    optional = {"left_out": {g: data.draw(_names) for g in gens}, "reason": data.draw(_reason)}
    return _maybe(d, optional, data)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a loaded machine
@given(st.data())
def test_reference_round_trip_is_the_same_bytes(data: st.DataObject) -> None:
    d: dict[str, Any] = {}
    if data.draw(st.booleans()):
        names = data.draw(st.lists(_names, max_size=3, unique=True))
        d["sources"] = {n: _source_reference(data) for n in names}
    if data.draw(st.booleans()):
        d["cross_dataset"] = [_cross(data) for _ in range(data.draw(st.integers(0, 2)))]
    d = _shuffled(d, data)
    typed = ReferenceSection.from_dict(d, "ci.reference")
    assert _same_bytes(typed.to_dict()) == _same_bytes(d)
    again = ReferenceSection.from_dict(json.loads(json_dumps(typed.to_dict())), "again")
    assert again == typed


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a loaded machine
@given(st.data())
def test_generators_round_trip_is_the_same_bytes(data: st.DataObject) -> None:
    group = _group_generators(data)
    typed_group = GroupGenerators.from_dict(group, "ci.generators")
    assert _same_bytes(typed_group.to_dict()) == _same_bytes(group)
    assert GroupGenerators.from_dict(typed_group.to_dict(), "again") == typed_group
    tasks = data.draw(st.lists(_names, max_size=2, unique=True))
    section = {
        "coefficient": "spearman",
        "alpha": data.draw(st.floats(0.0, 1.0)),
        "level": data.draw(st.floats(0.0, 1.0)),
        "correction": "holm",
        "family": data.draw(_names),
        "tasks": {t: _task_generators(data) for t in tasks},
    }
    section = _maybe(section, {}, data)
    typed = GeneratorsSection.from_dict(section, "generators")
    assert _same_bytes(typed.to_dict()) == _same_bytes(section)
    assert GeneratorsSection.from_dict(typed.to_dict(), "again") == typed


def test_a_stored_report_with_the_sections_reads_back(finished: Finished, tmp_path: Path) -> None:
    """Through a file, as ``synthbench report`` re-renders one."""
    path = tmp_path / "report.json"
    path.write_text(json_dumps(finished.report.to_dict(), indent=1) + "\n", encoding="utf-8")
    again = read_report(path)
    assert again.generators == finished.report.generators
    assert again.groups[0].ci is not None and finished.report.groups[0].ci is not None
    assert again.groups[0].ci.generators == finished.report.groups[0].ci.generators
    assert again.groups[0].ci.reference == finished.report.groups[0].ci.reference
