"""Run a server command as a child and stop it when its owner process is gone.

``python -m harness.backends.server_guard OWNER_PID -- CMD ...``

A managed llama.cpp server must not outlive the test run that started it, even
when the run is killed (SIGKILL leaves no chance for cleanup hooks). The guard
polls the owner's pid and terminates the server once the owner has exited; it also
forwards SIGTERM/SIGINT, so stopping the guard stops the server.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from types import FrameType

POLL_S = 0.5
GRACE_S = 5.0


def owner_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True


def stop(child: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL after the grace period."""
    if child.poll() is not None:
        return
    child.terminate()
    try:
        child.wait(GRACE_S)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print(
            "usage: python -m harness.backends.server_guard OWNER_PID -- CMD ...", file=sys.stderr
        )
        return 2
    owner = int(argv[0])
    child = subprocess.Popen(argv[2:])

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop(child)
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    while True:
        code = child.poll()
        if code is not None:
            return code
        if not owner_alive(owner):
            stop(child)
            return 0
        time.sleep(POLL_S)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
