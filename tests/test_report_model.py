"""harness.report.model: the typed Report, its serialisation (report.json) and its reader."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from harness.core.textsafe import json_dumps
from harness.report.figures import AgreementFigures, Interval, ReportFormatError
from harness.report.finish import Finished
from harness.report.model import REPORT_SCHEMA, Report, read_report
from tests.synth_fixtures import finish_store, toy_store

#: Families, a bias factor (best and good are gen-a and gen-b), gates of several kinds.
FAMILIES = '\n[families]\nab = ["gen-a", "gen-b"]\n'
GATES = (
    "min_agreement generator=mean threshold=0.0",
    "max_bias model=best threshold=0.5",
    "max_family_bias model=good threshold=0.5 optional=true",
    "min_effective_examples generator=gen-a threshold=1 optional=true",
    "max_invalid_rate model=fair threshold=0.0",
)


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Finished:
    store, record = toy_store(tmp_path_factory.mktemp("model"), FAMILIES)
    return finish_store(store, record, resamples=30, gate_options=GATES)


def _bytes(d: dict[str, Any]) -> str:
    return json_dumps(d, indent=1) + "\n"  # as harness.report.finish writes report.json


def test_report_json_read_and_written_again_is_the_same_bytes(
    finished: Finished, tmp_path: Path
) -> None:
    written = finished.report.to_dict()
    path = tmp_path / "report.json"
    path.write_text(_bytes(written), encoding="utf-8")
    again = read_report(path)
    assert _bytes(again.to_dict()) == path.read_text(encoding="utf-8")
    assert read_report(tmp_path).to_dict() == written  # the folder that holds it
    # Every figure family of the toy run is there to be compared.
    g = again.groups[0]
    assert g.family_bias and g.bias and g.ci is not None
    assert g.ci.family_bias and g.ci.bias and g.ci.reference is not None
    assert again.gates is not None
    assert again.bootstrap is not None and again.bootstrap.resamples == 30


def test_figures_are_read_by_attribute(finished: Finished) -> None:
    g = finished.report.groups[0]
    d = finished.report.to_dict()["groups"][0]
    agree = g.agreement["mean"]
    assert isinstance(agree, AgreementFigures)
    assert agree.spearman == d["agreement"]["mean"]["spearman"]
    assert agree.n_models == d["agreement"]["mean"]["n_models"]
    assert g.ci is not None
    ci = g.ci.agreement["mean"].of("spearman")
    assert isinstance(ci, Interval) and ci.low == d["ci"]["agreement"]["mean"]["spearman"]["low"]
    assert ci.hierarchical is not None and ci.has_p_value
    assert g.bias["best"].owner == "gen-a" and g.bias["best"].value == d["bias"]["best"]["value"]
    assert g.family_bias is not None and g.family_bias["good"].generators == ("gen-a", "gen-b")
    assert g.ci.bias["best"].owner == "gen-a"
    assert g.scores["real"]["best"] == d["scores"]["real"]["best"]
    assert g.data["gen-a"].rows == d["data"]["gen-a"]["rows"]


@pytest.mark.parametrize(
    ("where", "value", "named"),
    [
        (("agreement", "gen-a", "spearman"), "high", "groups[0].agreement['gen-a'].spearman"),
        (("ci", "scores", "real", "best", "low"), [1], "ci.scores['real']['best'].low"),
        (("bias", "best", "generator"), 3, "groups[0].bias['best'].generator"),
        (("ci", "bias", "best", "undefined"), 0.5, "ci.bias['best'].undefined"),
    ],
)
def test_a_wrong_value_is_named_by_its_path(
    finished: Finished, where: tuple[str, ...], value: Any, named: str
) -> None:
    d = copy.deepcopy(finished.report.to_dict())
    node = d["groups"][0]
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    with pytest.raises(ReportFormatError, match=named.replace("[", r"\[").replace("]", r"\]")):
        Report.from_dict(d)


def test_a_renamed_or_unknown_key_is_an_error_not_a_silent_blank(finished: Finished) -> None:
    d = copy.deepcopy(finished.report.to_dict())
    d["groups"][0]["score"] = d["groups"][0].pop("scores")  # a renamed key
    with pytest.raises(ReportFormatError, match=r"groups\[0\]: missing key 'scores'"):
        Report.from_dict(d)
    d = copy.deepcopy(finished.report.to_dict())
    d["groups"][0]["agreement"]["mean"]["spearmann"] = 1.0
    with pytest.raises(ReportFormatError, match="unknown key 'spearmann'"):
        Report.from_dict(d)
    d = copy.deepcopy(finished.report.to_dict())
    d["gates"]["gates"][1]["optional"] = "no"  # the verdicts are typed too
    with pytest.raises(ReportFormatError, match=r"gates\.gates\[1\]\.optional: expected true"):
        Report.from_dict(d)


@pytest.mark.parametrize("schema", [REPORT_SCHEMA + 1, 0, "1", None])
def test_the_schema_version_is_checked(finished: Finished, schema: Any, tmp_path: Path) -> None:
    d = finished.report.to_dict()
    if schema is None:
        del d["schema"]
    else:
        d["schema"] = schema
    path = tmp_path / "report.json"
    path.write_text(json.dumps(d))
    with pytest.raises(ReportFormatError, match=f"{path}: .*schema") as err:
        read_report(path)
    if schema == REPORT_SCHEMA + 1:
        assert f"reads schema {REPORT_SCHEMA}" in str(err.value)


def test_a_file_that_is_no_json_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text('{"schema": 1, "groups": [')
    with pytest.raises(ReportFormatError, match="cannot read the report"):
        read_report(path)
    with pytest.raises(ReportFormatError, match="cannot read the report"):
        read_report(tmp_path / "absent.json")


def test_the_gates_judged_the_typed_report(finished: Finished) -> None:
    """The verdicts in report.json are those of the typed report (gates read attributes)."""
    from harness.gates import judge_gates, suite_gates
    from harness.gates.judge import verdict_dict

    gates = suite_gates({}, "suite.toml", GATES)
    again = judge_gates(gates, Report.from_dict(finished.report.to_dict()))
    assert [verdict_dict(v) for v in again] == [verdict_dict(v) for v in finished.verdicts]
    by_kind = {v.gate.kind: v for v in finished.verdicts}
    assert by_kind["max_invalid_rate"].failed  # fair answers invalidly 10% of the time
    assert by_kind["max_bias"].checks and by_kind["max_bias"].checks[0].value is not None
