"""SmolLM2-135M through a real llama.cpp server (the ``local-llm`` extra).

A handful of short, greedy requests on the session's one managed server
(``smollm2_params`` in conftest.py); skipped with the install command when the
extra is not installed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.backends import build_client, managed
from harness.models import MODELS, TaskContext
from harness.tasks.intent.records import IntentExample
from harness.tasks.ner.records import NerExample
from harness.tasks.similarity.records import SimilarityExample

LABELS = ("play_music", "get_weather", "book_restaurant")
TEXTS = (
    "play the latest album by daft punk",
    "will it snow in oslo tomorrow",
    "book a table for four at an italian place tonight",
)


def _examples() -> list[IntentExample]:
    return [IntentExample(t, lab) for t, lab in zip(TEXTS, LABELS, strict=True)]


def test_one_server_serves_every_client_and_greedy_answers_repeat(
    smollm2_params: dict[str, Any],
) -> None:
    servers = managed.running()
    assert len(servers) == 1, servers
    uncached = {**smollm2_params, "cache": "off", "max_tokens": 12}
    client, defaults = build_client(uncached)
    client2, _ = build_client(uncached)
    assert client.backend.base_url == client2.backend.base_url == servers[0].base_url
    req = defaults.request([{"role": "user", "content": "Say hello."}])
    first, second = client.complete(req), client2.complete(req)
    assert first.ok and second.ok and first.attempts == 1
    assert first.text and first.text == second.text  # temperature 0 on one server
    assert first.completion_tokens > 0 and first.prompt_tokens > 0


def test_llm_intent_keeps_every_answer_and_counts_the_invalid(
    smollm2_params: dict[str, Any],
) -> None:
    model = MODELS.get("llm")(TaskContext("intent", "toy", labels=LABELS), **smollm2_params)
    preds = model.predict(_examples())
    assert len(preds) == len(TEXTS)
    for p in preds:
        assert p.raw  # the model's own words, kept for audit
        assert (p.value in LABELS and p.error is None) or (
            p.value is None and p.error.startswith("unparseable")
        )
    # The second run is served from the response cache, with identical predictions.
    again = MODELS.get("llm")(TaskContext("intent", "toy", labels=LABELS), **smollm2_params)
    assert again.predict(_examples()) == preds
    assert again.client.stats.cache_hits == len(TEXTS)


def test_grammar_constrained_answers_are_always_valid(smollm2_params: dict[str, Any]) -> None:
    """llama.cpp's grammar sampling: the model can only say a label or a rating."""
    params = {**smollm2_params, "constrain": "grammar"}
    intent = MODELS.get("llm")(TaskContext("intent", "toy", labels=LABELS), **params)
    preds = intent.predict(_examples())
    assert all(p.value in LABELS and p.raw == p.value for p in preds), preds
    sim = MODELS.get("llm")(TaskContext("similarity", "toy", score_range=(0.0, 5.0)), **params)
    pairs = [
        SimilarityExample("a man plays a guitar", "a man is playing the guitar", 4.8),
        SimilarityExample("the stock market fell", "a cat sleeps on a sofa", 0.0),
    ]
    ratings = sim.predict(pairs)
    assert all(r.error is None and 0.0 <= r.value <= 5.0 for r in ratings), ratings
    ner_params = {**params, "max_tokens": 96}
    ner = MODELS.get("llm")(TaskContext("ner", "toy", labels=("person", "country")), **ner_params)
    text = "Angela Merkel visited France in May."
    (entities,) = ner.predict([NerExample(text, ())])
    assert entities.error is None, entities  # a JSON object with exactly the two keys
    assert all(text[e.start : e.end] == e.text for e in entities.value)


def test_grammar_constrained_ner_generation_writes_every_record(
    smollm2_params: dict[str, Any], tmp_path: Path
) -> None:
    """Generation under the NER grammars: names as a JSON list, and each text holds its
    plan's entities verbatim, so every planned record of this small run is written
    (without a grammar SmolLM2 misses most entities: README, "A real LLM offline")."""
    from harness.generate import GenSettings, generate, output_path
    from tests.gen_fixtures import write_data

    spec = write_data(tmp_path)["ner"]
    settings = GenSettings(n=3, seed=42, temperature=0.0, max_tokens=96, max_attempts=1,
                           entities_per_label=3, constrain="grammar")
    prov = generate(tmp_path, spec, "smollm2", smollm2_params, settings, progress=False)
    assert prov["counts"]["records"] == 3 and prov["counts"]["abandoned"] == 0, prov["counts"]
    rows = [json.loads(x) for x in output_path(tmp_path, spec, "smollm2").read_text().splitlines()]
    for row in rows:
        for e in row["entities"]:
            assert row["text"][e["start"]:e["end"]] == e["text"]
