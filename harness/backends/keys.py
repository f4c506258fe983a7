"""API keys: read from the environment variable the suite names, never from the suite.

A key lives only in the SDK client of its backend and in the client's list of
secrets to redact; it is not part of a request, a cache key, a result or a log line.
The same holds for credentials inside a base URL (``harness.core.redaction.url_secrets``).
"""

from __future__ import annotations

import os

from harness.backends.cache import safe_endpoint
from harness.core.errors import NotConfigured
from harness.core.redaction import register_url

#: A placeholder for local servers (vLLM, Ollama, llama.cpp) that take no key.
NO_KEY = "not-needed"


def resolve_api_key(api_key_env: str, default_env: str, base_url: str, who: str) -> str:
    """The key from ``$api_key_env`` (default ``default_env``).

    With an explicit ``base_url`` and ``api_key_env = ""`` (or ``"none"``) no key is
    needed: local OpenAI-compatible servers ignore it. Otherwise a missing variable
    raises ``NotConfigured`` naming it, which skips the model's cases with that reason.
    """
    if base_url and api_key_env.lower() in ("", "none"):
        return NO_KEY
    env = api_key_env or default_env
    value = os.environ.get(env, "")
    if not value:
        raise NotConfigured(
            f"{who}: set {env} to the API key"
            + (f" of {_shown(base_url)}" if base_url else "")
            + " (or name another variable with the model's api_key_env parameter)"
        )
    return value


def resolve_base_url(base_url: str, base_url_env: str) -> str:
    """``base_url`` or, when empty, ``$base_url_env`` (e.g. ``OPENAI_BASE_URL``).

    Credentials in it (``user:password@``, ``?key=...``) are registered as secrets:
    no artifact, error or answer of the process shows them.
    """
    if base_url:
        return register_url(base_url)
    return register_url(os.environ.get(base_url_env, "") if base_url_env else "")


def _shown(url: str) -> str:
    return safe_endpoint(url)
