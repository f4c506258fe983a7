"""``ChatClient``: one backend plus concurrency, retries, rate limits, cache and counts.

Models and generators talk to this, never to a backend directly::

    client = ChatClient(backend, concurrency=8, cache=ResponseCache(), limiter=...)
    completions = client.complete_many(requests)   # sync; one Completion per request

Every request gets a ``Completion``: its text, or its error after the retries
(never an exception, never a lost request). Errors are redacted of the backend's
secrets before they are stored anywhere.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import random
import threading
from collections.abc import Awaitable, Callable, Sequence
from typing import Literal, TypeVar

from harness.backends.base import (
    AUTH,
    TIMEOUT,
    ChatBackend,
    ChatRequest,
    ClientStats,
    Completion,
    Reply,
    RetryDecision,
    mask_secrets,
)
from harness.backends.batch import run_provider_batch
from harness.backends.cache import ResponseCache, cache_key, safe_endpoint
from harness.backends.keys import NO_KEY
from harness.backends.ratelimit import SharedRateLimiter
from harness.backends.retry import RetryPolicy
from harness.core.redaction import redact as redact_known
from harness.core.redaction import register

CacheMode = Literal["deterministic", "always", "off"]
CACHE_MODES: tuple[str, ...] = ("deterministic", "always", "off")
T = TypeVar("T")


#: Credentials a server refused in this process: (provider, endpoint, key variable) -> the
#: error. Every later request with them fails at once instead of being sent: a wrong key
#: stops a model's cases after one refusal, not after thousands.
_REFUSED: dict[tuple[str, str, str], str] = {}


def _credentials(backend: ChatBackend) -> tuple[str, str, str]:
    return (backend.provider, safe_endpoint(backend.endpoint), getattr(backend, "key_env", ""))


def refused(backend: ChatBackend) -> str:
    """The authentication error this process got with ``backend``'s credentials, or ""."""
    return _REFUSED.get(_credentials(backend), "")


def run_sync(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion from synchronous code (pytest runs tests sync).

    Inside a running event loop (a notebook) ``asyncio.run`` is not allowed, so the
    coroutine then runs on a fresh loop in a helper thread.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())  # type: ignore[arg-type]
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()  # type: ignore[arg-type]


class ChatClient:
    """See the module docstring. ``cache_mode``: ``deterministic`` caches temperature-0
    requests only, ``always`` also seeded sampling, ``off`` nothing."""

    def __init__(
        self,
        backend: ChatBackend,
        *,
        concurrency: int = 8,
        retry: RetryPolicy | None = None,
        cache: ResponseCache | None = None,
        cache_mode: str = "deterministic",
        limiter: SharedRateLimiter | None = None,
        secrets: Sequence[str] = (),
        jitter_seed: int | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be >= 1, got {concurrency}")
        if cache_mode not in CACHE_MODES:
            raise ValueError(
                f"cache mode must be one of {', '.join(CACHE_MODES)}, got {cache_mode!r}"
            )
        self.backend = backend
        self.concurrency = concurrency
        self.retry = retry or RetryPolicy()
        self.cache = cache
        self.cache_mode = cache_mode
        self.limiter = limiter
        self.stats = ClientStats()
        # The placeholder of a keyless local server is no secret: masking it would turn
        # every "not-needed" in data or answers into *** for the rest of the process.
        self._secrets = tuple(s for s in secrets if s and s != NO_KEY)
        register(*self._secrets)  # every artifact writer of this process masks them
        self._rng = random.Random(jitter_seed)
        self._sem: asyncio.Semaphore | None = None
        self._sem_loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        #: A bound on one attempt from start to last byte: the backend's ``timeout`` is
        #: per read in the HTTP libraries, so a server dripping bytes would hold it forever.
        self.deadline: float | None = getattr(backend, "timeout", None) or None

    # ------------------------------------------------------------------ caching

    def cacheable(self, request: ChatRequest) -> bool:
        """Whether ``request``'s answer may be served from / stored in the cache."""
        if self.cache is None or self.cache_mode == "off":
            return False
        if self.cache_mode == "always":
            return request.deterministic or request.seed is not None
        return request.deterministic

    def key(self, request: ChatRequest) -> str:
        b = self.backend
        return cache_key(b.provider, b.endpoint, b.revision, request)

    # ------------------------------------------------------------------ one request

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._sem is None or self._sem_loop is not loop:
            self._sem = asyncio.Semaphore(self.concurrency)
            self._sem_loop = loop
        return self._sem

    async def acomplete(self, request: ChatRequest) -> Completion:
        """One request through cache, rate limit and retries; never raises for API errors."""
        key = self.key(request) if self.cacheable(request) else None
        if key is not None:
            assert self.cache is not None
            hit = self.cache.get(key)
            if hit is not None:
                self.stats.cache_hits += 1
                self.stats.completions += 1
                return Completion(
                    hit.text,
                    hit.prompt_tokens,
                    hit.completion_tokens,
                    cached=True,
                    finish_reason=hit.finish_reason,
                )
            self.stats.cache_misses += 1
        async with self._semaphore():
            completion, reply = await self._attempts(request)
        if reply is not None and key is not None:
            assert self.cache is not None
            self.cache.put(
                key,
                self.backend.provider,
                self.backend.endpoint,
                self.backend.revision,
                request,
                reply,
            )
        self.stats.completions += 1
        return completion

    async def _attempts(self, request: ChatRequest) -> tuple[Completion, Reply | None]:
        estimate = request.estimated_tokens()
        attempt = 0
        while True:
            if why := refused(self.backend):
                self.stats.failures += 1
                return Completion(None, error=f"not sent: {why}", attempts=attempt, kind=AUTH), None
            attempt += 1
            if self.limiter is not None:
                await self.limiter.acquire(estimate)
            self.stats.requests += 1
            try:
                reply = await self._one(request)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - classified, counted, redacted
                verdict = self._classify(exc)
                retry_no = attempt - 1
                too_long = (
                    verdict.retry_after is not None
                    and verdict.retry_after > self.retry.max_retry_after
                )
                if verdict.retry and retry_no < self.retry.max_retries and not too_long:
                    self.stats.retries += 1
                    await asyncio.sleep(self.retry.delay(retry_no, verdict.retry_after, self._rng))
                    continue
                self.stats.failures += 1
                why = redact_known(mask_secrets(verdict.reason, self._secrets))
                if too_long:
                    why += (
                        f" (server asked to wait {verdict.retry_after:.0f}s, more than "
                        f"max_retry_after={self.retry.max_retry_after:.0f}s)"
                    )
                if verdict.kind == AUTH:
                    why = self._refuse(why)
                return Completion(
                    None,
                    error=f"request failed after {attempt} attempt"
                    f"{'s' if attempt > 1 else ''}: {why}",
                    attempts=attempt,
                    kind=verdict.kind,
                ), None
            if self.limiter is not None:
                used = reply.prompt_tokens + reply.completion_tokens
                if used:
                    self.limiter.adjust_tokens(used - estimate)
            self.stats.prompt_tokens += reply.prompt_tokens
            self.stats.completion_tokens += reply.completion_tokens
            # A server may echo request headers (the bearer key) into its answer.
            reply = _masked(reply)
            return Completion(
                reply.text,
                reply.prompt_tokens,
                reply.completion_tokens,
                attempts=attempt,
                finish_reason=reply.finish_reason,
            ), reply

    async def _one(self, request: ChatRequest) -> Reply:
        """One attempt, bounded as a whole by ``deadline`` (``_Deadline`` when it passes)."""
        if self.deadline is None:
            return await self.backend.acomplete(request)
        try:
            return await asyncio.wait_for(self.backend.acomplete(request), self.deadline)
        except TimeoutError:
            raise _Deadline(self.deadline) from None

    def _classify(self, exc: BaseException) -> RetryDecision:
        if isinstance(exc, _Deadline):
            why = f"no whole answer within the {exc.seconds:g}s deadline"
            return RetryDecision(True, why, kind=TIMEOUT)
        return self.backend.classify(exc)

    def _refuse(self, why: str) -> str:
        """Remember that the server refused these credentials; the error, with where."""
        b = self.backend
        why = f"{why} (backend {b.provider}, endpoint {safe_endpoint(b.endpoint)})"
        _REFUSED.setdefault(_credentials(b), why)
        return why

    # ------------------------------------------------------------------ batches

    async def acomplete_many(
        self,
        requests: Sequence[ChatRequest],
        progress: Callable[[int, Completion], None] | None = None,
    ) -> list[Completion]:
        """All requests concurrently (at most ``concurrency`` in flight), results in order.

        ``progress(i, completion)`` is called as each one finishes (for progress bars
        and for writing generated records as they arrive).
        """
        api = getattr(self.backend, "batch_api", None)
        if api is not None:
            try:
                done = await run_provider_batch(self, requests, api)
            finally:
                self._flush()
            if progress is not None:
                for i, c in enumerate(done):
                    progress(i, c)
            return done
        batch = getattr(self.backend, "complete_batch", None)
        if batch is not None:
            return await self._batched(requests, batch, progress)

        async def one(i: int, req: ChatRequest) -> Completion:
            c = await self.acomplete(req)
            if progress is not None:
                progress(i, c)
            return c

        try:
            return list(await asyncio.gather(*(one(i, r) for i, r in enumerate(requests))))
        finally:
            self._flush()

    async def _batched(
        self,
        requests: Sequence[ChatRequest],
        batch: Callable[[list[ChatRequest]], list[Reply | Exception]],
        progress: Callable[[int, Completion], None] | None,
    ) -> list[Completion]:
        """Local backends: cache lookups, then the misses in chunks on a worker thread."""
        out: list[Completion | None] = [None] * len(requests)
        todo: list[int] = []
        keys: dict[int, str] = {}
        for i, req in enumerate(requests):
            if self.cacheable(req):
                assert self.cache is not None
                keys[i] = self.key(req)
                hit = self.cache.get(keys[i])
                if hit is not None:
                    self.stats.cache_hits += 1
                    out[i] = Completion(
                        hit.text,
                        hit.prompt_tokens,
                        hit.completion_tokens,
                        cached=True,
                        finish_reason=hit.finish_reason,
                    )
                    continue
                self.stats.cache_misses += 1
            todo.append(i)
        size = max(1, int(getattr(self.backend, "batch_size", 8)))
        try:
            for start in range(0, len(todo), size):
                chunk = todo[start : start + size]
                replies = await asyncio.to_thread(batch, [requests[i] for i in chunk])
                for i, rep in zip(chunk, replies, strict=True):
                    self.stats.requests += 1
                    if isinstance(rep, Exception):
                        self.stats.failures += 1
                        verdict = self.backend.classify(rep)
                        why = redact_known(mask_secrets(verdict.reason, self._secrets))
                        out[i] = Completion(
                            None,
                            error=f"request failed after 1 attempt: {why}",
                            attempts=1,
                            kind=verdict.kind,
                        )
                        continue
                    self.stats.prompt_tokens += rep.prompt_tokens
                    self.stats.completion_tokens += rep.completion_tokens
                    rep = _masked(rep)
                    out[i] = Completion(
                        rep.text,
                        rep.prompt_tokens,
                        rep.completion_tokens,
                        attempts=1,
                        finish_reason=rep.finish_reason,
                    )
                    if i in keys:
                        assert self.cache is not None
                        b = self.backend
                        self.cache.put(
                            keys[i], b.provider, b.endpoint, b.revision, requests[i], rep
                        )
            done = [c for c in out if c is not None]
            assert len(done) == len(requests)
            self.stats.completions += len(done)
            if progress is not None:
                for i, c in enumerate(done):
                    progress(i, c)
            return done
        finally:
            self._flush()

    def _flush(self) -> None:
        if self.cache is not None:
            self.cache.flush()

    def complete_many(
        self,
        requests: Sequence[ChatRequest],
        progress: Callable[[int, Completion], None] | None = None,
    ) -> list[Completion]:
        """The synchronous form of ``acomplete_many`` (own event loop, closed after)."""

        async def run() -> list[Completion]:
            try:
                return await self.acomplete_many(requests, progress)
            finally:
                await self.backend.aclose()

        with self._lock:  # one batch at a time per client: the semaphore is per loop
            return run_sync(run)

    def complete(self, request: ChatRequest) -> Completion:
        """One request, synchronously."""
        return self.complete_many([request])[0]

    async def aclose(self) -> None:
        self._flush()
        await self.backend.aclose()


class _Deadline(Exception):
    """An attempt ran past the client's deadline."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"deadline of {seconds:g}s passed")
        self.seconds = seconds


def _masked(reply: Reply) -> Reply:
    """``reply`` with every configured secret removed from its text."""
    text = redact_known(reply.text)
    if text == reply.text:
        return reply
    return Reply(text, reply.prompt_tokens, reply.completion_tokens, reply.finish_reason)
