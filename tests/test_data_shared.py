"""The loader against the shared benchmark data (skipped when SYNTHBENCH_DATA_DIR is unset).

Expected numbers come from the data's own ``manifest.json`` and README, not from
this loader: row counts, and the per-file count of entity offsets that do not
match their text, which must equal what the loader repaired or dropped for that reason.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from harness.data import label_set, load_source, read_jsonl, repair_entities
from harness.run.suite import DatasetSpec
from harness.tasks.ner import repair as rp
from harness.tasks.ner.records import Entity

DATA = os.environ.get("SYNTHBENCH_DATA_DIR", "")
pytestmark = pytest.mark.skipif(
    not DATA, reason="SYNTHBENCH_DATA_DIR is not set (the shared benchmark data directory)"
)


def _manifest() -> dict[str, Any]:
    if not DATA:
        return {"real": {}, "synthetic": {}}
    return json.loads((Path(DATA) / "manifest.json").read_text())


MANIFEST = _manifest()


def _spec(name: str) -> DatasetSpec:
    real = MANIFEST["real"][name]
    labels = f"real/{name}/labels.json" if real["task"] == "ner" else ""
    train = f"real/{name}/train.jsonl" if "train" in real else ""
    test = f"real/{name}/test.jsonl"
    return DatasetSpec(name, real["task"], test=test, train=train, labels=labels)


SYNTHETIC = [(d, g) for d, gens in MANIFEST["synthetic"].items() for g in gens]


@pytest.mark.parametrize(("dataset", "generator"), SYNTHETIC)
def test_synthetic_rows_and_offset_repairs_match_manifest(dataset: str, generator: str) -> None:
    entry = MANIFEST["synthetic"][dataset][generator]
    spec = _spec(dataset)
    ds = load_source(Path(DATA), spec, generator)
    assert ds.issues.rows == entry["n"]
    assert ds.issues.kept + ds.issues.dropped_records == entry["n"]
    # The same rules record by record, to split the counts by reason.
    counts: Counter[str] = Counter()
    if spec.task == "ner":
        labels = set(label_set(Path(DATA), spec))
        for _, obj in read_jsonl(Path(DATA) / entry["file"]):
            ents = [Entity.from_dict(e) for e in obj["entities"]]
            counts.update(repair_entities(obj["text"], ents, labels).counts)
    offsets = sum(counts[r] for r in rp.OFFSET_REASONS)
    assert offsets == entry["entity_offsets_not_matching_text"]
    assert ds.issues.repaired_entities == counts[rp.CASE] + counts[rp.RELOCATED]
    assert ds.issues.dropped_entities == sum(counts[r] for r in rp.DROPPED_REASONS)


@pytest.mark.parametrize("dataset", sorted(MANIFEST["real"]))
def test_real_test_split_rows_match_manifest(dataset: str) -> None:
    ds = load_source(Path(DATA), _spec(dataset), "real")
    assert ds.issues.rows == MANIFEST["real"][dataset]["test"]
    assert ds.issues.dropped_records == 0 and ds.issues.repaired_entities == 0


def test_snips_gpt_4o_mini_has_13_duplicate_texts() -> None:
    # The data README: "Synthetic intent sets contain a few duplicate texts (up to 13 in a file)".
    ds = load_source(Path(DATA), _spec("snips"), "gpt-4o-mini")
    assert ds.issues.duplicates == 13


def test_label_sets_match_manifest() -> None:
    for name, real in MANIFEST["real"].items():
        labels = label_set(Path(DATA), _spec(name))
        if real["task"] == "ner":
            assert labels == tuple(real["labels"])
        elif real["task"] == "similarity":
            assert labels == ()
    snips = label_set(Path(DATA), _spec("snips"))
    assert len(snips) == 7  # README: 7 intents
