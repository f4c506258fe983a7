"""Any Unicode string (lone surrogates included) survives every artifact the harness writes.

Machine-read artifacts (case files, report.json, cache rows, generated JSONL and
provenance) must give back exactly the string (a surrogate *pair* is joined into
its character, as JSON decoding does); rendered ones (HTML, Markdown, terminal)
show U+FFFD for each lone surrogate and report.json counts them.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.backends.base import ChatRequest, Message, Reply
from harness.backends.cache import ResponseCache, cache_key
from harness.core.records import CaseKey, CaseResult, DataIssues, Outcome
from harness.core.textsafe import REPLACEMENT, json_dumps, scrub, scrub_tree
from harness.generate.writer import ResumableWriter, read_provenance, write_json_atomic
from harness.report.render.html import render_html
from harness.report.render.markdown import render_markdown
from harness.report.render.terminal import render_terminal
from harness.store.files import case_path, read_case, write_case
from tests.synth_fixtures import finish_store, write_store

# Every code point, surrogates included (hypothesis excludes them by default).
ANY_TEXT = st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=40)
FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def joined(s: str) -> str:
    """What JSON gives back for ``s``: surrogate pairs joined, lone ones kept."""
    return json.loads(json.dumps(s))


def test_scrub_replaces_and_counts_only_lone_surrogates() -> None:
    assert scrub("ok \u00e9") == ("ok \u00e9", 0)
    assert scrub("a\ud800b\udfffc") == (f"a{REPLACEMENT}b{REPLACEMENT}c", 2)
    assert scrub("\ud83d\ude00") == ("\U0001f600", 0)  # a pair is one character
    assert scrub_tree({"k\ud800": ["\udc00", 1]}) == ({f"k{REPLACEMENT}": [REPLACEMENT, 1]}, 2)


@FUZZ
@given(text=ANY_TEXT)
def test_json_dumps_is_utf8_and_lossless(text: str) -> None:
    out = json_dumps({"t": text, text: [text]})
    out.encode("utf-8")  # never raises
    assert json.loads(out) == {"t": joined(text), joined(text): [joined(text)]}


@FUZZ
@given(text=ANY_TEXT)
def test_case_file_round_trip(tmp_path: Path, text: str) -> None:
    key = CaseKey("intent", "toy", "gen-a", "m")
    issues = DataIssues(rows=1, kept=1, notes=(text,))
    result = CaseResult(key, "ok", "accuracy", {"accuracy": 1.0}, 1, 0, data=issues)
    outcome = Outcome(0, text, text, True, raw=text, error=text)
    path = write_case(tmp_path, result, [outcome])
    back, outs = read_case(path)
    assert back.data is not None and back.data.notes == (joined(text),)
    assert (outs[0].gold, outs[0].prediction, outs[0].raw, outs[0].error) == (joined(text),) * 4


@FUZZ
@given(text=ANY_TEXT)
def test_cache_round_trip(tmp_path: Path, text: str) -> None:
    req = ChatRequest((Message("user", text),), model="m")
    key = cache_key("openai", "http://127.0.0.1:1/v1", "", req)
    with ResponseCache(Path(tempfile.mkdtemp(dir=tmp_path)), run="t") as cache:
        cache.put(key, "openai", "http://127.0.0.1:1/v1", "", req, Reply(text, 1, 1, text))
        got = cache.get(key)
        entries = list(cache.iter_entries())
    assert got == Reply(text, 1, 1, text)  # exact: stored as surrogate-passing bytes
    assert entries[0]["text"] == text
    assert entries[0]["request"]["messages"][0]["content"] == joined(text)


@FUZZ
@given(text=ANY_TEXT)
def test_generation_output_round_trip(tmp_path: Path, text: str) -> None:
    out = tmp_path / "gen.jsonl"
    w = ResumableWriter(out)
    w.open(overwrite=True)
    w.append({"text": text, "label": text, "_gen": {"index": 0, "attempt": 0}})
    w.close()
    write_json_atomic(out.with_name("gen.provenance.json"), {"model": text})
    again = ResumableWriter(out).existing()
    assert again[0]["text"] == joined(text) and again[0]["label"] == joined(text)
    prov = read_provenance(out)
    assert prov is not None and prov["model"] == joined(text)


@settings(max_examples=8, deadline=None)  # each example renders three reports (~0.7 s)
@given(text=ANY_TEXT)
def test_reports_render_and_count_what_they_replace(text: str) -> None:
    key = CaseKey("intent", "toy", text or "g", "model " + text)
    results = [
        CaseResult(CaseKey("intent", "toy", "real", key.model), "ok", "accuracy",
                   {"accuracy": 0.5}, 2, 0, data=DataIssues(rows=2, kept=2, notes=(text,))),
        CaseResult(key, "ok", "accuracy", {"accuracy": 0.4}, 2, 0),
    ]
    with tempfile.TemporaryDirectory() as tmp:  # one store per example: the finish path
        store = Path(tmp) / "store"
        report = finish_store(store, write_store(store, results), resamples=0).report.to_dict()
    json.loads(json_dumps(report))  # report.json: always valid UTF-8 JSON
    lone = sum(1 for c in joined(text) if 0xD800 <= ord(c) <= 0xDFFF)
    if lone:
        assert report["text_safety"]["replaced_when_rendered"] >= lone
    else:
        assert "text_safety" not in report
    shown = scrub_tree(report)[0]
    for page in (render_html(shown), render_markdown(shown), render_terminal(shown, width=100)):
        page.encode("utf-8")  # never raises


def test_a_lone_surrogate_in_data_loses_no_example(tmp_path: Path) -> None:
    """Regression (issue 15.1): a ``\\ud800`` label made write_case raise; 40 of 40 lost."""
    import tomllib

    from harness.data import clear_cache
    from harness.run.runner import RunSettings, run_case
    from harness.run.suite import parse_suite
    from tests.synth_fixtures import suite_text, write_data_dir

    data = write_data_dir(tmp_path / "data")
    path = data / "synthetic/toy-intent/gen-a.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    rows[3]["label"] = "play\ud800music"  # json.dumps writes the escape \\ud800
    rows[5]["text"] = "lone \udfff low"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    clear_cache()
    suite = parse_suite(tomllib.loads(suite_text()), "suite.toml")
    key = CaseKey("intent", "toy-intent", "gen-a", "best")
    result = run_case(key, suite, RunSettings(data, tmp_path / "out", seed=3))
    assert result.status == "ok" and result.n_examples == len(rows)
    back, outcomes = read_case(case_path(tmp_path / "out", result))
    assert back.n_examples == len(rows) == len(outcomes)
    assert outcomes[3].gold == "play\ud800music"  # exact, not replaced
