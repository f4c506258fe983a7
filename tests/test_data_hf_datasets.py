"""Datasets in the ``datasets`` library's formats, with column mappings; NER from BIO tags.

Every dataset is built here (``datasets.Dataset.from_dict``) and written in the format
under test; nothing is downloaded.
"""

from __future__ import annotations

import json
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

from harness.data import DataError, clear_cache, label_set, load_source, load_train  # noqa: E402
from harness.data.hf_datasets import materialise  # noqa: E402
from harness.run.suite import ConfigError, DatasetSpec, parse_suite  # noqa: E402
from harness.tasks.intent.records import IntentExample  # noqa: E402
from harness.tasks.ner.bio import to_spans  # noqa: E402
from harness.tasks.ner.records import Entity, NerExample  # noqa: E402

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
        "parquet[test]: datasets.d.columns.text = 'utt' names no column of this source; its "
        "columns: utterance, intent; correct datasets.d.columns.text in the suite file"
    )
    typo = DatasetSpec(
        "d", "intent", "parquet", columns=(("label", "intent"), ("txet", "utterance"))
    )
    with pytest.raises(DataError) as bad_key:
        materialise(typo, tmp_path)
    assert str(bad_key.value) == (
        "parquet[test]: datasets.d.columns gives no column for the field 'text'; it maps 'txet', "
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

    from harness.data import hub
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
from harness.data.hub import resolve, snapshot, HubMissing
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


# --------------------------------------------------------------- bad text files (issue 24.7)


def _materialise_error(root: Path, rel: str, task: str = "intent") -> DataError:
    spec = DatasetSpec("d", task, rel)
    with pytest.raises(DataError) as info:
        load_source(root, materialise(spec, root), "real")
    return info.value


CSV_DAMAGES = [
    # (file bytes, the line named (0: the whole file), words of the message)
    (b'text,label\nok,a\n"unterminated,a\nb,c\n', 3, "never ends"),
    (b"text,label\nok,a\nb\xff\xfeyo,c\n", 3, "not UTF-8"),
    (b"text,label\n", 0, "header line but no rows"),
    (b"\n\n", 0, "is empty"),
    (b"", 0, "is empty"),
    (b"text,label\nok,a\nx,a,surplus\n", 3, "3 fields, but the header has 2"),
]


@pytest.mark.parametrize(("content", "line", "words"), CSV_DAMAGES)
def test_a_csv_that_datasets_cannot_read_is_named_with_its_line(
    tmp_path: Path, content: bytes, line: int, words: str
) -> None:
    """Regression (issue 24.7): these were DatasetGenerationError or `Instruction
    "train" corresponds to no data!`, naming no file."""
    (tmp_path / "test.csv").write_bytes(content)
    exc = _materialise_error(tmp_path, "test.csv")
    assert exc.path == str(tmp_path / "test.csv") and exc.line == line
    assert words in str(exc)
    assert str(exc).startswith(f"{tmp_path / 'test.csv'}{f':{line}' if line else ''}: ")


def test_a_bad_file_in_a_csv_folder_is_named_even_when_another_split_is_read(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "tickets"
    folder.mkdir()
    (folder / "test.csv").write_text("text,label\nok,a\n")
    (folder / "train.csv").write_text("text,label\n")
    exc = _materialise_error(tmp_path, "tickets")
    assert exc.path == str(folder / "train.csv") and "no rows" in str(exc)


JSON_DAMAGES = [
    (b'{"text": "a", "label": "b"}\n{"text": "c" "label": "d"}\n', 2, "not valid JSON"),
    (b'[{"text": "a", "label": "b"},\n {"text": "c" "label": "d"}]', 2, "not valid JSON"),
    (b'{"text": "a", "label": "b"}\n\xff\n', 2, "not UTF-8"),
    (b"[]", 0, "empty list"),
    (b"  \n", 0, "is empty"),
    (b'{"text": "a", "label": "b"}\n[1, 2]\n', 2, "expected a JSON object, got list"),
    # `datasets` 5.2 crashes the process (segmentation fault) on this one: refused first.
    (b"null", 0, "must be a list of records"),
    (b'[{"text": "a", "label": "b"}, 3]', 0, "item 2 of the list is a int"),
]


@pytest.mark.parametrize(("content", "line", "words"), JSON_DAMAGES)
def test_a_json_file_that_datasets_cannot_read_is_named_with_its_line(
    tmp_path: Path, content: bytes, line: int, words: str
) -> None:
    (tmp_path / "test.json").write_bytes(content)
    exc = _materialise_error(tmp_path, "test.json")
    assert exc.path == str(tmp_path / "test.json") and exc.line == line
    assert words in str(exc)


def test_what_datasets_still_refuses_is_a_data_error_naming_the_source(tmp_path: Path) -> None:
    # Valid JSON Lines whose column changes type: pyarrow refuses it, deep inside.
    (tmp_path / "mixed.json").write_text(
        '{"text": "a", "label": "b"}\n\n{"text": "c", "label": 3.5}\n')
    exc = _materialise_error(tmp_path, "mixed.json")
    assert str(exc).startswith("mixed.json: `datasets` cannot read it (")
    (tmp_path / "junk.parquet").write_bytes(b"PAR1 not really parquet")
    exc = _materialise_error(tmp_path, "junk.parquet")
    assert str(exc).startswith("junk.parquet: `datasets` cannot read it (")


def test_an_empty_csv_text_cell_is_dropped_and_counted_as_in_jsonl(tmp_path: Path) -> None:
    """Regression (issue 24.7): an empty cell was a hard error where the same record in
    JSONL is dropped and counted. Texts pandas would take for missing ("NA", "null",
    "None") are texts."""
    (tmp_path / "test.csv").write_text('text,label\nplay a song,music\n,weather\n"",x\n'
                                       "NA,null\nNone,nan\n")
    rows = [{"text": "play a song", "label": "music"}, {"text": "", "label": "weather"},
            {"text": "", "label": "x"}, {"text": "NA", "label": "null"},
            {"text": "None", "label": "nan"}]
    (tmp_path / "test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    from_csv = load_source(tmp_path, materialise(DatasetSpec("d", "intent", "test.csv"),
                                                 tmp_path), "real")
    from_jsonl = load_source(tmp_path, DatasetSpec("d", "intent", "test.jsonl"), "real")
    assert from_csv.examples == from_jsonl.examples == (
        IntentExample("play a song", "music"), IntentExample("NA", "null"),
        IntentExample("None", "nan"))
    assert from_csv.issues == from_jsonl.issues
    assert from_csv.issues.dropped_records == 2 and from_csv.issues.rows == 5


def test_an_empty_score_cell_is_an_error_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "test.csv").write_text("text1,text2,score\na,b,1.5\nc,d,\n")
    exc = _materialise_error(tmp_path, "test.csv", "similarity")
    assert exc.line == 3 and "column 'score'" in str(exc)


def test_a_bad_csv_record_is_reported_at_its_file_line(tmp_path: Path) -> None:
    """Regression (issue 24.7): row 55 was reported for file line 67. Lines count the
    header, blank lines and every line of a multi-line quoted field."""
    lines = ["text,label"]
    for i in range(54):
        if i % 9 == 0:
            lines.append(f'"a text\nover two lines {i}",label{i % 3}')
        elif i % 10 == 4:
            lines += ["", f"text {i},label{i % 3}"]
        else:
            lines.append(f"text {i},label{i % 3}")
    lines.append('"the bad one, with a comma",')  # row 55: no label
    body = "\n".join(lines) + "\n"
    assert body.count("\n") == 67 and len(lines) == 61
    (tmp_path / "test.csv").write_text(body)
    exc = _materialise_error(tmp_path, "test.csv")
    assert exc.line == 67
    assert str(exc).startswith(f"{tmp_path / 'test.csv'}:67: row 55 of test.csv[test], "
                               "column 'label': ")
    # The same rows from a folder of two files: the line is the second file's.
    folder = tmp_path / "two"
    folder.mkdir()
    (folder / "test-00000-of-00002.csv").write_text("text,label\nfine,a\n")
    (folder / "test-00001-of-00002.csv").write_text(body)
    exc = _materialise_error(tmp_path, "two")
    assert exc.path == str(folder / "test-00001-of-00002.csv") and exc.line == 67
    assert "row 56 of two[test]" in str(exc)
