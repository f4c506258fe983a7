"""Tiny data directories and suites that tests write themselves (never the shared data).

The data follow the layout of the real release (``real/<dataset>/test.jsonl``,
``synthetic/<dataset>/<generator>.jsonl``) so the same loaders read them.
"""

from __future__ import annotations

import json
import random
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.core.families import Families
from harness.core.records import CaseKey, CaseResult, Outcome
from harness.report.finish import Finished, ReportSettings, build
from harness.run.runner import RunSettings, iter_cases, run_case
from harness.run.suite import parse_suite
from harness.store.files import write_case
from harness.store.runs import Cell, RunRecord, write_run_record

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


def write_store(
    root: Path,
    results: Sequence[CaseResult],
    outcomes: Mapping[CaseKey, Sequence[Outcome]] | None = None,
    same_as: Mapping[str, str] | None = None,
    families: Families | None = None,
    run_id: str = "fixture",
) -> RunRecord:
    """A store at ``root`` as a finished run leaves it: the ok cases' files (with their
    ``outcomes``, if given), the others settled in the run record, every cell selected."""
    outcomes = outcomes or {}
    for r in results:
        if r.status == "ok":
            write_case(root, r, outcomes.get(r.key, ()), run_id)
    record = RunRecord(
        run_id,
        tuple(Cell(r.key, r.fingerprint, True) for r in sorted(results, key=lambda r: r.key)),
        dict(same_as or {}),
        tuple(r for r in sorted(results, key=lambda r: r.key) if r.status != "ok"),
        families=families or Families(),
    )
    write_run_record(root, record)
    return record


def toy_store(root: Path, extra: str = "", n: int = 30) -> tuple[Path, RunRecord]:
    """The toy suite (``suite_text(extra)``) run case by case without pytest, its store
    at ``root / "out"`` with the run record a session writes; ``(store, record)``."""
    write_data_dir(root / "data", n=n)
    suite = parse_suite(tomllib.loads(suite_text(extra)), str(root / "suite.toml"))
    store = root / "out"
    settings = RunSettings(root / "data", store, 0, 3, run_id="toy")
    results = [run_case(k, suite, settings) for k in iter_cases(suite)]
    cells = tuple(Cell(r.key, r.fingerprint, True) for r in results)
    settled = tuple(r for r in results if r.status != "ok")
    record = RunRecord("toy", cells, suite.same_as(), settled, families=suite.families)
    write_run_record(store, record)
    return store, record


def finish_store(store: Path, record: RunRecord, **settings: Any) -> Finished:
    """``harness.report.finish.build`` over one store: the pipeline users run."""
    return build([(store, record)], ReportSettings(**settings))


def toy_report(
    root: Path, resamples: int = 200, level: float = 0.95, gate_options: tuple[str, ...] = ()
) -> dict[str, Any]:
    """report.json of the toy suite's store (``toy_store``), through ``finish``."""
    store, record = toy_store(root)
    done = finish_store(store, record, resamples=resamples, level=level, gate_options=gate_options)
    return done.report.to_dict()
