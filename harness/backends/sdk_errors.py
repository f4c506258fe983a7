"""Classifying the exceptions of the Stainless-generated SDKs (openai, anthropic).

Both SDKs raise ``APIStatusError`` (with ``status_code`` and the HTTP response),
``APITimeoutError`` and ``APIConnectionError``; the classes differ per package, so
the module is passed in. A response body that is not JSON surfaces as a
``ValueError`` from the decoder and is retried: proxies return such pages briefly.
"""

from __future__ import annotations

from types import ModuleType

from harness.backends.base import (
    AUTH,
    CONNECTION,
    EMPTY,
    HTTP,
    MALFORMED,
    TIMEOUT,
    EmptyAnswer,
    RetryDecision,
)
from harness.backends.retry import RETRYABLE_STATUS, parse_retry_after

_AUTH = (401, 403)


def classify_sdk_error(
    exc: BaseException, sdk: ModuleType, key_env: str, timeout: float
) -> RetryDecision:
    """Retry or not, and why, for an exception raised by ``sdk``'s async client."""
    if isinstance(exc, sdk.APIStatusError):
        status = int(exc.status_code)
        if status in _AUTH:
            # The server's message may echo part of the key: never keep it.
            where = f"the environment variable {key_env}" if key_env else "the API key"
            return RetryDecision(
                False, f"HTTP {status}: authentication failed; check {where}", kind=AUTH
            )
        headers = dict(exc.response.headers.items()) if getattr(exc, "response", None) else {}
        message = str(getattr(exc, "message", "") or exc)[:300]
        return RetryDecision(
            status in RETRYABLE_STATUS,
            f"HTTP {status}: {message}",
            parse_retry_after(headers),
            HTTP,
        )
    if isinstance(exc, sdk.APITimeoutError):
        return RetryDecision(True, f"timed out after {timeout:g}s", kind=TIMEOUT)
    if isinstance(exc, sdk.APIConnectionError):
        cause = exc.__cause__ or exc.__context__
        detail = f" ({type(cause).__name__})" if cause is not None else ""
        return RetryDecision(True, f"connection error{detail}", kind=CONNECTION)
    if isinstance(exc, EmptyAnswer):
        return RetryDecision(False, f"empty answer: {str(exc)[:200]}", kind=EMPTY)
    if isinstance(exc, ValueError):
        return RetryDecision(
            True, f"malformed response: {type(exc).__name__}: {str(exc)[:200]}", kind=MALFORMED
        )
    return RetryDecision(False, f"{type(exc).__name__}: {str(exc)[:300]}")
