"""Requests-per-minute and tokens-per-minute budgets shared by every process.

Under ``pytest -n 4`` four workers call the same endpoint; a per-process limiter
would let them send four times the budget. Here the buckets live in one SQLite
file (next to the response cache) and each request *reserves* its share in one
short transaction: the bucket level may go negative, and the reserving process
sleeps until the level it took is refilled (the GCRA idea). Reservations are
ordered by the database lock, so the processes together keep to the rate without
polling, and a process that is waiting holds no lock.

The capacity of each bucket is ``burst_seconds`` of its rate (at least one request
and one request's tokens), so a run starts with at most that burst. A process may
reserve at most ``lookahead_seconds`` ahead: further waits are slept *before*
reserving. Otherwise a process that stalls (a first call importing the SDK, a busy
CPU) would hold many due slots and send them all at once when it wakes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from harness.backends.cache import _connect  # the same robust connection settings

DB_NAME = "ratelimit.sqlite"


@dataclass(frozen=True)
class RateLimit:
    """Budgets per minute; 0 means unlimited."""

    rpm: float = 0.0
    tpm: float = 0.0
    burst_seconds: float = 1.0
    lookahead_seconds: float = 0.25

    def __post_init__(self) -> None:
        if self.rpm < 0 or self.tpm < 0 or self.burst_seconds <= 0 or self.lookahead_seconds < 0:
            raise ValueError(
                "rate limit: rpm and tpm must be >= 0, burst_seconds > 0 and "
                f"lookahead_seconds >= 0, got {self}"
            )

    @property
    def active(self) -> bool:
        return self.rpm > 0 or self.tpm > 0


class SharedRateLimiter:
    """Token buckets for one endpoint ``key``, shared through ``directory/ratelimit.sqlite``."""

    def __init__(self, directory: str | os.PathLike[str], key: str, limit: RateLimit) -> None:
        self.key = key
        self.limit = limit
        self.waited = 0.0
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / DB_NAME
        from filelock import FileLock

        with FileLock(str(directory / ".ratelimit.init.lock"), timeout=120):
            self._con = _connect(self.path)
            self._con.execute("PRAGMA journal_mode = WAL")
            self._con.execute(
                "CREATE TABLE IF NOT EXISTS buckets (key TEXT PRIMARY KEY, level REAL NOT NULL, "
                "updated REAL NOT NULL)"
            )
        self._con.execute("PRAGMA synchronous = NORMAL")

    def _buckets(self, tokens: int) -> list[tuple[str, float, float, float]]:
        """(bucket key, rate per second, capacity, cost) of each active bucket."""
        out = []
        if self.limit.rpm > 0:
            rate = self.limit.rpm / 60.0
            out.append(
                (f"{self.key}|requests", rate, max(1.0, rate * self.limit.burst_seconds), 1.0)
            )
        if self.limit.tpm > 0:
            rate = self.limit.tpm / 60.0
            cap = max(float(tokens), rate * self.limit.burst_seconds)
            out.append((f"{self.key}|tokens", rate, cap, float(tokens)))
        return out

    def reserve(self, tokens: int = 0, now: float | None = None) -> tuple[float, bool]:
        """Try to take one request and ``tokens`` tokens.

        Returns ``(wait, reserved)``: when reserved, send after ``wait`` seconds; when
        not (the wait would exceed the lookahead), nothing was taken: sleep ``wait``
        and try again.
        """
        buckets = self._buckets(tokens)
        if not buckets:
            return 0.0, True
        con = self._con
        con.execute("BEGIN IMMEDIATE")
        try:
            t = time.time() if now is None else now
            levels = []
            wait = 0.0
            for bkey, rate, cap, cost in buckets:
                row = con.execute(
                    "SELECT level, updated FROM buckets WHERE key = ?", (bkey,)
                ).fetchone()
                level = cap if row is None else min(cap, row[0] + max(0.0, t - row[1]) * rate)
                levels.append(level - cost)
                if level - cost < 0:
                    wait = max(wait, (cost - level) / rate)
            if wait > self.limit.lookahead_seconds:
                con.execute("ROLLBACK")
                return wait - self.limit.lookahead_seconds, False
            for (bkey, _, _, _), level in zip(buckets, levels, strict=True):
                con.execute(
                    "INSERT INTO buckets (key, level, updated) VALUES (?,?,?) ON CONFLICT(key) "
                    "DO UPDATE SET level = excluded.level, updated = excluded.updated",
                    (bkey, level, t),
                )
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
        return wait, True

    def adjust_tokens(self, delta: int) -> None:
        """Correct the token bucket once the real usage is known (delta = used - reserved)."""
        if self.limit.tpm <= 0 or delta == 0:
            return
        self._con.execute(
            "UPDATE buckets SET level = level - ? WHERE key = ?",
            (float(delta), f"{self.key}|tokens"),
        )

    async def acquire(self, tokens: int = 0) -> None:
        """Reserve, then sleep (without blocking the event loop) until the reservation is due."""
        while True:
            wait, reserved = self.reserve(tokens)
            if wait > 0:
                self.waited += wait
                await asyncio.sleep(wait)
            if reserved:
                return

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._con.close()
