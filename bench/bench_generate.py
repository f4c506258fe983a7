"""Generation throughput against the loopback server, and the cost of the quality report.

    python bench/bench_generate.py            # prints numbers; compare ratios within one run

Generation: 64 intent records from a toy dataset, server latency 50 ms, window
(planned records in flight) 1, 8 and 32; the ideal is window / latency.
Quality: ``check_source`` on every source of $SYNTHBENCH_DATA_DIR without embeddings,
and one source with MiniLM near-duplicate search (cold and warm embedder).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.generate import GenSettings, generate  # noqa: E402
from tests.gen_fixtures import responder, write_data  # noqa: E402
from tests.llm_server import LLMServer  # noqa: E402

LATENCY = 0.05
N = 64


def bench_generation() -> None:
    os.environ["BENCH_KEY"] = "sk-bench-0123456789"
    with tempfile.TemporaryDirectory() as tmp, \
            LLMServer(latency=LATENCY, responder=responder) as srv:
        spec = write_data(Path(tmp))["intent"]
        warm = {"backend": "openai", "model": "m", "base_url": srv.base_url,
                "api_key_env": "BENCH_KEY", "cache": "off"}
        generate(Path(tmp), spec, "warm", warm, GenSettings(n=1), progress=False)  # SDK import
        for window in (1, 8, 32):
            params = {"backend": "openai", "model": "m", "base_url": srv.base_url,
                      "api_key_env": "BENCH_KEY", "cache": "off", "concurrency": window}
            t = time.perf_counter()
            generate(Path(tmp), spec, f"w{window}", params,
                     GenSettings(n=N, seed=1, window=window), progress=False)
            dt = time.perf_counter() - t
            rate, ideal = N / dt, window / LATENCY
            print(f"generate window={window:>2}: {rate:7.1f} records/s  ideal {ideal:6.1f}  "
                  f"({rate / ideal:.0%})")


def bench_quality() -> None:
    data = os.environ.get("SYNTHBENCH_DATA_DIR")
    if not data:
        print("quality: set SYNTHBENCH_DATA_DIR to measure the report on the shared data")
        return
    from harness.quality import check_source, default_encoder
    from harness.quality.sources import all_sources

    sources = all_sources(Path(data))
    t = time.perf_counter()
    for spec, gen in sources:
        check_source(Path(data), spec, gen)
    dt = time.perf_counter() - t
    print(f"quality without embeddings: {len(sources)} sources in {dt:.2f} s "
          f"({dt / len(sources) * 1000:.0f} ms each)")
    spec = next(s for s, g in sources if s.name == "snips")
    enc = default_encoder()
    for label in ("cold", "warm"):
        t = time.perf_counter()
        check_source(Path(data), spec, "gpt-4o-mini", encoder=enc)
        print(f"quality with MiniLM near-duplicates (snips/gpt-4o-mini, {label}): "
              f"{time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    bench_generation()
    bench_quality()
