"""``synthbench card``: the validity card of one synthetic source, checked against report.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.__main__ import main
from harness.report.render.card import CardInputs, render_card, sources
from tests.report_fixtures import suite_report
from tests.test_hub import _Hub, hub_server  # noqa: F401 - fixture


def _rows(text: str, section: str) -> list[list[str]]:
    """The table rows (cells) under a ``## section`` heading."""
    part = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    lines = [ln for ln in part.splitlines() if ln.startswith("| ")][2:]
    return [[c.strip() for c in ln.strip("|").split(" | ")] for ln in lines]


def test_card_figures_are_the_reports() -> None:
    report = suite_report()
    text = render_card(report, "gpt-4o-mini")
    agreement = _rows(text, "Agreement with real data")
    assert [r[0] for r in agreement] == [
        f"{g['task']} / {g['dataset']}".replace("_", "\\_") for g in report["groups"]
    ]
    for row, g in zip(agreement, report["groups"], strict=True):
        ci = g["ci"]["agreement"]["gpt-4o-mini"]["spearman"]
        assert row[2] == f"{ci['value']:.3f} [{ci['low']:.3f}, {ci['high']:.3f}] (p=0.040)"
        mean = g["ci"]["agreement"]["mean"]["spearman"]
        assert row[5:7] == ["n/a", "n/a"]  # this report has no two-level figures
        assert row[7] == f"{mean['value']:.3f} [{mean['low']:.3f}, {mean['high']:.3f}]"
        assert row[8] == "4"
    quality = _rows(text, "Data quality")
    assert [r[2] for r in quality] == ["3"] * 6  # duplicates of gpt-4o-mini (2 + its index)
    models = text.split("## Models it was checked with", 1)[1]
    assert "| tfidf-logreg | 0.500 | 0.300 |" in models  # atis: real, and gpt-4o-mini (swapped)
    assert "Not measured: no model checked with this data is the same LLM" in text


def test_card_names_the_bias_of_its_own_model_and_its_gates() -> None:
    report = suite_report()
    report["groups"][0]["ci"]["bias"]["minilm-knn"]["p_value"] = 0.012
    text = render_card(report, "gpt-4o")
    assert _rows(text, "Bias factor") == [
        ["intent / atis", "minilm-knn", "+0.080 [+0.050, +0.110]", "0.012"],
        ["intent / snips", "minilm-knn", "+0.080 [+0.050, +0.110]", "n/a"],
    ]
    assert "## Gates" not in text  # no gate checked a gpt-4o cell
    report["gates"]["gates"][2]["checks"].append(
        {"cell": "similarity/tweet-news/gpt-4o", "status": "failed", "reason": "too low"}
    )
    assert _rows(render_card(report, "gpt-4o"), "Gates") == [
        ["FAILED", "tweet-news ensemble ranks like real", "similarity/tweet-news/gpt-4o", "too low"]
    ]


def test_card_front_matter_and_escaping() -> None:
    evil = "<script>x</script>|*b*\n---\nkey: 1"
    report = suite_report()
    g = report["groups"][0]
    for row in [*g["scores"].values(), *g["ci"]["scores"].values()]:
        row[evil] = row.pop("majority")
    text = render_card(report, "gpt-4o", CardInputs("org/<b>m</b>", {}, {"atis": "atis/x.jsonl"}))
    head = text.split("\n---\n", 1)[0]
    assert head.startswith("---\npretty_name: ") and 'data_files: "atis/x.jsonl"' in head
    assert "<script>" not in text and "\\<script\\>x\\</script\\>\\|\\*b\\*" in text
    assert "\n---\nkey: 1" not in text  # a name cannot end the front matter
    assert "org/\\<b\\>m\\</b\\>" in text
    with pytest.raises(ValueError, match="known: gpt-4o, gpt-4o-mini"):
        render_card(report, "nope")
    assert "mean" not in sources(report) and "real" not in sources(report)


def _run_dir(tmp_path: Path) -> Path:
    """A report.json whose run points at a data dir with one source's data and provenance."""
    data = tmp_path / "data" / "synthetic" / "atis"
    data.mkdir(parents=True)
    (data / "gpt-4o.jsonl").write_text('{"text": "a", "label": "b"}\n')
    prov = {
        "backend": {"model": "gpt-4o-2024", "name": "openai"},
        "parameters": {"shots": 1, "examples_split": "train", "seed": 13},
        "counts": {"records": 1},
        "complete": True,
    }
    (data / "gpt-4o.provenance.json").write_text(json.dumps(prov))
    suite = tmp_path / "suite.toml"
    suite.write_text('[generators]\n"gpt-4o" = { model_id = "openai/gpt-4o-2024-05-13" }\n')
    report = suite_report()
    report["run"] = {"suite": str(suite), "data_dir": str(tmp_path / "data"), "seed": 13}
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.json").write_text(json.dumps(report))
    return out


def test_card_command_writes_the_card(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _run_dir(tmp_path)
    assert main(["card", str(out), "--source", "gpt-4o", "--out", str(tmp_path / "c.md")]) == 0
    text = (tmp_path / "c.md").read_text()
    assert "| generator model | openai/gpt-4o-2024-05-13 |" in text
    assert "- atis: written by `gpt-4o-2024` (openai), 1 real example(s) per request" in text
    assert 'config_name: "atis"\n  data_files: "atis/gpt-4o.jsonl"' in text
    assert main(["card", str(out / "report.json"), "--source", "nope"]) == 2
    assert "known: gpt-4o, gpt-4o-mini" in capsys.readouterr().err


def test_card_push_to_hub_uploads_it_beside_the_data(
    tmp_path: Path,
    hub_server: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_test")
    out = _run_dir(tmp_path)
    argv = [
        "card",
        str(out),
        "--source",
        "gpt-4o",
        "--out",
        str(tmp_path / "c.md"),
        "--push-to-hub",
        "org/synth",
        "--hub-endpoint",
        hub_server,
    ]
    assert main(argv) == 0
    [commit] = _Hub.commits
    assert set(commit["files"]) == {"README.md", "atis/gpt-4o.jsonl", "atis/gpt-4o.provenance.json"}
    assert commit["files"]["README.md"] == (tmp_path / "c.md").read_bytes()
    assert commit["summary"] == "synthbench: validity card of gpt-4o"


def test_card_shows_the_two_level_figures_when_present() -> None:
    report = suite_report()
    sp = report["groups"][0]["ci"]["agreement"]["gpt-4o"]["spearman"]
    sp["hierarchical"] = {"value": 1.0, "low": 0.2, "high": 1.0}
    sp["leave_one_model_out"] = {"low": 0.5, "high": 1.0, "lowest_without": "<i>crf</i>"}
    row = _rows(render_card(report, "gpt-4o"), "Agreement with real data")[0]
    assert row[5:7] == ["1.000 [0.200, 1.000]", r"0.500 to 1.000 (lowest without \<i\>crf\</i\>)"]


def test_card_and_verdict_read_the_typed_report_and_its_json_form_alike() -> None:
    """Issue 23 part 3: the cards read the typed ``Report`` by attribute; a stored
    report.json (its JSON form) is read and checked by ``as_report`` and gives the same."""
    from harness.report.model import Report
    from harness.report.render.verdict import build_cards
    from tests.report_fixtures import GENERATORS

    report = suite_report()
    sp = report["groups"][0]["ci"]["agreement"]["gpt-4o"]["spearman"]
    sp["leave_one_model_out"] = {"low": 0.5, "high": 1.0, "lowest_without": "crf"}
    typed = Report.from_dict(report)
    assert sources(typed) == sources(report) == sorted(GENERATORS)
    for source in sources(report):
        assert render_card(typed, source) == render_card(report, source)
    cards = build_cards(typed)
    assert cards == build_cards(report) and len(cards) == len(report["groups"])
    assert cards[0].generators[0].leave_one_out is not None  # the untyped part read too


def test_a_wrong_key_in_the_report_is_named() -> None:
    from harness.report.model import ReportFormatError
    from harness.report.render.verdict import build_cards

    report = suite_report()
    report["groups"][1]["agreement"]["gpt-4o"]["spearmann"] = 0.5
    for render in (lambda: render_card(report, "gpt-4o"), lambda: build_cards(report)):
        with pytest.raises(ReportFormatError, match=r"groups\[1\]\.agreement\['gpt-4o'\]"):
            render()


def test_interval_method_names_each_kind_of_figure_or_the_one_method() -> None:
    from harness.report.reading import ReportFormatError
    from harness.report.render.verdict import interval_method
    from harness.report.sections import BootstrapSection

    described = {
        "resamples": 100,
        "level": 0.95,
        "seed": 1,
        "described": {"scores": "jackknife normal", "agreement": "centred percentile"},
    }
    older = {"resamples": 100, "level": 0.95, "seed": 1, "method": "bca"}
    for d, text in (
        (described, "scores: jackknife normal; agreement: centred percentile"),
        (older, "bca bootstrap"),
        ({"resamples": 100, "level": 0.95, "seed": 1}, "percentile bootstrap"),
    ):
        assert interval_method(BootstrapSection.from_dict(d, "bootstrap")) == text
    with pytest.raises(ReportFormatError, match="bootstrap.described"):
        BootstrapSection.from_dict({**older, "described": ["not", "a map"]}, "bootstrap")
