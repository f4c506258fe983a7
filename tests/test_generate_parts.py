"""Answer parsing, entity location, templates, plans and the dataset card push."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.tasks.kit.generation.answers import json_value, one_line
from harness.tasks.kit.generation.base import GenSettings
from harness.tasks.kit.generation.templates import TemplateError, load_template
from harness.tasks.ner.generate import locate, parse_names
from harness.tasks.similarity.generate import parse_pair
from tests.test_hub import COMMIT, _Hub, hub_server  # noqa: F401 - fixture

words = st.text(alphabet="abcdefgh xyz", min_size=1, max_size=30).map(str.strip).filter(bool)


@given(words)
def test_one_line_undoes_quotes_fences_and_labels(text):
    for wrapped in (text, f'"{text}"', f"```\n{text}\n```", f"Utterance: {text}",
                    json.dumps({"text": text}), f"\n\n{text}\nsecond line"):
        assert one_line(wrapped) == text


def test_one_line_gives_up_on_nothing():
    assert one_line("```\n```") is None and one_line("  ") is None


@given(words, words)
def test_parse_pair_forms(a, b):
    assert parse_pair(json.dumps({"text1": a, "text2": b})) == (a, b)
    assert parse_pair(f"Sentence 1: {a}\nSentence 2: {b}") == (a, b)
    assert parse_pair(json.dumps([a, b])) == (a, b)
    assert parse_pair(a) is None


def test_json_value_finds_an_embedded_block():
    assert json_value('Sure! ["a", "b"] hope it helps') == ["a", "b"]
    assert json_value("nothing") is None


def test_parse_names_dedupes_and_reads_lists():
    assert parse_names('```json\n["Ann", "ann", "Bo"]\n```') == ["Ann", "Bo"]
    assert parse_names("1. Ann\n2. Bo\n- Cy") == ["Ann", "Bo", "Cy"]
    assert parse_names('{"names": ["Ann"]}') == ["Ann"]


def test_locate_every_occurrence_longest_first_and_repairs():
    text = "New York and york: new  york, not Yorkshire. New York!"
    spans, repairs, missing = locate(text, [["New York", "location"], ["York", "location"]])
    assert missing == "" and repairs == 0
    got = [(s["start"], s["end"], s["text"]) for s in spans]
    # exact matches only (the case-insensitive search is the fallback), whole words only:
    # "York" is placed where "New York" is not, and never inside "Yorkshire"
    assert got == [(0, 8, "New York"), (45, 53, "New York")]
    spans, repairs, missing = locate("we met ada lovelace", [["Ada Lovelace", "person"]])
    assert (repairs, missing, spans[0]["text"]) == (1, "", "ada lovelace")
    assert locate("nobody", [["Ada", "person"]])[2] == "Ada"


def test_templates_are_files_with_hashes(tmp_path):
    t = load_template("intent")
    msgs = t.render(k=1, dataset="d", label="L", examples="- x")
    assert msgs[0]["role"] == "system" and 'intent "L"' in msgs[1]["content"]
    with pytest.raises(TemplateError, match="placeholder"):
        t.render(k=1)
    (tmp_path / "intent.txt").write_text("=== user ===\nsay $label\n")
    mine = load_template("intent", tmp_path)
    assert mine.render(label="hi") == [{"role": "user", "content": "say hi"}]
    assert mine.sha256 != t.sha256
    with pytest.raises(TemplateError, match="not found"):
        load_template("nope", tmp_path)


def test_settings_validate():
    with pytest.raises(ValueError, match="labels"):
        GenSettings(labels="zipf")
    with pytest.raises(ValueError):
        GenSettings(n=0)


def test_real_label_proportions_are_followed(tmp_path):
    from harness.generate import GENERATORS, build_context
    from tests.gen_fixtures import write_data, write_jsonl

    specs = write_data(tmp_path)
    write_jsonl(tmp_path / "real/toy/test.jsonl",
                [{"text": f"t{i}", "label": "play" if i < 9 else "book"} for i in range(12)])
    gen = GENERATORS.get("intent")(build_context(tmp_path, specs["intent"], GenSettings(seed=1)))
    counts = Counter(gen.plan(i)["label"] for i in range(800))
    assert set(counts) == {"play", "book"}
    assert counts["play"] / 800 == pytest.approx(0.75, abs=0.05)
    assert gen.plan(5) == gen.plan(5)


def test_push_generated_publishes_data_provenance_and_card(tmp_path, hub_server):  # noqa: F811
    from harness.generate.card import push_generated
    from tests.gen_fixtures import write_data

    spec = write_data(tmp_path)["intent"]
    out = tmp_path / "synthetic/toy/g.jsonl"
    out.parent.mkdir(parents=True)
    out.write_text('{"text": "a", "label": "play", "_gen": {"index": 0, "attempt": 0}}\n')
    prov = {"task": "intent", "dataset": "toy", "generator": "g", "complete": True,
            "backend": {"name": "openai", "model": "m"}, "parameters": {"seed": 1, "shots": 1},
            "counts": {"records": 1, "requests": 1, "rejections": {"format": 2}}}
    (out.parent / "g.provenance.json").write_text(json.dumps(prov))
    res = push_generated(tmp_path, spec, "g", "org/synth", endpoint=hub_server, token="hf_x")
    assert res["commit"] == COMMIT
    [commit] = _Hub.commits
    files = commit["files"]
    assert files["toy/g.jsonl"] == out.read_bytes()
    assert json.loads(files["toy/g.provenance.json"]) == prov
    card = files["README.md"].decode()
    assert card.startswith("---\n") and "data_files: toy/g.jsonl" in card
    assert "| rejected | format: 2 |" in card and '"generator": "g"' in card
