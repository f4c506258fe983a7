"""Retry policy: exponential backoff with jitter, honouring ``Retry-After``.

Which errors are retryable is the backend's call (``ChatBackend.classify``); how
long to wait and how often to try is decided here, the same for every provider.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass

#: HTTP statuses worth another attempt: request timeout, conflict/lock, rate limit, server side.
RETRYABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529})


@dataclass(frozen=True)
class RetryPolicy:
    """``max_retries`` extra attempts after the first; waits grow as base * 2**n.

    The jitter is "equal jitter": half the exponential step is fixed, half uniform,
    so workers that failed together do not retry together. A server's
    ``Retry-After`` is a lower bound on the wait; when it asks for more than
    ``max_retry_after`` seconds the request fails now instead of stalling the run.
    """

    max_retries: int = 4
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 120.0

    def __post_init__(self) -> None:
        if self.max_retries < 0 or self.base_delay < 0 or self.max_delay < 0:
            raise ValueError(
                f"retry policy: max_retries, base_delay and max_delay must be >= 0, got {self}"
            )

    def backoff(self, retry: int, rng: random.Random | None = None) -> float:
        """The jittered wait before retry number ``retry`` (0 for the first retry)."""
        step = min(self.max_delay, self.base_delay * (2**retry))
        r = (rng or random).random()
        return step / 2 + r * step / 2

    def delay(
        self, retry: int, retry_after: float | None, rng: random.Random | None = None
    ) -> float:
        """The wait before the next attempt: the backoff, but at least ``retry_after``."""
        wait = self.backoff(retry, rng)
        if retry_after is not None:
            wait = max(wait, retry_after)
        return wait


def parse_retry_after(headers: Mapping[str, str] | None, now: float | None = None) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``Retry-After`` (seconds or HTTP date)."""
    if not headers:
        return None
    lower = {k.lower(): v for k, v in headers.items()}
    ms = lower.get("retry-after-ms")
    if ms is not None:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = lower.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
