"""Requests-per-minute and tokens-per-minute budgets shared across processes."""

from __future__ import annotations

import multiprocessing

import pytest

from harness.backends.ratelimit import RateLimit, SharedRateLimiter
from tests.llm_server import LLMServer


def test_reservations_space_requests_at_the_rate(tmp_path):
    lim = SharedRateLimiter(
        tmp_path, "k", RateLimit(rpm=600, burst_seconds=0.2, lookahead_seconds=0.3)
    )  # 10/s, cap 2
    got = [lim.reserve(now=100.0) for _ in range(6)]
    assert [w for w, _ in got] == pytest.approx([0.0, 0.0, 0.1, 0.2, 0.3, 0.1])
    # Beyond the lookahead nothing is taken: the caller sleeps the excess and retries.
    assert [r for _, r in got] == [True] * 5 + [False]
    assert lim.reserve(now=100.2) == (pytest.approx(0.2), True)
    # Time refills the bucket, never above capacity.
    assert lim.reserve(now=200.0) == (0.0, True)
    assert lim.reserve(now=200.0) == (0.0, True)
    assert lim.reserve(now=200.0) == (pytest.approx(0.1), True)


def test_token_budget_and_adjustment(tmp_path):
    lim = SharedRateLimiter(tmp_path, "k", RateLimit(tpm=6000, lookahead_seconds=1.0))  # 100/s
    assert lim.reserve(100, now=10.0) == (0.0, True)  # capacity: 1 s of budget
    assert lim.reserve(50, now=10.0) == (pytest.approx(0.5), True)
    lim.adjust_tokens(-150)  # both used nothing after all: refund
    assert lim.reserve(100, now=10.0) == (0.0, True)


def test_separate_keys_are_separate_budgets(tmp_path):
    a = SharedRateLimiter(tmp_path, "a", RateLimit(rpm=60))
    b = SharedRateLimiter(tmp_path, "b", RateLimit(rpm=60))
    assert a.reserve(now=5.0) == (0.0, True) and b.reserve(now=5.0) == (0.0, True)
    assert a.reserve(now=5.0) == (pytest.approx(0.75), False)  # 1 s away, 0.25 s lookahead


def test_bad_limits_are_rejected():
    with pytest.raises(ValueError, match="rpm"):
        RateLimit(rpm=-1)


def _worker(base_url: str, cache_dir: str, tag: str, n: int) -> None:
    from pathlib import Path

    from harness.backends import build_client

    # Log each slot the shared budget grants (when the request may be sent): that is
    # what the limiter decides. Arrival times at the server add the scheduling noise of
    # a loaded machine (a stalled process sends its due requests together).
    reserve = SharedRateLimiter.reserve
    slots = Path(cache_dir) / f"slots-{tag}.txt"

    def logged(self: SharedRateLimiter, tokens: int = 0, now: float | None = None):
        import time

        t = time.time() if now is None else now
        wait, reserved = reserve(self, tokens, now=t)
        if reserved:
            with slots.open("a") as fh:
                fh.write(f"{t + wait!r}\n")
        return wait, reserved

    SharedRateLimiter.reserve = logged  # type: ignore[method-assign]

    client, d = build_client(
        {
            "backend": "openai",
            "model": "m",
            "base_url": base_url,
            "api_key_env": "",
            "cache": "off",
            "cache_dir": cache_dir,
            "rpm": 600,
            "burst_seconds": 0.2,
            "concurrency": 8,
        }
    )
    out = client.complete_many(
        [d.request([{"role": "user", "content": f"{tag} {i}"}]) for i in range(n)]
    )
    assert all(c.ok for c in out)


def test_budget_holds_across_two_processes(tmp_path):
    n = 15
    with LLMServer() as server:
        ctx = multiprocessing.get_context("spawn")
        procs = [
            ctx.Process(target=_worker, args=(server.base_url, str(tmp_path), t, n))
            for t in ("alpha", "beta")
        ]
        for p in procs:
            p.start()
        for p in procs:
            p.join(120)
            assert p.exitcode == 0
        times = sorted(r.at for r in server.received)
        by_tag = {
            t: [r.at for r in server.received if r.text.startswith(t)] for t in ("alpha", "beta")
        }
    assert len(times) == 2 * n
    # Both processes were sending at the same time, drawing from one budget.
    assert min(by_tag["alpha"]) < max(by_tag["beta"]) and min(by_tag["beta"]) < max(by_tag["alpha"])
    slots = sorted(
        float(line) for t in ("alpha", "beta") for line in (tmp_path / f"slots-{t}.txt").open()
    )
    assert len(slots) == 2 * n
    rate, cap = 10.0, 2
    # A token bucket grants at most its capacity plus the budget of the time elapsed in
    # any window (one more for the window's closed ends). Two unshared budgets would
    # grant about twice that: 2 * (cap + rate * w).
    for w in (0.5, 1.0, 2.0):
        for i, t0 in enumerate(slots):
            in_window = sum(1 for t in slots[i:] if t <= t0 + w + 1e-6)
            assert in_window <= cap + rate * w + 1, (w, t0, in_window)
    # Together they cannot be faster than the budget allows.
    assert slots[-1] - slots[0] >= (2 * n - cap) / rate - 1e-6
