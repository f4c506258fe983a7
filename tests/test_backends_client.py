"""ChatClient against the loopback server: retries, budget, faults, no lost request."""

from __future__ import annotations

import json

import pytest

from harness.backends import BACKENDS, ChatRequest, build_client
from harness.backends.base import Message, mask_secrets
from harness.backends.retry import RetryPolicy, parse_retry_after
from harness.models.base import NotConfigured
from tests.llm_server import LLMServer, llm_server

# pytest finds fixtures among a module's attributes: this re-exports the server fixture.
FIXTURES = (llm_server,)

FAST = {"retry_base_delay": 0.01, "retry_max_delay": 0.05}


def _client(server: LLMServer, tmp_path, **params):
    base = {
        "backend": "openai",
        "model": "m",
        "base_url": server.base_url,
        "api_key_env": "",
        "cache_dir": str(tmp_path / "cache"),
        "timeout": 2.0,
        **FAST,
    }
    base.update(params)
    return build_client(base)


def _reqs(defaults, n: int) -> list[ChatRequest]:
    return [defaults.request([{"role": "user", "content": f"question <q{i}>"}]) for i in range(n)]


def test_every_request_gets_a_completion_and_faults_are_retried(llm_server, tmp_path):
    client, d = _client(llm_server, tmp_path, max_retries=3, cache="off", concurrency=4)
    llm_server.fault("<q1>", "429")
    llm_server.fault("<q2>", "500", "503")
    llm_server.fault("<q3>", "drop")
    llm_server.fault("<q4>", "malformed")
    llm_server.fault("<q5>", "hang:3")  # longer than the 2 s client timeout
    llm_server.fault("<q6>", "500", "500", "500", "500", "500")  # more than 3 retries
    llm_server.fault("<q7>", "400")  # not retryable
    out = client.complete_many(_reqs(d, 10))
    assert len(out) == 10
    attempts = [c.attempts for c in out]
    assert attempts == [1, 2, 3, 2, 2, 2, 4, 1, 1, 1]
    assert [c.ok for c in out] == [True] * 6 + [False, False] + [True] * 2
    assert "after 4 attempts: HTTP 500" in (out[6].error or "")
    assert "after 1 attempt: HTTP 400" in (out[7].error or "")
    # The server saw exactly the attempts the client counted: retries are ours, not the SDK's.
    for i, n in enumerate(attempts):
        assert len(llm_server.requests_matching(f"<q{i}>")) == n
    assert client.stats.requests == sum(attempts) == llm_server.count
    assert client.stats.retries == sum(attempts) - 10
    assert client.stats.failures == 2


def test_retry_after_is_honoured(llm_server, tmp_path):
    client, d = _client(llm_server, tmp_path, cache="off")
    llm_server.fault("<q0>", "429:1")
    [c] = client.complete_many(_reqs(d, 1))
    assert c.ok and c.attempts == 2
    first, second = llm_server.requests_matching("<q0>")
    assert second.at - first.at >= 0.95  # a lower bound: the wait the server asked for


def test_retry_after_longer_than_allowed_fails_now(llm_server, tmp_path):
    client, d = _client(llm_server, tmp_path, cache="off", max_retry_after=5)
    llm_server.fault("<q0>", "429:3600")
    [c] = client.complete_many(_reqs(d, 1))
    assert not c.ok and c.attempts == 1 and "3600" in (c.error or "")


def test_sdk_retries_are_off(llm_server, tmp_path):
    client, d = _client(llm_server, tmp_path, cache="off", max_retries=0)
    llm_server.fault("<q0>", "500")
    [c] = client.complete_many(_reqs(d, 1))
    assert not c.ok and llm_server.count == 1
    assert llm_server.received[0].headers.get("x-stainless-retry-count") == "0"


def test_request_carries_generation_parameters(llm_server, tmp_path):
    client, d = _client(
        llm_server,
        tmp_path,
        temperature=0.7,
        seed=11,
        max_tokens=33,
        extra={"top_p": 0.5},
        cache="off",
    )
    client.complete_many(_reqs(d, 1))
    body = llm_server.received[0].body
    assert (body["temperature"], body["seed"], body["max_tokens"], body["top_p"]) == (
        0.7,
        11,
        33,
        0.5,
    )
    assert body["model"] == "m"


def test_concurrency_is_bounded(tmp_path):
    import threading

    active, peak, lock = [0], [0], threading.Lock()

    def responder(body):
        return "x"

    server = LLMServer(latency=0.05, responder=responder)
    orig = server._record

    def record(rec):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        orig(rec)

    server._record = record
    with server:
        orig_answer = server.answer_for

        def answer(body, text):
            with lock:
                active[0] -= 1
            return orig_answer(body, text)

        server.answer_for = answer
        client, d = _client(server, tmp_path, concurrency=3, cache="off")
        out = client.complete_many(_reqs(d, 12))
    assert all(c.ok for c in out)
    assert 1 <= peak[0] <= 3


def test_missing_key_is_not_configured(monkeypatch, tmp_path):
    monkeypatch.delenv("MY_LLM_KEY", raising=False)
    with pytest.raises(NotConfigured, match="MY_LLM_KEY"):
        build_client(
            {
                "backend": "openai",
                "model": "m",
                "api_key_env": "MY_LLM_KEY",
                "cache_dir": str(tmp_path),
            }
        )
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(NotConfigured, match="ANTHROPIC_API_KEY"):
        build_client({"backend": "anthropic", "model": "claude", "cache_dir": str(tmp_path)})


def test_unknown_parameter_is_named(tmp_path):
    with pytest.raises(ValueError, match="unknown parameter 'temprature'.*known:.*temperature"):
        build_client(
            {
                "backend": "openai",
                "model": "m",
                "base_url": "http://x/v1",
                "api_key_env": "",
                "temprature": 0,
            }
        )


def test_auth_error_never_echoes_the_key(llm_server, tmp_path, monkeypatch):
    key = "sk-SENTINEL-0123456789abcdef"
    monkeypatch.setenv("SENTINEL_KEY", key)
    client, d = _client(llm_server, tmp_path, api_key_env="SENTINEL_KEY", cache="off")
    llm_server.fault("<q0>", "401")
    [c] = client.complete_many(_reqs(d, 1))
    assert llm_server.received[0].headers["authorization"] == f"Bearer {key}"
    assert not c.ok and "SENTINEL_KEY" in (c.error or "") and key not in (c.error or "")


def test_anthropic_backend_speaks_messages_api(llm_server, tmp_path, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_TEST_KEY", "ak-test")
    llm_server.answers["<q0>"] = "claude says hi"
    client, d = build_client(
        {
            "backend": "anthropic",
            "model": "claude-x",
            "base_url": llm_server.root_url,
            "api_key_env": "ANTHROPIC_TEST_KEY",
            "cache": "off",
            "temperature": 0.2,
            **FAST,
        }
    )
    llm_server.fault("<q1>", "529")  # Anthropic's "overloaded": retried
    msgs = [Message("system", "be brief"), Message("user", "question <q0>")]
    out = client.complete_many([d.request(msgs), d.request([{"role": "user", "content": "<q1>"}])])
    assert [c.ok for c in out] == [True, True] and out[0].text == "claude says hi"
    assert out[1].attempts == 2
    # Both requests run concurrently: find the first one by its content, not its order.
    first = next(r for r in llm_server.received if "<q0>" in json.dumps(r.body))
    body = first.body
    assert first.path == "/v1/messages"
    assert body["system"] == "be brief" and body["temperature"] == 0.2
    assert [m["role"] for m in body["messages"]] == ["user"]


def test_registry_lists_backends():
    assert {"openai", "anthropic", "transformers"} <= set(BACKENDS.names())


def test_backoff_grows_and_respects_retry_after():
    import random

    pol = RetryPolicy(max_retries=5, base_delay=1.0, max_delay=8.0)
    rng = random.Random(0)
    for n, step in enumerate([1, 2, 4, 8, 8]):
        d = pol.backoff(n, rng)
        assert step / 2 <= d <= step
    assert pol.delay(0, 30.0, rng) == 30.0


def test_parse_retry_after_forms():
    assert parse_retry_after({"Retry-After": "3"}) == 3.0
    assert parse_retry_after({"retry-after-ms": "250", "Retry-After": "9"}) == 0.25
    when = parse_retry_after({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, now=1445412470.0)
    assert when == pytest.approx(10.0)
    assert parse_retry_after({"Retry-After": "soon"}) is None
    assert parse_retry_after({}) is None


def test_redact_removes_key_and_tail():
    key = "sk-abcdefghijklmnop1234"
    out = mask_secrets(f"bad key {key} and sk-...mnop1234", [key])
    assert key not in out and "mnop1234" not in out and out.count("***") == 2


def test_a_dripping_server_cannot_hold_a_request_past_its_deadline(llm_server, tmp_path):
    """``timeout`` bounds the whole attempt, not each read (issue 24.8): a server that
    sends 4 bytes every 0.25 s (the whole answer would take over 20 s) is cut off."""
    import time

    client, d = _client(llm_server, tmp_path, timeout=1.0, max_retries=0, cache="off")
    llm_server.fault("<q0>", "drip:0.25")
    started = time.perf_counter()
    [c] = client.complete_many(_reqs(d, 1))
    took = time.perf_counter() - started
    assert not c.ok and c.failure == "timeout", c
    assert "1s deadline" in (c.error or "")
    assert took < 3 * 1.0, took
    # An answer within the deadline is untouched by it.
    llm_server.fault("<q1>", "slow:0.2")
    [ok] = client.complete_many(_reqs(d, 2)[1:])
    assert ok.ok and ok.text == "OK"
