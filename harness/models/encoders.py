"""Sentence-encoder backends: one small object per backend, chosen by name.

Every backend turns texts into L2-normalised float32 rows of the same network (the
bundled ``all-MiniLM-L6-v2``); they differ in the runtime:

- ``torch``: sentence-transformers' own ``encode`` (the reference).
- ``onnx``: ONNX Runtime, fp32, exported offline from the bundled weights
  (``harness.models.onnx_encoder``); embeddings within cosine 0.9999 of torch's.
- ``onnx-int8``: the same graph with dynamically quantised int8 weights (opt-in:
  faster, with measured score differences, see docs/models.md).

The backend is chosen by ``$SYNTHBENCH_ENCODER`` or a MiniLM model's ``encoder``
parameter in the suite; the default is ``onnx`` when onnxruntime is installed, else
``torch``. Each backend's ``name`` goes into the embedding store's key, so vectors
of different backends never mix.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from harness.core.registry import Registry

if TYPE_CHECKING:
    import numpy as np

ENV_ENCODER = "SYNTHBENCH_ENCODER"
#: The network's name in store keys (the folder may live anywhere).
NETWORK = "all-MiniLM-L6-v2"
#: Batch size of the torch backend's forward passes: sentence-transformers' default.
#: On 2,000 real test texts (bench/bench_embeddings.py) 16 and 32 ran within 5% of
#: each other and 64 took 1.3x as long: texts are length-sorted, and a wider batch
#: pads more.
TORCH_BATCH_SIZE = 32


class Encoder(Protocol):
    #: Backend-qualified id, part of every store key (``all-MiniLM-L6-v2/onnx-fp32``).
    name: str
    #: Hash of the weights file: a changed checkpoint changes every key.
    weights: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), dim)`` float32 unit rows, in input order."""
        ...


EncoderFactory = Callable[[Path], Encoder]
ENCODERS: Registry[EncoderFactory] = Registry(
    "encoder", modules=("harness.models.encoders", "harness.models.onnx_encoder")
)


@functools.cache
def weights_hash(folder: Path) -> str:
    """SHA-256 (first 16 hex digits) of the folder's weights file."""
    for name in ("model.safetensors", "pytorch_model.bin"):
        path = folder / name
        if path.is_file():
            h = hashlib.sha256()
            with path.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
            return h.hexdigest()[:16]
    raise FileNotFoundError(f"{folder}: no model.safetensors or pytorch_model.bin")


def default_backend() -> str:
    """``$SYNTHBENCH_ENCODER``, else ``onnx`` when onnxruntime imports, else ``torch``."""
    chosen = os.environ.get(ENV_ENCODER, "").strip()
    if chosen:
        return chosen
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return "torch"
    return "onnx"


def offline() -> None:
    # Read by huggingface_hub / transformers at import time; set before they load,
    # so even a misconfigured folder fails instead of downloading.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def load_sentence_transformer(path: Path) -> Any:
    """A fresh ``SentenceTransformer`` from the local folder ``path`` (CPU, no hub)."""
    offline()
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(path), device="cpu", local_files_only=True)


class TorchEncoder:
    """sentence-transformers' ``encode`` on the CPU: the reference backend."""

    def __init__(self, model: Any, weights: str, batch_size: int = TORCH_BATCH_SIZE) -> None:
        self.model = model
        self.weights = weights
        self.batch_size = batch_size
        self.name = f"{NETWORK}/torch"
        # Renamed in sentence-transformers 5.x; keep working with older releases.
        get = (
            getattr(model, "get_embedding_dimension", None)
            or model.get_sentence_embedding_dimension
        )
        self.dim = int(get())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(out, dtype=np.float32)


@ENCODERS.register("torch")
def torch_encoder(folder: Path) -> Encoder:
    return TorchEncoder(load_sentence_transformer(folder), weights_hash(folder))
