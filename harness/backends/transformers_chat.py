"""``transformers``: a local causal LM answering chat requests with its chat template.

Requests are batched (``complete_batch``, run by ``ChatClient`` on a worker thread):
greedy requests with equal ``max_tokens`` share one left-padded ``generate`` call;
sampled requests run one by one, each under its own ``torch`` seed, so a seeded
request gives the same text in every process and run.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any

from harness.backends.base import ChatRequest, Reply, RetryDecision
from harness.backends.hf_local import fingerprint, load_causal_lm, require
from harness.backends.registry import BACKENDS
from harness.core.values import strict_bool


class TransformersChat:
    provider = "transformers"

    def __init__(
        self,
        model: str,
        revision: str = "",
        device: str = "auto",
        trust_remote_code: bool = False,
        batch_size: int = 8,
    ) -> None:
        require("torch", model)
        require("transformers", model)
        self.model = model
        self.endpoint = model
        self.revision = fingerprint(model, revision)
        self._revision_arg = revision
        self.device = device
        self.trust_remote_code = trust_remote_code
        self.batch_size = batch_size
        self._lock = threading.Lock()  # one generate at a time: the model is shared

    def _load(self) -> tuple[Any, Any, str]:
        return load_causal_lm(self.model, self._revision_arg, self.device, self.trust_remote_code)

    def _prompt(self, tok: Any, request: ChatRequest) -> str:
        msgs = [m.to_dict() for m in request.messages]
        if getattr(tok, "chat_template", None):
            return str(tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True))
        # A base model without a template: a plain transcript, ending at the answer.
        return "".join(f"{m['role']}: {m['content']}\n" for m in msgs) + "assistant:"

    def _generate(self, prompts: list[str], request: ChatRequest) -> list[Reply]:
        import torch

        tok, lm, dev = self._load()
        if tok.pad_token is None:
            tok.pad_token = tok.eos_token if tok.eos_token is not None else tok.unk_token
        tok.padding_side = "left"  # decoder-only models continue from the right end
        enc = tok(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(dev)
        kwargs: dict[str, Any] = {
            "max_new_tokens": request.max_tokens,
            "pad_token_id": tok.pad_token_id,
        }
        if request.temperature > 0:
            kwargs.update(do_sample=True, temperature=request.temperature)
            if request.seed is not None:
                torch.manual_seed(request.seed)
        else:
            kwargs.update(do_sample=False)
        kwargs.update(
            {k: v for k, v in request.extra if k in ("top_p", "top_k", "repetition_penalty")}
        )
        with torch.no_grad():
            out = lm.generate(**enc, **kwargs)
        width = enc["input_ids"].shape[1]
        replies = []
        for row, mask in zip(out, enc["attention_mask"], strict=True):
            new = row[width:]
            text = tok.decode(new, skip_special_tokens=True)
            replies.append(Reply(text.strip(), int(mask.sum()), int(new.numel()), "stop"))
        return replies

    def complete_batch(self, requests: list[ChatRequest]) -> list[Reply | Exception]:
        """One reply (or the exception) per request, in order."""
        out: list[Reply | Exception | None] = [None] * len(requests)
        with self._lock:
            try:
                tok, _, _ = self._load()
            except Exception as exc:  # noqa: BLE001 - every request gets the error
                return [exc for _ in requests]
            groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
            for i, r in enumerate(requests):
                if r.temperature > 0:
                    groups[("sample", i)].append(i)
                else:
                    groups[("greedy", r.max_tokens, r.extra)].append(i)
            for idx in groups.values():
                try:
                    prompts = [self._prompt(tok, requests[i]) for i in idx]
                    for i, rep in zip(idx, self._generate(prompts, requests[idx[0]]), strict=True):
                        out[i] = rep
                except Exception as exc:  # noqa: BLE001 - recorded per request
                    for i in idx:
                        out[i] = exc
        return [o if o is not None else RuntimeError("no reply") for o in out]

    async def acomplete(self, request: ChatRequest) -> Reply:
        import asyncio

        rep = (await asyncio.to_thread(self.complete_batch, [request]))[0]
        if isinstance(rep, Exception):
            raise rep
        return rep

    def classify(self, exc: BaseException) -> RetryDecision:
        # A local model fails the same way every time: retrying only wastes time.
        return RetryDecision(False, f"{type(exc).__name__}: {str(exc)[:300]}")

    async def aclose(self) -> None:
        return None

    def secrets(self) -> tuple[str, ...]:
        return ()


@BACKENDS.register("transformers", chat=True, requires=("transformers", "torch"))
def transformers_backend(
    model: str,
    revision: str = "",
    device: str = "auto",
    trust_remote_code: bool = False,
    batch_size: int = 8,
) -> TransformersChat:
    """A local causal LM (hub id or folder), loaded on first use."""
    return TransformersChat(
        model, revision, device, strict_bool("trust_remote_code", trust_remote_code),
        int(batch_size),
    )
