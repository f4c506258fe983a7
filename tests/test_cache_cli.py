"""Where the cache lives, and ``synthbench cache`` as a user meets it: sizes in one unit,
``clear`` asking before it deletes paid responses, and output piped into ``head``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from harness.__main__ import main
from harness.backends.base import ChatRequest, Reply
from harness.backends.cache import (
    DB_NAME,
    ENV_CACHE_DIR,
    LEGACY_CACHE_DIR,
    ResponseCache,
    cache_key,
    cache_stats,
    default_cache_dir,
    legacy_cache_note,
    resolve_cache_dir,
)
from harness.cli.cache import MIB, confirm, size_text

ROOT = Path(__file__).resolve().parents[1]


def _fill(directory: Path, n: int, size: int = 10) -> None:
    with ResponseCache(directory) as c:
        for i in range(n):
            r = ChatRequest.of(messages=[{"role": "user", "content": str(i)}], model="m")
            c.put(cache_key("p", "e", "", r), "p", "e", "", r, Reply("a" * size))


# ------------------------------------------------------------------ location


def test_default_is_the_per_user_cache_never_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    assert default_cache_dir({"XDG_CACHE_HOME": "/x/cache"}, "linux") == Path("/x/cache/synthbench")
    # a relative XDG_CACHE_HOME is invalid by the spec: ignored, not read against the cwd
    assert default_cache_dir({"XDG_CACHE_HOME": "rel"}, "linux") == home / ".cache/synthbench"
    assert default_cache_dir({}, "linux") == home / ".cache" / "synthbench"
    assert default_cache_dir({}, "darwin") == home / "Library" / "Caches" / "synthbench"
    win = default_cache_dir({"LOCALAPPDATA": str(tmp_path / "L")}, "win32")
    assert win == tmp_path / "L" / "synthbench" / "cache"
    # resolution: the option, else the environment, else the per-user default
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(ENV_CACHE_DIR)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert resolve_cache_dir() == home / ".cache" / "synthbench"
    assert resolve_cache_dir().is_absolute()
    assert not resolve_cache_dir().is_relative_to(tmp_path.resolve() / ".synthbench")
    monkeypatch.setenv(ENV_CACHE_DIR, str(tmp_path / "env"))
    assert resolve_cache_dir() == tmp_path / "env"
    assert resolve_cache_dir(tmp_path / "opt") == tmp_path / "opt"


def test_every_test_has_a_cache_folder_of_its_own(tmp_path: Path) -> None:
    """tests/conftest.py: the default (the user's cache) is never touched by a test."""
    mine = resolve_cache_dir()
    assert mine.is_absolute() and mine != default_cache_dir()
    assert not any(mine.iterdir())  # empty: nothing left by another test


def test_a_cache_left_in_the_working_directory_by_older_releases_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    old = tmp_path / LEGACY_CACHE_DIR
    _fill(old, 2)
    now = tmp_path / "now"
    note = legacy_cache_note(now, cwd=tmp_path)
    assert str(old) in note and str(now) in note and f"{ENV_CACHE_DIR}={old}" in note
    assert legacy_cache_note(old, cwd=tmp_path) == ""  # it is the cache in use
    assert legacy_cache_note(now, cwd=tmp_path / "elsewhere") == ""
    monkeypatch.chdir(tmp_path)
    assert main(["cache", "--cache-dir", str(now), "stats"]) == 0
    assert "older release" in capsys.readouterr().err


def test_a_run_writes_no_cache_into_its_working_directory(
    synth_project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The reported bug: a run with --synth-report-dir elsewhere still made
    ``.synthbench/cache`` in the folder it started in."""
    monkeypatch.delenv(ENV_CACHE_DIR)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    result = synth_project.runpytest_subprocess(
        "-p", "no:cacheprovider", "--synth-report-dir", "elsewhere"
    )
    result.assert_outcomes(passed=48)
    assert not (synth_project.path / ".synthbench").exists()
    assert (synth_project.path / "elsewhere" / "report.json").is_file()
    # the report's figure cache went to the per-user folder
    assert any((tmp_path / "xdg" / "synthbench" / "figures").glob("*.json"))


# ------------------------------------------------------------------ stats


def test_stats_say_the_same_size_as_the_json_in_one_unit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _fill(tmp_path, 50, size=40_000)
    assert main(["cache", "--cache-dir", str(tmp_path), "stats", "--json"]) == 0
    size = json.loads(capsys.readouterr().out)["size_bytes"]
    assert size > MIB  # a size where MB and MiB differ in the second decimal
    assert main(["cache", "--cache-dir", str(tmp_path), "stats"]) == 0
    out = capsys.readouterr().out
    m = re.search(r"size: ([0-9.]+) MiB \(([0-9,]+) bytes\)", out)
    assert m is not None, out
    assert int(m.group(2).replace(",", "")) == size
    assert float(m.group(1)) == round(size / 2**20, 2)
    assert " MB" not in out  # one convention in the whole output
    # the figure: 85,852,160 / 1,048,576 = 81.875 exactly
    assert size_text(85_852_160) == "81.88 MiB (85,852,160 bytes)"


# ------------------------------------------------------------------ clear


class _Stdin:
    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_confirm_needs_yes_without_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    assert confirm("3 things", yes=True, stdin=_Stdin(False))
    assert not confirm("3 things", yes=False, stdin=_Stdin(False), ask=_no_prompt)
    assert "pass --yes" in capsys.readouterr().err
    assert confirm("x", yes=False, stdin=_Stdin(True), ask=lambda prompt: "y")
    assert confirm("x", yes=False, stdin=_Stdin(True), ask=lambda prompt: "YES ")
    assert not confirm("x", yes=False, stdin=_Stdin(True), ask=lambda prompt: "")
    assert not confirm("x", yes=False, stdin=_Stdin(True), ask=lambda prompt: "n")

    def eof(prompt: str) -> str:
        raise EOFError

    assert not confirm("x", yes=False, stdin=_Stdin(True), ask=eof)


def _no_prompt(prompt: str) -> str:
    raise AssertionError("asked without a terminal")


def test_clear_says_what_it_deletes_and_asks_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill(tmp_path, 3)
    argv = ["cache", "--cache-dir", str(tmp_path), "clear"]
    # a script or CI: nobody to ask, so nothing is deleted without --yes
    monkeypatch.setattr(sys, "stdin", _Stdin(False))
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "3 cached LLM responses" in err and str(tmp_path / DB_NAME) in err
    assert "--yes" in err and "nothing deleted" in err
    assert cache_stats(tmp_path, run="*").entries == 3
    # at a terminal: the question names what goes; "n" keeps it, "y" deletes
    monkeypatch.setattr(sys, "stdin", _Stdin(True))
    asked: list[str] = []

    def answer(reply: str) -> Any:
        def ask(prompt: str) -> str:
            asked.append(prompt)
            return reply

        return ask

    monkeypatch.setattr("builtins.input", answer("n"))
    assert main(argv) == 1
    assert "3 cached LLM responses" in asked[-1] and "paid for" in asked[-1]
    assert cache_stats(tmp_path, run="*").entries == 3
    monkeypatch.setattr("builtins.input", answer("y"))
    assert main(argv) == 0
    assert "cleared 3 cached responses" in capsys.readouterr().out
    assert cache_stats(tmp_path, run="*").entries == 0
    # nothing left: no question at all
    monkeypatch.setattr("builtins.input", _no_prompt)
    assert main(argv) == 0
    assert "nothing to clear" in capsys.readouterr().out


# ------------------------------------------------------------------ pipes


@pytest.mark.parametrize(
    "args",
    [
        ["cache", "stats"],
        ["cache", "stats", "--json"],
        ["cache", "export"],
        ["--help"],
        ["generate", "--help"],
    ],
)
def test_output_into_a_closed_pipe_ends_without_a_traceback(
    tmp_path: Path, args: list[str]
) -> None:
    """``synthbench cache stats | head -1``: the reader is gone before the output ends."""
    _fill(tmp_path, 300)
    if args[0] == "cache":
        args = ["cache", "--cache-dir", str(tmp_path), *args[1:]]
    read, write = os.pipe()
    os.close(read)  # every write now fails with EPIPE, as after `head` exits
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "harness", *args],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=120,
        )
    finally:
        os.close(write)
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
    assert done.returncode in (0, 141)
