"""Grammar-constrained generation (``constrain = "grammar"``): what is sent, what is kept."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from harness.generate import GenSettings, build_context, generate, output_path
from harness.tasks.kit.generation.base import Accepted, GenContext
from harness.tasks.kit.generation.grammar import names_grammar
from harness.tasks.ner.generate import NerGenerator, entity_text_grammar
from tests.gen_fixtures import responder, user_text, write_data
from tests.llm_server import LLMServer

KEY_ENV = "SYNTHBENCH_TEST_GEN_KEY"


@pytest.fixture(autouse=True)
def api_key(monkeypatch):
    monkeypatch.setenv(KEY_ENV, "sk-test-generation-key-0123456789")


def _params(server):
    return {"backend": "openai", "model": "toy-llm", "base_url": server.base_url,
            "api_key_env": KEY_ENV, "cache": "off", "retry_base_delay": 0.01}


def _literals(grammar: str) -> list[str]:
    """The quoted literals of the root rule, unescaped (the entity names, in order)."""
    root = grammar.splitlines()[0]
    return [json.loads(f'"{m}"') for m in re.findall(r'"((?:[^"\\]|\\.)*)"', root)
            if m not in (" ", ".")]


def test_names_and_entity_grammars_escape_and_order():
    g = entity_text_grammar(['Ada "The" Lovelace', "Paris\\Nord"])
    assert _literals(g) == ['Ada "The" Lovelace', "Paris\\Nord"]
    assert "{1,40}" in g and g.count("\n") == 3
    assert names_grammar(3).startswith('root ::= "[" ws name ( "," ws name ){0,2} ws "]"')
    assert names_grammar(1).startswith('root ::= "[" ws name  ws "]"')
    with pytest.raises(ValueError, match="empty or multi-line"):
        entity_text_grammar(["two\nlines"])
    with pytest.raises(ValueError, match="no entity names"):
        entity_text_grammar([])
    with pytest.raises(ValueError, match="constrain must be"):
        GenSettings(constrain="json")


def test_constrained_ner_sends_a_grammar_per_request(tmp_path):
    """Stage one asks under the names grammar; each stage-two request carries the grammar
    of its own plan's entities, in plan order; without ``constrain`` no grammar is sent."""
    specs = write_data(tmp_path)
    spec = specs["ner"]
    with LLMServer() as server:
        server.responder = responder
        prov = generate(tmp_path, spec, "g", _params(server),
                        GenSettings(n=6, seed=5, entities_per_label=3, constrain="grammar"),
                        progress=False)
        stage_one = [r.body for r in server.received if "entities of type" in user_text(r.body)]
        stage_two = [r.body for r in server.received if "mentions every one" in user_text(r.body)]
        assert {b["grammar"] for b in stage_one} == {names_grammar(3)}
        assert len(stage_two) == prov["counts"]["requests"] - len(stage_one) >= 6
        for body in stage_two:
            asked = re.findall(r"^- (.+) \((\w+)\)$",
                               user_text(body).split("spelled exactly as given:")[1], re.M)
            assert _literals(body["grammar"]) == [name for name, _ in asked]
        assert prov["parameters"]["constrain"] == "grammar"
        server.reset()
        generate(tmp_path, spec, "free", _params(server), GenSettings(n=2, seed=5),
                 progress=False)
        assert server.count > 0 and not any("grammar" in r.body for r in server.received)


def test_constrained_ner_still_rejects_and_counts_what_the_grammar_did_not_hold(tmp_path):
    """A server that ignores the grammar (or an answer cut off by max_tokens): the span
    check is the same, so the record is rejected as missing_entity and counted."""
    spec = write_data(tmp_path)["ner"]

    def cut(body):
        answer = responder(body)
        return answer.split(" and ")[0] if answer.startswith("Report") else answer

    with LLMServer() as server:
        server.responder = cut
        with pytest.raises(Exception, match="only"):
            generate(tmp_path, spec, "cut", _params(server),
                     GenSettings(n=4, seed=1, max_attempts=1, constrain="grammar"),
                     progress=False)
        prov = json.loads(output_path(tmp_path, spec, "cut")
                          .with_suffix(".provenance.json").read_text())
        multi = sum(len(re.findall(r"^- .+ \(\w+\)$", user_text(r.body).split(
            "spelled exactly as given:")[1], re.M)) > 1
            for r in server.received if "mentions every one" in user_text(r.body))
        assert prov["counts"]["rejections"].get("missing_entity", 0) == multi > 0


_NAME = st.text(st.characters(blacklist_characters='"\\\n', blacklist_categories=("Cc",)),
                min_size=1, max_size=12).filter(lambda s: s.strip() != "")
_GAP = st.text(st.characters(blacklist_characters='"\\\n', blacklist_categories=("Cc",)),
               min_size=1, max_size=20)


@st.composite
def _grammar_text(draw):
    """Entity names and a text of the shape ``entity_text_grammar`` allows for them."""
    names = draw(st.lists(_NAME, min_size=1, max_size=3,
                          unique_by=lambda s: s.casefold()))
    parts = [draw(_GAP) + " " if draw(st.booleans()) else ""]
    for i, name in enumerate(names):
        if i:
            parts.append(draw(st.sampled_from(["", ",", ";", ":"])) + " ")
            parts.append(draw(_GAP) + " " if draw(st.booleans()) else "")
        parts.append(name)
    parts.append(draw(st.sampled_from(["", ".", " tail", ", tail"])))
    return names, "".join(parts)


@settings(max_examples=300, deadline=None)
@given(_grammar_text())
@example((["b", "a b"], "a b a b"))  # "b" only inside the longer entity: that one is kept
def test_every_text_the_grammar_allows_is_accepted_with_all_entities(case):
    """The grammar and the span finder agree: a text of the grammar's shape always gives
    a record in which every planned entity is annotated, or lies inside an annotated
    longer one (whole-word boundaries are in the grammar)."""
    names, text = case
    labels = [f"L{i}" for i in range(len(names))]
    ctx = GenContext("ner", "toy_politics", tuple(labels), (), "train", Counter(), (0.0, 1.0),
                     GenSettings(constrain="grammar"), {})
    plan = {"entities": [[n, lab] for n, lab in zip(names, labels, strict=True)], "shots": []}
    out = NerGenerator(ctx).accept(plan, text)
    assert isinstance(out, Accepted), (text, out)
    record = out.record
    for name in names:
        assert any(" ".join(name.split()).casefold() in e["text"].casefold()
                   for e in record["entities"]), (name, record)
    for e in record["entities"]:
        assert record["text"][e["start"]:e["end"]] == e["text"]


def test_build_context_keeps_constrain(tmp_path):
    spec = write_data(tmp_path)["ner"]
    ctx = build_context(tmp_path, spec, GenSettings(constrain="grammar"))
    gen = NerGenerator(ctx)
    assert gen.constraint({"entities": [["Rome", "location"]]}) == {
        "grammar": entity_text_grammar(["Rome"])}
    assert NerGenerator(build_context(tmp_path, spec, GenSettings())).constraint(
        {"entities": [["Rome", "location"]]}) == {}


def test_a_name_list_cut_off_keeps_its_complete_names():
    from harness.tasks.ner.generate import parse_names

    assert parse_names('[\n "Ada", "B\\"c", "\\q", "Cut off he') == ["Ada", 'B"c']
    assert parse_names("- Ada\n- Bo") == ["Ada", "Bo"]
