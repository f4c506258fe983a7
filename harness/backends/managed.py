"""Managed local servers: one per (command, model) per run, shared by every process.

A *run* is a directory of state files (``$SYNTHBENCH_SERVERS_DIR``) and an owner
pid (``$SYNTHBENCH_SERVERS_OWNER``). Under pytest the controller opens the run in
``pytest_configure`` (xdist workers inherit the two variables) and closes it in
``pytest_unconfigure``, which runs when the session fails too. Without pytest (the
``generate`` command, bench scripts) a process opens its own run on first use and
closes it at exit.

``ensure_server(spec)`` is called by whichever process needs the server first:
under a file lock it reuses the server named in the state file when that one still
answers, or starts a new one on a free 127.0.0.1 port and waits until it answers.
The server runs under ``server_guard`` with the owner's pid, so it is stopped when
the owner goes, even by SIGKILL; a worker that dies takes nothing with it (the
server is in its own session and belongs to the run, not the worker).
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from harness.backends.server_guard import owner_alive

ENV_DIR = "SYNTHBENCH_SERVERS_DIR"
ENV_OWNER = "SYNTHBENCH_SERVERS_OWNER"
LOG_TAIL = 2000


class ServerFailed(RuntimeError):
    """The server exited or never answered; the message carries its log's tail."""


@dataclass(frozen=True)
class ServerSpec:
    """How to start one server. ``command`` may use ``{port}``; ``health`` is the path
    that answers 200 once the server is ready."""

    name: str
    command: tuple[str, ...]
    health: str = "/v1/models"
    start_timeout: float = 180.0

    @property
    def key(self) -> str:
        return hashlib.sha256("\0".join(self.command).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class RunningServer:
    name: str
    pid: int  # the guard's pid: stopping it stops the server
    port: int
    log: str

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/v1"


# ------------------------------------------------------------------ the run


def _alive(pid: int) -> bool:
    """The process exists and is not a zombie (an exited child nobody reaped yet)."""
    if pid <= 0 or not owner_alive(pid):
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc: trust kill(pid, 0)
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def open_run() -> Path | None:
    """Open a run owned by this process, unless a live enclosing run already exists
    (then its servers are shared and ``None`` is returned: closing is not ours)."""
    current = os.environ.get(ENV_DIR)
    owner = int(os.environ.get(ENV_OWNER, "0") or 0)
    if current and Path(current).is_dir() and _alive(owner):
        return None
    path = Path(tempfile.mkdtemp(prefix="synthbench-servers-"))
    os.environ[ENV_DIR] = str(path)
    os.environ[ENV_OWNER] = str(os.getpid())
    return path


def close_run(path: Path | None) -> list[str]:
    """Stop every server of the run at ``path`` and remove it; the names stopped."""
    if path is None:
        return []
    stopped = []
    for state in sorted(path.glob("*.json")):
        with contextlib.suppress(OSError, ValueError, TypeError):
            server = RunningServer(**json.loads(state.read_text()))
            stop_server(server)
            stopped.append(server.name)
    shutil.rmtree(path, ignore_errors=True)
    if os.environ.get(ENV_DIR) == str(path):
        os.environ.pop(ENV_DIR, None)
        os.environ.pop(ENV_OWNER, None)
    return stopped


def _run_dir() -> Path:
    """The current run's directory; opens one for this process (closed at exit) if none."""
    path = open_run()
    if path is not None:
        atexit.register(close_run, path)
    return Path(os.environ[ENV_DIR])


# ------------------------------------------------------------------ one server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answers(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - loopback
            return bool(resp.status == 200)
    except (OSError, urllib.error.URLError, ValueError):
        return False


def _tail(log: Path) -> str:
    try:
        return log.read_text(errors="replace")[-LOG_TAIL:]
    except OSError:
        return ""


def _answers_within(server: RunningServer, spec: ServerSpec) -> bool:
    deadline = time.monotonic() + spec.start_timeout
    while _alive(server.pid):
        if answers(server.root_url + spec.health, timeout=10.0):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return False


def stop_server(server: RunningServer, grace: float = 10.0) -> None:
    """SIGTERM the guard (which stops the server), SIGKILL its group after ``grace``."""
    if not _alive(server.pid):
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(server.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            done, _ = os.waitpid(server.pid, os.WNOHANG)
            if done:
                return
        if not _alive(server.pid):
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(server.pid, signal.SIGKILL)


def _start(spec: ServerSpec, run: Path, owner: int) -> RunningServer:
    port = free_port()
    log = run / f"{spec.key}.log"
    cmd = [c.replace("{port}", str(port)) for c in spec.command]
    guard = [sys.executable, "-m", "harness.backends.server_guard", str(owner), "--", *cmd]
    with open(log, "ab") as out:
        # Own session: a worker's death or Ctrl-C in its terminal does not reach it.
        proc = subprocess.Popen(guard, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    server = RunningServer(spec.name, proc.pid, port, str(log))
    deadline = time.monotonic() + spec.start_timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerFailed(
                f"{spec.name}: the server exited with status {proc.returncode} before "
                f"answering; its log ({log}) ends:\n{_tail(log)}"
            )
        if answers(server.root_url + spec.health, timeout=1.0):
            return server
        time.sleep(0.2)
    stop_server(server)
    raise ServerFailed(
        f"{spec.name}: no answer on {server.root_url}{spec.health} within "
        f"{spec.start_timeout:.0f}s; its log ({log}) ends:\n{_tail(log)}"
    )


def ensure_server(spec: ServerSpec, attempts: int = 2) -> RunningServer:
    """The run's server for ``spec``: reused when it answers, else started (module doc)."""
    from filelock import FileLock

    run = _run_dir()
    owner = int(os.environ.get(ENV_OWNER, "0") or os.getpid())
    state = run / f"{spec.key}.json"
    with FileLock(str(run / f"{spec.key}.lock"), timeout=spec.start_timeout * attempts + 30):
        if state.is_file():
            with contextlib.suppress(OSError, ValueError, TypeError):
                known = RunningServer(**json.loads(state.read_text()))
                # A live server that is slow to answer is busy (llama.cpp serves one
                # request at a time; a loaded machine stretches that), not dead:
                # replacing it would cut off every other worker's requests. Only a
                # server whose process is gone, or that never answers, is replaced.
                if _alive(known.pid) and _answers_within(known, spec):
                    return known
                stop_server(known)
        error: ServerFailed | None = None
        for _ in range(attempts):  # a port taken between probe and bind: try another
            try:
                server = _start(spec, run, owner)
            except ServerFailed as exc:
                error = exc
                continue
            tmp = state.with_suffix(".tmp")
            tmp.write_text(json.dumps(asdict(server)))
            tmp.replace(state)
            return server
        assert error is not None
        raise error


def running(run: Path | None = None) -> Sequence[RunningServer]:
    """The servers recorded in a run (default: the current one); for tests and tools."""
    where = run or (Path(os.environ[ENV_DIR]) if os.environ.get(ENV_DIR) else None)
    if where is None:
        return []
    out = []
    for state in sorted(where.glob("*.json")):
        with contextlib.suppress(OSError, ValueError, TypeError):
            out.append(RunningServer(**json.loads(state.read_text())))
    return out
