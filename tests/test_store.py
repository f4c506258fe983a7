"""The case store: atomic content-addressed files, damaged files, schemas, the view."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.records import CaseKey, CaseResult, Outcome
from harness.store.files import (
    STORE_FILE,
    STORE_SCHEMA,
    CaseFileError,
    StoreError,
    atomic_write_text,
    case_name,
    check_store,
    open_store,
    read_case,
    read_head,
    write_case,
)
from harness.store.runs import Cell, RunRecord, read_run_record, write_run_record
from harness.store.view import EVALUATED, MISSING, REUSED, SETTLED, build_view


def _case(model: str = "m", fp: str = "f00d") -> CaseResult:
    return CaseResult(
        CaseKey("intent", "d", "gen/a:b", model),
        "ok",
        "macro_f1",
        {"macro_f1": 0.5},
        2,
        fingerprint=fp,
    )


OUTS = [Outcome(0, "a", "a", True), Outcome(1, "b", None, False, raw="??", error="unparseable")]


def test_case_file_round_trip_atomic_and_readable(tmp_path: Path) -> None:
    path = write_case(tmp_path, _case(), OUTS, run="r1", inputs={"seed": 3})
    assert "/" not in path.name[len(str(tmp_path)) :] and ":" not in path.name
    result, back = read_case(path)
    assert result == _case() and back == OUTS
    assert read_head(path).run == "r1"
    assert json.loads(path.read_text().splitlines()[0])["inputs"] == {"seed": 3}
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")], "temp file left"
    # Readable like any file the user writes, not private like a temp file.
    assert path.stat().st_mode & 0o044 == 0o644 & 0o044 & ~os.umask(os.umask(0))


def test_parse_once_parses_each_file_state_once_within_its_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from harness.store import files

    parsed: list[str] = []
    real = files._parse_case
    monkeypatch.setattr(files, "_parse_case", lambda p: parsed.append(p.name) or real(p))
    path = write_case(tmp_path, _case(), OUTS, run="r1")
    with files.parse_once():
        first = read_case(path)
        with files.parse_once():  # nested: the outer block's memo is kept
            assert read_case(path) == first
        first[1].clear()  # a caller's list is its own
        assert read_case(path) == (_case(), OUTS) and len(parsed) == 1
        # Rewritten meanwhile (another size): parsed again, the new content returned.
        write_case(tmp_path, _case(), OUTS[:1], run="r2")
        assert read_case(path) == (_case(), OUTS[:1]) and len(parsed) == 2
    read_case(path)  # outside any block: parsed every time, nothing kept
    read_case(path)
    assert len(parsed) == 4 and files._PARSED is None


def test_reuse_check_hashes_outcome_lines_and_parses_files_without_a_digest(
    tmp_path: Path,
) -> None:
    from harness.store.files import DIGEST, verify_case

    path = write_case(tmp_path, _case(), OUTS, run="r1")
    assert verify_case(path).result == _case() and verify_case(path).run == "r1"
    head, *body = path.read_text().splitlines(keepends=True)
    # An edited outcome that is still valid JSON: the digest no longer matches.
    path.write_text(head + body[0].replace('"a"', '"z"') + "".join(body[1:]))
    # It parses, yet is not what was written: the reuse check and the report's reader
    # both refuse it.
    for read in (verify_case, read_case):
        with pytest.raises(CaseFileError, match=DIGEST):
            read(path)
    # A file from before the digest: parsed whole, and a damaged line still refused.
    old = json.loads(head)
    del old[DIGEST]
    path.write_text(json.dumps(old) + "\n" + "".join(body))
    assert verify_case(path).result == _case()
    path.write_text(json.dumps(old) + "\n" + body[0] + "{not json\n")
    with pytest.raises(CaseFileError, match=":3: not JSON"):
        verify_case(path)


def test_names_that_sanitize_alike_get_different_files(tmp_path: Path) -> None:
    a = CaseResult(CaseKey("intent", "d", "real", "m/1"), "ok", fingerprint="aa")
    b = CaseResult(CaseKey("intent", "d", "real", "m:1"), "ok", fingerprint="bb")
    assert write_case(tmp_path, a, []) != write_case(tmp_path, b, [])
    assert {read_case(p)[0].key.model for p in (tmp_path / "cases").iterdir()} == {"m/1", "m:1"}


@pytest.mark.parametrize(
    ("damage", "where"),
    [
        (b"{not json\n", ":3: not JSON"),
        (b'{"i": 0, "gold": "\xff\xfe"}\n', ":3: not UTF-8"),
        (b'{"gold": "a"}\n', ":3: not an outcome record"),
    ],
)
def test_damaged_line_names_file_and_line(tmp_path: Path, damage: bytes, where: str) -> None:
    path = write_case(tmp_path, _case(), OUTS[:1])
    path.write_bytes(path.read_bytes() + damage)
    with pytest.raises(CaseFileError, match=where):
        read_case(path)
    path.write_bytes(b"[]\n")
    with pytest.raises(CaseFileError, match=r":1: not a case record"):
        read_head(path)


def test_atomic_write_leaves_old_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "f.txt"
    atomic_write_text(target, "old")
    with pytest.raises(TypeError):
        atomic_write_text(target, 3)  # type: ignore[arg-type]
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_newer_store_schema_is_refused_with_both_versions(tmp_path: Path) -> None:
    open_store(tmp_path)
    check_store(tmp_path)
    (tmp_path / STORE_FILE).write_text(json.dumps({"schema": STORE_SCHEMA + 1}))
    newer = rf"schema {STORE_SCHEMA + 1}.*reads schema {STORE_SCHEMA}"
    with pytest.raises(StoreError, match=newer):
        check_store(tmp_path)
    doc = RunRecord("r", ()).to_dict() | {"schema": STORE_SCHEMA + 1}
    (tmp_path / "run.json").write_text(json.dumps(doc))
    with pytest.raises(StoreError, match=rf"schema {STORE_SCHEMA + 1}"):
        read_run_record(tmp_path)


def _cell(model: str, fp: str, selected: bool = True) -> Cell:
    return Cell(CaseKey("intent", "d", "gen/a:b", model), fp, selected)


def test_view_states_reasons_and_damage(tmp_path: Path) -> None:
    write_case(tmp_path, _case("new", "f1"), OUTS, run="now")
    write_case(tmp_path, _case("old", "f2"), OUTS, run="before")
    bad = write_case(tmp_path, _case("bad", "f3"), OUTS, run="now")
    bad.write_bytes(bad.read_bytes() + b"\xff\n")
    write_case(tmp_path, _case("stale", "f4"), OUTS, run="before")
    skipped = CaseResult(CaseKey("intent", "d", "gen/a:b", "skip"), "skipped", reason="no file")
    cells = (
        _cell("new", "f1"),
        _cell("old", "f2", selected=False),
        _cell("bad", "f3"),
        _cell("stale", "f5", selected=False),  # inputs changed since f4
        _cell("skip", "f6"),
    )
    record = RunRecord("now", cells, settled=(skipped,))
    write_run_record(tmp_path, record)
    assert read_run_record(tmp_path) == record
    view = build_view([(tmp_path, record)])
    states = {e.key.model: (e.state, e.run) for e in view.entries}
    assert states == {
        "new": (EVALUATED, "now"),
        "old": (REUSED, "before"),
        "bad": (MISSING, ""),
        "stale": (MISSING, ""),
        "skip": (SETTLED, ""),
    }
    by = {e.key.model: e for e in view.entries}
    assert f"{bad.name}:4: not UTF-8" in by["bad"].reason
    assert "no stored result matches its inputs" in by["stale"].reason
    assert len(view.damaged) == 1 and str(bad) in view.damaged[0]
    assert [r.key.model for r, _ in view.with_outcomes()] == ["new", "old"]


def test_view_merges_stores_of_shards(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    write_case(a, _case("x", "f1"), OUTS, run="ra")
    write_case(b, _case("y", "f2"), OUTS, run="rb")
    cells = (_cell("x", "f1"), _cell("y", "f2"))
    ra = RunRecord("ra", tuple(Cell(c.key, c.fingerprint, c.key.model == "x") for c in cells))
    rb = RunRecord("rb", tuple(Cell(c.key, c.fingerprint, c.key.model == "y") for c in cells))
    view = build_view([(a, ra), (b, rb)])
    assert [e.state for e in view.entries] == [EVALUATED, EVALUATED]
    assert view.selected() == [c.key for c in cells]


@settings(max_examples=60, deadline=None)
@given(
    names=st.lists(
        st.text(alphabet="ab-/:._ ", min_size=1, max_size=6), min_size=2, max_size=6, unique=True
    )
)
def test_case_names_are_unique_for_distinct_fingerprints(names: list[str]) -> None:
    keys = [CaseKey("t", "d", "g", n) for n in names]
    # Fingerprints cover the key, so distinct keys have distinct digests; the name
    # carries the digest, whatever the readable part sanitises to.
    files = {case_name(k, f"fp{i}") for i, k in enumerate(keys)}
    assert len(files) == len(keys)
    assert all("/" not in f and ":" not in f for f in files)
