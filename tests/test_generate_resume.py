"""Resume after a kill: the generating process is SIGKILLed mid-run and started again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.generate.writer import GenerateError, ResumableWriter
from tests.gen_fixtures import responder, write_data
from tests.llm_server import LLMServer

KEY_ENV = "SYNTHBENCH_TEST_GEN_KEY"
CLI = """
import argparse, sys
from harness.cli.generate import add_generate_parser
parser = argparse.ArgumentParser(prog="synthbench")
add_generate_parser(parser.add_subparsers(dest="command", required=True))
args = parser.parse_args(sys.argv[1:])
sys.exit(args.func(args))
"""


def run_cli(data: Path, server: LLMServer, generator: str, n: int) -> subprocess.Popen:
    cmd = [sys.executable, "-c", CLI, "generate", "--task", "intent", "--dataset", "toy",
           "--generator", generator, "--n", str(n), "--seed", "7", "--window", "1",
           "--model", "toy-llm", "--base-url", server.base_url, "--api-key-env", KEY_ENV,
           "--param", "cache=off", "--data-dir", str(data), "--suite", str(data / "none.toml")]
    env = {**os.environ, KEY_ENV: "sk-resume-test-0123456789"}
    (data / "none.toml").write_text("")
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def count_lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def test_resume_after_kill_loses_and_duplicates_nothing(tmp_path):
    write_data(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"real": {"toy": {"task": "intent"}}}))
    out = tmp_path / "synthetic/toy/killed.jsonl"
    with LLMServer(latency=0.15, responder=responder) as server:
        proc = run_cli(tmp_path, server, "killed", 12)
        deadline = time.monotonic() + 120
        while count_lines(out) < 4 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        at_kill = count_lines(out)
        assert 4 <= at_kill < 12, "the run should have been killed part way"
        # what a kill during a write leaves behind: half a line
        with open(out, "a") as fh:
            fh.write('{"text": "half a reco')
        resumed = run_cli(tmp_path, server, "killed", 12)
        assert resumed.wait(timeout=300) == 0, resumed.stderr.read()
        received_by_killed = len(server.received)  # the killed run and its resume
        fresh = run_cli(tmp_path, server, "fresh", 12)
        assert fresh.wait(timeout=300) == 0, fresh.stderr.read()
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    reference = [json.loads(x) for x in (out.parent / "fresh.jsonl").read_text().splitlines()]
    assert len(rows) == 12
    assert sorted(r["_gen"]["index"] for r in rows) == list(range(12))
    assert rows == reference  # same plans, same seeds: the same set as an uninterrupted run
    prov = json.loads((out.parent / "killed.provenance.json").read_text())
    assert prov["complete"] and prov["counts"]["truncated_lines"] == 1
    assert len(prov["runs"]) == 2 and prov["runs"][1]["resumed_with"] == at_kill
    # The killed run's in-memory counters die with it; the resumed run asked at least
    # for every record still missing.
    assert prov["counts"]["requests"] >= 12 - at_kill
    # Regression (issue 15.6): each batch is counted and saved before it is sent, so the
    # sidecar never records fewer requests than the server received, kill included.
    assert prov["counts"]["requests"] >= received_by_killed


def test_writer_cuts_a_partial_tail_and_refuses_a_corrupt_middle(tmp_path):
    path = tmp_path / "x.jsonl"
    good = '{"text": "a", "_gen": {"index": 0, "attempt": 0}}\n'
    path.write_text(good + '{"text": "b", "_gen": {"ind')
    w = ResumableWriter(path)
    assert [r["text"] for r in w.existing()] == ["a"] and w.truncated == 1
    assert path.read_text() == good
    path.write_text(good + "not json\n" + good)
    with pytest.raises(GenerateError, match=r"x\.jsonl:2: not a generated record"):
        ResumableWriter(path).existing()


def test_writer_appends_whole_lines(tmp_path):
    w = ResumableWriter(tmp_path / "y.jsonl")
    w.open()
    w.append({"text": "é", "_gen": {"index": 3, "attempt": 1}})
    w.close()
    assert ResumableWriter(tmp_path / "y.jsonl").existing() == [
        {"text": "é", "_gen": {"index": 3, "attempt": 1}}]
