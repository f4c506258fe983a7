"""The response cache: keys, policy, counters, concurrent writers, CLI."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.backends import ChatRequest, build_client
from harness.backends.base import Reply
from harness.backends.cache import DB_NAME, ResponseCache, cache_key, cache_stats, safe_endpoint
from tests.llm_server import llm_server

# pytest finds fixtures among a module's attributes: this re-exports the server fixture.
FIXTURES = (llm_server,)


def _req(**kw) -> ChatRequest:
    base: dict[str, Any] = {"messages": [{"role": "user", "content": "hi"}], "model": "m"}
    base.update(kw)
    return ChatRequest.of(**base)


VARIANTS = [
    _req(),
    _req(model="m2"),
    _req(temperature=0.5),
    _req(max_tokens=7),
    _req(seed=1),
    _req(top_p=0.9),
    _req(messages=[{"role": "user", "content": "hi "}]),
    _req(messages=[{"role": "system", "content": "hi"}]),
    _req(messages=[{"role": "system", "content": "s"}, {"role": "user", "content": "hi"}]),
]


def test_key_covers_every_field():
    keys = {cache_key("openai", "http://h/v1", "", r) for r in VARIANTS}
    assert len(keys) == len(VARIANTS)
    base = VARIANTS[0]
    others = {
        cache_key("anthropic", "http://h/v1", "", base),
        cache_key("openai", "http://other/v1", "", base),
        cache_key("openai", "http://h/v1", "rev2", base),
    }
    assert len(others | keys) == len(VARIANTS) + 3


def test_key_ignores_credentials_in_the_url():
    r = VARIANTS[0]
    assert cache_key("openai", "http://user:pw@h:8000/v1/?key=s", "", r) == cache_key(
        "openai", "http://h:8000/v1", "", r
    )
    assert safe_endpoint("https://u:secret@api.x.com/v1?api_key=k") == "https://api.x.com/v1"


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=30), st.text(max_size=30), st.floats(0, 2), st.integers(0, 2**31))
def test_equal_requests_equal_keys_and_content_changes_key(a, b, temp, seed):
    r1 = ChatRequest.of([{"role": "user", "content": a}], "m", temperature=temp, seed=seed)
    r2 = ChatRequest.of([{"role": "user", "content": a}], "m", temperature=temp, seed=seed)
    assert cache_key("p", "e", "", r1) == cache_key("p", "e", "", r2)
    r3 = ChatRequest.of([{"role": "user", "content": b}], "m", temperature=temp, seed=seed)
    assert (cache_key("p", "e", "", r1) == cache_key("p", "e", "", r3)) == (a == b)


def test_get_put_and_counters(tmp_path):
    with ResponseCache(tmp_path, run="r1") as c:
        k = cache_key("p", "e", "", VARIANTS[0])
        assert c.get(k) is None
        c.put(k, "p", "e", "", VARIANTS[0], Reply("answer", 3, 1, "stop"))
        c.put(k, "p", "e", "", VARIANTS[0], Reply("second answer loses", 3, 1, "stop"))
        assert c.get(k) == Reply("answer", 3, 1, "stop")
        c.flush()
    st_ = cache_stats(tmp_path, run="r1")
    assert (st_.entries, st_.hits, st_.misses, st_.stores) == (1, 1, 1, 1)
    assert cache_stats(tmp_path, run="other").hits == 0
    con = sqlite3.connect(tmp_path / DB_NAME)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_policy_second_run_served_without_requests(llm_server, tmp_path):
    params = {
        "backend": "openai",
        "model": "m",
        "base_url": llm_server.base_url,
        "api_key_env": "",
        "cache_dir": str(tmp_path),
    }
    client, d = build_client(params)
    greedy = [d.request([{"role": "user", "content": f"x{i}"}]) for i in range(5)]
    sampled = [d.request([{"role": "user", "content": "s"}], temperature=0.8, seed=3)]
    out1 = client.complete_many(greedy + sampled)
    assert llm_server.count == 6 and not any(c.cached for c in out1)
    out2 = client.complete_many(greedy + sampled)
    # Greedy requests come from the cache; seeded sampling is not cached by default.
    assert llm_server.count == 7
    assert [c.cached for c in out2] == [True] * 5 + [False]
    assert [c.text for c in out2] == [c.text for c in out1]
    # The suite can opt in to caching seeded sampling.
    client2, _ = build_client({**params, "cache": "always"})
    client2.complete_many(sampled)
    client2.complete_many(sampled)
    assert llm_server.count == 8
    client3, _ = build_client({**params, "cache": "off"})
    client3.complete_many(greedy)
    assert llm_server.count == 13


def _writer(directory: str, worker: int, n: int) -> None:
    with ResponseCache(directory, run="mp") as c:
        for i in range(n):
            # Half the keys are shared by all workers, half are the worker's own.
            shared = i % 2 == 0
            text = f"shared {i}" if shared else f"w{worker} {i}"
            req = _req(messages=[{"role": "user", "content": text}])
            k = cache_key("p", "e", "", req)
            if c.get(k) is None:
                c.put(k, "p", "e", "", req, Reply(text, 1, 1, "stop"))
            if i % 25 == 0:
                c.flush()


def test_four_processes_write_concurrently(tmp_path):
    n = 200
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), w, n)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    con = sqlite3.connect(tmp_path / DB_NAME)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with ResponseCache(tmp_path, run="check") as c:
        rows = list(c.iter_entries())
    texts = sorted(r["text"] for r in rows)
    expected = sorted(
        {f"shared {i}" for i in range(0, n, 2)}
        | {f"w{w} {i}" for w in range(4) for i in range(1, n, 2)}
    )
    assert texts == expected
    stats = cache_stats(tmp_path, run="mp")
    assert stats.processes == 4
    assert stats.hits + stats.misses == 4 * n
    assert stats.stores == len(expected)


def test_cli_stats_export_clear(tmp_path, capsys):
    import argparse

    from harness.cli.cache import add_cache_parser

    with ResponseCache(tmp_path) as c:
        for i in range(3):
            r = _req(messages=[{"role": "user", "content": str(i)}])
            c.put(cache_key("p", "e", "", r), "p", "e", "", r, Reply(f"a{i}"))

    def run(*argv: str) -> int:
        parser = argparse.ArgumentParser()
        add_cache_parser(parser.add_subparsers(dest="command"))
        args = parser.parse_args(["cache", "--cache-dir", str(tmp_path), *argv])
        return int(args.func(args))

    assert run("stats", "--json") == 0
    assert json.loads(capsys.readouterr().out)["entries"] == 3
    out_file = tmp_path / "dump.jsonl"
    assert run("export", "-o", str(out_file)) == 0
    lines = [json.loads(x) for x in out_file.read_text().splitlines()]
    assert sorted(x["text"] for x in lines) == ["a0", "a1", "a2"]
    assert lines[0]["request"]["messages"][0]["role"] == "user"
    assert run("clear", "--yes") == 0
    assert "cleared 3" in capsys.readouterr().out
    assert cache_stats(tmp_path).entries == 0


def test_invalid_cache_mode_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="cache mode"):
        build_client(
            {
                "backend": "openai",
                "model": "m",
                "base_url": "http://x/v1",
                "api_key_env": "",
                "cache": "sometimes",
                "cache_dir": str(tmp_path),
            }
        )
