"""``anthropic``: Claude models through Anthropic's native SDK (Messages API).

The point of a second provider is that the interface is not shaped after one
vendor: system prompts travel separately, there is no ``seed`` (it stays in the
cache key, the API ignores it), and temperature is sent in the body so that SDK
versions without a typed ``temperature`` argument accept it too.
"""

from __future__ import annotations

import asyncio
from typing import Any

from harness.backends.anthropic_batch import AnthropicBatch
from harness.backends.base import ChatRequest, Reply
from harness.backends.batch import BatchPolicy
from harness.backends.keys import resolve_api_key, resolve_base_url
from harness.backends.registry import BACKENDS
from harness.backends.sdk_base import SdkChat
from harness.core.errors import MissingDependency


class AnthropicChat(SdkChat):
    provider = "anthropic"

    def __init__(
        self,
        model: str,
        base_url: str,
        api_key: str,
        key_env: str,
        timeout: float = 60.0,
        revision: str = "",
    ) -> None:
        try:
            import anthropic
        except ImportError:
            raise MissingDependency("anthropic") from None
        self._sdk_module = anthropic
        self.model = model
        self.endpoint = base_url or "https://api.anthropic.com"
        self.revision = revision
        self.timeout = timeout
        self.key_env = key_env
        self._key = api_key
        self._client: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _sdk(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            self._client = self._sdk_module.AsyncAnthropic(
                api_key=self._key, base_url=self.endpoint, timeout=self.timeout, max_retries=0
            )
            self._loop = loop
        return self._client

    def params(self, request: ChatRequest) -> dict[str, Any]:
        """The Messages API parameters (also one request of a message batch)."""
        system = "\n\n".join(m.content for m in request.messages if m.role == "system")
        params: dict[str, Any] = {
            "model": request.model or self.model,
            "max_tokens": request.max_tokens,
            "messages": [m.to_dict() for m in request.messages if m.role != "system"],
            "temperature": request.temperature,
            **request.extra_params,
        }
        if system:
            params["system"] = system
        return params

    async def acomplete(self, request: ChatRequest) -> Reply:
        params = self.params(request)
        body = {k: params.pop(k) for k in list(params) if k not in _TYPED}
        resp = await self._sdk().messages.create(**params, extra_body=body)
        return reply_of(resp)


# Sent as typed arguments; the rest (temperature, extras) goes in the body, so SDK
# versions without a typed ``temperature`` argument accept it too.
_TYPED = ("model", "max_tokens", "messages", "system")


def reply_of(message: Any) -> Reply:
    """A ``Reply`` from a Messages API message (a call's response or a batch result)."""
    text = "".join(
        getattr(b, "text", "") for b in message.content if getattr(b, "type", "") == "text"
    )
    usage = message.usage
    return Reply(
        text=text,
        prompt_tokens=int(getattr(usage, "input_tokens", 0) or 0),
        completion_tokens=int(getattr(usage, "output_tokens", 0) or 0),
        finish_reason=str(message.stop_reason or ""),
    )


@BACKENDS.register("anthropic", chat=True, requires=("anthropic",))
def anthropic_backend(
    model: str,
    base_url: str = "",
    api_key_env: str = "ANTHROPIC_API_KEY",
    base_url_env: str = "ANTHROPIC_BASE_URL",
    timeout: float = 60.0,
    revision: str = "",
    batch: bool = False,
    batch_poll_s: float = 5.0,
    batch_poll_max_s: float = 60.0,
    batch_timeout_s: float = 86400.0,
) -> AnthropicChat:
    """A Claude backend; raises NotConfigured when the key variable is unset.

    ``batch = true``: a batch of requests goes through Message Batches
    (``harness.backends.batch``).
    """
    url = resolve_base_url(base_url, base_url_env)
    key = resolve_api_key(api_key_env, "ANTHROPIC_API_KEY", url, f"anthropic model {model!r}")
    chat = AnthropicChat(
        model, url, key, api_key_env or "ANTHROPIC_API_KEY", float(timeout), revision
    )
    if batch:
        policy = BatchPolicy(float(batch_poll_s), float(batch_poll_max_s), float(batch_timeout_s))
        chat.batch_api = AnthropicBatch(chat, policy, reply_of)
    return chat
