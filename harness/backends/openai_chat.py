"""``openai``: any OpenAI-compatible chat-completions endpoint, via the official SDK.

OpenAI itself, vLLM, TGI, Ollama, llama.cpp's server, LiteLLM, ... The SDK's own
retries are switched off (``max_retries=0``) so that ``ChatClient`` counts every
attempt and applies one policy for every backend.
"""

from __future__ import annotations

import asyncio
import json
import urllib.parse
from typing import Any

from harness.backends.base import ChatRequest, EmptyAnswer, Reply
from harness.backends.batch import BatchPolicy
from harness.backends.keys import resolve_api_key, resolve_base_url
from harness.backends.openai_batch import OpenAIBatch
from harness.backends.registry import BACKENDS
from harness.backends.sdk_base import SdkChat
from harness.core.errors import MissingDependency


def _httpx_module(sdk: Any) -> Any:
    """The HTTP library the installed SDK is built on (httpx, or httpx2 for openai 3.x):
    its default client class subclasses that library's ``AsyncClient``."""
    import importlib

    base = sdk.DefaultAsyncHttpxClient.__mro__[1]
    return importlib.import_module(base.__module__.split(".")[0])


class OpenAIChat(SdkChat):
    """One model behind one OpenAI-compatible endpoint."""

    provider = "openai"

    def __init__(
        self,
        model: str,
        base_url: str,
        api_key: str,
        key_env: str,
        timeout: float = 60.0,
        revision: str = "",
        max_tokens_field: str = "max_tokens",
        max_connections: int = 256,
    ) -> None:
        try:
            import openai
        except ImportError:
            raise MissingDependency("openai") from None
        self._sdk_module = openai
        self._httpx = _httpx_module(openai)
        self.model = model
        self.endpoint = base_url or "https://api.openai.com/v1"
        # Where requests go; ``endpoint`` is the identity in the cache key, which a
        # subclass may make stabler than a URL (a managed server's port changes).
        self.base_url = self.endpoint
        self.revision = revision
        self.timeout = timeout
        self.key_env = key_env
        self.max_tokens_field = max_tokens_field
        self.max_connections = max_connections
        self._key = api_key
        self._client: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _sdk(self) -> Any:
        """The async SDK client of the running loop (its connections belong to that loop)."""
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            httpx = self._httpx
            limits = httpx.Limits(
                max_connections=self.max_connections, max_keepalive_connections=self.max_connections
            )
            # A query in the base URL (``?api-version=...&key=...``) goes as the SDK's
            # default query: left in the URL, the SDK glues its path after it.
            url, _, query = self.base_url.partition("?")
            self._client = self._sdk_module.AsyncOpenAI(
                api_key=self._key,
                base_url=url,
                default_query=dict(urllib.parse.parse_qsl(query)) or None,
                timeout=self.timeout,
                max_retries=0,
                http_client=self._sdk_module.DefaultAsyncHttpxClient(limits=limits),
            )
            self._loop = loop
        return self._client

    def body(self, request: ChatRequest) -> dict[str, Any]:
        """The chat-completions request body (also one line of a batch file)."""
        body: dict[str, Any] = {
            "model": request.model or self.model,
            "messages": [m.to_dict() for m in request.messages],
            "temperature": request.temperature,
            self.max_tokens_field: request.max_tokens,
        }
        if request.seed is not None:
            body["seed"] = request.seed
        body.update(request.extra_params)
        return body

    async def acomplete(self, request: ChatRequest) -> Reply:
        # The SDK's documented low-level ``post`` keeps its auth, base URL, timeout and
        # error classes but skips the typed params transform and pydantic models,
        # which cost ~0.6 ms of CPU per call: the bottleneck at hundreds of requests/s.
        resp = await self._sdk().post(
            "/chat/completions", body=self.body(request), cast_to=self._httpx.Response
        )
        return reply_of(json.loads(resp.content))


def reply_of(data: Any) -> Reply:
    """A ``Reply`` from a chat-completions response body (single call or batch line)."""
    choices = data.get("choices") if isinstance(data, dict) else None
    if not choices:
        raise EmptyAnswer(f"the response has no choices: {str(data)[:200]}")
    choice = choices[0]
    usage = data.get("usage") or {}
    return Reply(
        text=str((choice.get("message") or {}).get("content") or ""),
        prompt_tokens=int(usage.get("prompt_tokens") or 0),
        completion_tokens=int(usage.get("completion_tokens") or 0),
        finish_reason=str(choice.get("finish_reason") or ""),
    )


@BACKENDS.register("openai", chat=True, requires=("openai",))
def openai_backend(
    model: str,
    base_url: str = "",
    api_key_env: str = "OPENAI_API_KEY",
    base_url_env: str = "OPENAI_BASE_URL",
    timeout: float = 60.0,
    revision: str = "",
    max_tokens_field: str = "max_tokens",
    batch: bool = False,
    batch_poll_s: float = 5.0,
    batch_poll_max_s: float = 60.0,
    batch_timeout_s: float = 86400.0,
) -> OpenAIChat:
    """An OpenAI-compatible backend; raises NotConfigured when the key variable is unset.

    ``batch = true``: a batch of requests goes through the Batch API (a JSONL file),
    at half price and within 24 hours (``harness.backends.batch``).
    """
    url = resolve_base_url(base_url, base_url_env)
    key = resolve_api_key(api_key_env, "OPENAI_API_KEY", url, f"openai model {model!r}")
    chat = OpenAIChat(
        model, url, key, api_key_env or "OPENAI_API_KEY", float(timeout), revision, max_tokens_field
    )
    if batch:
        policy = BatchPolicy(float(batch_poll_s), float(batch_poll_max_s), float(batch_timeout_s))
        chat.batch_api = OpenAIBatch(chat, policy, reply_of)
    return chat
