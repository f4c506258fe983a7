"""The default terminal summary: snapshots at 80 and 100 columns, one screen, escaped.

The snapshots live in ``tests/snapshots/``; after an intended change, rewrite them with
``SYNTHBENCH_UPDATE_SNAPSHOTS=1 pytest tests/test_report_summary.py`` and read the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.report.render.summary import plain, render_summary
from harness.report.render.terminal import render_terminal
from harness.report.render.verdict import build_cards
from tests.report_fixtures import suite_report

SNAPSHOTS = Path(__file__).parent / "snapshots"
#: A terminal screen: the summary must fit without scrolling.
SCREEN_LINES = 50


@pytest.mark.parametrize("width", [80, 100])
def test_summary_matches_snapshot_and_fits_one_screen(width: int) -> None:
    text = render_summary(suite_report(), width=width)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    assert len(lines) <= SCREEN_LINES, len(lines)
    path = SNAPSHOTS / f"summary-{width}.txt"
    if os.environ.get("SYNTHBENCH_UPDATE_SNAPSHOTS"):
        path.write_text(text + "\n", encoding="utf-8")
    assert text + "\n" == path.read_text(encoding="utf-8")


def test_summary_opens_with_the_answer_per_dataset() -> None:
    text = render_summary(suite_report(), width=100)
    first = text.splitlines()[0]
    assert first.startswith(
        "intent / atis  (macro_f1)  4 models: gates passed (2 of 2); no verdict"
    )
    assert "similarity / tweet-news  (spearman)  4 models: gates FAILED (1 of 1)" in text
    assert "bias factor: not measured in 4 groups" in text
    # with no gate, the answer is the permutation test of the ensemble's agreement, but
    # 4 models are fewer than a verdict needs (harness.analysis.robustness.MIN_VERDICT_MODELS)
    assert (
        "ner / crossner_politics  (f1)  4 models: no verdict: 4 models, fewer than the 5 it "
        "needs" in text
    )
    assert "bias factor: minilm-knn on gpt-4o +0.08 [+0.05, +0.11] (1 of 1 significant)" in text
    assert "  tweet-news            -0.20     0.40*" in text  # the headline table, best starred


def test_full_tables_stay_available_and_are_longer() -> None:
    report = suite_report()
    full = render_terminal(report, width=80)
    assert "generator \\ model" in full and len(full.splitlines()) > 3 * len(
        render_summary(report, width=80).splitlines()
    )


def test_control_characters_in_names_cannot_reach_the_terminal() -> None:
    report = suite_report(evil="\x1b[2J\x1b]0;pwn\x07\nFAKE LINE")
    g = report["groups"][0]
    for section in (g["bias"], g["ci"]["bias"]):
        section["knn\x1b[31m\r"] = section.pop("minilm-knn")
    text = render_summary(report, width=80)
    assert "\x1b" not in text and "\x07" not in text and "\r" not in text
    assert "knn\\x1b[31m\\r on gpt-4o" in text  # shown as escapes, on one line
    assert plain("a\nb") == "a\\nb"


def test_cards_follow_gates_then_intervals() -> None:
    cards = {c.dataset: c for c in build_cards(suite_report())}
    assert cards["atis"].best is not None and cards["atis"].best.name == "gpt-4o"
    assert cards["tweet-news"].worst is not None
    assert cards["tweet-news"].worst.agreement.value == -0.2
    assert [g.status for g in cards["tweet-news"].gates] == ["failed"]
    assert cards["headlines"].gates == ()
    report = suite_report()
    report["groups"][5]["ci"]["agreement"]["mean"]["spearman"]["low"] = -0.2
    report.pop("gates")
    assert build_cards(report)[5].answer.startswith("no verdict: 4 models")
    for a in report["groups"][5]["agreement"].values():
        a["n_models"] = 6  # enough models for a verdict
    tweet = build_cards(report)[5]
    assert tweet.answer == "ranks models better than chance (p=0.040)"
    for c in ("scores", "agreement"):
        report["groups"][5]["ci"][c] = {}
    assert build_cards(report)[5].answer == "no interval or p-value"


def test_two_level_figures_and_self_preference_reach_every_card() -> None:
    from harness.report.render.html import render_html
    from harness.report.render.markdown import render_markdown

    report = suite_report()
    g = report["groups"][0]
    g["ci"]["agreement"]["mean"]["spearman"]["hierarchical"] = {
        "value": 1.0,
        "low": 0.31,
        "high": 1.0,
    }
    g["ci"]["agreement"]["mean"]["spearman"]["leave_one_model_out"] = {
        "low": 0.4,
        "high": 1.0,
        "lowest_without": "tfidf-logreg",
    }
    g["ci"]["self_preference"] = {
        "statistic": 0.08,
        "p_value": 0.167,
        "permutations": 720,
        "exact": True,
        "models": 1,
    }
    text = " ".join(render_summary(report, width=100).split())  # wrapped lines joined
    assert "| over models [0.31, 1.00]" in text
    assert "(1 of 1 significant); self-preference p=0.167" in text
    md = render_markdown(report)
    assert "mean 1.00 [0.80, 1.00] (p=0.040); over models [0.31, 1.00]" in md
    html = render_html(report)
    assert (
        "over models: [0.31, 1.00]; one model left out: 0.40 to 1.00 (lowest without "
        "<bdi>tfidf-logreg</bdi>)" in html
    )
    assert "permutation p=0.167 (exact)" in html
    assert '<th scope="col">over models</th>' in html


def test_cells_a_selection_left_out_are_not_called_never_reported() -> None:
    """A ``-k``/``-m`` run leaves cells unselected: counted apart from selected cases
    that never arrived (a crashed worker), in the summary and the full tables."""
    from harness.store.view import NOT_SELECTED

    report = suite_report()
    cell = {"task": "intent", "dataset": "d", "generator": "real"}
    missing = [
        {**cell, "model": "lost", "reason": "missing"},
        {**cell, "model": "a", "reason": NOT_SELECTED},
        {**cell, "model": "b", "reason": NOT_SELECTED},
    ]
    report = {**report, "cases": {**report.get("cases", {}), "missing": missing}}
    summary = render_summary(report, width=100)
    assert "; 1 never reported; 2 not selected (no stored result)" in summary
    full = render_terminal(report, width=100)
    assert "missing (never reported): 1" in full and "intent-d-real-lost" in full
    assert "not selected in this run, no stored result: 2" in full
    assert "intent-d-real-a" not in full


def test_the_typed_report_and_its_json_form_render_the_same() -> None:
    """The plugin and the CLI pass either: the renderers read the JSON form through
    ``Report.from_dict`` and print the same text, hidden characters escaped either way."""
    from harness.report.model import Report
    from harness.report.render.cells import never_reported
    from harness.report.render.junit import render_junit
    from harness.report.render.requests import request_line
    from harness.store.view import NOT_SELECTED

    d = suite_report(evil="\x1b[2J\u202e")
    d["cases"]["missing"] = [
        {"task": "intent", "dataset": "d", "generator": "real", "model": m, "reason": r}
        for m, r in (("lost", "missing"), ("a", NOT_SELECTED))
    ]
    d["cases"]["all"][0]["extra"] = {"failures": {"auth": 2, "length": 1}, "unparseable": 3}
    typed = Report.from_dict(d)
    for width in (80, 100):
        assert render_summary(typed, width) == render_summary(d, width)
        assert render_terminal(typed, width) == render_terminal(d, width)
    assert render_junit(typed) == render_junit(d)
    line = request_line(typed)
    assert line == request_line(d) and "2 requests failed (auth 2)" in line
    assert "1 unparseable answers cut off" in line and "3 answers did not parse" in line
    lost, unselected = never_reported(typed.cases)
    assert [m.key.model for m in lost] == ["lost"] and unselected == 1
    assert never_reported(d["cases"]) == (lost, unselected)
    assert "\x1b" not in render_terminal(typed) and "\u202e" not in render_summary(typed)


def test_a_wrong_key_is_named_by_every_renderer() -> None:
    from harness.report.figures import ReportFormatError
    from harness.report.render.junit import render_junit

    d = suite_report()
    d["groups"][2]["agreement"]["gpt-4o"]["spearmann"] = 0.5
    for render in (render_summary, render_terminal, render_junit):
        with pytest.raises(ReportFormatError, match=r"groups\[2\].*'spearmann'"):
            render(d)
