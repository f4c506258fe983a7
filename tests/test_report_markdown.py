"""report.md and JUnit XML: intervals, gate table, escaping of data strings, determinism."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from harness.gates import gates_section, judge_gates, parse_gate_option
from harness.report.render.junit import render_junit
from harness.report.render.markdown import md, render_markdown, with_ci
from tests.report_fixtures import typed_report
from tests.synth_fixtures import toy_report

EVIL = "<script>alert(1)</script> | **bold** [x](http://e.vil)\n# head"


def _evil_report() -> dict[str, Any]:
    raw = {
        "groups": [
            {
                "task": "intent",
                "dataset": EVIL,
                "metric": "macro_f1",
                "scores": {"real": {EVIL: 0.5, "b": 0.7}},
                "agreement": {
                    EVIL: {
                        **dict.fromkeys(("spearman", "kendall", "pearson", "mae", "mse")),
                        "undefined": {"spearman": EVIL},
                        "n_models": 2,
                    }
                },
                "bias": {EVIL: {"generator": EVIL, "value": None, "reason": EVIL}},
                "missing": [{"generator": EVIL, "model": "b"}],
                "data": {"real": {"notes": [EVIL]}},
            }
        ],
        "cases": {
            "missing": [],
            "all": [
                {
                    "status": "error",
                    "task": "t",
                    "dataset": "d",
                    "generator": "g",
                    "model": EVIL,
                    "reason": EVIL,
                }
            ],
        },
    }
    # A valid report.json (the renderers read it with as_report): absent keys filled in;
    # a case that is not ok is one of the cases ("all"), as the report writes it.
    return typed_report(raw).to_dict()


def test_escape_markdown() -> None:
    out = md(EVIL)
    assert "<script>" not in out and "\n" not in out
    assert r"\<script\>" in out and r"\|" in out and r"\*\*bold\*\*" in out and r"\[x\]" in out


def test_data_strings_are_escaped_everywhere() -> None:
    text = render_markdown(_evil_report())
    assert "<script>" not in text
    assert text.count(r"\<script\>") >= 6  # dataset, model, generator, reasons, notes, case
    # No line of a table gets an unescaped extra pipe from data.
    for line in text.splitlines():
        if line.startswith("| generator"):
            assert line.count(" | ") == 2


def test_intervals_and_gates_in_markdown(tmp_path: Path) -> None:
    gates = (
        "min_agreement generator=mean threshold=0.0",
        "max_invalid_rate model=fair threshold=0.0",
    )
    report = toy_report(tmp_path, gate_options=gates)
    text = render_markdown(report, timestamp="2030-01-01T00:00:00Z")
    assert "## Gates: FAILED (1 passed, 1 failed, 0 skipped)" in text
    assert "| FAIL | cli-2 |" in text
    ci = typed_report(report).groups[0].ci
    assert ci is not None
    real_best = ci.scores["real"]["best"]
    assert with_ci(real_best.value, real_best) in text
    assert "(p=" in text and "paired differences" in text
    # The header names each kind's method exactly (scheme 3: not "percentile" for all).
    assert "95% scores: jackknife normal" in text and "200 resamples" in text
    assert "agreement: centred bootstrap percentile" in text


def test_markdown_is_deterministic_apart_from_the_timestamp(tmp_path: Path) -> None:
    a = render_markdown(toy_report(tmp_path / "a"), timestamp="2030-01-01T00:00:00Z")
    b = render_markdown(toy_report(tmp_path / "b"), timestamp="2031-02-02T11:11:11Z")
    assert a != b
    assert a.replace("2030-01-01T00:00:00Z", "T") == b.replace("2031-02-02T11:11:11Z", "T")


def test_junit_one_case_per_gate_escaped() -> None:
    report = _evil_report()
    gates = [
        parse_gate_option(f"min_score generator=real threshold=0.6 name={n}", i)
        for i, n in enumerate(("a\x01<b>", "c"))
    ]
    gates.append(parse_gate_option("min_score model=zz threshold=0.1 optional=true", 2))
    report["gates"] = gates_section(judge_gates(gates, typed_report(report)))
    root = ET.fromstring(render_junit(report, timestamp="2030"))
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("3", "2", "1")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["a\\x01<b>", "c", "cli-3"]
    assert cases[0].find("failure") is not None and cases[2].find("skipped") is not None
    assert "no interval" in (cases[0].find("failure").get("message") or "")  # type: ignore[union-attr]


def test_junit_without_gates_is_an_empty_suite() -> None:
    root = ET.fromstring(render_junit({"schema": 1, "groups": []}))
    assert root.find("testsuite").get("tests") == "0"  # type: ignore[union-attr]


def test_markdown_opens_with_the_answer_and_the_headline_table() -> None:
    from tests.report_fixtures import suite_report

    report = suite_report()
    g = report["groups"][0]
    for section in (g["bias"], g["ci"]["bias"]):
        section["<b>knn</b>|x"] = section.pop("minilm-knn")
    text = render_markdown(report)
    answer = text.index("## Can the synthetic data stand in for real data?")
    assert answer < text.index("## Gates") < text.index("### intent / atis")
    rows = [line for line in text.splitlines() if line.startswith("| similarity / tweet-news")]
    verdict, headline = rows
    assert (
        "gates FAILED (1 of 1)" in verdict and "FAIL tweet-news ensemble ranks like real" in verdict
    )
    assert "mean 0.20 [-0.20, 0.60] (p=0.040)" in verdict
    # dataset x generator: every generator, the ensemble, and the best generators
    assert headline.split(" | ")[1:] == [
        "-0.20 [-0.60, 0.20]",
        "0.40 [0.00, 0.80]",
        "0.20 [-0.20, 0.60]",
        "0.00 [-0.40, 0.40]",
        "-0.20 [-0.60, 0.20]",
        "0.40 [0.00, 0.80]",
        "0.20 [-0.20, 0.60]",
        "gpt-4o-mini, mixtral-8x7b |",
    ]
    assert r"\<b\>knn\</b\>\|x on gpt-4o +0.08 [+0.05, +0.11]" in text
