"""The clients that models and generators talk through, one registry of backends.

``BACKENDS`` (``registry.py``) maps a name (``openai``, ``anthropic``, ``transformers``,
``llama-cpp``) to a factory ``factory(model, **backend_params) -> ChatBackend``; each
lives in its own module, imported on first lookup, and imports its SDK only when a
backend is built. ``build_client(params)`` turns a suite's model parameters into a
ready ``ChatClient`` (``harness.backends.client``: retries, concurrency, shared rate
limit, response cache) and the request defaults (temperature, max tokens, seed).
"""

from __future__ import annotations

from harness.backends.base import (
    ChatBackend,
    ChatRequest,
    Completion,
    Message,
    Reply,
    RetryDecision,
)
from harness.backends.build import RequestDefaults, build_client
from harness.backends.registry import BACKENDS, BackendFactory

__all__ = [
    "BACKENDS",
    "BackendFactory",
    "ChatBackend",
    "ChatRequest",
    "Completion",
    "Message",
    "Reply",
    "RequestDefaults",
    "RetryDecision",
    "build_client",
]

