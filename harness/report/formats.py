"""The report's file formats, registered like models and tasks: one small object each.

``REPORT_FORMATS`` holds every format by name: ``json`` (``report.json``, always
written), ``md``, ``html``, ``junit`` and ``step-summary`` (GitHub's job summary), and
those installed packages declare in the entry point group ``synthbench.formats``
(loaded when a run names them in ``--synth-formats`` / ``formats``). A package's
entry point is a module that calls ``register_format`` when imported, or the format
object itself (registered under the entry point's name)::

    [project.entry-points."synthbench.formats"]
    csv = "my_package.report_csv:CSV"

A format is anything with what ``ReportFormatProtocol`` lists. It is handed a
``FormatContext``: the report as ``report.json`` has it (``json``), the same with
every unpairable surrogate shown as U+FFFD for people (``rendered``; typed, to read
by attribute: ``report_for_people``), the folders and the paths the options named.
Rendering never decides a verdict.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar, runtime_checkable

from harness.core.registry import Registry
from harness.core.textsafe import json_dumps, scrub_tree
from harness.report.model import Report
from harness.report.render.html import render_html
from harness.report.render.junit import render_junit
from harness.report.render.markdown import render_markdown
from harness.store.files import atomic_write_text


@dataclass(frozen=True)
class FormatContext:
    """What a format writes from, and where."""

    #: The report's JSON form (``Report.to_dict()``): every string exactly as computed.
    json: Mapping[str, Any]
    #: The report folder (``report.json`` and the formats' files go here).
    out: Path
    #: Where the case files are, when not in ``out`` (a partial run's report folder).
    store: Path | None = None
    timestamp: str = ""
    #: ``--synth-junit-xml`` / ``junit_xml``: where the JUnit file goes.
    junit_xml: Path | None = None
    #: GitHub's ``GITHUB_STEP_SUMMARY`` file, appended to.
    step_summary: Path | None = None

    @functools.cached_property
    def rendered(self) -> Mapping[str, Any]:
        """The report for people: unpairable surrogates as U+FFFD (counted in report.json)."""
        return scrub_tree(self.json)[0]

    @functools.cached_property
    def report_for_people(self) -> Report:
        """``rendered`` typed (``Report.from_dict``): the figures by attribute, strings
        as people see them. Read once per context, however many formats read it."""
        return Report.from_dict(self.rendered)


@runtime_checkable
class ReportFormatProtocol(Protocol):
    """A report format: ``name`` (what ``formats`` lists), ``target`` (the file it writes,
    named in the message when it cannot be written) and ``write`` (writes it; an
    ``OSError`` is caught by the caller, which writes the other formats still)."""

    @property
    def name(self) -> str: ...

    def target(self, ctx: FormatContext) -> Path: ...

    def write(self, ctx: FormatContext) -> Path: ...


F = TypeVar("F", bound=ReportFormatProtocol)

REPORT_FORMATS: Registry[ReportFormatProtocol] = Registry(
    "report format", group="synthbench.formats"
)


def register_format(fmt: F) -> F:
    """Register ``fmt`` under its ``name``; returns it."""
    if not isinstance(fmt, ReportFormatProtocol):
        raise TypeError(f"{fmt!r} is not a report format: it needs name, target and write")
    REPORT_FORMATS.add(fmt.name, fmt)
    return fmt


class FileFormat:
    """A format written whole, atomically, as ``out / filename``; a subclass renders."""

    name = ""
    filename = ""

    def target(self, ctx: FormatContext) -> Path:
        return ctx.out / self.filename

    def render(self, ctx: FormatContext) -> str:
        raise NotImplementedError

    def write(self, ctx: FormatContext) -> Path:
        path = self.target(ctx)
        atomic_write_text(path, self.render(ctx))
        return path


class Json(FileFormat):
    """``report.json``: the Report's serialisation, strings exact (escaped)."""

    name, filename = "json", "report.json"

    def render(self, ctx: FormatContext) -> str:
        return json_dumps(dict(ctx.json), indent=1) + "\n"


class Markdown(FileFormat):
    name, filename = "md", "report.md"

    def render(self, ctx: FormatContext) -> str:

        return render_markdown(ctx.report_for_people, timestamp=ctx.timestamp)


class Html(FileFormat):
    name, filename = "html", "report.html"

    def render(self, ctx: FormatContext) -> str:

        return render_html(
            ctx.report_for_people, timestamp=ctx.timestamp, results_dir=ctx.store or ctx.out
        )


class Junit(FileFormat):
    """One test case per gate, for CI systems; at ``junit_xml`` (else ``out/junit.xml``)."""

    name, filename = "junit", "junit.xml"

    def target(self, ctx: FormatContext) -> Path:
        return ctx.junit_xml or ctx.out / self.filename

    def render(self, ctx: FormatContext) -> str:

        return render_junit(ctx.report_for_people, timestamp=ctx.timestamp)


class StepSummary(Markdown):
    """The Markdown report appended to GitHub's job summary (several steps share it)."""

    name, filename = "step-summary", "step-summary.md"

    def target(self, ctx: FormatContext) -> Path:
        return ctx.step_summary or ctx.out / self.filename

    def write(self, ctx: FormatContext) -> Path:
        path = self.target(ctx)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(self.render(ctx) + "\n")
        return path


for _fmt in (Json(), Markdown(), Html(), Junit(), StepSummary()):
    register_format(_fmt)


def format_names() -> list[str]:
    """Every registered format's name (built-in ones and installed packages')."""
    return REPORT_FORMATS.names()
