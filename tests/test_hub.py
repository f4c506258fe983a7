"""hf:// sources through a prepared Hub cache (offline), and pushes to a loopback Hub."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from harness.data.hub import HubError, HubPath, parse, push_files, resolved_commit

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def test_parse_both_forms_and_refuse_unpinned():
    assert parse("hf://datasets/org/name/data/x.jsonl@v1") == HubPath("org/name", "data/x.jsonl",
                                                                      "v1")
    assert parse(f"hf://datasets/org/name@{COMMIT}/x.jsonl") == HubPath("org/name", "x.jsonl",
                                                                        COMMIT)
    with pytest.raises(HubError, match="pin a revision"):
        parse("hf://datasets/org/name/x.jsonl")
    with pytest.raises(HubError, match="no file path"):
        parse("hf://datasets/org/name@v1")
    with pytest.raises(HubError, match="expected hf://datasets/"):
        parse("hf://models/org/name/x@v1")


def prepare_cache(cache: Path) -> Path:
    """The layout huggingface_hub keeps: refs name commits, snapshots hold files."""
    repo = cache / "datasets--org--synth"
    snap = repo / "snapshots" / COMMIT / "snips"
    snap.mkdir(parents=True)
    (snap / "gpt.jsonl").write_text('{"text": "play jazz", "label": "play"}\n')
    (repo / "refs").mkdir()
    (repo / "refs" / "v1").write_text(COMMIT)
    return snap / "gpt.jsonl"


RESOLVE = """
import json, sys
from harness.data.hub import resolve, resolved_commit, HubMissing
out = {}
for uri in sys.argv[1:]:
    try:
        p = resolve(uri)
        out[uri] = {"path": str(p), "commit": resolved_commit(p), "text": p.read_text()}
    except HubMissing as exc:
        out[uri] = {"missing": str(exc)}
print(json.dumps(out))
"""


def test_resolve_offline_from_a_prepared_cache(tmp_path):
    cached = prepare_cache(tmp_path / "hub")
    uris = [
        f"hf://datasets/org/synth/snips/gpt.jsonl@{COMMIT}",
        "hf://datasets/org/synth/snips/gpt.jsonl@v1",
        "hf://datasets/org/synth/snips/other.jsonl@v1",
        "hf://datasets/org/synth/snips/gpt.jsonl@v2",
    ]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(tmp_path / "hub"),
           "HF_HOME": str(tmp_path / "home")}
    proc = subprocess.run([sys.executable, "-c", RESOLVE, *uris], env=env,
                          capture_output=True, text=True, check=True, timeout=120)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    for uri in uris[:2]:
        assert Path(out[uri]["path"]).resolve() == cached.resolve()
        assert out[uri]["commit"] == COMMIT
        assert out[uri]["text"] == '{"text": "play jazz", "label": "play"}\n'
    for uri in uris[2:]:
        assert uri in out[uri]["missing"] and "HF_HUB_OFFLINE" in out[uri]["missing"]


def test_resolved_commit_of_a_plain_path():
    assert resolved_commit(Path("/x/y.jsonl")) == ""


class _Hub(BaseHTTPRequestHandler):
    """The four Hub API calls a commit of small files makes."""

    commits: list[dict] = []

    def _reply(self, obj: dict, code: int = 200) -> None:
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        base = f"http://127.0.0.1:{self.server.server_port}"
        if self.path == "/api/repos/create":
            req = json.loads(raw)
            self._reply({"url": f"{base}/datasets/{req['organization']}/{req['name']}"})
        elif self.path == "/api/validate-yaml":
            self._reply({})
        elif "/preupload/" in self.path:
            files = json.loads(raw)["files"]
            self._reply({"files": [{"path": f["path"], "uploadMode": "regular",
                                           "shouldIgnore": False} for f in files]})
        elif "/commit/" in self.path:
            lines = [json.loads(line) for line in raw.decode().splitlines() if line]
            files = {v["value"]["path"]: base64.b64decode(v["value"]["content"])
                     for v in lines if v["key"] == "file"}
            header = next(v["value"] for v in lines if v["key"] == "header")
            self.commits.append({"path": self.path, "files": files, "summary": header["summary"],
                                 "auth": self.headers.get("Authorization", "")})
            self._reply({"commitUrl": f"{base}/datasets/org/synth/commit/{COMMIT}",
                         "commitOid": COMMIT})
        else:
            self._reply({"error": "not found"}, 404)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hub_server() -> Iterator[str]:
    _Hub.commits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_push_files_commits_every_file_once(hub_server):
    files = {"snips/gpt.jsonl": b'{"text": "a", "label": "b"}\n',
             "README.md": b"---\n---\n# card\n"}
    out = push_files("org/synth", files, message="add snips", endpoint=hub_server, token="hf_test")
    assert out["commit"] == COMMIT
    [commit] = _Hub.commits
    assert commit["path"] == "/api/datasets/org/synth/commit/main"
    assert commit["files"] == files
    assert commit["summary"] == "add snips"
    assert commit["auth"] == "Bearer hf_test"


def test_push_refuses_a_bad_repo_id():
    with pytest.raises(HubError, match="ORG/NAME"):
        push_files("just-a-name", {}, message="m", endpoint="http://127.0.0.1:9")
