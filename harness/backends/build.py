"""From a suite's model parameters to a ``ChatClient`` and request defaults.

Parameters (all optional but ``model``; the backend's own ones are listed in its
factory, e.g. ``base_url``, ``api_key_env``, ``timeout`` for ``openai``)::

    backend = "openai"            # a BACKENDS name
    model = "gpt-4o-mini"         # the provider's model id (or a local path)
    temperature = 0.0             # 0: greedy, cached by default
    max_tokens = 256
    seed = 0                      # sent to providers that take one
    extra = {top_p = 1.0}         # further generation parameters, sent as they are
    concurrency = 8               # requests in flight per process
    rpm = 0, tpm = 0              # budgets per minute shared by all workers (0: none)
    burst_seconds = 1.0           # bucket capacity, in seconds of budget
    rate_key = ""                 # budget name (default: the backend's endpoint)
    max_retries = 4, retry_base_delay = 0.5, retry_max_delay = 30, max_retry_after = 120
    cache = "deterministic"       # or "always" (also seeded sampling) or "off"
    cache_dir = ""                # default: $SYNTHBENCH_CACHE_DIR, else ~/.cache/synthbench

Unknown names raise a ``ValueError`` naming them and listing the known ones.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.backends.base import ChatRequest, Message
from harness.backends.registry import BACKENDS
from harness.core.redaction import register_env
from harness.core.values import _describe, _matches, check_kwargs

_CLIENT: dict[str, Any] = {
    "concurrency": 8,
    "rpm": 0.0,
    "tpm": 0.0,
    "burst_seconds": 1.0,
    "rate_key": "",
    "max_retries": 4,
    "retry_base_delay": 0.5,
    "retry_max_delay": 30.0,
    "max_retry_after": 120.0,
    "cache": "deterministic",
    "cache_dir": "",
}
_REQUEST: dict[str, Any] = {"temperature": 0.0, "max_tokens": 256, "seed": None, "extra": {}}


@dataclass(frozen=True)
class RequestDefaults:
    """The generation parameters of one configured model; ``request()`` fills them in."""

    model: str
    temperature: float = 0.0
    max_tokens: int = 256
    seed: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def request(
        self, messages: Sequence[Message | Mapping[str, str]], **overrides: Any
    ) -> ChatRequest:
        """A request with these defaults; ``overrides`` (e.g. ``seed=7``) win."""
        params: dict[str, Any] = {
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "seed": self.seed,
            **dict(self.extra),
        }
        params.update(overrides)
        return ChatRequest.of(messages, self.model, **params)


def split_params(
    params: Mapping[str, Any],
    backend_keys: Sequence[str],
    who: str,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(backend, client, request) parameters; unknown names raise ValueError."""
    known = set(backend_keys) | set(_CLIENT) | set(_REQUEST) | {"backend", "model"}
    for key in params:
        if key not in known:
            raise ValueError(f"{who}: unknown parameter {key!r}; known: {', '.join(sorted(known))}")
    backend = {k: params[k] for k in backend_keys if k in params}
    client = {**_CLIENT, **{k: params[k] for k in _CLIENT if k in params}}
    request = {**_REQUEST, **{k: params[k] for k in _REQUEST if k in params}}
    return backend, client, request


def backend_params(factory: Any) -> list[str]:
    """The keyword parameters a backend factory takes (besides ``model``)."""
    return [p for p in inspect.signature(factory).parameters if p != "model"]


def build_client(params: Mapping[str, Any], who: str = "llm") -> tuple[Any, RequestDefaults]:
    """A ``ChatClient`` and ``RequestDefaults`` from model parameters (module docstring).

    Raises ``NotConfigured`` (missing key or endpoint) and ``MissingDependency``
    (SDK not installed) from the backend factory: the harness skips such cases.
    """
    # Lazy for import-time cost (listed in tests/test_layers.py): the client brings
    # asyncio, sqlite3 and the rate limiter, and ``harness.backends`` is imported by
    # every pytest session that loads the plugin, most of which never build a client.
    from harness.backends.cache import ResponseCache, resolve_cache_dir, safe_endpoint
    from harness.backends.client import ChatClient
    from harness.backends.ratelimit import RateLimit, SharedRateLimiter
    from harness.backends.retry import RetryPolicy

    name = str(params.get("backend", "openai"))
    factory = BACKENDS.get(name)
    if not params.get("model"):
        raise ValueError(
            f"{who}: parameter 'model' is required (the provider's model id or a path)"
        )
    model = str(params["model"])
    bparams, c, r = split_params(params, backend_params(factory), f"{who} (backend {name!r})")
    backend = factory(model, **bparams)
    cache_dir = resolve_cache_dir(c["cache_dir"] or None)
    cache = None if c["cache"] == "off" else ResponseCache(cache_dir)
    limit = RateLimit(float(c["rpm"]), float(c["tpm"]), float(c["burst_seconds"]))
    limiter = None
    if limit.active:
        key = c["rate_key"] or f"{backend.provider}|{safe_endpoint(backend.endpoint)}"
        limiter = SharedRateLimiter(cache_dir, key, limit)
    client = ChatClient(
        backend,
        concurrency=int(c["concurrency"]),
        retry=RetryPolicy(
            int(c["max_retries"]),
            float(c["retry_base_delay"]),
            float(c["retry_max_delay"]),
            float(c["max_retry_after"]),
        ),
        cache=cache,
        cache_mode=str(c["cache"]),
        limiter=limiter,
        secrets=getattr(backend, "secrets", lambda: ())(),
    )
    if not isinstance(r["extra"], Mapping):
        raise ValueError(f"{who}: parameter 'extra' must be a table, got {r['extra']!r}")
    seed = r["seed"]
    defaults = RequestDefaults(
        model,
        float(r["temperature"]),
        int(r["max_tokens"]),
        None if seed is None else int(seed),
        dict(r["extra"]),
    )
    return client, defaults


def check_chat_params(where: str, params: Mapping[str, Any]) -> None:
    """The parameters of a chat LLM (``llm`` model, ``generate`` source): names and types.

    The same split ``build_client`` makes later: backend, client and request keys.
    """
    name = params.get("backend", "openai")
    if not isinstance(name, str) or name not in BACKENDS:
        raise ValueError(f"{where}.backend: unknown backend {name!r}; known: "
                         f"{', '.join(BACKENDS.names())}")
    if "model" in params and not isinstance(params["model"], str):
        raise ValueError(f"{where}.model: expected a string, got {_describe(params['model'])}")
    factory = BACKENDS.get(name)
    keys = backend_params(factory)
    if isinstance(params.get("api_key_env"), str):
        register_env(params["api_key_env"])  # its value must never reach an artifact
    split_params(params, keys, where)  # unknown names, with the known ones listed
    check_kwargs(where, factory, {k: v for k, v in params.items() if k in keys}, skip=("model",))
    for key, default in {**_CLIENT, **_REQUEST}.items():
        if key not in params or params[key] is None and default is None:
            continue
        hint: Any = {bool: bool, int: int, float: float, str: str, dict: dict}.get(type(default))
        if default is None:  # seed
            hint = int
        if hint is float and isinstance(params[key], int) and not isinstance(params[key], bool):
            continue
        if hint is not None and _matches(params[key], hint) is False:
            got = _describe(params[key])
            raise ValueError(f"{where}.{key}: expected {hint.__name__}, got {got}")
