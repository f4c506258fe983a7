"""Provider batch APIs: many requests as one job, resumable through the cache.

With ``batch = true`` on an ``openai`` or ``anthropic`` backend, ``ChatClient``
sends the requests of one ``complete_many`` call (a case, or a whole generation's
attempt round: ``harness.generate.engine``) that the response cache cannot answer as
one provider batch:

1. the batch is named by the hash of its requests' cache keys; when the cache
   holds a batch id under that name (a run that was killed while waiting), that
   batch is resumed instead of submitted again (and paid again);
2. otherwise it is submitted (``BatchApi.submit``) and its id stored at once;
3. it is polled with backoff (``BatchPolicy``: first wait, growth 1.5x, cap,
   overall timeout) until the provider says it ended, failed or expired;
4. every result fills the response cache, and becomes a ``Completion``; a request
   the provider answered with an error, or never ran (expiry, cancel), becomes a
   ``Completion`` with that error, counted like any failed request. Once the
   results are stored the batch id is dropped, so a rerun after a partial failure
   submits only what is still missing.

A timeout leaves the batch id in the cache: every request of it gets an error
saying the batch is still running, and the next run picks it up.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from harness.backends.base import (
    ChatBackend,
    ChatRequest,
    ClientStats,
    Completion,
    Reply,
    mask_secrets,
)
from harness.backends.cache import ResponseCache


class BatchClient(Protocol):
    """What the batch path uses of a ``ChatClient`` (which passes itself in): its
    backend, cache and counters, the cache key and policy, the secrets to mask."""

    @property
    def backend(self) -> ChatBackend: ...

    @property
    def cache(self) -> ResponseCache | None: ...

    @property
    def stats(self) -> ClientStats: ...

    @property
    def _secrets(self) -> tuple[str, ...]: ...

    def key(self, request: ChatRequest) -> str: ...

    def cacheable(self, request: ChatRequest) -> bool: ...


RUNNING, ENDED, FAILED = "running", "ended", "failed"


@dataclass(frozen=True)
class BatchPolicy:
    poll_s: float = 5.0
    poll_max_s: float = 60.0
    timeout_s: float = 86400.0

    def waits(self) -> list[float]:
        """The successive poll waits (seconds) within the timeout."""
        out: list[float] = []
        wait, total = self.poll_s, 0.0
        while total + wait <= self.timeout_s:
            out.append(wait)
            total += wait
            wait = min(self.poll_max_s, wait * 1.5)
        return out


@dataclass(frozen=True)
class BatchState:
    """What one poll says: ``running``, ``ended`` (results can be read; some may be
    missing after an expiry or cancel) or ``failed`` (nothing ran: ``detail``)."""

    state: str
    detail: str = ""


#: One item's outcome: a reply, or the provider's error message for it.
ItemResult = Reply | str


class BatchApi(Protocol):
    """One provider's batch endpoints (``openai_batch``, ``anthropic_batch``)."""

    policy: BatchPolicy

    async def submit(self, items: Sequence[tuple[str, ChatRequest]]) -> str:
        """Create a batch of ``(custom_id, request)``; its id."""
        ...

    async def poll(self, batch_id: str) -> BatchState: ...

    async def results(self, batch_id: str) -> Mapping[str, ItemResult]:
        """The outcome per custom id, for the items that have one."""
        ...


def batch_name(keys: Sequence[str]) -> str:
    """The cache's name for a batch of these request keys (order does not matter)."""
    return hashlib.sha256("\n".join(sorted(set(keys))).encode()).hexdigest()


def custom_id(key: str) -> str:
    """A provider custom id from a request's cache key (Anthropic allows 64 [A-Za-z0-9_-])."""
    return "r" + key[:40]


async def wait_for(api: BatchApi, batch_id: str, policy: BatchPolicy) -> BatchState:
    """Poll until the batch is no longer running, or the policy's timeout."""
    state = await api.poll(batch_id)
    for wait in policy.waits():
        if state.state != RUNNING:
            return state
        await asyncio.sleep(wait)
        state = await api.poll(batch_id)
    return state


def _cached(hit: Reply) -> Completion:
    return Completion(
        hit.text,
        hit.prompt_tokens,
        hit.completion_tokens,
        cached=True,
        finish_reason=hit.finish_reason,
    )


async def run_provider_batch(
    client: BatchClient, requests: Sequence[ChatRequest], api: BatchApi
) -> list[Completion]:
    """``client.acomplete_many`` through ``api`` (the module docstring's steps 1-4)."""
    out: list[Completion | None] = [None] * len(requests)
    todo: dict[str, list[int]] = {}  # cache key -> the indices asking it (duplicates: one item)
    for i, req in enumerate(requests):
        key = client.key(req)
        if client.cacheable(req):
            assert client.cache is not None
            hit = client.cache.get(key)
            if hit is not None:
                client.stats.cache_hits += 1
                out[i] = _cached(hit)
                continue
            client.stats.cache_misses += 1
        todo.setdefault(key, []).append(i)
    if todo:
        for key, outcome in (await _run(client, requests, api, todo)).items():
            for i in todo[key]:
                out[i] = outcome
    done = [c for c in out if c is not None]
    assert len(done) == len(requests)
    client.stats.completions += len(done)
    return done


async def _run(
    client: BatchClient,
    requests: Sequence[ChatRequest],
    api: BatchApi,
    todo: Mapping[str, list[int]],
) -> dict[str, Completion]:
    backend, cache, stats = client.backend, client.cache, client.stats
    name = batch_name(list(todo))
    batch_id = cache.get_batch(name) if cache is not None else None
    attempts = 0 if batch_id is not None else 1  # a resumed batch sends nothing new

    def all_failed(why: str, kind: str = "") -> dict[str, Completion]:
        stats.failures += len(todo)
        msg = mask_secrets(why, client._secrets)
        return {k: Completion(None, error=msg, attempts=attempts, kind=kind) for k in todo}

    def reason(exc: BaseException) -> str:
        return backend.classify(exc).reason

    def kind(exc: BaseException) -> str:
        return backend.classify(exc).kind

    if batch_id is None:
        items = [(custom_id(k), requests[idx[0]]) for k, idx in todo.items()]
        try:
            batch_id = await api.submit(items)
        except Exception as exc:  # noqa: BLE001 - reported per request, redacted
            return all_failed(f"batch submission failed: {reason(exc)}", kind(exc))
        stats.requests += len(items)
        if cache is not None:
            cache.put_batch(name, backend.provider, backend.endpoint, batch_id, len(items))
    try:
        state = await wait_for(api, batch_id, api.policy)
        if state.state == RUNNING:
            return all_failed(
                f"batch {batch_id} still running after {api.policy.timeout_s:.0f}s; "
                "run again to resume it"
            )
        if state.state == FAILED:
            if cache is not None:
                cache.drop_batch(name)
            return all_failed(f"batch {batch_id} failed: {state.detail}")
        results = await api.results(batch_id)
    except Exception as exc:  # noqa: BLE001 - the batch id stays: the next run resumes it
        return all_failed(f"batch {batch_id}: {reason(exc)}; run again to resume it", kind(exc))
    outcomes: dict[str, Completion] = {}
    for key, idx in todo.items():
        result = results.get(custom_id(key))
        if isinstance(result, Reply):
            req = requests[idx[0]]
            if client.cacheable(req):
                assert cache is not None
                cache.put(key, backend.provider, backend.endpoint, backend.revision, req, result)
            stats.prompt_tokens += result.prompt_tokens
            stats.completion_tokens += result.completion_tokens
            outcomes[key] = Completion(
                result.text,
                result.prompt_tokens,
                result.completion_tokens,
                attempts=attempts,
                finish_reason=result.finish_reason,
            )
            continue
        stats.failures += 1
        why = (
            f"batch {batch_id}: {result}"
            if isinstance(result, str)
            else f"batch {batch_id} ended without a result for this request "
            f"({state.detail or 'expired or cancelled'})"
        )
        error = mask_secrets(why, client._secrets)
        outcomes[key] = Completion(None, error=error, attempts=attempts)
    if cache is not None:
        cache.drop_batch(name)  # answers are cached; what failed is asked anew next run
    return outcomes
