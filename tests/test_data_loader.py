"""The data loader on tiny fixtures written here: validation, counts, sampling, cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.data import (
    DataError,
    DataMissing,
    label_set,
    load_source,
    load_train,
    read_jsonl,
    resolve_data_dir,
    sample_indices,
)
from harness.run.suite import DatasetSpec
from harness.tasks.intent.records import IntentExample
from harness.tasks.ner.records import Entity, NerExample
from harness.tasks.similarity.records import SimilarityExample


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(r if isinstance(r, str) else json.dumps(r) + "\n" for r in rows))
    return path


INTENT = DatasetSpec("toy", "intent", test="real/toy/test.jsonl", train="real/toy/train.jsonl")
SIM = DatasetSpec("pairs", "similarity", test="real/pairs/test.jsonl")
NER = DatasetSpec(
    "ents", "ner", test="real/ents/test.jsonl", labels="real/ents/labels.json"
)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    write_jsonl(d / "real/toy/test.jsonl", [
        {"text": "play a song", "label": "play"},
        {"text": "weather today", "label": "weather"},
    ])
    write_jsonl(d / "real/toy/train.jsonl", [{"text": "book a table", "label": "book"}])
    write_jsonl(d / "real/toy/valid.jsonl", [{"text": "rain?", "label": "weather_rain"}])
    write_jsonl(d / "synthetic/toy/gen-a.jsonl", [
        {"text": "play it", "label": "play"},
        "\n",
        {"text": "play it", "label": "play"},
        {"text": "  ", "label": "play"},
        {"text": "order pizza", "label": "food"},
    ])
    write_jsonl(d / "real/pairs/test.jsonl", [{"text1": "a", "text2": "b", "score": 1}])
    write_jsonl(d / "synthetic/pairs/gen-a.jsonl", [
        {"text1": "a", "text2": "b", "score": 1.5},
        {"text1": "a", "text2": "b", "score": 2},
        {"text1": "b", "text2": "a", "score": 2},
    ])
    (d / "real/ents").mkdir(parents=True)
    (d / "real/ents/labels.json").write_text(json.dumps(["person", "location"]))
    write_jsonl(d / "real/ents/test.jsonl", [
        {"text": "Anna lives in Rome", "entities": [
            {"start": 0, "end": 4, "label": "person", "text": "Anna"},
            {"start": 14, "end": 18, "label": "location", "text": "Rome"}]},
    ])
    write_jsonl(d / "synthetic/ents/gen-a.jsonl", [
        {"text": "the Hague and Anna", "entities": [
            {"start": 0, "end": 9, "label": "location", "text": "The Hague"},   # case
            {"start": 0, "end": 4, "label": "person", "text": "Anna"},          # relocated
            {"start": 0, "end": 3, "label": "person", "text": "Bob"},           # unlocated
            {"start": 0, "end": 3, "label": "villain", "text": "the"},          # label
            {"start": 0, "end": 0, "label": "person", "text": ""},              # empty
            {"start": 4, "end": 9, "label": "location", "text": "Hague"}]},     # overlap
    ])
    return d


def test_resolve_data_dir_precedence() -> None:
    env = {"SYNTHBENCH_DATA_DIR": "/env"}
    assert resolve_data_dir("/opt", "/ini", env) == Path("/opt")
    assert resolve_data_dir(None, "/ini", env) == Path("/ini")
    assert resolve_data_dir("", "", env) == Path("/env")
    assert resolve_data_dir(None, None, {}) is None
    assert resolve_data_dir("~/d", None, {}) == Path("~/d").expanduser()


def test_intent_source_counts_duplicates_and_drops_empty_records(data_dir: Path) -> None:
    ds = load_source(data_dir, INTENT, "gen-a")
    assert ds.examples == (
        IntentExample("play it", "play"),
        IntentExample("play it", "play"),
        IntentExample("order pizza", "food"),
    )
    assert (ds.issues.rows, ds.issues.kept) == (4, 3)
    assert ds.issues.duplicates == 1
    assert ds.issues.dropped_records == 1
    assert any("empty text" in n for n in ds.issues.notes)
    assert any("outside the label set" in n for n in ds.issues.notes)  # "food"
    assert (ds.task, ds.name, ds.generator) == ("intent", "toy", "gen-a")
    assert ds.path.endswith("synthetic/toy/gen-a.jsonl")


def test_intent_label_set_is_union_of_real_splits_with_sibling_valid(data_dir: Path) -> None:
    assert label_set(data_dir, INTENT) == ("book", "play", "weather", "weather_rain")
    assert load_source(data_dir, INTENT, "real").labels == label_set(data_dir, INTENT)


def test_similarity_duplicates_are_ordered_pairs(data_dir: Path) -> None:
    ds = load_source(data_dir, SIM, "gen-a")
    assert ds.examples[0] == SimilarityExample("a", "b", 1.5)
    assert ds.issues.duplicates == 1  # (a, b) twice; (b, a) is a different pair
    assert ds.labels == ()


def test_ner_repairs_and_drops_are_counted(data_dir: Path) -> None:
    ds = load_source(data_dir, NER, "gen-a")
    (ex,) = ds.examples
    assert isinstance(ex, NerExample)
    assert ex.entities == (
        Entity(0, 9, "location", "the Hague"),
        Entity(14, 18, "person", "Anna"),
    )
    assert ds.issues.repaired_entities == 2
    assert ds.issues.dropped_entities == 4  # unlocated, label, empty, overlap
    assert ds.labels == ("person", "location")
    assert ds.issues.notes[0].startswith("3 entity spans with offsets not matching")


def test_real_split_and_train(data_dir: Path) -> None:
    assert len(load_source(data_dir, NER, "real")) == 1
    assert load_train(data_dir, INTENT) == (IntentExample("book a table", "book"),)
    assert load_train(data_dir, SIM) == ()


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ('{"text": "x"}\n', "label"),
        ('{"text": 3, "label": "a"}\n', "text"),
        ('{"text": "x", "label": "a"\n', ""),
        ('[1, 2]\n', ""),
    ],
)
def test_malformed_line_names_file_line_and_field(data_dir: Path, line: str, field: str) -> None:
    rows = [{"text": "ok", "label": "a"}, "\n", line]
    path = write_jsonl(data_dir / "synthetic/toy/bad.jsonl", rows)
    with pytest.raises(DataError) as info:
        load_source(data_dir, INTENT, "bad")
    err = info.value
    assert (err.path, err.line, err.field) == (str(path), 3, field)
    assert f"{path}:3:" in str(err)
    if field:
        assert repr(field) in str(err)
    assert "fix or delete" in str(err)


def test_malformed_ner_entity_names_nested_field(data_dir: Path) -> None:
    write_jsonl(data_dir / "synthetic/ents/bad.jsonl", [
        {"text": "Anna", "entities": [{"start": "0", "end": 4, "label": "person", "text": "Anna"}]}
    ])
    with pytest.raises(DataError, match=r"bad.jsonl:1: .*entities\[0\]\.start"):
        load_source(data_dir, NER, "bad")


def test_missing_source_names_path_and_fix(data_dir: Path) -> None:
    with pytest.raises(DataMissing) as info:
        load_source(data_dir, INTENT, "nobody")
    msg = str(info.value)
    assert "synthetic/toy/nobody.jsonl" in msg
    assert "synthbench data fetch" in msg and "SYNTHBENCH_DATA_DIR" in msg
    with pytest.raises(DataMissing, match="label file"):
        spec = DatasetSpec("x", "ner", test="real/ents/test.jsonl", labels="nope.json")
        label_set(data_dir, spec)
    with pytest.raises(DataMissing):
        load_source(data_dir / "absent", INTENT, "real")


def test_bad_labels_file_is_a_data_error(data_dir: Path) -> None:
    (data_dir / "real/ents/labels.json").write_text('{"person": 1}')
    with pytest.raises(DataError, match="labels.json: expected a JSON list"):
        label_set(data_dir, NER)


def test_read_jsonl_skips_blank_lines_and_counts_them(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "f.jsonl", ["\n", {"a": 1}, "   \n", {"b": 2}])
    assert list(read_jsonl(path)) == [(2, {"a": 1}), (4, {"b": 2})]


def test_cache_shares_parsed_file_and_sees_edits(data_dir: Path) -> None:
    first = load_source(data_dir, INTENT, "real")
    assert load_source(data_dir, INTENT, "real").examples is first.examples
    path = data_dir / INTENT.test
    write_jsonl(path, [{"text": "only one line now", "label": "play"}])
    os.utime(path, ns=(1, 1))  # a new mtime even on coarse file-system clocks
    assert len(load_source(data_dir, INTENT, "real")) == 1


def test_sampling_is_seeded_in_file_order_and_counted(data_dir: Path) -> None:
    rows = [{"text": f"t{i}", "label": "play"} for i in range(50)]
    write_jsonl(data_dir / "synthetic/toy/big.jsonl", rows)
    a = load_source(data_dir, INTENT, "big", max_examples=10, seed=3)
    b = load_source(data_dir, INTENT, "big", max_examples=10, seed=3)
    c = load_source(data_dir, INTENT, "big", max_examples=10, seed=4)
    assert a.examples == b.examples and a.examples != c.examples
    idx = [int(e.text[1:]) for e in a.examples if isinstance(e, IntentExample)]
    assert idx == sorted(idx) and len(idx) == 10
    assert (a.issues.rows, a.issues.kept) == (50, 10)
    assert any("seeded sample of 10 of 50" in n for n in a.issues.notes)
    assert len(load_source(data_dir, INTENT, "big", max_examples=500)) == 50


def test_sample_is_the_same_in_another_process() -> None:
    code = (
        "from harness.data import sample_indices;"
        "print(sample_indices(1000, 7, 13, 'snips', 'gpt-4o'))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True).stdout
    assert out.strip() == str(sample_indices(1000, 7, 13, "snips", "gpt-4o"))


@given(st.integers(0, 300), st.integers(0, 400), st.integers(0, 10**6))
def test_sample_indices_properties(n: int, k: int, seed: int) -> None:
    idx = sample_indices(n, k, seed, "d", "g")
    assert idx == sorted(set(idx))
    assert all(0 <= i < n for i in idx)
    assert len(idx) == (n if k <= 0 or k >= n else k)
