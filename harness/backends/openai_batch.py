"""OpenAI's Batch API: a JSONL file of chat-completions bodies, one batch, two result files.

Upload (``files.create``, purpose ``batch``), create (``batches.create``, 24 h
window), retrieve until ``completed``, ``expired``, ``cancelled`` or ``failed``,
then read ``output_file_id`` (answers) and ``error_file_id`` (per-request errors,
including ``batch_expired`` for requests an expired batch never ran).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from harness.backends.base import ChatRequest, Reply
from harness.backends.batch import ENDED, FAILED, RUNNING, BatchPolicy, BatchState, ItemResult


class _Chat(Protocol):
    """What a batch uses of its chat backend (``OpenAIChat``, which builds the batch)."""

    def _sdk(self) -> Any: ...

    def body(self, request: ChatRequest) -> dict[str, Any]: ...

ENDPOINT = "/v1/chat/completions"
_RUNNING = {"validating", "in_progress", "finalizing", "cancelling"}


class OpenAIBatch:
    def __init__(
        self, chat: _Chat, policy: BatchPolicy, reply_of: Callable[[Any], Reply]
    ) -> None:
        self.chat = chat
        self.policy = policy
        #: The chat module's reader of one answer (the same for a single call).
        self.reply_of = reply_of
        self._status: dict[str, Any] = {}

    async def submit(self, items: Sequence[tuple[str, ChatRequest]]) -> str:
        lines = [
            json.dumps(
                {"custom_id": cid, "method": "POST", "url": ENDPOINT, "body": self.chat.body(req)}
            )
            for cid, req in items
        ]
        sdk = self.chat._sdk()
        data = ("\n".join(lines) + "\n").encode("utf-8")
        uploaded = await sdk.files.create(
            file=("synthbench-batch.jsonl", data, "application/jsonl"), purpose="batch"
        )
        batch = await sdk.batches.create(
            input_file_id=uploaded.id, endpoint=ENDPOINT, completion_window="24h"
        )
        return str(batch.id)

    async def poll(self, batch_id: str) -> BatchState:
        batch = await self.chat._sdk().batches.retrieve(batch_id)
        self._status[batch_id] = batch
        status = str(batch.status)
        if status in _RUNNING:
            return BatchState(RUNNING, status)
        if status == "failed":
            errors = getattr(getattr(batch, "errors", None), "data", None) or []
            detail = "; ".join(f"{e.code}: {e.message}" for e in errors) or "no reason given"
            return BatchState(FAILED, detail)
        return BatchState(ENDED, status)  # completed, expired, cancelled

    async def results(self, batch_id: str) -> Mapping[str, ItemResult]:
        batch = self._status.get(batch_id) or await self.chat._sdk().batches.retrieve(batch_id)
        out: dict[str, ItemResult] = {}
        for file_id in (batch.error_file_id, batch.output_file_id):  # answers win
            if not file_id:
                continue
            content = await self.chat._sdk().files.content(file_id)
            for line in content.content.decode("utf-8").splitlines():
                if not line.strip():
                    continue
                rec = json.loads(line)
                cid = str(rec.get("custom_id"))
                resp = rec.get("response") or {}
                err = rec.get("error")
                if err:
                    out[cid] = f"{err.get('code', 'error')}: {err.get('message', '')}"
                elif int(resp.get("status_code") or 0) != 200:
                    body = resp.get("body") or {}
                    msg = (
                        (body.get("error") or {}).get("message", "")
                        if isinstance(body, dict)
                        else ""
                    )
                    out[cid] = f"HTTP {resp.get('status_code')}: {msg}"
                else:
                    try:
                        out[cid] = self.reply_of(resp.get("body"))
                    except RuntimeError as exc:
                        out[cid] = str(exc)
        return out
