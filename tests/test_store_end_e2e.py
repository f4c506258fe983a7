"""The end of a session when the store cannot take what the run wrote (issue 24 part 3).

A store that cannot work is refused before any case runs (a usage error naming the
path and the fix); a write that fails at the end (full disk, read-only store, a
folder in the way) is one line, the verdicts and gate table are still printed, and
the run exits non-zero; a computed result that cannot be stored fails its case with
the score in the message.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

# Imported before any in-process run: pytester drops the modules a run imports, so a
# module first imported there would be a different object from the one patched here.
import harness.plugin.session
import harness.store.lock

GATE = "min_score dataset=toy-intent threshold=0.0 on=point"
SELECT = ("-k", "toy-intent", "--synth-gate", GATE)
GATE_LINE = "  PASS  cli-1"


@pytest.fixture
def project(synth_project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """The toy project; in-process runs get their run ids restored afterwards."""
    from harness.backends.cache import ENV_RUN_ID
    from harness.plugin.hooks import ENV_RUN

    monkeypatch.setenv(ENV_RUN, "unset")
    monkeypatch.setenv(ENV_RUN_ID, "unset")
    return synth_project


def _no_traceback(r: pytest.RunResult) -> None:
    text = "\n".join(r.outlines + r.errlines)
    assert "Traceback" not in text and "INTERNALERROR" not in text, text


@pytest.mark.parametrize(
    ("name", "kind", "workers"),
    [
        ("run.json", "dir", []),
        ("run.json", "dir", ["-n", "2"]),
        ("store.json", "dir", []),
        ("report.html", "dir", []),
        ("cases", "file", []),
        ("cases", "file", ["-n", "2"]),
    ],
)
def test_a_store_in_the_wrong_shape_is_refused_before_any_case(
    project: pytest.Pytester, name: str, kind: str, workers: list[str]
) -> None:
    p = project
    (p.path / "out").mkdir()
    (p.path / "out" / name).mkdir() if kind == "dir" else (p.path / "out" / name).touch()
    r = p.runpytest_subprocess(*SELECT, *workers)
    assert r.ret == pytest.ExitCode.USAGE_ERROR
    want = "a file" if kind == "dir" else "a folder"
    r.stderr.fnmatch_lines([f"*out/{name}: the store needs {want} here but finds *; move it away*"])
    assert "passed" not in r.stdout.str()
    _no_traceback(r)


def _read_only_probe(monkeypatch: pytest.MonkeyPatch, root: Path) -> None:
    real = tempfile.mkstemp

    def mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:
        if str(kwargs.get("dir", "")).startswith(str(root)):
            raise OSError(errno.EROFS, "Read-only file system")
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)


def test_a_read_only_store_with_every_case_reused_is_a_usage_error(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = project
    p.runpytest_subprocess(*SELECT).assert_outcomes(passed=17, deselected=32)  # + the gate
    _read_only_probe(monkeypatch, p.path / "out")
    r = p.runpytest_inprocess(*SELECT)
    assert r.ret == pytest.ExitCode.USAGE_ERROR
    r.stderr.fnmatch_lines([
        "*out: the results store cannot be written (Read-only file system); make it "
        "writable or pass a writable --synth-report-dir*"
    ])


FULL_DISK_CONFTEST = """
import errno, os

_real = os.replace


def _replace(src, dst, *args, **kwargs):
    if {part!r} in str(dst):
        raise OSError(errno.ENOSPC, "No space left on device")
    _real(src, dst, *args, **kwargs)


os.replace = _replace
"""

LOCK_REFUSED_CONFTEST = """
import errno

import harness.store.lock


def _acquire(self, *args, **kwargs):
    raise OSError(errno.EROFS, "Read-only file system")


harness.store.lock.FileLock.acquire = _acquire
"""


def _full_disk(monkeypatch: pytest.MonkeyPatch, part: str) -> None:
    real = os.replace

    def replace(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        if part in str(dst):
            raise OSError(errno.ENOSPC, "No space left on device")
        real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)


def test_a_full_disk_during_the_report_still_prints_the_verdicts_and_fails(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = project
    p.makeconftest(FULL_DISK_CONFTEST.format(part="report.html"))  # see the cases' test
    r = p.runpytest_subprocess(*SELECT)
    r.assert_outcomes(passed=17, deselected=32)  # + the gate
    assert r.ret == pytest.ExitCode.TESTS_FAILED
    r.stdout.fnmatch_lines([GATE_LINE, "synthbench: cannot write *out/report.html: No space left*"])
    out = p.path / "out"
    assert (out / "report.json").is_file() and (out / "report.md").is_file()
    assert not (out / "report.html").exists()
    assert json.loads((out / "report.json").read_text())["gates"]["status"] == "passed"


def test_a_full_disk_during_the_cases_fails_them_with_their_scores(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = project
    # In a subprocess, patched by the project's conftest: an in-process run inside an
    # xdist worker of this suite reported no outcomes after earlier in-process runs.
    p.makeconftest(FULL_DISK_CONFTEST.format(part="/cases/"))
    r = p.runpytest_subprocess("-k", "toy-intent and real", "--synth-gate", GATE)
    r.assert_outcomes(failed=5, deselected=44)  # + the incomplete gate
    r.stdout.fnmatch_lines([
        "*computed (macro_f1 * over 16 examples) but not stored: *out/cases/intent-toy-intent-"
        "real-*.jsonl: No space left on device; free the space*",
        "  FAIL  cli-1*",
        "synthbench: intent-toy-intent-real-*: computed (macro_f1 * over 16 examples) but not "
        "stored: *",
    ])
    assert not list((p.path / "out" / "cases").glob("*.jsonl"))


def test_the_store_lock_refused_at_the_end_still_prints_the_verdicts(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = project
    p.runpytest_subprocess(*SELECT).assert_outcomes(passed=17, deselected=32)  # + the gate
    before = (p.path / "out" / "run.json").read_bytes()

    def acquire(self: Any, *args: Any, **kwargs: Any) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(harness.store.lock.FileLock, "acquire", acquire)
    p.makeconftest(LOCK_REFUSED_CONFTEST)  # a subprocess: see the full-disk test
    r = p.runpytest_subprocess(*SELECT)
    r.assert_outcomes(passed=17, deselected=32)  # + the gate
    assert r.ret == pytest.ExitCode.TESTS_FAILED
    r.stdout.fnmatch_lines([
        GATE_LINE,
        "synthbench: cannot lock *out/.report.lock: Read-only file system; run.json and the "
        "report files were not written",
    ])
    assert (p.path / "out" / "run.json").read_bytes() == before


DAMAGE_TEST = '''
import os
import pathlib


def test_zz_damage_the_store():
    target = pathlib.Path(os.environ["DAMAGE_AT"])
    if target.is_file():
        target.unlink()
    target.mkdir(parents=True)
'''


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["n0", "n2"])
@pytest.mark.parametrize("name", ["run.json", "store.json", "report.md"])
def test_a_folder_appearing_where_the_end_writes_is_one_line_and_a_failed_run(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, name: str, workers: list[str]
) -> None:
    p = project
    p.makepyfile(test_zz=DAMAGE_TEST)
    monkeypatch.setenv("DAMAGE_AT", str(p.path / "out" / name))
    r = p.runpytest_subprocess("-k", "toy-intent or damage", "--synth-gate", GATE, *workers)
    r.assert_outcomes(passed=18)  # 17 cases + the gate
    assert r.ret == pytest.ExitCode.TESTS_FAILED
    r.stdout.fnmatch_lines([GATE_LINE, f"synthbench: cannot write *out/{name}: Is a directory"])
    _no_traceback(r)
    if name != "run.json":
        run = json.loads((p.path / "out" / "run.json").read_text())
        assert sum(c["selected"] for c in run["cells"]) == 16


def test_a_folder_at_a_case_files_path_fails_that_case_with_its_score(
    project: pytest.Pytester,
) -> None:
    p = project
    p.runpytest_subprocess("-k", "toy-intent and real and best").assert_outcomes(
        passed=1, deselected=47
    )
    (case,) = (p.path / "out" / "cases").iterdir()
    case.unlink()
    case.mkdir()
    r = p.runpytest_subprocess("-k", "toy-intent and real and best", "--synth-fresh")
    r.assert_outcomes(failed=1, deselected=47)
    assert r.ret == pytest.ExitCode.TESTS_FAILED
    r.stdout.fnmatch_lines([
        f"*computed (macro_f1 * over 16 examples) but not stored: *{case.name}: Is a directory*",
        f"store: *{case.name}: a folder where the case file belongs; move it away; the cell "
        "shows its last try instead",
    ])
    _no_traceback(r)


def _mount(target: Path, *options: str) -> bool:
    if shutil.which("mount") is None or os.geteuid() != 0:
        return False
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs", str(target)],
        capture_output=True,
    )
    return done.returncode == 0


@pytest.mark.parametrize("where", ["cases", "report"])
def test_a_real_full_disk_ends_in_lines_not_a_traceback(
    project: pytest.Pytester, where: str
) -> None:
    """A tiny tmpfs as the store (skipped where mounting is not allowed)."""
    p = project
    out = p.path / "out"
    out.mkdir()
    # "cases": too small for the case files; "report": the cases fit, the report not.
    size = "24k" if where == "cases" else "200k"
    if not _mount(out, f"size={size}"):
        pytest.skip("cannot mount a tmpfs here")
    try:
        r = p.runpytest_subprocess(*SELECT)
        assert r.ret == pytest.ExitCode.TESTS_FAILED
        _no_traceback(r)
        r.stdout.fnmatch_lines(["*No space left on device*"])
        assert "synthbench: " in r.stdout.str()
        r.stdout.fnmatch_lines(["gates: *", "  * cli-1*"])  # the verdict is shown
    finally:
        subprocess.run(["umount", str(out)], check=False)


def test_a_real_read_only_store_is_refused_up_front(project: pytest.Pytester) -> None:
    p = project
    out = p.path / "out"
    out.mkdir()
    if not _mount(out, "size=4m"):
        pytest.skip("cannot mount a tmpfs here")
    try:
        p.runpytest_subprocess(*SELECT).assert_outcomes(passed=17, deselected=32)  # + the gate
        subprocess.run(["mount", "-o", "remount,ro", str(out)], check=True)
        r = p.runpytest_subprocess(*SELECT)
        assert r.ret == pytest.ExitCode.USAGE_ERROR
        r.stderr.fnmatch_lines(["*out: the results store cannot be written (Read-only file "
                                "system); make it writable*"])
        _no_traceback(r)
    finally:
        subprocess.run(["umount", str(out)], check=False)
