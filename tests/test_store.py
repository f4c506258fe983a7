"""The case store: atomic content-addressed files, damaged files, schemas, the view."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.core.records import CaseKey, CaseResult, Outcome
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


# ------------------------------------------------------------------ merges with a rule


def _record(run: str, cells: tuple[Cell, ...], time: str, settled: tuple = ()) -> RunRecord:
    return RunRecord(run, cells, settled=settled, time=time)


def _error(model: str) -> CaseResult:
    return CaseResult(CaseKey("intent", "d", "gen/a:b", model), "error", reason="boom")


def _views(inputs: list[tuple[Path, RunRecord]]) -> list:
    """The view of ``inputs`` in their order and reversed: the rule ignores order."""
    return [build_view(inputs), build_view(inputs[::-1])]


def test_a_result_of_the_suites_inputs_wins_over_an_error_in_either_order(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    cells = (_cell("x", "f1"),)
    write_case(b, _case("x", "f1"), OUTS, run="rb")
    # The error is newer than the result, and older: the result stands either way.
    for t_err, t_ok in (("2026-01-02", "2026-01-01"), ("2026-01-01", "2026-01-02")):
        ra = _record("ra", cells, t_err, settled=(_error("x"),))
        rb = _record("rb", cells, t_ok)
        for view in _views([(a, ra), (b, rb)]):
            (entry,) = view.entries
            assert (entry.state, entry.run, entry.result.status) == (EVALUATED, "rb", "ok")
            assert view.superseded == (
                "intent-d-gen/a:b-x: error in run ra (boom) set aside: run rb's result of the "
                "same inputs stands",
            )
    # Without the result the error is the cell's entry.
    (entry,) = build_view([(a, _record("ra", cells, "t", settled=(_error("x"),)))]).entries
    assert (entry.state, entry.result.status, entry.reason) == (SETTLED, "error", "boom")


def test_the_cells_inputs_are_the_newest_runs(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    write_case(a, _case("x", "old"), OUTS, run="ra")
    write_case(b, _case("x", "new"), OUTS, run="rb")
    ra = _record("ra", (_cell("x", "old"),), "2026-01-01T00:00:00.000000Z")
    rb = _record("rb", (_cell("x", "new"),), "2026-01-02T00:00:00.000000Z")
    for view in _views([(a, ra), (b, rb)]):
        assert [(e.run, e.result.fingerprint) for e in view.entries] == [("rb", "new")]


def _rewrite_written(path: Path, stamp: str) -> None:
    head, rest = path.read_text().split("\n", 1)
    obj = json.loads(head)
    obj["written"] = stamp
    path.write_text(json.dumps(obj) + "\n" + rest)


def test_the_newer_of_two_results_wins_and_differing_figures_are_conflicts(
    tmp_path: Path,
) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    cells = (_cell("x", "f1"),)
    low = dataclasses.replace(_case("x", "f1"), metrics={"macro_f1": 0.25})
    _rewrite_written(write_case(a, low, OUTS, run="ra"), "2026-01-01T00:00:00.000000Z")
    _rewrite_written(write_case(b, _case("x", "f1"), OUTS, run="rb"), "2026-01-02T00:00:00.000000Z")
    inputs = [(a, _record("ra", cells, "1")), (b, _record("rb", cells, "2"))]
    for view in _views(inputs):
        (entry,) = view.entries
        assert (entry.run, entry.result.score) == ("rb", 0.5)
        (conflict,) = view.conflicts
        assert conflict.startswith("intent-d-gen/a:b-x: results of the same inputs differ: ")
        assert "macro_f1 0.25 (run ra" in conflict and "macro_f1 0.5 (run rb" in conflict
        assert str(a / "cases") in conflict and conflict.endswith("the newer is used")
    # Equal figures (the same result in two stores) are no conflict.
    _rewrite_written(write_case(c, _case("x", "f1"), OUTS, run="rc"), "2026-01-03T00:00:00.000000Z")
    view = build_view([(b, _record("rb", cells, "2")), (c, _record("rc", cells, "3"))])
    assert view.conflicts == () and view.entries[0].run == "rc"


# ------------------------------------------------------------------ the report verifies


def test_the_view_refuses_what_a_rerun_refuses(tmp_path: Path) -> None:
    from harness.run.fingerprint import Fingerprint
    from harness.run.runner import RunSettings, stored_result

    cells = (_cell("x", "f1"), _cell("y", "f2"), _cell("z", "f3"))
    edited = write_case(tmp_path, _case("x", "f1"), OUTS, run="r")
    head, first, second = edited.read_text().splitlines(keepends=True)
    # Every prediction set to the gold: valid JSON, but not what was written.
    edited.write_text(head + first + second.replace('"pred": null', '"pred": "b"'))
    foreign = write_case(tmp_path, _case("y", "f2"), OUTS, run="r")
    head, *rest = foreign.read_text().splitlines(keepends=True)
    foreign.write_text(head.replace('"model": "y"', '"model": "other"') + "".join(rest))
    moved = write_case(tmp_path, _case("z", "f9"), OUTS, run="r")
    moved.rename(moved.with_name(case_name(cells[2].key, "f3")))
    view = build_view([(tmp_path, _record("r", cells, "t"))])
    assert [e.state for e in view.entries] == [MISSING] * 3
    x, y, z = view.damaged
    assert "do not match line 1's outcomes_sha256" in x and x.endswith("treated as missing")
    assert ":1: the record is case 'intent-d-gen/a:b-other', not 'intent-d-gen/a:b-y'" in y
    assert ":1: the record's fingerprint 'f9' is not the 'f3' its file name carries" in z
    settings = RunSettings(None, tmp_path)
    for cell in cells:  # a rerun refuses the same three files
        assert stored_result(cell.key, Fingerprint(cell.fingerprint, {}), settings) is None


# ------------------------------------------------------------------ numbers that do not fit


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("n_examples", "1e999"),
        ("n_examples", "-1"),
        ("n_examples", "2.5"),
        ("n_examples", '"7"'),
        ("n_invalid", "3"),  # more invalid than examples
        ("metrics", '{"macro_f1": 1e999}'),
        ("metrics", '{"macro_f1": true}'),
        ("duration", "NaN"),
        ("data", '{"notes": "abc"}'),
        ("model", "7"),
        ("status", '""'),
    ],
)
def test_values_no_run_writes_are_case_file_errors(tmp_path: Path, field: str, value: str) -> None:
    from harness.store.files import verify_case

    path = write_case(tmp_path, _case(), OUTS, run="r")
    head, *rest = path.read_text().splitlines(keepends=True)
    obj = json.loads(head)
    obj["case"][field] = "__VALUE__"
    path.write_text(json.dumps(obj).replace('"__VALUE__"', value) + "\n" + "".join(rest))
    named = rf"{path}:1: not a case record: .*{field.rstrip('s')}"
    for read in (read_case, read_head, verify_case):
        with pytest.raises(CaseFileError, match=named):
            read(path)
    cell = Cell(_case().key, "f00d", True)
    (entry,) = build_view([(tmp_path, RunRecord("r", (cell,)))]).entries
    assert entry.state == MISSING and entry.reason.startswith("damaged case file")


# ------------------------------------------------------------------ writes that fail


def test_a_store_is_validated_before_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import tempfile

    from harness.store.files import validate_store

    root = tmp_path / "store"
    validate_store(root)  # no store yet: fine, and nothing made
    assert not root.exists()
    for name, make in (
        ("run.json", Path.mkdir),
        ("store.json", Path.mkdir),
        ("report.html", Path.mkdir),
        ("cases", Path.touch),
        ("runs", Path.touch),
    ):
        root.mkdir(exist_ok=True)
        make(root / name)
        with pytest.raises(StoreError, match=rf"{root / name}: the store needs a .* here but"):
            validate_store(root)
        (root / name).rmdir() if (root / name).is_dir() else (root / name).unlink()
    validate_store(root)
    assert list(root.iterdir()) == []  # the probe left nothing
    real = tempfile.mkstemp

    def read_only(*args: object, **kwargs: object) -> tuple[int, str]:
        if str(kwargs.get("dir", "")).startswith(str(root)):
            raise OSError(errno.EROFS, "Read-only file system")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    with pytest.raises(StoreError, match=rf"{root}: the results store cannot be written "
                       r"\(Read-only file system\); make it writable"):
        validate_store(root)


def test_a_result_that_cannot_be_stored_is_an_error_that_carries_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from harness.store.files import case_path, store_or_error

    case_path(tmp_path, _case()).mkdir(parents=True)  # a folder at the case file's path
    got = store_or_error(tmp_path, _case(), OUTS, run="r")
    assert got.status == "error" and got.extra == {"unstored": str(case_path(tmp_path, _case()))}
    assert got.reason.startswith("computed (macro_f1 0.5 over 2 examples) but not stored: ")
    assert f"{case_path(tmp_path, _case())}: Is a directory" in got.reason
    other = tmp_path / "o"
    other.mkdir()
    (other / "cases").touch()  # `cases` a plain file
    assert "File exists" in store_or_error(other, _case(), OUTS).reason
    real = os.replace

    def full(src: str, dst: str) -> None:
        if "/cases/" in str(dst):
            raise OSError(errno.ENOSPC, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(os, "replace", full)
    got = store_or_error(tmp_path / "p", _case(), OUTS)
    assert "not stored: " in got.reason and "No space left on device" in got.reason
    assert not [p for p in (tmp_path / "p" / "cases").iterdir()], "temp file left"


def test_a_case_file_of_another_status_is_no_result(tmp_path: Path) -> None:
    """Any status but ok (say ``incomplete``: some requests failed) is not a result."""
    a, b = tmp_path / "a", tmp_path / "b"
    cells = (_cell("x", "f1"),)
    partial = dataclasses.replace(_case("x", "f1"), status="incomplete", reason="2 requests failed")
    write_case(a, partial, OUTS, run="ra")
    (entry,) = build_view([(a, _record("ra", cells, "1"))]).entries
    got = (entry.state, entry.result.status, entry.reason)
    assert got == (SETTLED, "incomplete", partial.reason)
    write_case(b, _case("x", "f1"), OUTS, run="rb")
    for view in _views([(a, _record("ra", cells, "2")), (b, _record("rb", cells, "1"))]):
        assert [(e.state, e.result.status) for e in view.entries] == [(EVALUATED, "ok")]
        assert "incomplete in run ra (2 requests failed) set aside" in view.superseded[0]


def test_a_number_out_of_range_inside_extra_is_a_damaged_record() -> None:
    """``"errors": 1e999`` in a case record's free-form ``extra`` parses to inf: refused
    like any other field (found by tests/test_store_fuzz.py), so no report meets it."""
    import math

    import pytest

    from harness.store.files import check_case_dict

    good = {"schema": 1, "task": "intent", "dataset": "d", "generator": "g", "model": "m",
            "status": "ok",
            "extra": {"errors": 0, "nested": [{"x": 1.5}]}}
    check_case_dict(good)
    for bad in ({"errors": math.inf}, {"nested": [{"x": -math.inf}]}):
        with pytest.raises(ValueError, match="finite"):
            check_case_dict({**good, "extra": bad})
