"""Suite sources of kind generate (one writer under a file lock) and hub (offline cache)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.data import DataMissing, clear_cache, load_source
from harness.generate.ondemand import ensure_generated, prepare_source
from harness.run.suite import parse_suite
from tests.gen_fixtures import responder, write_data
from tests.llm_server import LLMServer
from tests.test_hub import COMMIT, prepare_cache

KEY_ENV = "SYNTHBENCH_TEST_GEN_KEY"


def suite_for(server_url: str, n: int = 6) -> dict:
    return {
        "generators": {
            "writer": {"kind": "generate", "model_id": "toy/llm",
                       "params": {"backend": "openai", "model": "toy-llm", "base_url": server_url,
                                  "api_key_env": KEY_ENV, "cache": "off"},
                       "generate": {"n": n, "seed": 3, "window": 2}},
            "hubbed": {"kind": "hub", "uri": f"hf://datasets/org/synth/{{dataset}}/gpt.jsonl@{COMMIT}"},
        },
        "datasets": {"toy": {"task": "intent", "test": "real/toy/test.jsonl",
                             "train": "real/toy/train.jsonl"}},
    }


WORKER = """
import json, sys
from pathlib import Path
from harness.run.suite import parse_suite
from harness.generate.ondemand import ensure_generated
suite = parse_suite(json.loads(sys.argv[1]))
ran = ensure_generated(suite.dataset("toy"), suite.generators[1], Path(sys.argv[2]), sys.argv[3])
print("RAN" if ran else "WAITED")
"""


def test_one_worker_generates_while_the_other_waits(tmp_path):
    write_data(tmp_path)
    with LLMServer(latency=0.05, responder=responder) as server:
        raw = json.dumps(suite_for(server.base_url))
        env = {**os.environ, KEY_ENV: "sk-ondemand-0123456789", "PYTEST_XDIST_TESTRUNUID": "run-1"}
        procs = [subprocess.Popen([sys.executable, "-c", WORKER, raw, str(tmp_path), "missing"],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
                 for _ in range(2)]
        outs = [p.communicate(timeout=300) for p in procs]
        assert all(p.returncode == 0 for p in procs), outs
        assert sorted(o[0].strip() for o in outs) == ["RAN", "WAITED"]
        assert server.count == 6  # generated once, not once per worker
        rows = (tmp_path / "synthetic/toy/writer.jsonl").read_text().splitlines()
        assert len(rows) == 6
        # always: once per run (run-1 has written it already), again in a new run
        suite = parse_suite(json.loads(raw))
        for run, expect in (("run-1", False), ("run-2", True), ("run-2", False)):
            os.environ["PYTEST_XDIST_TESTRUNUID"] = run
            try:
                os.environ[KEY_ENV] = "sk-ondemand-0123456789"
                assert ensure_generated(suite.dataset("toy"), suite.generators[1], tmp_path,
                                        "always") is expect
            finally:
                os.environ.pop("PYTEST_XDIST_TESTRUNUID", None)
                os.environ.pop(KEY_ENV, None)
        assert server.count == 12
        assert len((tmp_path / "synthetic/toy/writer.jsonl").read_text().splitlines()) == 6


def test_never_reads_what_is_there_and_missing_skips(tmp_path):
    write_data(tmp_path)
    suite = parse_suite(suite_for("http://127.0.0.1:9/v1"))
    spec = prepare_source(suite, suite.dataset("toy"), "writer", tmp_path, "never")
    clear_cache()
    with pytest.raises(DataMissing):
        load_source(tmp_path, spec, "writer")
    with pytest.raises(ValueError, match="never, missing, always"):
        prepare_source(suite, suite.dataset("toy"), "writer", tmp_path, "sometimes")


HUB = """
import json, sys
from pathlib import Path
from harness.run.suite import parse_suite
from harness.data import load_source
from harness.generate.ondemand import prepare_source
suite = parse_suite(json.loads(sys.argv[1]))
spec = prepare_source(suite, suite.dataset("toy"), "hubbed", Path(sys.argv[2]), "missing")
data = load_source(Path(sys.argv[2]), spec, "hubbed")
print(json.dumps({"path": data.path, "n": len(data), "label": data.examples[0].label}))
"""


def test_hub_source_loads_from_the_offline_cache(tmp_path):
    write_data(tmp_path)
    prepare_cache(tmp_path / "hub")
    snap = tmp_path / "hub/datasets--org--synth/snapshots" / COMMIT
    (snap / "toy").mkdir()
    (snap / "toy/gpt.jsonl").write_text('{"text": "play it", "label": "play"}\n'
                                        '{"text": "rain?", "label": "weather"}\n')
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(tmp_path / "hub")}
    proc = subprocess.run([sys.executable, "-c", HUB, json.dumps(suite_for("http://x/v1")),
                           str(tmp_path)], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["n"] == 2 and out["label"] == "play"
    assert Path(out["path"]).resolve() == (snap / "toy/gpt.jsonl").resolve()
