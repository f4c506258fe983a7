"""Provider batch APIs against the loopback batch server: upload, create, retrieve,
results, expiry, partial failure, and a killed run that resumes the same batch."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.backends import build_client
from harness.backends.batch import BatchPolicy
from tests.batch_server import BatchServer

FAST = {"batch_poll_s": 0.01, "batch_poll_max_s": 0.05}
PROVIDERS = ("openai", "anthropic")


@pytest.fixture
def server() -> Iterator[BatchServer]:
    with BatchServer(answer=lambda text: "answer to " + text.split("<")[-1].split(">")[0]) as s:
        yield s


def _params(provider: str, server: BatchServer, tmp_path: Path, **more: Any) -> dict[str, Any]:
    return {
        "backend": provider,
        "model": "m",
        "base_url": server.base_url if provider == "openai" else server.root_url,
        "api_key_env": "",
        "batch": True,
        "cache_dir": str(tmp_path / "cache"),
        **FAST,
        **more,
    }


def _prompts(n: int) -> list[list[dict[str, str]]]:
    return [[{"role": "user", "content": f"question <q{i}>"}] for i in range(n)]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_one_batch_answers_every_request_in_order_and_fills_the_cache(
    provider: str, server: BatchServer, tmp_path: Path
) -> None:
    client, defaults = build_client(_params(provider, server, tmp_path))
    reqs = [defaults.request(m) for m in _prompts(5)]
    got = client.complete_many(reqs)
    assert [c.text for c in got] == [f"answer to q{i}" for i in range(5)]
    assert all(c.ok and not c.cached and c.attempts == 1 for c in got)
    assert len(server.created) == 1 and server.retrieves >= server.polls_to_finish
    assert client.stats.requests == 5 and client.stats.failures == 0
    # A second run is answered by the cache: no new batch.
    again, _ = build_client(_params(provider, server, tmp_path))
    assert [c.text for c in again.complete_many(reqs)] == [c.text for c in got]
    assert len(server.created) == 1 and again.stats.cache_hits == 5


@pytest.mark.parametrize("provider", PROVIDERS)
def test_partial_failure_is_counted_and_only_the_failed_are_asked_again(
    provider: str, server: BatchServer, tmp_path: Path
) -> None:
    server.fail = ("<q1>", "<q3>")
    client, defaults = build_client(_params(provider, server, tmp_path))
    reqs = [defaults.request(m) for m in _prompts(4)]
    got = client.complete_many(reqs)
    assert [c.ok for c in got] == [True, False, True, False]
    assert "scripted item failure" in (got[1].error or "")
    assert client.stats.failures == 2
    server.fail = ()
    second, _ = build_client(_params(provider, server, tmp_path))
    redo = second.complete_many(reqs)
    assert all(c.ok for c in redo) and [c.cached for c in redo] == [True, False, True, False]
    assert len(server.created) == 2
    items = server.batches[server.created[1]]["items"]
    assert len(items) == 2  # only the two that failed


@pytest.mark.parametrize("provider", PROVIDERS)
def test_expiry_keeps_what_ran_and_names_what_did_not(
    provider: str, server: BatchServer, tmp_path: Path
) -> None:
    server.expire, server.expire_after = True, 2
    client, defaults = build_client(_params(provider, server, tmp_path))
    got = client.complete_many([defaults.request(m) for m in _prompts(4)])
    assert [c.ok for c in got] == [True, True, False, False]
    assert all("expired" in (c.error or "") for c in got[2:])


def test_a_batch_rejected_at_validation_fails_every_request(
    server: BatchServer, tmp_path: Path
) -> None:
    server.reject = True
    client, defaults = build_client(_params("openai", server, tmp_path))
    got = client.complete_many([defaults.request(m) for m in _prompts(3)])
    assert all(not c.ok and "scripted validation failure" in (c.error or "") for c in got)


def test_a_batch_still_running_at_the_timeout_is_resumed_by_the_next_run(
    server: BatchServer, tmp_path: Path
) -> None:
    server.hold = True
    client, defaults = build_client(_params("openai", server, tmp_path, batch_timeout_s=0.1))
    reqs = [defaults.request(m) for m in _prompts(3)]
    got = client.complete_many(reqs)
    assert all("still running" in (c.error or "") and "resume" in (c.error or "") for c in got)
    server.hold = False
    again, _ = build_client(_params("openai", server, tmp_path))
    assert [c.text for c in again.complete_many(reqs)] == [f"answer to q{i}" for i in range(3)]
    assert len(server.created) == 1  # the same batch, not paid twice
    assert again.stats.requests == 0


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_killed_run_resumes_the_same_batch_id(
    provider: str, server: BatchServer, tmp_path: Path
) -> None:
    server.hold = True
    params = _params(provider, server, tmp_path)
    code = textwrap.dedent(
        f"""
        from harness.backends import build_client
        client, d = build_client({params!r})
        client.complete_many([d.request([{{"role": "user", "content": f"question <q{{i}}>"}}])
                              for i in range(3)])
        """
    )
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
    client, defaults = build_client(params)
    got = client.complete_many([defaults.request(m) for m in _prompts(3)])
    assert [c.text for c in got] == [f"answer to q{i}" for i in range(3)]
    assert len(server.created) == 1 and client.stats.requests == 0


def test_poll_waits_back_off_up_to_the_cap_within_the_timeout() -> None:
    waits = BatchPolicy(poll_s=1.0, poll_max_s=4.0, timeout_s=20.0).waits()
    assert waits[:4] == [1.0, 1.5, 2.25, 3.375] and max(waits) == 4.0
    assert sum(waits) <= 20.0
