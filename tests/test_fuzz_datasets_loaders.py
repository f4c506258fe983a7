"""Fuzz the datasets-format loaders (CSV, JSON, Parquet) as test_fuzz_loaders fuzzes JSONL.

Any input gives either records or the project's ``DataError`` / ``DataMissing``
naming the file; never ``DatasetGenerationError``, a pandas or pyarrow error, or
any other foreign exception. Each example goes through ``datasets``, which costs
a fraction of a second, so the default count is modest; ``SYNTHBENCH_FUZZ=N`` runs
N per test.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

datasets = pytest.importorskip("datasets")

from harness.data import DataError, DataMissing, clear_cache, load_source  # noqa: E402
from harness.data.hf_datasets import materialise  # noqa: E402
from harness.run.suite import DatasetSpec  # noqa: E402

N = int(os.environ.get("SYNTHBENCH_FUZZ", "0"))
FUZZ = settings(max_examples=N or 40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

#: Characters that matter to a CSV reader, and some that matter to nobody.
CSV_CHARS = st.sampled_from([",", '"', "\n", "\r", " ", "\t", "a", "b", "7", ".", "-", "\x00",
                             "é", "\ufeff", "\u202e", "😀", "N", "A", "\\", "'"])
CELL = st.one_of(
    st.text(CSV_CHARS, max_size=8),
    st.sampled_from(["", "NA", "null", "None", "nan", "True", "3.5", "-1", "1e999", "0"]),
)
HEADERS = st.sampled_from(["text,label", "text1,text2,score", "text", "label,text",
                           "text,label,extra", "", "text,text", '"text","label"'])


def _quoted(cell: str, quote: bool) -> str:
    return '"' + cell.replace('"', '""') + '"' if quote else cell


@st.composite
def csv_bytes(draw: st.DrawFn) -> bytes:
    """A CSV with a header and rows of hostile cells, sometimes damaged afterwards."""
    header = draw(HEADERS)
    rows = draw(st.lists(st.lists(st.tuples(CELL, st.booleans()), max_size=4), max_size=5))
    body = "\n".join([header, *(",".join(_quoted(c, q) for c, q in row) for row in rows)])
    data = body.encode("utf-8")
    if draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=3)) + data[at:]
    return data


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["text", "label", "text1", "text2", "score", "x"]), inner, max_size=3),
    max_leaves=8,
)
RECORD = st.fixed_dictionaries({"text": st.text(max_size=6), "label": st.text(max_size=4)})


@st.composite
def json_bytes(draw: st.DrawFn) -> bytes:
    """A JSON document, JSON Lines, or bytes: of records, near-records or anything."""
    kind = draw(st.sampled_from(["document", "lines", "bytes", "records"]))
    if kind == "document":
        return json.dumps(draw(JSON_VALUES)).encode()
    if kind == "records":
        return json.dumps(draw(st.lists(RECORD, max_size=4))).encode()
    if kind == "bytes":
        return draw(st.binary(max_size=60))
    lines = draw(st.lists(st.one_of(RECORD, JSON_VALUES), max_size=4))
    return "\n".join(json.dumps(v) for v in lines).encode()


@pytest.fixture
def hf_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every conversion and ``datasets``' own Arrow cache go under the test's folder."""
    monkeypatch.setenv("SYNTHBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf")


def _load(root: Path, rel: str, task: str, columns: tuple[tuple[str, str], ...] = ()) -> Any:
    clear_cache()
    spec = DatasetSpec("d", task, rel, columns=columns)
    return load_source(root, materialise(spec, root), "real")


def _check(root: Path, rel: str, task: str) -> None:
    """Records, or the project's error naming the file; nothing else."""
    try:
        data = _load(root, rel, task)
    except (DataError, DataMissing) as exc:
        assert Path(rel).name in str(exc), f"{exc!r} does not name {rel}"
    else:
        assert data.examples and data.issues.kept == len(data.examples)


@pytest.mark.parametrize("task", ["intent", "similarity"])
@FUZZ
@given(raw=csv_bytes())
def test_csv_sources(tmp_path: Path, hf_cache: None, task: str, raw: bytes) -> None:
    root = Path(tempfile.mkdtemp(dir=tmp_path))
    (root / "test.csv").write_bytes(raw)
    _check(root, "test.csv", task)


@FUZZ
@given(test=csv_bytes(), train=csv_bytes())
def test_csv_folders(tmp_path: Path, hf_cache: None, test: bytes, train: bytes) -> None:
    root = Path(tempfile.mkdtemp(dir=tmp_path))
    (root / "tickets").mkdir()
    (root / "tickets" / "test.csv").write_bytes(test)
    (root / "tickets" / "train.csv").write_bytes(train)
    try:
        _load(root, "tickets", "intent")
    except (DataError, DataMissing) as exc:
        assert "tickets" in str(exc), exc


@pytest.mark.parametrize("task", ["intent", "similarity"])
@FUZZ
@given(raw=json_bytes())
def test_json_sources(tmp_path: Path, hf_cache: None, task: str, raw: bytes) -> None:
    root = Path(tempfile.mkdtemp(dir=tmp_path))
    (root / "test.json").write_bytes(raw)
    _check(root, "test.json", task)


@FUZZ
@given(raw=st.one_of(st.binary(max_size=80), st.just(b"PAR1"), st.just(b"PAR1" * 3)))
def test_parquet_bytes(tmp_path: Path, hf_cache: None, raw: bytes) -> None:
    root = Path(tempfile.mkdtemp(dir=tmp_path))
    (root / "test.parquet").write_bytes(raw)
    _check(root, "test.parquet", "intent")


@FUZZ
@given(rows=st.lists(st.fixed_dictionaries({"text": st.one_of(st.none(), st.text(max_size=5)),
                                            "label": st.one_of(st.none(), st.integers(-2, 3),
                                                               st.text(max_size=3))}),
                     min_size=1, max_size=4))
def test_parquet_values(tmp_path: Path, hf_cache: None, rows: list[dict[str, Any]]) -> None:
    """Valid Parquet with any values (nulls, ints, blanks) in the mapped columns."""
    root = Path(tempfile.mkdtemp(dir=tmp_path))
    texts, labels = [r["text"] for r in rows], [r["label"] for r in rows]
    labels = [None if v is None else str(v) for v in labels]  # one arrow type per column
    datasets.Dataset.from_dict({"text": texts, "label": labels}).to_parquet(
        str(root / "test.parquet"))
    _check(root, "test.parquet", "intent")
