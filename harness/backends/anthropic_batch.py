"""Anthropic's Message Batches: ``messages.batches.create``, ``retrieve``, ``results``.

A batch is ``in_progress`` until ``ended``; each result then says ``succeeded``
(the message), ``errored``, ``canceled`` or ``expired`` (not run within 24 h).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from harness.backends.base import ChatRequest, Reply
from harness.backends.batch import ENDED, RUNNING, BatchPolicy, BatchState, ItemResult


class _Chat(Protocol):
    """What a batch uses of its chat backend (``AnthropicChat``, which builds the batch)."""

    def _sdk(self) -> Any: ...

    def params(self, request: ChatRequest) -> dict[str, Any]: ...


class AnthropicBatch:
    def __init__(
        self, chat: _Chat, policy: BatchPolicy, reply_of: Callable[[Any], Reply]
    ) -> None:
        self.chat = chat
        self.policy = policy
        #: The chat module's reader of one answer (the same for a single call).
        self.reply_of = reply_of

    async def submit(self, items: Sequence[tuple[str, ChatRequest]]) -> str:
        requests = [{"custom_id": cid, "params": self.chat.params(req)} for cid, req in items]
        batch = await self.chat._sdk().messages.batches.create(requests=requests)
        return str(batch.id)

    async def poll(self, batch_id: str) -> BatchState:
        batch = await self.chat._sdk().messages.batches.retrieve(batch_id)
        status = str(batch.processing_status)
        return BatchState(ENDED if status == "ended" else RUNNING, status)

    async def results(self, batch_id: str) -> Mapping[str, ItemResult]:
        out: dict[str, ItemResult] = {}
        async for item in await self.chat._sdk().messages.batches.results(batch_id):
            result = item.result
            kind = str(result.type)
            if kind == "succeeded":
                out[str(item.custom_id)] = self.reply_of(result.message)
            elif kind == "errored":
                err = getattr(result.error, "error", result.error)
                out[str(item.custom_id)] = (
                    f"errored: {getattr(err, 'type', '')}: {getattr(err, 'message', '')}"
                )
            else:  # canceled, expired: the request never ran
                out[str(item.custom_id)] = f"{kind}: the request was not run"
        return out
