"""A loopback server of the OpenAI Batch and Anthropic Message Batches endpoints.

OpenAI: ``POST /v1/files`` (multipart), ``POST /v1/batches``, ``GET /v1/batches/ID``,
``GET /v1/files/ID/content``. Anthropic: ``POST /v1/messages/batches``,
``GET /v1/messages/batches/ID``, ``GET /v1/messages/batches/ID/results``.

A batch stays running for ``polls_to_finish`` retrieves (or while ``hold`` is set),
then ends. Scripted outcomes, by a substring of an item's message text:
``fail`` marks items that get a per-item error; ``expire = True`` ends the batch
as expired with only the first ``expire_after`` items answered; ``reject = True``
fails every batch at validation. The answer of an item is ``answer(text)``.
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.llm_server import message_text


class BatchServer:
    def __init__(self, answer: Callable[[str], str] = lambda text: "OK") -> None:
        self.answer = answer
        #: When set, an item's answer is ``body_answer(request body)`` (sees the seed).
        self.body_answer: Callable[[dict[str, Any]], str] | None = None
        self.polls_to_finish = 2
        self.hold = False
        self.fail: tuple[str, ...] = ()
        self.expire = False
        self.expire_after = 0
        self.reject = False
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.created: list[str] = []
        self.retrieves = 0
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None

    def __enter__(self) -> BatchServer:
        owner = self

        class Handler(_Handler):
            server_state = owner

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._httpd is not None
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def root_url(self) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def base_url(self) -> str:
        return self.root_url + "/v1"

    def new_id(self, prefix: str) -> str:
        with self._lock:
            return f"{prefix}{next(self._ids)}"

    # ------------------------------------------------------------------ outcomes

    def answer_of(self, body: dict[str, Any]) -> str:
        if self.body_answer is not None:
            return self.body_answer(body)
        return self.answer(message_text(body))

    def outcome(self, index: int, text: str) -> str | None:
        """None: answered; else the error of this item."""
        if any(m in text for m in self.fail):
            return "invalid_request: scripted item failure"
        if self.expire and index >= self.expire_after:
            return "batch_expired"
        return None

    def advance(self, batch: dict[str, Any]) -> None:
        with self._lock:
            self.retrieves += 1
            batch["polls"] += 1
            if not batch["done"] and not self.hold and batch["polls"] >= self.polls_to_finish:
                batch["done"] = True


class _Handler(BaseHTTPRequestHandler):
    server_state: BatchServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    # ------------------------------------------------------------------ plumbing

    def _send(self, status: int, payload: bytes, ctype: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _json(self, status: int, obj: Any) -> None:
        self._send(status, json.dumps(obj).encode())

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    # ------------------------------------------------------------------ routes

    def do_POST(self) -> None:
        s = self.server_state
        raw = self._body()
        if self.path == "/v1/files":
            msg = email.parser.BytesParser(policy=email.policy.default).parsebytes(
                b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n" + raw
            )
            data = next(p.get_payload(decode=True) for p in msg.iter_parts() if p.get_filename())
            fid = s.new_id("file-")
            s.files[fid] = data
            self._json(
                200,
                {
                    "id": fid,
                    "object": "file",
                    "bytes": len(data),
                    "created_at": int(time.time()),
                    "filename": "batch.jsonl",
                    "purpose": "batch",
                    "status": "processed",
                },
            )
            return
        body = json.loads(raw or b"{}")
        if self.path == "/v1/batches":
            lines = s.files[body["input_file_id"]].decode().splitlines()
            items = [json.loads(ln) for ln in lines if ln.strip()]
            self._create("openai", items, body)
            return
        if self.path == "/v1/messages/batches":
            self._create("anthropic", body["requests"], body)
            return
        self._json(404, {"error": {"message": f"no route {self.path}"}})

    def _create(self, kind: str, items: list[dict[str, Any]], body: dict[str, Any]) -> None:
        s = self.server_state
        bid = s.new_id("batch_" if kind == "openai" else "msgbatch_")
        batch = {
            "id": bid,
            "kind": kind,
            "items": items,
            "polls": 0,
            "done": False,
            "reject": s.reject,
            "created": int(time.time()),
        }
        s.batches[bid] = batch
        s.created.append(bid)
        self._json(200, self._openai(batch) if kind == "openai" else self._anthropic(batch))

    def do_GET(self) -> None:
        s = self.server_state
        m = re.fullmatch(r"/v1/batches/([\w-]+)", self.path)
        if m and m.group(1) in s.batches:
            batch = s.batches[m.group(1)]
            s.advance(batch)
            self._json(200, self._openai(batch))
            return
        m = re.fullmatch(r"/v1/files/([\w-]+)/content", self.path)
        if m and m.group(1) in s.files:
            self._send(200, s.files[m.group(1)], "application/octet-stream")
            return
        m = re.fullmatch(r"/v1/messages/batches/([\w-]+)(/results)?", self.path)
        if m and m.group(1) in s.batches:
            batch = s.batches[m.group(1)]
            if m.group(2):
                self._send(200, self._anthropic_results(batch), "application/binary")
                return
            s.advance(batch)
            self._json(200, self._anthropic(batch))
            return
        self._json(404, {"error": {"message": f"no route {self.path}"}})

    # ------------------------------------------------------------------ OpenAI

    def _openai(self, batch: dict[str, Any]) -> dict[str, Any]:
        s = self.server_state
        status, out_id, err_id, errors = "in_progress", None, None, None
        if batch["reject"]:
            status = "failed"
            errors = {
                "object": "list",
                "data": [
                    {
                        "code": "invalid_model",
                        "message": "scripted validation failure",
                        "line": 1,
                        "param": "body.model",
                    }
                ],
            }
        elif batch["done"]:
            status = "expired" if s.expire else "completed"
            if "out" not in batch:
                out, err = [], []
                for i, item in enumerate(batch["items"]):
                    text = message_text(item["body"])
                    why = s.outcome(i, text)
                    if why is None:
                        out.append(
                            {
                                "id": f"r{i}",
                                "custom_id": item["custom_id"],
                                "error": None,
                                "response": {
                                    "status_code": 200,
                                    "request_id": f"q{i}",
                                    "body": _completion(item["body"], s.answer_of(item["body"])),
                                },
                            }
                        )
                    elif why == "batch_expired":
                        err.append(
                            {
                                "id": f"r{i}",
                                "custom_id": item["custom_id"],
                                "response": None,
                                "error": {
                                    "code": "batch_expired",
                                    "message": "This request could not be executed "
                                    "before the completion window expired.",
                                },
                            }
                        )
                    else:
                        err.append(
                            {
                                "id": f"r{i}",
                                "custom_id": item["custom_id"],
                                "error": None,
                                "response": {
                                    "status_code": 400,
                                    "request_id": f"q{i}",
                                    "body": {"error": {"message": why}},
                                },
                            }
                        )
                batch["out"] = s.new_id("file-")
                s.files[batch["out"]] = "".join(json.dumps(r) + "\n" for r in out).encode()
                batch["err"] = None
                if err:
                    batch["err"] = s.new_id("file-")
                    s.files[batch["err"]] = "".join(json.dumps(r) + "\n" for r in err).encode()
            out_id, err_id = batch["out"], batch["err"]
        n = len(batch["items"])
        return {
            "id": batch["id"],
            "object": "batch",
            "endpoint": "/v1/chat/completions",
            "errors": errors,
            "input_file_id": "file-in",
            "completion_window": "24h",
            "status": status,
            "output_file_id": out_id,
            "error_file_id": err_id,
            "created_at": batch["created"],
            "request_counts": {"total": n, "completed": 0, "failed": 0},
        }

    # ------------------------------------------------------------------ Anthropic

    def _anthropic(self, batch: dict[str, Any]) -> dict[str, Any]:
        done = batch["done"]
        return {
            "id": batch["id"],
            "type": "message_batch",
            "processing_status": "ended" if done else "in_progress",
            "request_counts": {
                "processing": 0 if done else len(batch["items"]),
                "succeeded": 0,
                "errored": 0,
                "canceled": 0,
                "expired": 0,
            },
            "ended_at": "2026-01-01T00:00:00Z" if done else None,
            "created_at": "2026-01-01T00:00:00Z",
            "expires_at": "2026-01-02T00:00:00Z",
            "archived_at": None,
            "cancel_initiated_at": None,
            "results_url": f"{self.server_state.root_url}/v1/messages/batches/{batch['id']}/results"
            if done
            else None,
        }

    def _anthropic_results(self, batch: dict[str, Any]) -> bytes:
        s = self.server_state
        lines = []
        for i, item in enumerate(batch["items"]):
            text = message_text(item["params"])
            why = s.outcome(i, text)
            if why is None:
                answer = s.answer_of(item["params"])
                result: dict[str, Any] = {
                    "type": "succeeded",
                    "message": {
                        "id": f"msg_{i}",
                        "type": "message",
                        "role": "assistant",
                        "model": item["params"]["model"],
                        "content": [{"type": "text", "text": answer}],
                        "stop_reason": "end_turn",
                        "stop_sequence": None,
                        "usage": {
                            "input_tokens": len(text.split()),
                            "output_tokens": len(answer.split()),
                        },
                    },
                }
            elif why == "batch_expired":
                result = {"type": "expired"}
            else:
                result = {
                    "type": "errored",
                    "error": {
                        "type": "error",
                        "error": {"type": "invalid_request_error", "message": why},
                    },
                }
            lines.append(json.dumps({"custom_id": item["custom_id"], "result": result}))
        return ("\n".join(lines) + "\n").encode()


def _completion(body: dict[str, Any], answer: str) -> dict[str, Any]:
    prompt = len(message_text(body).split())
    return {
        "id": "chatcmpl-batch",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "m"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": answer},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": len(answer.split()),
            "total_tokens": prompt + len(answer.split()),
        },
    }
