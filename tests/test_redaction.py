"""No configured secret reaches any artifact, whatever field carries it (issue 15.4).

A loopback server echoes the request headers (``Authorization: Bearer <key>``)
into every completion; after a real pytest run with an ``llm`` model on it, the
sentinel key (and its tail) must be in no file the run wrote: case files,
report.json, report.html, report.md, run.json and the response cache's SQLite rows.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from harness.core.redaction import MASK, known, redact, redact_tree
from tests.synth_fixtures import BENCH_TEST, write_data_dir

SENTINEL = "sk-sentinel-7f3a9c2e5b1d4680"  # never a real key


class _Echo(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        echoed = json.dumps(dict(self.headers.items()))
        body = json.dumps({
            "id": "x", "object": "chat.completion", "created": 0, "model": "echo",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": f"headers: {echoed}"}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def echo_server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


def test_redact_masks_keys_and_tails_in_any_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_SERVICE_API_KEY", SENTINEL)
    assert redact(f"Bearer {SENTINEL}") == f"Bearer {MASK}"
    assert SENTINEL[-8:] not in redact(f"key ...{SENTINEL[-8:]} rejected")
    tree = redact_tree({SENTINEL: [f"x{SENTINEL}", 3]})
    assert SENTINEL not in json.dumps(tree)
    monkeypatch.delenv("MY_SERVICE_API_KEY")
    assert redact(f"Bearer {SENTINEL}") == f"Bearer {SENTINEL}"  # not configured: unchanged


SUITE = """
[run]
seed = 1

[generators]
"gen-a" = {{ model_id = "toy/gen-a" }}

[datasets.toy-intent]
task = "intent"
test = "real/toy-intent/test.jsonl"
train = "real/toy-intent/train.jsonl"
generators = ["gen-a"]

[models.echo]
factory = "llm"
[models.echo.params]
backend = "openai"
model = "echo"
base_url = "{url}"
api_key_env = "SENTINEL_KEY"
max_retries = 0
cache_dir = "cache"
"""


def test_sentinel_key_reaches_no_artifact(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, echo_server: str
) -> None:
    monkeypatch.delenv("SYNTHBENCH_DATA_DIR", raising=False)
    monkeypatch.setenv("SENTINEL_KEY", SENTINEL)
    write_data_dir(pytester.path / "data", n=6)
    pytester.makefile(".toml", suite=SUITE.format(url=echo_server))
    pytester.makeini("[pytest]\nsynth_suite = suite.toml\nsynth_data_dir = data\n"
                     "synth_report_dir = out\nsynth_formats = md,html\n")
    pytester.makepyfile(test_bench=BENCH_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == 0, result.stdout.str()[-3000:]
    assert SENTINEL not in result.stdout.str()
    written = [p for p in (pytester.path / "out").rglob("*") if p.is_file()]
    names = {p.name for p in written}
    assert {"report.json", "report.html", "report.md", "run.json"} <= names
    cases = [p for p in written if p.parent.name == "cases"]
    assert cases, "the llm cases wrote no case file"
    # The server did echo the key: the answers carry the masked header.
    lines = [line for p in cases for line in p.read_text().splitlines()[1:]]
    raws = [json.loads(line).get("raw", "") for line in lines]
    assert any(f"Bearer {MASK}" in r for r in raws), raws[:2]
    db = pytester.path / "cache" / "responses.sqlite"
    assert db.exists()
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT * FROM responses").fetchall()
    assert rows
    for p in [*written, *db.parent.glob("responses.sqlite*")]:
        data = p.read_bytes()
        assert SENTINEL.encode() not in data and SENTINEL[-8:].encode() not in data, p
    for row in rows:
        assert SENTINEL not in repr(row)


def test_the_keyless_placeholder_is_not_a_secret() -> None:
    """A local server's placeholder key must not mask that word everywhere afterwards."""
    from harness.backends.client import ChatClient
    from harness.backends.keys import NO_KEY

    class Quiet:
        name = "quiet"

    ChatClient(Quiet(), secrets=(NO_KEY, "sk-live-0123456789abcdef"))  # type: ignore[arg-type]
    assert NO_KEY not in known()
    assert redact(f"a {NO_KEY} word") == f"a {NO_KEY} word"
    assert "sk-live-0123456789abcdef" in known()


# ---------------------------------------------------------------- secrets outside the key
# Issue 24.4: credentials in a base URL reached case files and report.html (httpx sends
# user info as a Basic header, which an echo puts in the answer; the query key came
# back in error texts), and keys shorter than 8 characters were masked nowhere.

URL_USER, URL_PASSWORD, URL_QUERY, SHORT_KEY = "alice7", "pw9X2", "qk7Zt", "k3Y9z"
BASIC = __import__("base64").b64encode(f"{URL_USER}:{URL_PASSWORD}".encode()).decode()


class _EchoAll(BaseHTTPRequestHandler):
    """Echoes path and headers into the answer; a request about ``gen-b 2`` gets a 500
    whose message echoes them too (as proxies' error pages do)."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        echoed = f"path {self.path} headers {json.dumps(dict(self.headers.items()))}"
        self.server.seen.append(echoed)  # type: ignore[attr-defined]
        if b"gen-b 2 " in raw:
            status, obj = 500, {"error": {"message": f"upstream failed for {echoed}"}}
        else:
            status, obj = 200, {
                "id": "x", "object": "chat.completion", "created": 0, "model": "echo",
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": echoed}}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


URL_SUITE = """
[run]
seed = 1

[generators]
"gen-a" = { model_id = "toy/gen-a" }
"gen-b" = { model_id = "toy/gen-b" }

[datasets.toy-intent]
task = "intent"
test = "real/toy-intent/test.jsonl"
train = "real/toy-intent/train.jsonl"
generators = ["gen-a", "gen-b"]

[models.echo]
factory = "llm"
[models.echo.params]
backend = "openai"
model = "echo"
base_url_env = "ECHO_BASE_URL"
api_key_env = "SHORT_ECHO_KEY"
max_retries = 0
cache_dir = "cache"
"""


def test_url_credentials_and_short_keys_reach_no_artifact(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _EchoAll)
    httpd.seen = []  # type: ignore[attr-defined]
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        port = httpd.server_address[1]
        url = f"http://{URL_USER}:{URL_PASSWORD}@127.0.0.1:{port}/v1?key={URL_QUERY}"
        monkeypatch.delenv("SYNTHBENCH_DATA_DIR", raising=False)
        monkeypatch.setenv("ECHO_BASE_URL", url)
        monkeypatch.setenv("SHORT_ECHO_KEY", SHORT_KEY)
        write_data_dir(pytester.path / "data", n=6)
        pytester.makefile(".toml", suite=URL_SUITE)
        pytester.makeini("[pytest]\nsynth_suite = suite.toml\nsynth_data_dir = data\n"
                         "synth_report_dir = out\nsynth_formats = md,html\n")
        pytester.makepyfile(test_bench=BENCH_TEST)
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rA", "--log-level=DEBUG")
    finally:
        httpd.shutdown()
        httpd.server_close()
    result.assert_outcomes(passed=1, failed=1)  # gen-b: a failed request, incomplete
    seen = "\n".join(httpd.seen)  # type: ignore[attr-defined]
    # The credentials did travel (so the echo could leak them) ...
    assert BASIC in seen or f"Bearer {SHORT_KEY}" in seen, seen[:500]
    assert URL_QUERY in seen, seen[:500]
    secrets = (URL_PASSWORD, URL_QUERY, SHORT_KEY, BASIC, URL_USER)
    output = result.stdout.str() + result.stderr.str()
    assert "upstream failed" in output  # the 500's message is shown, masked
    assert "HTTP Request: POST http://" in output  # httpx's log of the URL, masked
    for s in secrets:
        assert s not in output, s
    written = [p for p in (pytester.path / "out").rglob("*") if p.is_file()]
    assert {"report.json", "report.html", "report.md"} <= {p.name for p in written}
    cases = [p for p in written if p.parent.name == "cases"]
    raws = [json.loads(line).get("raw", "") for p in cases
            for line in p.read_text().splitlines()[1:]]
    # The query went as a query (not glued before the SDK's path), masked in the echo.
    assert raws and all(f"path /v1/chat/completions?{MASK}" in r for r in raws), raws[:1]
    assert all("Basic ***" in r or f"Bearer {MASK}" in r for r in raws), raws[:1]
    for p in [*written, *(pytester.path / "cache").glob("responses.sqlite*")]:
        data = p.read_bytes()
        for s in secrets:
            assert s.encode() not in data, (p, s)


def test_short_configured_secrets_are_masked_as_words_only() -> None:
    from harness.core.redaction import url_secrets

    found = url_secrets("https://u%40x:p%3Ass@host/v1?key=ab1&flag=&token=x%2By")
    assert {"u%40x", "u@x", "p%3Ass", "p:ss", "ab1", "x+y", "x%2By"} <= set(found)
    masked = redact("key ab1, not cab12 or ab1x; 0.ab1 x+y", ["ab1", "x+y"])
    assert masked == f"key {MASK}, not cab12 or ab1x; 0.{MASK} {MASK}"
    long_one = "sk-long-secret-0123"
    assert redact(f"a{long_one}b", [long_one]) == f"a{MASK}b"  # long: anywhere
