"""The quality report on the shared data matches counts computed here independently.

Reads ``SYNTHBENCH_DATA_DIR``; skipped when it is not set. No MiniLM here: the
contamination search is tested on few texts in ``test_quality.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from harness.quality import check_source
from harness.run.suite import DatasetSpec

DATA = os.environ.get("SYNTHBENCH_DATA_DIR")
pytestmark = pytest.mark.skipif(not DATA, reason="set SYNTHBENCH_DATA_DIR to the data directory")

TASK = {"atis": "intent", "snips": "intent", "headlines": "similarity", "tweet-news": "similarity",
        "crossner_politics": "ner", "crossner_literature": "ner"}


def spec(name: str) -> DatasetSpec:
    labels = f"real/{name}/labels.json" if TASK[name] == "ner" else ""
    return DatasetSpec(name, TASK[name], f"real/{name}/test.jsonl", labels=labels)


def manifest() -> dict:
    return json.loads((Path(DATA) / "manifest.json").read_text())


def sources():
    if not DATA:  # collection still runs when skipped: parametrize over nothing
        return []
    return [(ds, gen) for ds, gens in manifest()["synthetic"].items() for gen in gens]


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_snips_gpt_4o_mini_has_the_13_duplicates_the_readme_names():
    q = check_source(Path(DATA), spec("snips"), "gpt-4o-mini")
    assert q["duplicates"]["count"] == 13


@pytest.mark.parametrize(("dataset", "generator"), sources())
def test_counts_match_an_independent_count(dataset, generator):
    path = Path(DATA) / "synthetic" / dataset / f"{generator}.jsonl"
    raw = rows(path)
    q = check_source(Path(DATA), spec(dataset), generator)
    assert q["rows"] == len(raw) == manifest()["synthetic"][dataset][generator]["n"]
    task = TASK[dataset]
    if task == "similarity":
        # records with an empty text are malformed for the task: count them apart
        good = [r for r in raw if r["text1"].strip() and r["text2"].strip()]
        keys = [(r["text1"], r["text2"]) for r in good]
    else:
        good = [r for r in raw if r["text"].strip()]
        keys = [r["text"] for r in good]
    assert q["malformed"] == len(raw) - len(good)
    assert q["duplicates"]["count"] == len(keys) - len(set(keys))
    real = rows(Path(DATA) / "real" / dataset / "test.jsonl")
    if task == "intent":
        real_labels = {r["label"] for r in real}
        mine = {r["label"] for r in good}
        assert q["labels"]["coverage"] == pytest.approx(len(real_labels & mine) / len(real_labels))
        real_texts = {" ".join(r["text"].lower().split()) for r in real}
        exact = sum(" ".join(r["text"].lower().split()) in real_texts for r in good)
        assert q["contamination"]["exact"] == exact
    if task == "ner":
        mismatched = sum(
            1 for r in good for e in r["entities"]
            if 0 <= e["start"] < e["end"] <= len(r["text"])
            and r["text"][e["start"]:e["end"]] != e["text"]
        )
        expected = manifest()["synthetic"][dataset][generator]["entity_offsets_not_matching_text"]
        assert q["checks"]["problems"].get("offsets_not_matching_text", 0) == mismatched == expected
