"""report.html: self-contained, escaped, deterministic; rendered in a real headless browser.

The browser tests use Debian's ``chromium`` (``apt-get install -y chromium``) and skip
with that reason when it is absent. They load the page with scripts given time to
run, dump the DOM (an injected script would have marked it), and take a screenshot:
the plots must paint colour where the same page without its plots paints none. The
screenshot is kept in the test's tmp dir, and copied to ``$SYNTHBENCH_ARTIFACT_DIR``
when that is set (CI uploads it).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from harness.report.render.html import render_html
from harness.report.render.plots import PLOTS
from tests.synth_fixtures import toy_report

PWN = "<script>document.documentElement.setAttribute('data-pwned','script')</script>"
PWN_IMG = "<img src=x onerror=\"document.documentElement.setAttribute('data-pwned','img')\">"
EVIL = f"{PWN}{PWN_IMG}\"'&"


# Resolved at import: pytester changes the working directory before a test body runs.
_DATA = (
    str(Path(os.environ["SYNTHBENCH_DATA_DIR"]).resolve())
    if os.environ.get("SYNTHBENCH_DATA_DIR")
    else None
)


def _inject(report: dict[str, Any]) -> dict[str, Any]:
    """Markup in every kind of string that comes from data or models."""
    g = report["groups"][0]
    g["scores"]["real"][EVIL] = 0.5
    g["ci"]["scores"]["real"][EVIL] = {"value": 0.5, "low": 0.4, "high": 0.6}
    g["data"]["real"] = {**g["data"]["real"], "notes": [EVIL], "duplicates": 1}
    g["missing"] = [{"generator": EVIL, "model": EVIL}]
    report["invalid_samples"] = {EVIL: [{"i": 0, "raw": EVIL, "error": EVIL}]}
    # A failed case among all the cases (the report's reader derives the failed ones and
    # the counts from them; they are kept consistent here as the writer keeps them).
    cases = report["cases"]
    cases["all"].append(
        {
            "status": "error",
            "task": "intent",
            "dataset": EVIL,
            "generator": "real",
            "model": EVIL,
            "reason": EVIL,
            "state": "computed",
            "run": "",
        }
    )
    cases["not_ok"] = [c for c in cases["all"] if c["status"] != "ok"]
    cases["counts"] = dict(sorted(Counter(c["status"] for c in cases["all"]).items()))
    return report


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("html")
    report = _inject(toy_report(root / "run", resamples=100))
    text = render_html(report, timestamp="2030-01-01T00:00:00Z")
    path = root / "report.html"
    path.write_text(text, encoding="utf-8")
    return path, text


def test_page_is_self_contained_and_escaped(page: tuple[Path, str]) -> None:
    import base64
    import hashlib

    from harness.report.render.html import SCRIPT

    _, text = page
    # One script, ours, and the policy allows exactly it by its hash.
    assert text.lower().count("<script") == 1 and f"<script>{SCRIPT}</script>" in text
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in text and "unsafe-inline'; img" in text
    assert "'unsafe-eval'" not in text and "script-src 'unsafe-inline'" not in text
    assert "onerror=" not in text.replace("onerror=&quot;", "")
    assert "&lt;script&gt;" in text
    assert "Content-Security-Policy" in text and "default-src 'none'" in text
    # no external reference of any kind
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", text)
    assert "http:" not in re.sub(r'xmlns(:\w+)?="[^"]*"', "", text)
    assert "https:" not in text


def test_every_group_has_its_plots(page: tuple[Path, str]) -> None:
    _, text = page
    for plot_id in ("heatmap", "scatter", "agreement", "bias"):
        assert text.count(f'data-plot="{plot_id}"') == 3, plot_id  # intent, ner, similarity
    assert text.count("<svg") >= 12
    assert {p[0] for p in PLOTS} >= {"heatmap", "scatter", "agreement", "bias", "quality"}


def test_html_is_deterministic_apart_from_the_timestamp(tmp_path: Path) -> None:
    a = render_html(toy_report(tmp_path / "a", resamples=50), timestamp="2030-01-01T00:00:00Z")
    b = render_html(toy_report(tmp_path / "b", resamples=50), timestamp="2031-01-01T00:00:00Z")
    assert a != b
    assert a.replace("2030-01-01T00:00:00Z", "T") == b.replace("2031-01-01T00:00:00Z", "T")


# --------------------------------------------------------------------------- in a browser


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    why = "no chromium: `apt-get install -y chromium` to test report.html in a browser"
    if os.environ.get("SYNTHBENCH_REQUIRE_BROWSER"):  # set by .ci/run: CI may not skip
        pytest.fail(why, pytrace=False)
    pytest.skip(why)


def _run_browser(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    cmd = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=3000",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def _colour_fraction(png: Path) -> float:
    """Share of clearly coloured (saturated) pixels: plots paint them, text and tables do not."""
    import matplotlib.image as mpimg

    img = mpimg.imread(png)[..., :3]
    sat = img.max(axis=-1) - img.min(axis=-1)
    return float((sat > 0.25).mean())


def test_browser_renders_plots_and_runs_no_injected_script(
    page: tuple[Path, str], tmp_path: Path
) -> None:
    path, text = page
    dom = _run_browser(["--dump-dom", path.as_uri()], tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "<svg" in dom.stdout and "synthbench report" in dom.stdout
    html_tag = re.search(r"<html[^>]*>", dom.stdout)
    assert html_tag and "data-pwned" not in html_tag.group(0)  # no injected script or handler ran
    # markup stayed text, never elements: the one script element is the page's own
    assert not re.search(r"<img\b", dom.stdout) and dom.stdout.count("<script") == 1
    assert 'aria-sort="none"' in dom.stdout  # ... and the policy let that one (hashed) run
    assert "&lt;script&gt;" in dom.stdout  # the injected markup shows as text

    # The sections fold; open them for the screenshot (the playwright tests click instead).
    text = text.replace('<details class="group"', '<details open class="group"')
    opened = tmp_path / "opened.html"
    opened.write_text(text, encoding="utf-8")
    shot = tmp_path / "report.png"
    r = _run_browser(["--window-size=1280,3000", f"--screenshot={shot}", opened.as_uri()], tmp_path)
    assert r.returncode == 0 and shot.exists(), r.stderr[-2000:]
    without = tmp_path / "no-plots.html"
    without.write_text(re.sub(r"<svg.*?</svg>", "", text, flags=re.S), encoding="utf-8")
    bare = tmp_path / "no-plots.png"
    _run_browser(["--window-size=1280,3000", f"--screenshot={bare}", without.as_uri()], tmp_path)
    assert _colour_fraction(shot) > 0.02
    assert _colour_fraction(bare) < 0.002
    artifacts = os.environ.get("SYNTHBENCH_ARTIFACT_DIR")
    if artifacts:
        Path(artifacts).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(artifacts) / "report-html-screenshot.png")


def test_shared_data_run_produces_markdown_and_html(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    """The default suite's datasets and generators on ../shared/data, with fast models."""
    data = _DATA
    if not data:
        pytest.skip("SYNTHBENCH_DATA_DIR is not set: the shared data run needs the real data")
    import tomllib

    repo_suite = Path(__file__).resolve().parents[1] / "benchmarks" / "suite.toml"
    text = repo_suite.read_text(encoding="utf-8")
    head = text[: text.index("[models.")] if "[models." in text else text
    assert tomllib.loads(head)["datasets"]
    models = """
[models.oracle-good]
factory = "oracle"
params = { accuracy = 0.9, salt = "good" }
same_as = "gpt-4o"
[models.oracle-fair]
factory = "oracle"
params = { accuracy = 0.7, salt = "fair", invalid = 0.05 }
same_as = "llama-3-8b"
[models.oracle-poor]
factory = "oracle"
params = { accuracy = 0.5, salt = "poor" }
[models.majority]
factory = "majority"
"""
    pytester.makefile(".toml", suite=head + models)
    pytester.makeini(
        f"[pytest]\nsynth_suite = suite.toml\nsynth_data_dir = {data}\nsynth_report_dir = out\n"
    )
    pytester.makepyfile(test_bench=(repo_suite.parent / "test_benchmark.py").read_text())
    r = pytester.runpytest_subprocess(
        "--synth-max-examples", "120", "--synth-bootstrap", "300", "-p", "no:randomly", "-n", "2"
    )
    assert r.ret == 0, r.stdout.str()[-3000:]
    md = (pytester.path / "out" / "report.md").read_text()
    html = (pytester.path / "out" / "report.html").read_text()
    for dataset in (
        "atis",
        "snips",
        "headlines",
        "tweet-news",
        "crossner_politics",
        "crossner_literature",
    ):
        assert f"/ {dataset.replace('_', chr(92) + '_')} (" in md, dataset
        assert f"/ <bdi>{dataset}</bdi> <small>" in html
    assert html.count('data-plot="heatmap"') == 6 and html.count('data-plot="quality"') >= 1
    shot = tmp_path / "shared.png"
    opened = tmp_path / "shared-opened.html"
    opened.write_text(html.replace('<details class="group"', '<details open class="group"'))
    _run_browser(["--window-size=1280,4000", f"--screenshot={shot}", opened.as_uri()], tmp_path)
    # Plots drawn: a page without them stays under 0.002 (the test above); the cards
    # now carry more lines (robustness, reference), so less plot fits the first 4000 px.
    assert _colour_fraction(shot) > 0.01
    artifacts = os.environ.get("SYNTHBENCH_ARTIFACT_DIR")
    if artifacts:
        shutil.copy(shot, Path(artifacts) / "report-html-shared-data.png")


def test_item_diagnostics_are_shown_when_the_report_has_them(tmp_path: Path) -> None:
    report = toy_report(tmp_path, resamples=20)
    for g in report["groups"]:
        g.pop("items", None)  # the statistics' own, where present: this test sets its own
    report["groups"][0]["items"] = {
        "gen-a": [{"i": 3, "influence": 0.125, "note": EVIL}, {"i": 7, "influence": -0.05}]
    }
    text = render_html(report)
    section = text.split('id="group-0"', 1)[1].split('id="group-1"', 1)[0]
    assert "<h3>Item diagnostics</h3><h4><bdi>gen-a</bdi></h4>" in section
    assert "<td>0.125</td>" in section and "<td>-0.050</td>" in section
    assert "&lt;script&gt;" in section and "Item diagnostics" not in text.split('id="group-1"')[1]


def test_item_diagnostics_mark_their_rows_in_the_example_browser(tmp_path: Path) -> None:
    report = toy_report(tmp_path, resamples=20)
    group = report["groups"][0]
    gens = [g for g in group["scores"] if g not in ("real", "mean", "mean-loo")]
    group["items"] = {
        gens[0]: [
            {"i": 3, "influence": -0.125, "influence_pearson": -0.2},
            # zero Spearman influence: Pearson decides
            {"i": 5, "influence": 0.0, "influence_pearson": -0.0421},
            # listed, but misleading nobody: never marked
            {"i": 7, "influence": 0.25, "influence_pearson": 0.1},
            {"i": 9, "influence": 0.0, "influence_pearson": 0.0},
            {"i": 11, "influence": None, "influence_pearson": None},
        ]
    }
    text = render_html(report, results_dir=tmp_path / "out")
    section = text.split('id="group-0"', 1)[1].split('id="group-1"', 1)[0]
    rows = re.findall(r'<tr data-flags="([^"]*)">(.*?)</tr>', section, re.S)
    marked = [(flags, body) for flags, body in rows if "misleading" in flags.split()]
    # Exactly the examples of negative influence are rows of that source, marked with
    # their influence, whether or not they are also disagreeing or invalid ones.
    assert len(marked) == 2, [f for f, _ in rows]
    assert all(f"<td><bdi>{gens[0]}</bdi></td>" in body for _, body in marked)
    assert {re.search(r"<td>(\d+)</td>", b).group(1) for _, b in marked} == {"3", "5"}  # type: ignore[union-attr]
    assert "misleading -0.125 (Spearman)" in section
    assert "misleading -0.042 (Pearson)" in section
    assert "misleading 0.000" not in section and "misleading +0.250" not in section
    assert section.count('class="bad" title="Spearman') + section.count(
        'class="bad" title="Pearson'
    ) == 2
    assert '<option value="misleading">' in section


def _jsonl(path: Path) -> list[dict[str, Any]]:
    import json

    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def test_example_browser_shows_each_examples_input_text(tmp_path: Path) -> None:
    """Intent rows show the utterance, similarity rows both texts, NER rows the sentence,
    each the very record of that source at that index (escaped)."""
    import html as html_lib

    report = toy_report(tmp_path, resamples=20)
    text = render_html(report, results_dir=tmp_path / "out")
    data = tmp_path / "data"
    fields = {"intent": ("text",), "similarity": ("text1", "text2"), "ner": ("text",)}
    seen = set()
    for n, group in enumerate(report["groups"]):
        section = text.split(f'id="group-{n}"', 1)[1].split(f'id="group-{n + 1}"', 1)[0]
        rows = re.findall(r'<tr data-flags="[^"]*">(.*?)</tr>', section, re.S)
        assert rows, group["task"]
        for body in rows:
            source, index = re.match(r"<td><bdi>([^<]*)</bdi></td><td>(\d+)</td>", body).groups()  # type: ignore[union-attr]
            cell = re.search(r'<td class="text">(.*?)</td>', body, re.S).group(1)  # type: ignore[union-attr]
            name = group["dataset"]
            path = (
                data / f"real/{name}/test.jsonl"
                if source == "real"
                else data / f"synthetic/{name}/{source}.jsonl"
            )
            record = _jsonl(path)[int(index)]
            wanted = [record[f] for f in fields[group["task"]]]
            shown = [html_lib.unescape(re.sub(r"<b>[AB]:</b> ", "", p)) for p in cell.split("<br>")]
            assert shown == wanted, (group["task"], source, index)
            seen.add(group["task"])
    assert seen == {"intent", "similarity", "ner"}


def test_example_text_with_markup_is_escaped(tmp_path: Path) -> None:
    import json

    from tests.report_fixtures import rewrite_case

    report = toy_report(tmp_path, resamples=20)
    src = sorted((tmp_path / "out" / "cases").glob("intent-*-real-*.jsonl"))[0]
    lines = [json.loads(line) for line in src.read_text(encoding="utf-8").splitlines()]
    for o in lines[1:]:
        o.update(text=[EVIL], pred=None, correct=False, error="x")  # every example invalid
    rewrite_case(src, lines)
    text = render_html(report, results_dir=tmp_path / "out")
    assert '<td class="text">&lt;script&gt;document' in text
    assert "<script>document" not in text
    # a store written before texts were kept (no model's case file has them): said so
    for path in (tmp_path / "out" / "cases").glob("intent-*-real-*.jsonl"):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        for o in rows[1:]:
            o.pop("text", None)
        rewrite_case(path, rows)
    text = render_html(report, results_dir=tmp_path / "out")
    assert '<td class="text"><span class="note">(text not stored)</span></td>' in text
