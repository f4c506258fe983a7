"""report.html in a real headless Chromium, driven by playwright: click, sort, filter, fit.

Uses Debian's ``/usr/bin/chromium`` (no browser download) through the ``playwright``
package (dev extra); skips with the reason when either is missing. Screenshots are
kept under the test's tmp path (the path is printed; ``-s`` shows it) and copied to
``$SYNTHBENCH_ARTIFACT_DIR`` when that is set.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.report.render.html import render_html
from tests.report_fixtures import rewrite_case
from tests.synth_fixtures import toy_report
from tests.test_report_html import EVIL, _inject

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDTHS = (1280, 390)


def _evil_case(results_dir: Path) -> None:
    """A case whose model name, gold, prediction, raw answer and error carry markup."""
    src = sorted((results_dir / "cases").glob("intent-*-real-*.jsonl"))[0]
    lines = [json.loads(line) for line in src.read_text(encoding="utf-8").splitlines()]
    for o in lines[1:]:
        o.update(pred=None, correct=False, raw=EVIL, error=EVIL)
    # Rewritten in place, as a run would write it (digest recomputed): the report reads
    # only the case files its cells point to, and refuses edited ones. (The model name
    # stays the file's own: a head naming another model is refused; hostile model names
    # reach the page through the report, _inject.)
    rewrite_case(src, lines)


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("browser")
    report = _inject(toy_report(root, resamples=100))
    _evil_case(root / "out")
    path = root / "report.html"
    path.write_text(
        render_html(report, timestamp="2030-01-01T00:00:00Z", results_dir=root / "out"),
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    # .ci/run sets SYNTHBENCH_REQUIRE_BROWSER: there a missing component fails, never skips.
    required = bool(os.environ.get("SYNTHBENCH_REQUIRE_BROWSER"))
    if not Path(CHROMIUM).exists():
        why = f"no {CHROMIUM}: `apt-get install -y chromium` to test report.html"
        if required:
            pytest.fail(why, pytrace=False)
        pytest.skip(why)
    try:
        import playwright.sync_api as sync_api
    except ImportError:
        why = "playwright not installed (pip install -e '.[dev]')"
        if required:
            pytest.fail(why, pytrace=False)
        pytest.skip(why)
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _open(browser: Any, path: Path, width: int, height: int = 900) -> tuple[Any, list[str]]:
    """A fresh page; returns it and the list that collects dialogs and page errors."""
    page = browser.new_page(viewport={"width": width, "height": height})
    events: list[str] = []

    def on_dialog(dialog: Any) -> None:
        events.append(f"dialog {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda e: events.append(f"error {e}"))
    page.goto(path.as_uri())
    return page, events


def _keep(shot: Path, name: str) -> None:
    print(f"screenshot: {shot}")
    artifacts = os.environ.get("SYNTHBENCH_ARTIFACT_DIR")
    if artifacts:
        Path(artifacts).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(artifacts) / name)


def test_contents_link_opens_its_folded_section(browser: Any, page_file: Path) -> None:
    page, events = _open(browser, page_file, 1280)
    section = page.locator("details#group-1")
    assert section.evaluate("d => d.open") is False  # folded at first
    page.locator('nav.toc a[href="#group-1-examples"]').click()
    assert section.evaluate("d => d.open") is True
    assert page.locator("#group-1-examples").is_visible()
    # a verdict card links to its section too
    page.locator('.card a[href="#group-2"]').click()
    assert page.locator("details#group-2").evaluate("d => d.open") is True
    page.locator("details#group-2 > summary").click()  # and folds again
    assert page.locator("details#group-2").evaluate("d => d.open") is False
    assert events == []
    page.close()


def _column(page: Any, table: Any, col: int) -> list[float]:
    cells = table.locator(f"tbody tr td:nth-child({col})")
    return [float(v) for v in cells.evaluate_all("cs => cs.map(c => c.getAttribute('data-v'))")]


def test_clicking_a_header_sorts_the_table(browser: Any, page_file: Path) -> None:
    page, events = _open(browser, page_file, 1280)
    table = page.locator("#answer table")
    header = table.locator("thead th").nth(1)  # first generator's agreement
    header.click()
    up = _column(page, table, 2)
    assert up == sorted(up) and header.get_attribute("aria-sort") == "ascending"
    header.click()
    down = _column(page, table, 2)
    assert down == sorted(up, reverse=True) and header.get_attribute("aria-sort") == "descending"
    # a label column sorts as text; keyboard works as well as the mouse
    first = table.locator("thead th").nth(0)
    first.focus()
    page.keyboard.press("Enter")
    labels = table.locator("tbody tr td:nth-child(1)").all_inner_texts()
    assert labels == sorted(labels, key=str.lower)
    assert events == []
    page.close()


def test_example_browser_filters(browser: Any, page_file: Path) -> None:
    page, events = _open(browser, page_file, 1280)
    page.locator('nav.toc a[href="#group-0-examples"]').click()
    box = page.locator("details#group-0 .examples")
    rows = box.locator("tbody tr")
    total = rows.count()
    assert total > 0
    box.locator("select").select_option("invalid")
    visible = box.locator("tbody tr:not([hidden])")
    n_invalid = visible.count()
    assert 0 < n_invalid < total  # the injected case is invalid on every example
    flags = visible.evaluate_all("rs => rs.map(r => r.dataset.flags)")
    assert all("invalid" in f.split() for f in flags)
    assert box.locator(".count").inner_text() == f"{n_invalid} of {total} examples shown"
    box.locator("select").select_option("disagree")
    flags = box.locator("tbody tr:not([hidden])").evaluate_all("rs => rs.map(r => r.dataset.flags)")
    assert flags and all("disagree" in f.split() for f in flags)
    box.locator("select").select_option("all")
    box.locator("input").fill("no such text anywhere")
    assert box.locator("tbody tr:not([hidden])").count() == 0
    box.locator("input").fill("")
    assert box.locator("tbody tr:not([hidden])").count() == total
    # the raw answer of an invalid example reads as text
    raw = box.locator("details", has_text="raw").first
    raw.locator("summary").click()
    assert "<script>" in raw.locator("pre").inner_text()
    assert events == []
    page.close()


def test_example_browser_shows_and_searches_the_utterances(
    browser: Any, page_file: Path
) -> None:
    """The intent rows show each example's utterance (the data's own record), and the
    search box finds rows by words of it, which no label or answer contains."""
    page, events = _open(browser, page_file, 1280)
    page.locator('nav.toc a[href="#group-0-examples"]').click()
    box = page.locator("details#group-0 .examples")
    assert "text" in box.locator("thead th").all_inner_texts()
    rows = box.locator("tbody tr")
    total = rows.count()
    data = page_file.parent / "data"
    utterances = []
    for i in range(total):
        row = rows.nth(i)
        source, index = row.locator("td").nth(0).inner_text(), row.locator("td").nth(1).inner_text()
        path = (
            data / "real/toy-intent/test.jsonl"
            if source == "real"
            else data / f"synthetic/toy-intent/{source}.jsonl"
        )
        record = json.loads(path.read_text(encoding="utf-8").splitlines()[int(index)])
        shown = row.locator("td.text").inner_text()
        assert shown == record["text"], (source, index)
        assert row.locator("td.text").is_visible()
        utterances.append(shown)
    # A word pair of one utterance: part of the example's text, not of any label.
    target = utterances[-1]
    query = " ".join(target.split()[1:3]).upper()  # search ignores case
    box.locator("input").fill(query)
    visible = box.locator("tbody tr:not([hidden])")
    n = visible.count()
    assert 0 < n < total
    texts = visible.locator("td.text").all_inner_texts()
    assert target in texts and all(query.lower() in t.lower() for t in texts)
    assert box.locator(".count").inner_text() == f"{n} of {total} examples shown"
    assert events == []
    page.close()


# Elements that stick out of the viewport, outside the horizontal scroll boxes that
# hold wide tables by design.
_OVERFLOW = """() => {
  const w = document.documentElement.clientWidth, out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.parentElement.closest('.scroll')) continue;
    const r = el.getBoundingClientRect();
    if (r.width && (r.right > w + 1 || r.left < -1)) out.push(el.tagName + '.' + el.className);
    // text that runs out of its box (a long unbroken name) is an overflow too
    if (el.clientWidth && el.scrollWidth > el.clientWidth + 1 && !el.matches('.scroll'))
      out.push('text in ' + el.tagName + '.' + el.className);
  }
  return {out: out.slice(0, 10), page: document.documentElement.scrollWidth, w: w};
}"""


@pytest.mark.parametrize("width", WIDTHS)
def test_nothing_overflows(browser: Any, page_file: Path, tmp_path: Path, width: int) -> None:
    page, events = _open(browser, page_file, width)
    for summary in page.locator("details.group > summary").all():
        summary.click()
    found = page.evaluate(_OVERFLOW)
    assert found["out"] == [], found
    assert found["page"] <= found["w"], found  # no horizontal scrolling of the page
    shot = tmp_path / f"report-{width}.png"
    page.screenshot(path=str(shot), full_page=True)
    _keep(shot, f"report-html-{width}.png")
    assert events == []
    page.close()


def test_injected_markup_never_runs(browser: Any, page_file: Path) -> None:
    page, events = _open(browser, page_file, 1280)
    for summary in page.locator("details.group > summary").all():
        summary.click()
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.getAttribute('data-pwned')") is None
    assert page.locator("script").count() == 1  # the page's own, allowed by its hash
    assert page.locator("img").count() == 0  # injected <img onerror> stayed text
    assert page.locator("th[aria-sort]").count() > 0  # ... and that one script did run
    assert page.get_by_text("<script>document.documentElement", exact=False).count() > 0
    assert events == []
    page.close()


def test_page_with_a_lone_surrogate_in_a_case_file_still_writes(tmp_path: Path) -> None:
    """Case files keep lone surrogates losslessly; the page shows U+FFFD and encodes."""
    report = toy_report(tmp_path, resamples=20)
    src = sorted((tmp_path / "out" / "cases").glob("intent-*-real-*.jsonl"))[0]
    lines = [json.loads(line) for line in src.read_text(encoding="utf-8").splitlines()]
    lines[1].update(pred=None, raw="bad \ud800 answer", error="unparseable")
    rewrite_case(src, lines)  # ensure_ascii: the surrogate is the escape \\ud800
    text = render_html(report, results_dir=tmp_path / "out")
    assert "bad \ufffd answer" in text
    text.encode("utf-8")  # would raise on a lone surrogate
