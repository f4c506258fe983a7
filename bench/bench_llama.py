"""The harness client against bare ``openai.AsyncOpenAI`` on one real llama.cpp server.

    python bench/bench_llama.py [--n 16] [--rounds 3] [--concurrency 4]

One managed server (SmolLM2-135M, the ``local-llm`` extra) answers the same ``--n``
short intent prompts (greedy, ``max_tokens`` 8) three ways, interleaved round by
round so that the load of a shared machine hits each alike:

* ``harness``: ``ChatClient.complete_many`` (cache off: every request is sent);
* ``bare``: ``AsyncOpenAI().chat.completions.create`` with ``asyncio.gather``;
* ``ceiling``: stdlib ``http.client``, one request after another: the server's own
  speed with next to no client cost (llama.cpp serves one request at a time, so
  concurrency cannot beat it).

It prints wall time and client CPU (this process) per request for each, and the
ratios harness / bare. Target: the harness within 5% of the bare SDK.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.backends import build_client  # noqa: E402
from harness.tasks.intent.chat import intent_messages  # noqa: E402

LABELS = ("play_music", "get_weather", "book_restaurant", "add_to_playlist", "rate_book")
TEXTS = (
    "play some jazz by miles davis",
    "will it rain in paris tomorrow",
    "book a table for two at an italian place",
    "add this song to my workout playlist",
    "give this novel four stars",
    "what is the forecast for berlin",
    "put on the new taylor swift album",
    "reserve a restaurant near the station",
)


def _messages(n: int) -> list[list[dict[str, str]]]:
    return [
        [m.to_dict() for m in intent_messages(f"{TEXTS[i % len(TEXTS)]} ({i})", LABELS)]
        for i in range(n)
    ]


def run_harness(params: dict[str, Any], msgs: list[list[dict[str, str]]]) -> list[str]:
    client, defaults = build_client(params)
    out = client.complete_many([defaults.request(m) for m in msgs])
    assert all(c.ok for c in out), [c.error for c in out if not c.ok]
    return [c.text or "" for c in out]


def run_bare(base_url: str, msgs: list[list[dict[str, str]]], concurrency: int) -> list[str]:
    import openai

    async def go() -> list[str]:
        client = openai.AsyncOpenAI(base_url=base_url, api_key="not-needed", max_retries=0)
        sem = asyncio.Semaphore(concurrency)

        async def one(m: list[dict[str, str]]) -> str:
            async with sem:
                r = await client.chat.completions.create(
                    model="smollm2",
                    messages=m,
                    temperature=0.0,
                    max_tokens=8,
                    seed=0,  # type: ignore[arg-type]
                )
            return r.choices[0].message.content or ""

        try:
            return list(await asyncio.gather(*(one(m) for m in msgs)))
        finally:
            await client.close()

    return asyncio.run(go())


def run_ceiling(port: int, msgs: list[list[dict[str, str]]]) -> list[str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    out = []
    for m in msgs:
        body = json.dumps(
            {"model": "smollm2", "messages": m, "temperature": 0.0, "max_tokens": 8, "seed": 0}
        )
        conn.request("POST", "/v1/chat/completions", body, {"Content-Type": "application/json"})
        out.append(json.loads(conn.getresponse().read())["choices"][0]["message"]["content"])
    conn.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=4)
    args = ap.parse_args()
    params = {
        "backend": "llama-cpp",
        "model": "smollm2",
        "temperature": 0.0,
        "max_tokens": 8,
        "seed": 0,
        "cache": "off",
        "concurrency": args.concurrency,
        "max_retries": 0,
    }
    client, _ = build_client(params)  # starts the server
    base_url = client.backend.base_url
    port = int(base_url.rsplit(":", 1)[1].split("/")[0])
    msgs = _messages(args.n)
    run_ceiling(port, msgs[:2])  # warm-up: the first prompt evaluation is slow
    # Each client once, untimed: the first to run would otherwise pay the process's lazy
    # imports and first-use setup (measured: the harness, first in round one, did).
    run_harness(params, msgs[:2])
    run_bare(base_url, msgs[:2], args.concurrency)
    totals: dict[str, list[float]] = {"harness": [0, 0], "bare": [0, 0], "ceiling": [0, 0]}
    answers: dict[str, list[str]] = {}
    for r in range(args.rounds):
        order = ["harness", "bare", "ceiling"] if r % 2 == 0 else ["ceiling", "bare", "harness"]
        for name in order:
            wall0, cpu0 = time.perf_counter(), time.process_time()
            if name == "harness":
                answers[name] = run_harness(params, msgs)
            elif name == "bare":
                answers[name] = run_bare(base_url, msgs, args.concurrency)
            else:
                answers[name] = run_ceiling(port, msgs)
            totals[name][0] += time.perf_counter() - wall0
            totals[name][1] += time.process_time() - cpu0
    n = args.n * args.rounds
    print(f"{n} requests per client ({args.rounds} rounds of {args.n}), server {base_url}")
    for name, (wall, cpu) in totals.items():
        print(
            f"  {name:8s} wall {wall:7.2f}s  {wall / n * 1000:7.1f} ms/request  "
            f"client CPU {cpu / n * 1000:6.2f} ms/request"
        )
    h, b, c = totals["harness"], totals["bare"], totals["ceiling"]
    print(f"  harness / bare: wall {h[0] / b[0]:.3f}, client CPU {h[1] / max(b[1], 1e-9):.3f}")
    print(f"  bare / ceiling wall: {b[0] / c[0]:.3f}")
    same = answers["harness"] == answers["bare"] == answers["ceiling"]
    print(f"  identical answers across the three clients: {same}")


if __name__ == "__main__":
    main()
