"""A loopback OpenAI-compatible (and Anthropic-compatible) chat server with fault injection.

Used by the backend, model and generation tests and by ``bench/bench_backends.py``.
It speaks ``POST /v1/chat/completions`` and ``POST /v1/messages`` on 127.0.0.1,
answers every request after ``latency`` seconds, and records what it received.

Answers: ``answers`` maps a substring of the request's message text to the answer
text; the first match wins, else ``responder(body)``, else ``default_answer``.

Faults are scripted per message, so they stay deterministic under concurrency:
``server.fault("ex7", "429:1", "500")`` makes the first request whose messages
contain ``ex7`` get a 429 with ``Retry-After: 1``, the second a 500, and later ones
the normal answer. Fault codes:

* ``429`` / ``429:S``: rate limited, with ``Retry-After: S`` when given
* ``500``, ``502``, ``503``, ``400``, ``401``: that status with a JSON error body
* ``slow:S``: answer normally after S extra seconds
* ``hang:S``: sleep S seconds then close without answering (a client timeout)
* ``drop``: close the connection without answering (a connection reset)
* ``malformed``: status 200 with a body that is not JSON
* ``drip:S``: status 200 and the normal answer, 4 bytes every S seconds (each read
  is quick, the whole response is not: a per-read timeout never fires)
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

Responder = Callable[[dict[str, Any]], str]


@dataclass(frozen=True)
class Received:
    """One request as the server saw it."""

    at: float
    path: str
    body: dict[str, Any]
    text: str
    fault: str
    headers: dict[str, str] = field(default_factory=dict)


def message_text(body: dict[str, Any]) -> str:
    """All message contents of a chat request, joined (the text faults match on)."""
    parts = []
    if isinstance(body.get("system"), str):
        parts.append(body["system"])
    for m in body.get("messages", []):
        content = m.get("content", "")
        if isinstance(content, list):  # Anthropic content blocks
            content = " ".join(str(b.get("text", "")) for b in content if isinstance(b, dict))
        parts.append(str(content))
    return "\n".join(parts)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512


class LLMServer:
    """A threaded loopback server; use as a context manager or start()/stop()."""

    def __init__(
        self,
        latency: float = 0.0,
        answers: dict[str, str] | None = None,
        responder: Responder | None = None,
        default_answer: str = "OK",
    ) -> None:
        self.latency = latency
        self.answers = dict(answers or {})
        self.responder = responder
        self.default_answer = default_answer
        self.received: list[Received] = []
        self._faults: list[tuple[str, list[str]]] = []
        self._lock = threading.Lock()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ control

    def start(self) -> LLMServer:
        server = self

        class Handler(_Handler):
            owner = server

        self._httpd = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> LLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL (``.../v1``)."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def root_url(self) -> str:
        """The Anthropic-style base URL (the SDK appends ``/v1/messages``)."""
        return f"http://127.0.0.1:{self.port}"

    def fault(self, match: str, *faults: str) -> None:
        """Script faults for the next requests whose messages contain ``match``."""
        with self._lock:
            self._faults.append((match, list(faults)))

    def reset(self) -> None:
        with self._lock:
            self.received.clear()
            self._faults.clear()

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.received)

    def requests_matching(self, match: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if match in r.text]

    # ------------------------------------------------------------------ handling

    def _next_fault(self, text: str) -> str:
        with self._lock:
            for match, faults in self._faults:
                if match in text and faults:
                    return faults.pop(0)
        return ""

    def _record(self, rec: Received) -> None:
        with self._lock:
            self.received.append(rec)

    def answer_for(self, body: dict[str, Any], text: str) -> str:
        for match, answer in self.answers.items():
            if match in text:
                return answer
        if self.responder is not None:
            return self.responder(body)
        return self.default_answer


class _Handler(BaseHTTPRequestHandler):
    owner: LLMServer
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers do
    # Without TCP_NODELAY, Nagle + delayed ACKs add ~40 ms to every small response.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # silence the stderr log
        return

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._send(400, {"error": {"message": "request body is not JSON"}})
            return
        text = message_text(body)
        fault = self.owner._next_fault(text)
        self.owner._record(
            Received(time.time(), self.path, body, text, fault, dict(self.headers.items()))
        )
        if self.owner.latency:
            time.sleep(self.owner.latency)
        if self._inject(fault):
            return
        answer = self.owner.answer_for(body, text)
        if self.path.rstrip("/").endswith("/messages"):
            self._send(200, _anthropic_body(body, answer))
        else:
            self._send(200, _openai_body(body, answer))

    def _inject(self, fault: str) -> bool:
        """Apply ``fault``; True when the response has been dealt with."""
        if not fault:
            return False
        kind, _, arg = fault.partition(":")
        if kind == "slow":
            time.sleep(float(arg))
            return False
        if kind in ("drop", "hang"):
            if kind == "hang":
                time.sleep(float(arg or 5))
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return True
        if kind == "drip":
            self._drip(float(arg or 0.5))
            return True
        if kind == "malformed":
            payload = b'{"id": "x", "choices": [{"message": {"content": "trunc'
            self._raw(200, payload, "application/json")
            return True
        status = int(kind)
        headers = {"Retry-After": arg} if arg else {}
        self._send(
            status, {"error": {"message": f"injected {status}", "type": "injected"}}, headers
        )
        return True

    def _drip(self, every: float) -> None:
        payload = json.dumps(_openai_body({}, "dripped " * 40)).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.flush()
            for i in range(0, len(payload), 4):
                self.wfile.write(payload[i : i + 4])
                self.wfile.flush()
                time.sleep(every)
        except OSError:  # the client gave up: what the test wants
            self.close_connection = True

    def _send(
        self, status: int, obj: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        self._raw(status, json.dumps(obj).encode(), "application/json", headers)

    def _raw(
        self, status: int, payload: bytes, ctype: str, headers: dict[str, str] | None = None
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(payload)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            # Headers and body in one write: one segment for the client to wait on.
            buffered: list[bytes] = self._headers_buffer
            self.wfile.write(b"".join([*buffered, b"\r\n", payload]))
            self._headers_buffer: list[bytes] = []
        except OSError:  # the client gave up (timeout); nothing to answer
            self.close_connection = True


def _words(text: str) -> int:
    return len(text.split())


def _openai_body(req: dict[str, Any], answer: str) -> dict[str, Any]:
    prompt = _words(message_text(req))
    return {
        "id": "chatcmpl-loopback",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": req.get("model", "loopback"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": answer},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": _words(answer),
            "total_tokens": prompt + _words(answer),
        },
    }


def _anthropic_body(req: dict[str, Any], answer: str) -> dict[str, Any]:
    return {
        "id": "msg_loopback",
        "type": "message",
        "role": "assistant",
        "model": req.get("model", "loopback"),
        "content": [{"type": "text", "text": answer}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": _words(message_text(req)), "output_tokens": _words(answer)},
    }


def serve_forever(latency: float, port_queue: Any) -> None:
    """Run a server in this process until killed (bench: a separate server process)."""
    server = LLMServer(latency=latency).start()
    port_queue.put(server.port)
    threading.Event().wait()


@pytest.fixture
def llm_server() -> Iterator[LLMServer]:
    """A started loopback server, stopped after the test (``from tests.llm_server import
    llm_server`` makes it available in a test module)."""
    server = LLMServer().start()
    try:
        yield server
    finally:
        server.stop()
