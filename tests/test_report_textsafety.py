"""No name or text reorders or hides anything in any rendered artifact (issue 24, part 5).

Names and texts drawn from all of Unicode, bidi controls, NUL and the other C0/C1
controls, line separators, zero-width and tag characters and lone surrogates made
likely, go through every renderer: the terminal (summary and full tables), Markdown
(report.md, the GitHub step summary, the validity card), HTML and JUnit XML. In
each output no hidden character (``harness.core.textsafe.is_hidden``) is left raw outside
an isolating construct, the XML and HTML parse, and each name can be read back in
its visible form (``harness.core.textsafe.visible``).
"""

from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.core.textsafe import FSI, PDI, is_hidden, isolate, visible
from harness.report.render.card import render_card
from harness.report.render.html import render_html
from harness.report.render.junit import render_junit
from harness.report.render.markdown import md, render_markdown
from harness.report.render.summary import render_summary
from harness.report.render.terminal import render_terminal
from harness.report.write import write_reports
from tests.report_fixtures import suite_report

#: Characters that reorder or hide, and markup characters each renderer must escape.
SPECIAL = (
    [chr(c) for c in range(0x202A, 0x202F)]  # LRE RLE PDF LRO RLO
    + [chr(c) for c in range(0x2066, 0x206A)]  # LRI RLI FSI PDI
    + ["\u200e", "\u200f", "\u061c", "\x00", "\x07", "\x1b", "\r", "\n", "\t", "\x7f", "\x85",
       "\x9b", "\u2028", "\u2029", "\u200b", "\ufeff", "\U000e0041", "\ud800", "\udfff",
       "\ufffe", "<", "&", "|", "*", "\\", "`", "]", "\u05d0", "\u0639", "\u0661", "a", "1"]
)
ANY_CHAR = st.characters(min_codepoint=0, max_codepoint=0x10FFFF)
TEXT = st.lists(st.one_of(st.sampled_from(SPECIAL), ANY_CHAR), max_size=14).map("".join)
FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

_PAIR = re.compile(f"{FSI}[^{FSI}{PDI}]*{PDI}")


def raw_hidden(text: str, allowed: str = "\n") -> list[str]:
    """Hidden characters left in ``text`` outside FSI..PDI pairs (layout ``allowed``)."""
    outside = _PAIR.sub("", text)
    return [c for c in outside if c not in allowed and is_hidden(c)]


def _rename(obj: Any, names: dict[str, str]) -> Any:
    """``obj`` with each name replaced, as a key, a value or a part of a gate cell."""
    if isinstance(obj, str):
        if obj in names:
            return names[obj]
        if "/" in obj:
            return "/".join(names.get(p, p) for p in obj.split("/"))
        return obj
    if isinstance(obj, dict):
        return {_rename(k, names): _rename(v, names) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_rename(v, names) for v in obj]
    return obj


def hostile_report(gen: str, model: str, dataset: str, gate: str, text: str) -> dict[str, Any]:
    """The fixture report with a generator, a model, a dataset, a gate and texts renamed.

    The prefixes keep the names apart and away from the reserved ``real`` and ``mean``.
    """
    report = _rename(
        suite_report(evil=text),
        {"gpt-4o": "g" + gen, "majority": "m" + model, "atis": "d" + dataset},
    )
    gates = report["gates"]["gates"]
    gates[2]["name"] = "t" + gate
    gates[2]["reason"] = text
    gates[2]["description"] = text
    group = report["groups"][0]
    group["agreement"]["g" + gen]["undefined"] = {"pearson": text}
    group["missing"] = [{"generator": "g" + gen, "model": "m" + model}]
    # A failed case among all the cases: the report's reader derives the failed ones and
    # the counts from them (kept consistent here as the writer keeps them).
    failed = {"status": "failed", "task": "intent", "dataset": "d" + dataset,
              "generator": "g" + gen, "model": "m" + model, "reason": text,
              "state": "computed", "run": ""}
    report["cases"].update(all=[failed], not_ok=[failed], counts={"failed": 1})
    return report


def names(gen: str, model: str, dataset: str, gate: str) -> list[str]:
    return ["g" + gen, "m" + model, "d" + dataset, "t" + gate]


class _Bdi(HTMLParser):
    """The text of every ``<bdi>``, and the tags that were opened but never closed."""

    VOID = {"meta", "br", "input", "img", "hr", "link"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.bdi: list[str] = []
        self.current: list[str] | None = None
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self.VOID:
            return
        self.stack.append(tag)
        if tag == "bdi":
            self.current = []

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
            return
        self.stack.pop()
        if tag == "bdi" and self.current is not None:
            self.bdi.append("".join(self.current))
            self.current = None

    def handle_data(self, data: str) -> None:
        if self.current is not None:
            self.current.append(data)


def _parse_html(page: str) -> _Bdi:
    parser = _Bdi()
    parser.feed(page)
    parser.close()
    assert parser.errors == [] and parser.stack == [], (parser.errors, parser.stack)
    return parser


@FUZZ
@given(gen=TEXT, model=TEXT, dataset=TEXT, gate=TEXT, text=TEXT)
def test_terminal_shows_every_name_visibly(
    gen: str, model: str, dataset: str, gate: str, text: str
) -> None:
    report = hostile_report(gen, model, dataset, gate, text)
    full = render_terminal(report, width=4000)
    summary = render_summary(report, width=4000)
    for out in (full, summary):
        assert raw_hidden(out) == [], out
        out.encode("utf-8")
    for name in names(gen, model, dataset, gate):
        assert visible(name) in full
    assert visible("t" + gate) in summary and visible("d" + dataset) in summary


def unmd(text: str) -> str:
    """What a reader sees of ``md``'s output: escapes undone, isolates dropped."""
    text = re.sub(r"\\(.)", r"\1", text).replace("&amp;", "&")
    return text.replace(FSI, "").replace(PDI, "")


@FUZZ
@given(text=TEXT)
def test_markdown_escaping_is_recoverable(text: str) -> None:
    shown = md(text)
    assert raw_hidden(shown, allowed="") == []
    assert "\n" not in shown and not re.search(r"(?<!\\)\|", shown)  # one table cell
    assert unmd(shown) == visible(text)


@FUZZ
@given(gen=TEXT, model=TEXT, dataset=TEXT, gate=TEXT, text=TEXT)
def test_markdown_and_card_show_every_name_visibly(
    gen: str, model: str, dataset: str, gate: str, text: str
) -> None:
    report = hostile_report(gen, model, dataset, gate, text)
    page = render_markdown(report)
    card = render_card(report, "g" + gen)
    for out in (page, card):
        assert raw_hidden(out) == [], out
        out.encode("utf-8")
    for name in names(gen, model, dataset, gate):
        assert md(name) in page
    assert md("g" + gen) in card and md("m" + model) in card


@FUZZ
@given(gen=TEXT, model=TEXT, dataset=TEXT, gate=TEXT, text=TEXT)
def test_html_isolates_every_name_and_shows_every_control(
    monkeypatch: pytest.MonkeyPatch, gen: str, model: str, dataset: str, gate: str, text: str
) -> None:
    # Without the plots (seconds each; their labels are drawn as paths, and
    # ``test_the_reported_override_cannot_reverse_the_card`` checks a page with them).
    monkeypatch.setattr("harness.report.render.html.PLOTS", ())
    report = hostile_report(gen, model, dataset, gate, text)
    page = render_html(report, timestamp=text)
    assert raw_hidden(page, allowed="\n\t") == []
    page.encode("utf-8")
    isolated = set(_parse_html(page).bdi)
    for name in names(gen, model, dataset, gate):
        assert visible(name) in isolated, name


@FUZZ
@given(gen=TEXT, model=TEXT, dataset=TEXT, gate=TEXT, text=TEXT)
def test_junit_parses_and_names_every_gate_visibly(
    gen: str, model: str, dataset: str, gate: str, text: str
) -> None:
    report = hostile_report(gen, model, dataset, gate, text)
    xml = render_junit(report, timestamp=text)
    assert raw_hidden(xml, allowed="\n\t") == []
    root = ET.fromstring(xml)
    cases = root.findall("testsuite/testcase")
    assert visible("t" + gate).replace("\ufffe", "\ufffd") in [c.get("name") for c in cases]


def test_the_reported_override_cannot_reverse_the_card(tmp_path: Path) -> None:
    """U+202E in a generator name (issue 24): the card's figures keep their order."""
    evil = "gen\u202e|pipe"
    report = _rename(suite_report(), {"gpt-4o": evil})
    page = render_html(report)
    assert "\u202e" not in page and raw_hidden(page, allowed="\n\t") == []
    assert 'data-plot="heatmap"' in page  # the plots' labels and titles are checked too
    assert "<bdi>gen\\u202e|pipe</bdi>" in page
    best = re.search(r"<p>best: <bdi>([^<]*)</bdi> ([^<]*)</p>", page)
    assert best is not None and re.fullmatch(r"-?\d\.\d\d \[-?\d\.\d\d, -?\d\.\d\d\]", best[2])
    markdown = render_markdown(report)
    assert "\u202e" not in markdown and "gen\\\\u202e\\|pipe" in markdown  # md-escaped
    for out in (render_summary(report), render_terminal(report)):
        assert "\u202e" not in out and "gen\\u202e|pipe" in out


def test_right_to_left_names_are_isolated_in_markdown(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Hebrew name holds no control, but would still pull the figures after it."""
    monkeypatch.setattr("harness.report.render.html.PLOTS", ())
    assert isolate("\u05d0\u05d1") == f"{FSI}\u05d0\u05d1{PDI}"
    assert isolate("gpt-4o") == "gpt-4o"  # no invisible pair around a left-to-right name
    report = _rename(suite_report(), {"gpt-4o": "\u05d0\u05d1"})
    assert f"{FSI}\u05d0\u05d1{PDI}" in render_markdown(report)
    assert "<bdi>\u05d0\u05d1</bdi>" in render_html(report)


def test_nul_bytes_from_the_data_never_reach_report_html(tmp_path: Path) -> None:
    """24 NUL bytes in the data (issue 24) reach every written artifact as ``\\x00``."""
    report = suite_report(evil="\x00" * 24 + "<i>x</i>")
    step = tmp_path / "step.md"
    written = write_reports(
        copy.deepcopy(report), tmp_path, ("md", "html"), junit_xml=tmp_path / "junit.xml",
        step_summary=step,
    )
    assert len(written) == 3
    for path in [*written, step]:
        assert b"\x00" not in path.read_bytes(), path.name
    for md_file in (tmp_path / "report.md", step):
        assert "\\\\x00" * 24 in md_file.read_text()  # Markdown escapes the backslash
    assert "\\x00" * 24 + "&lt;i&gt;x&lt;/i&gt;" in (tmp_path / "report.html").read_text()


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\u200f", "\x00", "\x9b", "\u2028",
                                  "\U000e0041", "\u200b"])
def test_visible_spells_each_class_and_keeps_joiners(char: str) -> None:
    shown = visible(f"a{char}b")
    assert shown == f"a\\{'U' if ord(char) > 0xFFFF else 'u' if ord(char) > 0xFF else 'x'}" \
        f"{ord(char):0{8 if ord(char) > 0xFFFF else 4 if ord(char) > 0xFF else 2}x}b"
    assert visible(shown) == shown  # idempotent
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # ZWJ joins an emoji sequence
    assert visible(family) == family and visible("\u0645\u200c\u06cc") == "\u0645\u200c\u06cc"


def test_controls_in_case_files_reach_the_example_browser_visibly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Gold, prediction, raw answer and error of a case file: NUL and overrides shown."""
    import json

    from tests.report_fixtures import rewrite_case
    from tests.synth_fixtures import toy_report

    monkeypatch.setattr("harness.report.render.html.PLOTS", ())
    report = toy_report(tmp_path, resamples=20)
    src = sorted((tmp_path / "out" / "cases").glob("intent-*-real-*.jsonl"))[0]
    lines = [json.loads(line) for line in src.read_text(encoding="utf-8").splitlines()]
    evil = "\x00" * 24 + "ans\u202ewer\u2066\n2nd line\x1b[31m"
    for o in lines[1:]:
        o.update(pred=None, correct=False, raw=evil, error=evil)
    rewrite_case(src, lines)
    page = render_html(report, results_dir=tmp_path / "out")
    assert raw_hidden(page, allowed="\n\t") == []
    assert "\\x00" * 24 + "ans\\u202ewer\\u2066\n2nd line\\x1b[31m" in page  # lines kept in <pre>
    _parse_html(page)
