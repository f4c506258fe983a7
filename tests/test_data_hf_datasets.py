"""Datasets in the ``datasets`` library's formats, with column mappings; NER from BIO tags.

Every dataset is built here (``datasets.Dataset.from_dict``) and written in the format
under test; nothing is downloaded.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

datasets = pytest.importorskip("datasets")

from seqeval.metrics.sequence_labeling import get_entities  # noqa: E402

from harness.config import ConfigError, DatasetSpec, parse_suite  # noqa: E402
from harness.data import DataError, clear_cache, label_set, load_source, load_train  # noqa: E402
from harness.data.bio import to_spans  # noqa: E402
from harness.data.hf_datasets import materialise  # noqa: E402
from harness.records import Entity, IntentExample, NerExample  # noqa: E402

INTENTS = ["play_music", "get_weather", "book_restaurant"]
NER_TAGS = ["O", "B-person", "I-person", "B-location", "I-location"]

token = st.text(alphabet="abcXYZ.,'-", min_size=1, max_size=5)
tag = st.sampled_from(["O", "B-A", "I-A", "B-B", "I-B"])


@given(st.lists(st.tuples(token, tag), max_size=12))
def test_bio_spans_are_seqeval_chunks_at_the_right_characters(rows) -> None:
    tokens, tags = [t for t, _ in rows], [g for _, g in rows]
    text, spans = to_spans(tokens, tags)
    assert text == " ".join(tokens)
    assert [(s.label, s.first_token, s.last_token) for s in spans] == get_entities(tags)
    for s in spans:
        assert text[s.start : s.end] == " ".join(tokens[s.first_token : s.last_token + 1])


def test_bio_refuses_misaligned_or_unknown_tags() -> None:
    with pytest.raises(ValueError, match="2 tokens but 1 tags"):
        to_spans(["a", "b"], ["O"])
    with pytest.raises(ValueError, match="not O or a B-"):
        to_spans(["a"], ["PER"])


def _intent_dict(n: int, tag: str) -> datasets.DatasetDict:
    feats = datasets.Features(
        {"utterance": datasets.Value("string"), "intent": datasets.ClassLabel(names=INTENTS)}
    )
    rows = {"utterance": [f"{tag} {i}" for i in range(n)], "intent": [i % 3 for i in range(n)]}
    return datasets.Dataset.from_dict(rows, features=feats)


def _write(fmt: str, root: Path) -> str:
    """Test and train splits in ``fmt`` under ``root``; returns the path relative to root."""
    test, train = _intent_dict(6, "test"), _intent_dict(9, "train")
    folder = root / fmt
    folder.mkdir(parents=True)
    if fmt == "disk":
        datasets.DatasetDict({"test": test, "train": train}).save_to_disk(str(folder))
    else:
        for name, ds in (("test", test), ("train", train)):
            getattr(ds, f"to_{fmt}")(str(folder / f"{name}.{fmt}"))
    return fmt


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTHBENCH_CACHE_DIR", str(tmp_path / "cache"))
    clear_cache()


@pytest.mark.parametrize("fmt", ["parquet", "csv", "json", "disk"])
def test_each_format_with_a_column_mapping_and_class_label_names(tmp_path: Path, fmt: str) -> None:
    rel = _write(fmt, tmp_path / "data")
    spec = DatasetSpec(
        name="tickets", task="intent", test=rel, train=rel,
        columns=(("label", "intent"), ("text", "utterance")),
    )  # fmt: skip
    local = materialise(spec, tmp_path / "data")
    data = load_source(tmp_path / "data", local, "real")
    # CSV and JSON keep the class ids, not the ClassLabel feature: they are read as ids.
    named = fmt in ("parquet", "disk")
    want = [IntentExample(f"test {i}", INTENTS[i % 3] if named else str(i % 3)) for i in range(6)]
    assert list(data.examples) == want
    assert len(load_train(tmp_path / "data", local)) == 9
    assert set(label_set(tmp_path / "data", local)) == {e.label for e in want}


def test_a_single_parquet_file_uses_its_only_split(tmp_path: Path) -> None:
    _intent_dict(4, "solo").to_parquet(str(tmp_path / "solo.parquet"))
    spec = DatasetSpec(
        "d", "intent", "solo.parquet", columns=(("label", "intent"), ("text", "utterance"))
    )
    data = load_source(tmp_path, materialise(spec, tmp_path), "real")
    assert [e.text for e in data.examples] == [f"solo {i}" for i in range(4)]


def test_ner_from_tokens_and_class_label_tags(tmp_path: Path) -> None:
    feats = datasets.Features(
        {
            "tokens": datasets.Sequence(datasets.Value("string")),
            "ner_tags": datasets.Sequence(datasets.ClassLabel(names=NER_TAGS)),
        }
    )
    ds = datasets.Dataset.from_dict(
        {
            "tokens": [["Ada", "Lovelace", "met", "Babbage", "in", "London", "."]],
            "ner_tags": [[1, 2, 0, 1, 0, 3, 0]],
        },
        features=feats,
    )
    datasets.DatasetDict({"test": ds}).save_to_disk(str(tmp_path / "ner"))
    spec = DatasetSpec("n", "ner", "ner")
    data = load_source(tmp_path, materialise(spec, tmp_path), "real")
    text = "Ada Lovelace met Babbage in London ."
    assert data.examples == (
        NerExample(
            text,
            (
                Entity(0, 12, "person", "Ada Lovelace"),
                Entity(17, 24, "person", "Babbage"),
                Entity(28, 34, "location", "London"),
            ),
        ),
    )


def test_errors_name_the_source_row_and_column(tmp_path: Path) -> None:
    _write("parquet", tmp_path)
    spec = DatasetSpec("d", "intent", "parquet", columns=(("label", "intent"), ("text", "utt")))
    with pytest.raises(DataError) as bad_value:
        materialise(spec, tmp_path)
    # The cure is the suite's key, not the data: the message names the key, the bad
    # value and the columns there are, and says to fix the key.
    assert str(bad_value.value) == (
        "parquet: datasets.d.columns.text = 'utt' names no column of this source; its "
        "columns: utterance, intent; correct datasets.d.columns.text in the suite file"
    )
    typo = DatasetSpec(
        "d", "intent", "parquet", columns=(("label", "intent"), ("txet", "utterance"))
    )
    with pytest.raises(DataError) as bad_key:
        materialise(typo, tmp_path)
    assert str(bad_key.value) == (
        "parquet: datasets.d.columns gives no column for the field 'text'; it maps 'txet', "
        "which intent records do not have (fields: text, label); correct datasets.d.columns "
        "in the suite file"
    )
    assert "fix the file" not in str(bad_value.value) + str(bad_key.value)
    ds = datasets.Dataset.from_dict({"text": ["ok", None], "label": ["a", "b"]})
    ds.to_parquet(str(tmp_path / "bad.parquet"))
    with pytest.raises(DataError, match=r"bad.parquet\[test\]:2: row 2, column 'text'"):
        materialise(DatasetSpec("d", "intent", "bad.parquet"), tmp_path)
    datasets.DatasetDict({"a": ds, "b": ds}).save_to_disk(str(tmp_path / "two"))
    with pytest.raises(DataError, match="no split 'test'; it has a, b"):
        materialise(DatasetSpec("d", "intent", "two"), tmp_path)


def test_a_converted_source_is_reused_until_its_files_change(tmp_path: Path) -> None:
    _write("parquet", tmp_path)
    spec = DatasetSpec(
        "d", "intent", "parquet", columns=(("label", "intent"), ("text", "utterance"))
    )
    first = materialise(spec, tmp_path).test
    assert materialise(spec, tmp_path).test == first
    _intent_dict(2, "edited").to_parquet(str(tmp_path / "parquet" / "test.parquet"))
    again = materialise(spec, tmp_path).test
    assert again != first
    assert [
        e.text for e in load_source(tmp_path, materialise(spec, tmp_path), "real").examples
    ] == ["edited 0", "edited 1"]


REV = "1a2b3c" + "0" * 34


def test_hub_repository_at_a_pinned_revision_from_the_hub_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from huggingface_hub import constants

    from harness import hub

    snap = tmp_path / "hub" / "datasets--my-org--tickets" / "snapshots" / REV / "data"
    snap.mkdir(parents=True)
    _intent_dict(5, "hub").to_parquet(str(snap / "test.parquet"))
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setattr(hub, "hub_reachable", lambda: False)
    raw = {
        "datasets": {
            "tickets": {
                "task": "intent",
                "test": f"hf://datasets/my-org/tickets@{REV}",
                "split": "test",
                "columns": {"text": "utterance", "label": "intent"},
            }
        }
    }
    spec = parse_suite(raw).dataset("tickets")
    assert spec.columns == (("label", "intent"), ("text", "utterance"))
    data = load_source(tmp_path, materialise(spec, tmp_path), "real")
    assert [e.text for e in data.examples] == [f"hub {i}" for i in range(5)]


def test_columns_must_be_a_table_of_strings() -> None:
    raw = {"datasets": {"d": {"task": "intent", "test": "x", "columns": {"text": 3}}}}
    with pytest.raises(ConfigError, match=r"datasets\.d\.columns\.text: expected a string"):
        parse_suite(raw)


OFFLINE = """
import sys, time
from harness.hub import resolve, snapshot, HubMissing
t = time.perf_counter()
for call, uri in ((snapshot, "hf://datasets/org/name@abc"),
                  (resolve, "hf://datasets/org/name/test.jsonl@abc")):
    for _ in range(3):
        try:
            call(uri)
        except HubMissing as exc:
            reason = str(exc)
print(round(time.perf_counter() - t, 2))
print(reason)
"""


@pytest.mark.parametrize("offline_env", ["", "1"])
def test_unreachable_hub_and_uncached_file_fails_at_once_with_the_right_fix(
    tmp_path: Path, offline_env: str
) -> None:
    env = {**os.environ, "HF_ENDPOINT": "http://127.0.0.1:9", "HF_HOME": str(tmp_path / "hf")}
    env.pop("HF_HUB_OFFLINE", None)
    if offline_env:
        env["HF_HUB_OFFLINE"] = offline_env
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", OFFLINE], env=env, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert float(out[0]) < 5.0, out  # six look-ups, not 6 x 24 s of retries
    assert time.perf_counter() - started < 60
    assert "not in the Hub cache and the Hub cannot be reached" in out[1]
    if offline_env:
        assert "unset HF_HUB_OFFLINE" in out[1]
    else:
        assert "HF_HUB_OFFLINE" not in out[1] and "connect to the network" in out[1]
