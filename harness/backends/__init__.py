"""The clients that models and generators talk through, one registry of backends.

``BACKENDS`` maps a name (``openai``, ``anthropic``, ``transformers``, ``llama-cpp``) to a factory
``factory(model, **backend_params) -> ChatBackend``; each lives in its own module,
imported on first lookup, and imports its SDK only when a backend is built.
``build_client(params)`` turns a suite's model parameters into a ready
``ChatClient`` (retries, concurrency, shared rate limit, response cache) and the
request defaults (temperature, max tokens, seed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.backends.base import (
    ChatBackend,
    ChatRequest,
    Completion,
    Message,
    Reply,
    Verdict,
)
from harness.core.registry import Registry

BackendFactory = Callable[..., ChatBackend]

BACKENDS: Registry[BackendFactory] = Registry(
    "backend",
    modules=(
        "harness.backends.openai_chat",
        "harness.backends.anthropic_chat",
        "harness.backends.transformers_chat",
        "harness.backends.llama_server",
    ),
    group="synthbench.backends",
)

from harness.backends.build import RequestDefaults, build_client  # noqa: E402

__all__ = [
    "BACKENDS",
    "BackendFactory",
    "ChatBackend",
    "ChatRequest",
    "Completion",
    "Message",
    "Reply",
    "RequestDefaults",
    "Verdict",
    "build_client",
]


def __getattr__(name: str) -> Any:  # ChatClient without importing it eagerly everywhere
    if name == "ChatClient":
        from harness.backends.client import ChatClient

        return ChatClient
    raise AttributeError(name)
