"""The managed-server lifecycle, with Python's http.server standing in for llama.cpp."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.backends import managed
from harness.backends.managed import ServerFailed, ServerSpec, answers, ensure_server

HTTP = ServerSpec(
    "http.server",
    (sys.executable, "-m", "http.server", "{port}", "--bind", "127.0.0.1"),
    health="/",
    start_timeout=30.0,
)


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh run owned by this process, closed after the test."""
    monkeypatch.delenv(managed.ENV_DIR, raising=False)
    monkeypatch.delenv(managed.ENV_OWNER, raising=False)
    path = managed.open_run()
    assert path is not None
    try:
        yield path
    finally:
        managed.close_run(path)


def _gone(url: str, within: float = 15.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not answers(url, timeout=0.5):
            return True
        time.sleep(0.2)
    return False


def test_started_once_and_shared_by_another_process(run: Path) -> None:
    server = ensure_server(HTTP)
    assert answers(server.root_url + "/")
    again = ensure_server(HTTP)
    assert again == server
    # Another process of the run (an xdist worker) gets the same server.
    code = (
        "import json; from harness.backends.managed import ServerSpec, ensure_server; "
        f"spec = ServerSpec(**json.loads({json.dumps(json.dumps(_spec_dict()))})); "
        "print(ensure_server(spec).port)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ
    )
    assert int(out.stdout.strip()) == server.port
    assert [s.port for s in managed.running(run)] == [server.port]


def _spec_dict() -> dict[str, object]:
    return {
        "name": HTTP.name,
        "command": list(HTTP.command),
        "health": HTTP.health,
        "start_timeout": HTTP.start_timeout,
    }


def test_close_run_stops_the_server(run: Path) -> None:
    server = ensure_server(HTTP)
    assert managed.close_run(run) == [HTTP.name]
    assert _gone(server.root_url + "/")
    assert not run.exists()


def test_a_dead_server_is_replaced(run: Path) -> None:
    first = ensure_server(HTTP)
    managed.stop_server(first)
    assert _gone(first.root_url + "/")
    second = ensure_server(HTTP)
    assert second.pid != first.pid and answers(second.root_url + "/")


def test_a_server_that_exits_reports_its_log(run: Path) -> None:
    bad = ServerSpec(
        "bad", (sys.executable, "-c", "import sys; print('no model here'); sys.exit(3)")
    )
    with pytest.raises(ServerFailed, match="(?s)status 3.*no model here"):
        ensure_server(bad, attempts=1)


def test_the_server_stops_when_its_owner_is_killed(tmp_path: Path) -> None:
    """SIGKILL leaves no cleanup hook: the guard must notice the owner is gone."""
    env = {k: v for k, v in os.environ.items() if k not in (managed.ENV_DIR, managed.ENV_OWNER)}
    code = textwrap.dedent(
        f"""
        import json, time
        from harness.backends.managed import ServerSpec, ensure_server
        spec = ServerSpec(**json.loads({json.dumps(json.dumps(_spec_dict()))}))
        print(ensure_server(spec).root_url, flush=True)
        time.sleep(600)
        """
    )
    owner = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert owner.stdout is not None
        url = owner.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and answers(url + "/")
        os.kill(owner.pid, signal.SIGKILL)
        owner.wait()
        assert _gone(url + "/"), "the server outlived its killed owner"
    finally:
        if owner.poll() is None:
            owner.kill()


def test_an_enclosing_live_run_is_shared_not_closed(run: Path) -> None:
    assert managed.open_run() is None  # nested (pytester, a subprocess): not ours to close
    assert os.environ[managed.ENV_DIR] == str(run)


def test_one_server_for_all_xdist_workers_stopped_after_a_dead_worker(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the plugin: two workers share one server; one worker dies mid-run; the
    controller stops the server at the end all the same."""
    monkeypatch.delenv(managed.ENV_DIR, raising=False)
    monkeypatch.delenv(managed.ENV_OWNER, raising=False)
    spec = json.dumps(json.dumps(_spec_dict()))
    out = pytester.path / "ports.txt"
    pytester.makepyfile(
        test_srv=f"""
        import json, os, pytest
        from harness.backends.managed import ServerSpec, ensure_server

        @pytest.mark.parametrize("i", range(4))
        def test_uses_server(i):
            server = ensure_server(ServerSpec(**json.loads({spec})))
            with open({str(out)!r}, "a") as f:
                f.write(f"{{server.root_url}} {{os.environ.get('PYTEST_XDIST_WORKER')}}\\n")
            if i == 3:
                os._exit(1)  # a worker dies
        """
    )
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:randomly", "-p", "no:cacheprovider")
    lines = out.read_text().split("\n")
    urls = {ln.split()[0] for ln in lines if ln}
    workers = {ln.split()[1] for ln in lines if ln}
    assert len(urls) == 1, lines
    assert len(workers) == 2, lines  # both workers asked; one server
    assert "crashed" in result.stdout.str() or result.ret != 0
    assert _gone(urls.pop() + "/"), "the server outlived the run"


def test_a_live_server_that_is_slow_to_answer_is_kept(
    run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A busy llama.cpp server misses a health probe; replacing it would cut off the
    requests of every other worker (seen under load: ConnectError for whole cases)."""
    server = ensure_server(HTTP)
    real = managed.answers
    misses = iter([False, False])  # the next two probes time out, then it answers

    def probe(url: str, timeout: float = 2.0) -> bool:
        scripted = next(misses, None)
        return real(url, timeout) if scripted is None else scripted

    monkeypatch.setattr(managed, "answers", probe)
    assert ensure_server(HTTP) == server
