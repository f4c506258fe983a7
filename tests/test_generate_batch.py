"""``batch = true`` for generation: a whole generation as one provider batch (plus one
per retry round), resumable from the batch id in the cache after a killed run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

from harness.generate import GenSettings, generate, output_path
from tests.batch_server import BatchServer
from tests.gen_fixtures import responder, write_data


def _params(server: BatchServer, tmp_path: Path) -> dict[str, Any]:
    return {"backend": "openai", "model": "toy-llm", "base_url": server.base_url,
            "api_key_env": "", "batch": True, "cache_dir": str(tmp_path / "cache"),
            "batch_poll_s": 0.01, "batch_poll_max_s": 0.05}


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def test_a_generation_is_one_batch_and_each_retry_round_one_more(tmp_path: Path) -> None:
    spec = write_data(tmp_path)["intent"]
    with BatchServer() as server:
        # Index 3's first answer is two blank lines (a format rejection): one retry round.
        def answer(body: dict[str, Any]) -> str:
            return "\n\n" if body.get("seed") == first_seed_of_3 else responder(body)

        from harness.tasks.kit.generation.base import request_seed

        first_seed_of_3 = request_seed(7, spec.name, 3, 0)
        server.body_answer = answer
        prov = generate(tmp_path, spec, "batched", _params(server, tmp_path),
                        GenSettings(n=10, seed=7, window=2), progress=False)
        sizes = [len(server.batches[b]["items"]) for b in server.created]
    assert sizes == [10, 1]  # not five windows of two
    assert prov["counts"]["requests"] == 11 and prov["counts"]["rejections"] == {"format": 1}
    rows = _rows(output_path(tmp_path, spec, "batched"))
    assert sorted(r["_gen"]["index"] for r in rows) == list(range(10))
    assert next(r for r in rows if r["_gen"]["index"] == 3)["_gen"]["attempt"] == 1


def test_a_killed_generation_resumes_its_batch(tmp_path: Path) -> None:
    spec = write_data(tmp_path)["intent"]
    with BatchServer() as server:
        server.body_answer = responder
        server.hold = True
        params = _params(server, tmp_path)
        code = textwrap.dedent(f"""
            from pathlib import Path
            from harness.run.suite import DatasetSpec
            from harness.generate import GenSettings, generate
            spec = DatasetSpec({spec.name!r}, {spec.task!r}, {spec.test!r}, {spec.train!r})
            generate(Path({str(tmp_path)!r}), spec, "batched", {params!r},
                     GenSettings(n=6, seed=7), progress=False)
        """)
        proc = subprocess.Popen([sys.executable, "-c", code], env=os.environ.copy())
        try:
            deadline = time.monotonic() + 60
            while server.retrieves < 2 and time.monotonic() < deadline:
                assert proc.poll() is None, "the run ended before it was killed"
                time.sleep(0.05)
            assert len(server.created) == 1
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        finally:
            if proc.poll() is None:
                proc.kill()
        server.hold = False
        prov = generate(tmp_path, spec, "batched", params, GenSettings(n=6, seed=7),
                        progress=False)
        assert len(server.created) == 1  # the same batch, not paid twice
    assert prov["counts"]["records"] == 6 and prov["counts"]["requests"] == 6
    assert len(prov["runs"]) == 2
    assert len(_rows(output_path(tmp_path, spec, "batched"))) == 6
