"""Tiny data directories and suites that tests write themselves (never the shared data).

The data follow the layout of the real release (``real/<dataset>/test.jsonl``,
``synthetic/<dataset>/<generator>.jsonl``) so the same loaders read them.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

INTENT_LABELS = ("play_music", "get_weather", "book_restaurant", "add_to_playlist")
WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india")
GENERATORS = ("gen-a", "gen-b", "gen-c")


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def _intent_rows(rng: random.Random, n: int, tag: str) -> list[dict]:
    return [
        {"text": f"{tag} {i} " + " ".join(rng.choice(WORDS) for _ in range(4)),
         "label": INTENT_LABELS[i % len(INTENT_LABELS)]}
        for i in range(n)
    ]


def _similarity_rows(rng: random.Random, n: int, tag: str, top: float) -> list[dict]:
    rows = []
    for i in range(n):
        words = [rng.choice(WORDS) for _ in range(5)]
        rows.append({"text1": f"{tag} {i} " + " ".join(words),
                     "text2": f"{tag} {i} " + " ".join(reversed(words)),
                     "score": round(rng.uniform(0, top), 1)})
    return rows


def _ner_rows(rng: random.Random, n: int, tag: str) -> list[dict]:
    rows = []
    for i in range(n):
        person, place = rng.choice(["Ada Lovelace", "Alan Turing", "Grace Hopper"]), rng.choice(
            ["Paris", "London", "Berlin"])
        text = f"In {tag} story {i} {person} travelled to {place} ."
        ps, ls = text.index(person), text.index(place)
        rows.append({"text": text, "entities": [
            {"start": ps, "end": ps + len(person), "label": "person", "text": person},
            {"start": ls, "end": ls + len(place), "label": "location", "text": place},
        ]})
    return rows


def write_data_dir(root: Path, n: int = 40, seed: int = 0) -> Path:
    """A data directory with one dataset per task, real data and three generators."""
    rng = random.Random(seed)
    _write_jsonl(root / "real/toy-intent/test.jsonl", _intent_rows(rng, n, "real"))
    _write_jsonl(root / "real/toy-intent/train.jsonl", _intent_rows(rng, n, "train"))
    _write_jsonl(root / "real/toy-sim/test.jsonl", _similarity_rows(rng, n, "real", 5.0))
    _write_jsonl(root / "real/toy-ner/test.jsonl", _ner_rows(rng, n, "real"))
    _write_jsonl(root / "real/toy-ner/train.jsonl", _ner_rows(rng, n, "train"))
    (root / "real/toy-ner/labels.json").write_text(json.dumps(["person", "location"]))
    for g in GENERATORS:
        _write_jsonl(root / f"synthetic/toy-intent/{g}.jsonl", _intent_rows(rng, n, g))
        _write_jsonl(root / f"synthetic/toy-sim/{g}.jsonl", _similarity_rows(rng, n, g, 4.0))
        _write_jsonl(root / f"synthetic/toy-ner/{g}.jsonl", _ner_rows(rng, n, g))
    return root


SUITE = """
[run]
seed = 3

[generators]
"gen-a" = {{ model_id = "toy/gen-a" }}
"gen-b" = {{ model_id = "toy/gen-b" }}
"gen-c" = {{ model_id = "toy/gen-c" }}

[datasets.toy-intent]
task = "intent"
test = "real/toy-intent/test.jsonl"
train = "real/toy-intent/train.jsonl"

[datasets.toy-sim]
task = "similarity"
test = "real/toy-sim/test.jsonl"

[datasets.toy-ner]
task = "ner"
test = "real/toy-ner/test.jsonl"
train = "real/toy-ner/train.jsonl"
labels = "real/toy-ner/labels.json"

[models.best]
factory = "oracle"
params = {{ accuracy = 0.95, salt = "1" }}
same_as = "gen-a"

[models.good]
factory = "oracle"
params = {{ accuracy = 0.8, salt = "2" }}
same_as = "gen-b"

[models.fair]
factory = "oracle"
params = {{ accuracy = 0.6, salt = "3", invalid = 0.1 }}

[models.poor]
factory = "oracle"
params = {{ accuracy = 0.4, salt = "4" }}
{extra}
"""


def suite_text(extra: str = "") -> str:
    return SUITE.format(extra=extra)


BENCH_TEST = '''
from harness import CaseKey
def test_benchmark(synth_case: CaseKey, synth_evaluate) -> None:
    result = synth_evaluate(synth_case)
    assert result.n_examples > 0
'''
