"""Backend benchmarks against the loopback OpenAI-compatible server (prints numbers).

    python bench/bench_backends.py [--quick]

1. throughput at concurrency 1, 8, 32, 128 with 50 ms server latency, against the
   ideal concurrency / latency (target: >= 90% of ideal up to 32). The server runs in
   its own process so the client's CPU is measured alone.
2. a warm-cache re-run of 2,000 requests against the cold run (target: 50x faster).
3. the shared budget: two worker processes at 600 requests/min for ~30 s, the rate
   measured at the server (target: within 5% of 600).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.backends import build_client  # noqa: E402
from tests.llm_server import LLMServer, serve_forever  # noqa: E402

LATENCY = 0.05


def _params(url: str, **kw: object) -> dict[str, object]:
    return {"backend": "openai", "model": "bench", "base_url": url, "api_key_env": "", **kw}


def _requests(defaults, n: int, tag: str):
    return [defaults.request([{"role": "user", "content": f"{tag} request {i}"}]) for i in range(n)]


def throughput(url: str, quick: bool) -> None:
    print(f"throughput, {LATENCY * 1000:.0f} ms latency per request")
    print(f"{'concurrency':>11} {'requests':>8} {'req/s':>8} {'ideal':>8} {'of ideal':>8}")
    for conc in (1, 8, 32, 128):
        client, d = build_client(_params(url, cache="off", concurrency=conc))
        client.complete_many(_requests(d, conc, "warm"))  # connections and imports
        n = max(40, conc * (8 if quick else 20))
        reqs = _requests(d, n, f"c{conc}")
        t = time.perf_counter()
        out = client.complete_many(reqs)
        dt = time.perf_counter() - t
        assert all(c.ok for c in out)
        ideal = conc / LATENCY
        print(f"{conc:>11} {n:>8} {n / dt:>8.1f} {ideal:>8.0f} {n / dt / ideal:>8.1%}")


def warm_cache(url: str, quick: bool) -> None:
    n = 500 if quick else 2000
    with tempfile.TemporaryDirectory() as cache_dir:
        client, d = build_client(_params(url, cache_dir=cache_dir, concurrency=32))
        reqs = _requests(d, n, "cache")
        t = time.perf_counter()
        cold = client.complete_many(reqs)
        t_cold = time.perf_counter() - t
        client2, _ = build_client(_params(url, cache_dir=cache_dir, concurrency=32))
        t = time.perf_counter()
        warm = client2.complete_many(reqs)
        t_warm = time.perf_counter() - t
        assert all(c.cached for c in warm) and [c.text for c in warm] == [c.text for c in cold]
    print(
        f"cache: {n} requests cold {t_cold:.2f} s ({n / t_cold:.0f}/s, concurrency 32), "
        f"warm {t_warm:.3f} s ({n / t_warm:.0f}/s): {t_cold / t_warm:.0f}x faster"
    )


def _budget_worker(url: str, cache_dir: str, tag: str, n: int, rpm: float) -> None:
    client, d = build_client(
        _params(url, cache="off", cache_dir=cache_dir, concurrency=8, rpm=rpm, burst_seconds=1.0)
    )
    out = client.complete_many(_requests(d, n, tag))
    assert all(c.ok for c in out)


def shared_budget(quick: bool) -> None:
    rpm = 600.0
    seconds = 10 if quick else 30
    per_worker = int(rpm / 60 * seconds / 2)
    with LLMServer(latency=LATENCY) as server, tempfile.TemporaryDirectory() as cache_dir:
        ctx = mp.get_context("spawn")
        procs = [
            ctx.Process(
                target=_budget_worker, args=(server.base_url, cache_dir, tag, per_worker, rpm)
            )
            for tag in ("w1", "w2")
        ]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        times = sorted(r.at for r in server.received)
    n = len(times)
    span = times[-1] - times[0]
    rate_all = (n - 1) / span * 60
    # The steady rate, leaving out the initial burst (the bucket starts full: 1 s of budget).
    burst = int(rpm / 60)
    steady = (n - 1 - burst) / (times[-1] - times[burst]) * 60
    print(
        f"shared budget: 2 processes, {rpm:.0f} requests/min, {n} requests in {span:.1f} s: "
        f"{rate_all:.1f}/min overall ({rate_all / rpm - 1:+.1%}), "
        f"{steady:.1f}/min after the initial burst ({steady / rpm - 1:+.1%})"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer requests, shorter budget run")
    args = ap.parse_args()
    q: mp.Queue[int] = mp.get_context("spawn").Queue()
    server = mp.get_context("spawn").Process(target=serve_forever, args=(LATENCY, q), daemon=True)
    server.start()
    url = f"http://127.0.0.1:{q.get()}/v1"
    try:
        throughput(url, args.quick)
        warm_cache(url, args.quick)
    finally:
        server.terminate()
    shared_budget(args.quick)


if __name__ == "__main__":
    main()
