"""What the vendor-SDK backends share: error classification, closing, secrets.

Subclasses set ``_sdk_module``, ``_key``, ``key_env``, ``timeout`` and keep their
async SDK client in ``_client`` (bound to the event loop in ``_loop``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from harness.backends.base import RetryDecision
from harness.backends.sdk_errors import classify_sdk_error


class SdkChat:
    _sdk_module: Any
    _key: str
    key_env: str
    timeout: float
    _client: Any = None
    _loop: asyncio.AbstractEventLoop | None = None
    #: The provider's batch API when the suite asks for ``batch = true``.
    batch_api: Any = None

    def classify(self, exc: BaseException) -> RetryDecision:
        return classify_sdk_error(exc, self._sdk_module, self.key_env, self.timeout)

    async def aclose(self) -> None:
        if self._client is not None:
            try:
                await self._client.close()
            finally:
                self._client = None
                self._loop = None

    def secrets(self) -> tuple[str, ...]:
        return (self._key,)
