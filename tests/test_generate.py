"""Generation end to end against the loopback OpenAI-compatible server."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import pytest

from harness.generate import (
    GENERATORS,
    GenerateError,
    GenSettings,
    build_context,
    generate,
    output_path,
    read_provenance,
)
from harness.quality import check_source
from tests.gen_fixtures import INTENTS, responder, user_text, write_data
from tests.llm_server import LLMServer

KEY_ENV = "SYNTHBENCH_TEST_GEN_KEY"


@pytest.fixture
def specs(tmp_path):
    return write_data(tmp_path)


def params(server, **extra):
    return {"backend": "openai", "model": "toy-llm", "base_url": server.base_url,
            "api_key_env": KEY_ENV, "cache": "off", "retry_base_delay": 0.01,
            "retry_max_delay": 0.05, **extra}


@pytest.fixture
def server():
    """The loopback OpenAI-compatible server (tests/llm_server.py)."""
    with LLMServer() as s:
        yield s


@pytest.fixture(autouse=True)
def api_key(monkeypatch):
    monkeypatch.setenv(KEY_ENV, "sk-test-generation-key-0123456789")


def lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def test_intent_end_to_end(tmp_path, specs, server):
    server.responder = responder
    spec = specs["intent"]
    prov = generate(tmp_path, spec, "toy-llm", params(server),
                    GenSettings(n=12, shots=2, seed=42), progress=False)
    out = output_path(tmp_path, spec, "toy-llm")
    assert out == tmp_path / "synthetic/toy/toy-llm.jsonl"
    rows = lines(out)
    assert len(rows) == 12
    assert sorted(r["_gen"]["index"] for r in rows) == list(range(12))
    assert all(r["label"] in INTENTS and r["text"].startswith(r["label"]) for r in rows)
    c = prov["counts"]
    assert (c["records"], c["requests"], c["failures"], c["rejections"]) == (12, 12, 0, {})
    assert server.count == 12
    # every request showed 2 real train examples of the label it asked for
    for rec in server.received:
        label = re.search(r'with the intent "(\w+)"', user_text(rec.body)).group(1)
        assert len(re.findall(rf"^- {label} request \d$", user_text(rec.body), re.M)) == 2
    side = read_provenance(out)
    assert side == prov and side["complete"] is True
    assert set(side["templates"]) == {"intent"} and len(side["templates"]["intent"]) == 64
    assert side["backend"]["model"] == "toy-llm" and side["parameters"]["seed"] == 42
    assert "sk-test" not in (out.parent / "toy-llm.provenance.json").read_text()
    q = check_source(tmp_path, spec, "toy-llm")
    assert q["duplicates"]["count"] == 0 and q["checks"]["examples_with_problems"] == 0


def test_faulty_answers_are_rejected_and_counted_exactly(tmp_path, specs, server):
    server.responder = responder
    server.answers = {
        'with the intent "play"': "play the same song",      # duplicates after the first
        'with the intent "weather"': "```\n```",              # no utterance: wrong format
    }
    spec = specs["intent"]

    def plans(seed):
        settings = GenSettings(n=6, seed=seed, max_attempts=2, labels="uniform")
        gen = GENERATORS.get("intent")(build_context(tmp_path, spec, settings))
        return gen, settings, [gen.plan(i)["label"] for i in range(6)]

    # a seed whose first plans ask for 'play' twice and 'weather' and 'book' at least once
    gen, settings, labels = next(
        p for p in map(plans, range(100))
        if p[2].count("play") >= 2 and "weather" in p[2] and "book" in p[2])
    # the first request of one 'book' plan fails twice (500, then a timeout): one failure.
    # The client timeout leaves a loaded machine room (a 0.5 s one timed out ordinary
    # requests too, counting extra retries); the hang outlasts it.
    server.fault('with the intent "book"', "500", "hang:5")
    prov = generate(tmp_path, spec, "faulty", params(server, timeout=2.0, max_retries=1),
                    settings, progress=False)
    c = prov["counts"]
    sent = {lab: len(server.requests_matching(f'with the intent "{lab}"')) for lab in INTENTS}
    assert c["records"] == 6
    assert c["rejections"]["duplicate"] == sent["play"] - 1
    assert c["rejections"]["format"] == sent["weather"]
    assert c["failures"] == 1 and c["rejections"]["request_failed"] == 1
    assert c["retries"] == 1
    assert c["requests"] == server.count == sum(sent.values())
    # abandoned plans are exactly those asking for the broken labels, twice each
    assert all(gen.plan(i)["label"] in ("weather", "play") for i in prov["abandoned"])
    assert c["abandoned"] == len(prov["abandoned"])
    rows = lines(output_path(tmp_path, spec, "faulty"))
    assert len({r["text"] for r in rows}) == 6
    assert sum(r["label"] == "play" for r in rows) <= 1
    assert not any(r["label"] == "weather" for r in rows)


def test_similarity_from_the_test_split_with_wrong_formats(tmp_path, specs, server):
    server.responder = responder
    server.answers = {"rated 3": "they are quite similar"}
    spec = specs["similarity"]
    prov = generate(tmp_path, spec, "sim", params(server),
                    GenSettings(n=8, seed=5, labels="uniform", max_attempts=1), progress=False)
    assert prov["parameters"]["examples_split"] == "test"
    rows = lines(output_path(tmp_path, spec, "sim"))
    assert len(rows) == 8 and all(0 <= r["score"] <= 5 and r["score"] != 3 for r in rows)
    assert all(r["text2"].endswith(str(int(r["score"]))) for r in rows)
    assert prov["counts"]["rejections"] == {"format": len(server.requests_matching("rated 3"))}


def test_ner_two_stages_repairs_and_missing_entities(tmp_path, specs, server):
    def ner_responder(body):
        answer = responder(body)
        if answer.startswith("Report"):
            # John Smith is never written; Lisbon comes lower-cased (a repair)
            answer = answer.replace("John Smith", "somebody").replace("Lisbon", "lisbon")
        return answer

    server.responder = ner_responder
    spec = specs["ner"]
    prov = generate(tmp_path, spec, "ner-llm", params(server),
                    GenSettings(n=10, shots=1, seed=3, max_attempts=1), progress=False)
    assert prov["stage_one"]["entities"]["person"] == ["Mara Voss", "John Smith", "Lena Ortiz"]
    assert prov["stage_one"]["domain"] == "politics"
    rows = lines(output_path(tmp_path, spec, "ner-llm"))
    assert len(rows) == 10
    for r in rows:
        for e in r["entities"]:
            assert r["text"][e["start"]:e["end"]] == e["text"]
        assert "John Smith" not in r["text"]
    stage_two = [r for r in server.received if "mentions every one" in user_text(r.body)]
    asked_john = sum("- John Smith (person)" in user_text(r.body) for r in stage_two)
    asked_lisbon_ok = sum("- Lisbon (location)" in user_text(r.body)
                          and "- John Smith (person)" not in user_text(r.body) for r in stage_two)
    assert prov["counts"]["rejections"].get("missing_entity", 0) == asked_john > 0
    assert prov["counts"]["repairs"] == asked_lisbon_ok > 0
    assert sum(e["text"] == "lisbon" for r in rows for e in r["entities"]) == asked_lisbon_ok
    q = check_source(tmp_path, spec, "ner-llm")
    assert q["checks"]["examples_with_problems"] == 0


def test_changed_settings_refuse_to_resume_and_n_extends(tmp_path, specs, server):
    server.responder = responder
    spec = specs["intent"]
    generate(tmp_path, spec, "g", params(server), GenSettings(n=4, seed=1), progress=False)
    with pytest.raises(GenerateError, match=r"parameters\.shots"):
        generate(tmp_path, spec, "g", params(server), GenSettings(n=4, shots=3, seed=1),
                 progress=False)
    first = lines(output_path(tmp_path, spec, "g"))
    prov = generate(tmp_path, spec, "g", params(server), GenSettings(n=7, seed=1),
                    progress=False)
    rows = lines(output_path(tmp_path, spec, "g"))
    assert rows[:4] == first and len(rows) == 7 and prov["counts"]["requests"] == 7
    assert [r["_gen"]["index"] for r in rows] == list(range(7))
    assert len(prov["runs"]) == 2 and prov["runs"][1]["resumed_with"] == 4


def test_cli_writes_and_reports(tmp_path, specs, server, capsys):
    from harness.cli.generate import add_generate_parser

    server.responder = responder
    parser = argparse.ArgumentParser()
    add_generate_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args([
        "generate", "--task", "intent", "--dataset", "toy", "--generator", "cli", "--n", "5",
        "--shots", "1", "--seed", "42", "--model", "toy-llm", "--base-url", server.base_url,
        "--api-key-env", KEY_ENV, "--param", "cache=off", "--data-dir", str(tmp_path),
        "--suite", str(_suite(tmp_path)), "--no-progress",
    ])
    assert args.func(args) == 0
    assert "wrote 5 records (5 requests" in capsys.readouterr().out
    assert len(lines(tmp_path / "synthetic/toy/cli.jsonl")) == 5
    args = parser.parse_args(["generate", "--task", "ner", "--dataset", "toy", "--generator", "x",
                              "--model", "m", "--data-dir", str(tmp_path),
                              "--suite", str(_suite(tmp_path))])
    assert args.func(args) == 1
    assert "intent dataset" in capsys.readouterr().err


def _suite(root: Path) -> Path:
    path = root / "suite.toml"
    path.write_text('[datasets.toy]\ntask = "intent"\ntest = "real/toy/test.jsonl"\n'
                    'train = "real/toy/train.jsonl"\n')
    return path


def test_generate_backend_choices_are_the_registered_backends(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``--help`` lists every registered backend (llama-cpp included), a wrong name is
    refused with the list: both read from the registry, never a hand-written list."""
    from harness.__main__ import main
    from harness.backends import BACKENDS

    with pytest.raises(SystemExit):
        main(["generate", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "llama-cpp" in BACKENDS.names()
    assert f"chat backend: {', '.join(BACKENDS.names())}" in help_text
    argv = ["generate", "--dataset", "d", "--generator", "g", "--model", "m", "--backend", "nope"]
    with pytest.raises(SystemExit):
        main(argv)
    err = capsys.readouterr().err
    assert "invalid choice: 'nope'" in err and "'llama-cpp'" in err
