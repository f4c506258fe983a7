"""The records and the interface every chat backend implements.

A backend turns one ``ChatRequest`` into one ``Reply`` with a single attempt, and
says which of its exceptions are worth retrying. Everything else (bounded
concurrency, retries with backoff, the shared rate limit, the response cache,
counting) is done once, for every backend, by ``harness.backends.client.ChatClient``.
That keeps a backend a thin adapter over its SDK, and makes retries *ours*, counted
and capped (the SDKs' own retries are switched off).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

ROLES = ("system", "user", "assistant")


@dataclass(frozen=True, slots=True)
class Message:
    role: str
    content: str

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"message role must be one of {ROLES}, got {self.role!r}")

    def to_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """One chat completion request, independent of provider.

    ``extra`` holds further generation parameters (``top_p``, ``stop``, ...) as sorted
    ``(name, value)`` pairs so the request stays hashable; values must be JSON-able.
    ``temperature == 0`` means greedy decoding; ``seed`` asks the provider for
    reproducible sampling (best effort for most APIs).
    """

    messages: tuple[Message, ...]
    model: str
    temperature: float = 0.0
    max_tokens: int = 256
    seed: int | None = None
    extra: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(
        cls,
        messages: Iterable[Message | Mapping[str, str]],
        model: str,
        temperature: float = 0.0,
        max_tokens: int = 256,
        seed: int | None = None,
        **extra: Any,
    ) -> ChatRequest:
        """Build a request from message dicts (``{"role", "content"}``) or ``Message``s."""
        msgs = tuple(
            m if isinstance(m, Message) else Message(str(m["role"]), str(m["content"]))
            for m in messages
        )
        if not msgs:
            raise ValueError("a chat request needs at least one message")
        return cls(
            msgs, model, float(temperature), int(max_tokens), seed, tuple(sorted(extra.items()))
        )

    @property
    def extra_params(self) -> dict[str, Any]:
        return dict(self.extra)

    @property
    def deterministic(self) -> bool:
        """Greedy decoding: the same request gives the same answer (modulo provider noise)."""
        return self.temperature == 0.0

    def to_dict(self) -> dict[str, Any]:
        """Every field that shapes the answer, as plain JSON (the cache key is made of it)."""
        return {
            "messages": [m.to_dict() for m in self.messages],
            "model": self.model,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "seed": self.seed,
            "extra": {k: v for k, v in self.extra},
        }

    def prompt_chars(self) -> int:
        return sum(len(m.content) for m in self.messages)

    def estimated_tokens(self) -> int:
        """A provider-neutral upper-ish estimate (4 characters a token) for rate budgets."""
        return self.prompt_chars() // 4 + 4 * len(self.messages) + self.max_tokens


@dataclass(frozen=True, slots=True)
class Reply:
    """What one successful backend call returns."""

    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str = ""


@dataclass(frozen=True, slots=True)
class Completion:
    """The outcome of one request after retries: text, or an error; never lost.

    ``cached`` says the answer came from the response cache (no request was sent);
    ``attempts`` counts requests actually sent for it (0 when cached).
    """

    text: str | None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached: bool = False
    error: str | None = None
    attempts: int = 0
    finish_reason: str = ""
    #: What kind of failure ``error`` is (``FAILURE_KINDS``); "" for an answer.
    kind: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None and self.text is not None

    @property
    def failure(self) -> str:
        """The failure kind when no answer came back ("" for an answer)."""
        if self.ok:
            return ""
        return self.kind or OTHER

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cached": self.cached,
            "error": self.error,
            "attempts": self.attempts,
            "finish_reason": self.finish_reason,
            "kind": self.kind,
        }


#: Kinds of request-level failure: no usable answer came back. ``auth`` stops every
#: later request with the same credentials in the process; all of them but ``length``
#: (an answer cut off at ``max_tokens``: the same request gets the same cut) are worth
#: asking again in the next run.
AUTH = "auth"
HTTP = "http"
TIMEOUT = "timeout"
CONNECTION = "connection"
MALFORMED = "malformed"
EMPTY = "empty"
LENGTH = "length"
OTHER = "other"
FAILURE_KINDS = (AUTH, HTTP, TIMEOUT, CONNECTION, MALFORMED, EMPTY, LENGTH, OTHER)
#: ``finish_reason`` values of an answer cut off at ``max_tokens`` (OpenAI, Anthropic).
CUT_OFF = frozenset({"length", "max_tokens"})


class EmptyAnswer(RuntimeError):
    """A response without a choice (or without any content block) to read."""


@dataclass(frozen=True, slots=True)
class RetryDecision:
    """How the client should treat an exception from one attempt; ``kind`` is one of
    ``FAILURE_KINDS``."""

    retry: bool
    reason: str
    retry_after: float | None = None
    kind: str = OTHER


class ChatBackend(Protocol):
    """A provider adapter. Implementations live one per file in this package."""

    #: Provider name for the cache key: ``openai``, ``anthropic``, ``transformers``.
    provider: str
    #: Where requests go (base URL, or local model path); no secrets.
    endpoint: str
    #: Model revision (hub commit, weights fingerprint); "" when the API has none.
    revision: str

    async def acomplete(self, request: ChatRequest) -> Reply:
        """One attempt; raise the SDK's exception on failure."""
        ...

    def classify(self, exc: BaseException) -> RetryDecision:
        """Retry or not, why, and the server's ``Retry-After`` when it sent one."""
        ...

    async def aclose(self) -> None:
        """Release connections bound to the running event loop."""
        ...


@dataclass(frozen=True)
class BackendConfig:
    """The common, validated parameters of a chat backend (from a suite's model params)."""

    model: str
    base_url: str = ""
    api_key_env: str = ""
    timeout: float = 60.0
    revision: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)


def canonical_json(obj: Any) -> str:
    """Stable JSON: sorted keys, no whitespace, so equal requests hash equally."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def mask_secrets(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret (and its last-8-characters tail) replaced by ``***``.

    Providers echo partial keys in authentication errors (``sk-...abcd``), so the
    tail is removed too.
    """
    for secret in secrets:
        if not secret:
            continue
        text = text.replace(secret, "***")
        if len(secret) >= 12:
            text = text.replace(secret[-8:], "***")
    return text


@dataclass
class ClientStats:
    """Counts of one client (one process); ``requests`` counts attempts actually sent."""

    completions: int = 0
    requests: int = 0
    retries: int = 0
    failures: int = 0
    cache_hits: int = 0
    cache_misses: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    rate_wait_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)
