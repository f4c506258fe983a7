"""The registry of chat backends: a name -> ``factory(model, **params) -> ChatBackend``.

Apart from the package's ``__init__`` so that ``build`` (which looks a name up) and the
backend modules (which register themselves) import it without a circle.
"""

from __future__ import annotations

from collections.abc import Callable

from harness.backends.base import ChatBackend
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
