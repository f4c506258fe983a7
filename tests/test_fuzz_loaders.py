"""Fuzz every loader: only the project's error types escape, and they name the file.

Inputs are random bytes, JSON built from random values (deep nesting, huge
integers, lone surrogates, wrong types) and mutations of valid records. Example
counts are modest so the suite stays fast; ``SYNTHBENCH_FUZZ=N`` runs N per test
(the closing note of issue 15 states the counts run by hand).
"""

from __future__ import annotations

import json
import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.analysis.baseline import BaselineError, load_baseline
from harness.cli.report import read_score_rows
from harness.data import DataError, DataMissing, clear_cache, load_source
from harness.data.hub import HubError, parse
from harness.generate.writer import GenerateError, ResumableWriter, read_provenance
from harness.run.suite import ConfigError, DatasetSpec, load_suite, parse_suite
from harness.store.files import CaseFileError, read_case, read_head
from harness.store.runs import read_run_record
from tests.synth_fixtures import suite_text

N = int(os.environ.get("SYNTHBENCH_FUZZ", "0"))
FUZZ = settings(max_examples=N or 80, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

ANY_TEXT = st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=12)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=12,
)
#: Hostile lines json itself trips on: deep nesting, integers over the 4,300-digit limit.
HOSTILE = st.sampled_from([
    b"[" * 100_000 + b"]" * 100_000,
    b'{"text": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
    b'{"text": "a", "label": ' + b"7" * 5000 + b"}",
    b'{"text": "a", "score": 1e999, "text1": "x", "text2": "y"}',
    b'{"text": "\\ud800", "label": "\\udfff"}',
    b"\xff\xfe not utf-8",
    b'{"text": "ok", "entities": [{"start": ' + b"9" * 300 + b', "end": 2, "label": "x"}]}',
    b"NaN",
])


def _record_like(task_fields: dict[str, Any]) -> st.SearchStrategy[bytes]:
    """A valid-looking record with some fields replaced by random JSON values."""
    def mutate(values: dict[str, Any]) -> bytes:
        return json.dumps({**task_fields, **values}).encode()
    keys = st.sampled_from([*task_fields, "entities", "start", "end"])
    return st.dictionaries(keys, JSON_VALUES, max_size=3).map(mutate)


RECORDS = {
    "intent": {"text": "play a song", "label": "play_music"},
    "similarity": {"text1": "a b", "text2": "b a", "score": 2.5},
    "ner": {"text": "Ada went to Paris", "entities": [
        {"start": 0, "end": 3, "label": "person", "text": "Ada"}]},
}


def lines_for(task: str) -> st.SearchStrategy[bytes]:
    line = st.one_of(
        st.binary(max_size=40),
        JSON_VALUES.map(lambda v: json.dumps(v).encode()),
        _record_like(RECORDS[task]),
        HOSTILE,
        st.just(json.dumps(RECORDS[task]).encode()),
    )
    return st.lists(line, max_size=6).map(lambda ls: b"\n".join(ls))


def _fresh(tmp_path: Path) -> Path:
    return Path(tempfile.mkdtemp(dir=tmp_path))


def _names_file(exc: BaseException, path: Path) -> None:
    assert str(path) in str(exc) or path.name in str(exc), f"{exc!r} does not name {path}"


@pytest.mark.parametrize("task", ["intent", "similarity", "ner"])
@FUZZ
@given(data=st.data())
def test_data_jsonl_loader(tmp_path: Path, task: str, data: st.DataObject) -> None:
    root = _fresh(tmp_path)
    real = root / "real/d/test.jsonl"
    real.parent.mkdir(parents=True)
    real.write_bytes(json.dumps(RECORDS[task]).encode() + b"\n")
    labels = root / "real/d/labels.json"
    labels.write_bytes(data.draw(st.one_of(
        st.just(b'["person", "location"]'), st.binary(max_size=20), HOSTILE,
        JSON_VALUES.map(lambda v: json.dumps(v).encode()))))
    synth = root / "synthetic/d/g.jsonl"
    synth.parent.mkdir(parents=True)
    synth.write_bytes(data.draw(lines_for(task)))
    spec = DatasetSpec("d", task, "real/d/test.jsonl",
                       labels="real/d/labels.json" if task == "ner" else "")
    clear_cache()
    try:
        ds = load_source(root, spec, "g")
    except (DataError, DataMissing) as exc:
        assert exc.path in (str(synth), str(labels), str(real))
        _names_file(exc, Path(exc.path))
    else:
        assert ds.issues.kept == len(ds.examples)


def test_a_bad_byte_is_reported_on_its_own_line(tmp_path: Path) -> None:
    """Regression (issue 15.2): a bad byte on line 2001 was reported on line 1827."""
    path = tmp_path / "synthetic/d/g.jsonl"
    path.parent.mkdir(parents=True)
    good = json.dumps({"text": "a fairly long sentence " * 3, "label": "x"}).encode()
    path.write_bytes(b"\n".join([good] * 2000 + [b'{"text": "\xff", "label": "x"}']) + b"\n")
    (tmp_path / "real/d").mkdir(parents=True)
    (tmp_path / "real/d/test.jsonl").write_bytes(good + b"\n")
    clear_cache()
    with pytest.raises(DataError, match=r"g\.jsonl:2001: not UTF-8"):
        load_source(tmp_path, DatasetSpec("d", "intent", "real/d/test.jsonl"), "g")


@FUZZ
@given(raw=st.one_of(st.binary(max_size=200), HOSTILE,
                     st.text(max_size=200).map(lambda t: (suite_text() + t).encode()),
                     st.just(suite_text().encode() + b"\n[run]\nseed = " + b"9" * 5000)))
def test_suite_file_bytes(tmp_path: Path, raw: bytes) -> None:
    path = _fresh(tmp_path) / "my-suite.toml"
    path.write_bytes(raw)
    try:
        load_suite(path)
    except ConfigError as exc:
        _names_file(exc, path)


TOML_SCALARS = st.one_of(st.booleans(), st.integers(), st.floats(allow_nan=False),
                         st.text(max_size=12))
TOML_VALUES = st.recursive(
    TOML_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=8,
)


@FUZZ
@given(section=st.sampled_from(["run", "generators", "datasets", "models", "root"]),
       where=st.lists(st.sampled_from(["toy-intent", "best", "gen-a", "params", "task", "test",
                                       "synthetic", "factory", "tasks", "seed", "kind",
                                       "generate", "score_range", "same_as", "generators"]),
                      max_size=3),
       value=TOML_VALUES)
def test_suite_values(section: str, where: list[str], value: Any) -> None:
    """Any value at (almost) any key of a valid suite: a ConfigError naming the file, or a suite."""
    raw = tomllib.loads(suite_text())
    node: Any = raw if section == "root" else raw.setdefault(section, {})
    for key in where[:-1]:
        if not isinstance(node, dict):
            break
        node = node.setdefault(key, {})
    if isinstance(node, dict):
        node[where[-1] if where else "extra"] = value
    try:
        parse_suite(raw, "fuzzed-suite.toml")
    except ConfigError as exc:
        assert "fuzzed-suite.toml" in str(exc)


CASE_HEAD = json.dumps({"case": {"schema": 1, "task": "intent", "dataset": "d", "generator": "g",
                                 "model": "m", "status": "ok"}}).encode()


@FUZZ
@given(head=st.one_of(st.just(CASE_HEAD), st.binary(max_size=40), HOSTILE,
                      JSON_VALUES.map(lambda v: json.dumps({"case": v}).encode())),
       body=st.lists(st.one_of(st.binary(max_size=30), HOSTILE,
                               JSON_VALUES.map(lambda v: json.dumps(v).encode()),
                               st.just(b'{"i": 0, "gold": "a", "pred": "a", "correct": true}')),
                     max_size=4))
def test_case_files(tmp_path: Path, head: bytes, body: list[bytes]) -> None:
    root = _fresh(tmp_path)
    path = root / "cases" / "intent-d-g-m.jsonl"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\n".join([head, *body]))
    (root / "run.json").write_bytes(body[0] if body else head)
    for read, target in ((read_case, path), (read_head, path), (read_run_record, root)):
        try:
            read(target)
        except CaseFileError as exc:
            _names_file(exc, path if read is not read_run_record else root / "run.json")


@FUZZ
@given(raw=st.one_of(st.binary(max_size=60), HOSTILE,
                     JSON_VALUES.map(lambda v: json.dumps(v).encode()),
                     JSON_VALUES.map(lambda v: json.dumps({"schema": 1, "cells": v}).encode()),
                     JSON_VALUES.map(lambda v: json.dumps({"schema": 1, "cells": [
                         {"task": "t", "dataset": "d", "generator": "g", "model": "m",
                          "value": v}]}).encode())))
def test_baselines(tmp_path: Path, raw: bytes) -> None:
    path = _fresh(tmp_path) / "base.json"
    path.write_bytes(raw)
    try:
        load_baseline(path)
    except BaselineError as exc:
        _names_file(exc, path)


@FUZZ
@given(side=st.one_of(st.binary(max_size=60), HOSTILE,
                      JSON_VALUES.map(lambda v: json.dumps(v).encode())),
       body=lines_for("intent"))
def test_provenance_sidecars_and_generated_files(tmp_path: Path, side: bytes, body: bytes) -> None:
    root = _fresh(tmp_path)
    out = root / "gen.jsonl"
    out.write_bytes(body)
    (root / "gen.provenance.json").write_bytes(side)
    try:
        read_provenance(out)
    except GenerateError as exc:
        _names_file(exc, root / "gen.provenance.json")
    try:
        ResumableWriter(out).existing()
    except GenerateError as exc:
        _names_file(exc, out)


@FUZZ
@given(raw=lines_for("similarity"))
def test_published_score_rows(tmp_path: Path, raw: bytes) -> None:
    path = _fresh(tmp_path) / "table.jsonl"
    path.write_bytes(raw)
    try:
        read_score_rows(path)
    except ValueError as exc:
        _names_file(exc, path)


@FUZZ
@given(uri=st.one_of(ANY_TEXT.map(lambda t: "hf://datasets/" + t), ANY_TEXT))
def test_hub_uris(uri: str) -> None:
    try:
        parse(uri)
    except HubError as exc:
        assert repr(uri)[:20] in str(exc) or uri[:10] in str(exc)
