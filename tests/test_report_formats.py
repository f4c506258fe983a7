"""harness.report.formats: the report's files are registered formats, one object each."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from harness.report.finish import ReportSettings, write_files
from harness.report.formats import (
    REPORT_FORMATS,
    FileFormat,
    FormatContext,
    ReportFormatProtocol,
    format_names,
    register_format,
)
from harness.report.model import Report
from tests.synth_fixtures import finish_store, toy_store


class Counts(FileFormat):
    """Cases per status, one CSV line each: a format a team might add."""

    name, filename = "counts", "counts.csv"

    def render(self, ctx: FormatContext) -> str:
        counts = ctx.json["cases"]["counts"]
        return "".join(f"{status},{n}\n" for status, n in counts.items())


@pytest.fixture
def counts_format(monkeypatch: pytest.MonkeyPatch) -> Counts:
    monkeypatch.setattr(REPORT_FORMATS, "_entries", dict(REPORT_FORMATS._entries))  # undone
    return register_format(Counts())


def test_the_builtin_formats_are_registered_objects() -> None:
    assert set(format_names()) >= {"json", "md", "html", "junit", "step-summary"}
    for name in ("json", "md", "html", "junit", "step-summary"):
        assert isinstance(REPORT_FORMATS.get(name), ReportFormatProtocol)
    with pytest.raises(TypeError, match="is not a report format"):
        register_format(object())  # type: ignore[type-var]


def test_a_registered_format_is_written_beside_the_others(
    tmp_path: Path, counts_format: Counts
) -> None:
    store, record = toy_store(tmp_path / "run", n=16)
    done = finish_store(store, record, resamples=0)
    junit = str(tmp_path / "j.xml")
    settings = ReportSettings(resamples=0, formats=("md", "counts"), junit_xml=junit)
    step = tmp_path / "summary.md"
    out = write_files(done, tmp_path / "out", settings, "2030", step_summary=step)
    names = sorted(p.name for p in out.written)
    assert names == ["counts.csv", "j.xml", "report.json", "report.md"] and not out.failures
    counts = json.loads((tmp_path / "out" / "report.json").read_text())["cases"]["counts"]
    lines = (tmp_path / "out" / "counts.csv").read_text().splitlines()
    assert lines == [f"{status},{n}" for status, n in counts.items()]
    assert "# " in step.read_text()  # the step summary is the Markdown report, appended


def test_a_format_that_cannot_be_written_is_named_and_the_others_still_come(
    tmp_path: Path, counts_format: Counts
) -> None:
    store, record = toy_store(tmp_path / "run", n=16)
    done = finish_store(store, record, resamples=0)
    out = tmp_path / "out"
    (out / "counts.csv").mkdir(parents=True)  # a folder in the way
    settings = ReportSettings(resamples=0, formats=("counts", "md"))
    result = write_files(done, out, settings)
    assert [p.name for p in result.written] == ["report.json", "report.md"]
    assert len(result.failures) == 1 and "counts.csv" in result.failures[0]


def test_an_unknown_format_is_refused_naming_the_known_ones(
    synth_project: pytest.Pytester, counts_format: Counts
) -> None:
    r = synth_project.runpytest("--synth-formats", "md,cvs", "-k", "toy-intent and real and best")
    assert r.ret == pytest.ExitCode.USAGE_ERROR
    r.stderr.fnmatch_lines(["*--synth-formats: unknown cvs; known: *counts*html*json*md*none*"])


def test_write_files_records_nothing_for_the_step_summary(tmp_path: Path) -> None:
    store, record = toy_store(tmp_path / "run", n=16)
    done = finish_store(store, record, resamples=0)
    settings = dataclasses.replace(ReportSettings(resamples=0), formats=())
    out = write_files(done, tmp_path / "out", settings, step_summary=tmp_path / "s.md")
    assert [p.name for p in out.written] == ["report.json"]
    assert (tmp_path / "s.md").read_text().startswith("#")


def test_the_context_gives_renderers_the_report_for_people_typed(tmp_path: Path) -> None:
    store, record = toy_store(tmp_path / "run", n=16)
    doc = finish_store(store, record, resamples=0).report.to_dict()
    doc["groups"][0]["dataset"] = "toy\ud800"  # a lone surrogate from a data file's name
    ctx = FormatContext(doc, tmp_path / "out")
    typed = ctx.report_for_people
    assert isinstance(typed, Report) and typed is ctx.report_for_people  # read once
    assert typed.groups[0].dataset == "toy\ufffd"  # as people see it ...
    assert ctx.json["groups"][0]["dataset"] == "toy\ud800"  # ... report.json keeps it exact
    assert typed.to_dict() == ctx.rendered  # the same report, by attribute
