"""MiniLM on ONNX Runtime: exported offline from the bundled weights, fp32 or int8.

The export runs once per weights hash (``torch.onnx`` on the transformer of the
sentence-transformers model, inputs ``input_ids``, ``attention_mask``,
``token_type_ids`` with dynamic batch and length, output the last hidden state) and
is kept in the cache directory (``<cache>/onnx/<weights hash>/``), written to a
temporary file and renamed, under a file lock, so workers that start together export
it once. int8 is ``onnxruntime.quantization.quantize_dynamic`` of the fp32 graph.

Encoding is what sentence-transformers does (``max_seq_length`` truncation, mean
pooling over the attention mask, L2 normalisation), with the ``tokenizers`` fast
tokenizer of the folder and without importing torch: texts are sorted by token
count and batched, so a batch pads to nearly its own length. Runtime threads follow
``OMP_NUM_THREADS`` (the plugin sets each xdist worker's share), else every core.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.core.paths import resolve_cache_dir
from harness.models.base import MissingDependency
from harness.models.encoders import (
    ENCODERS,
    NETWORK,
    Encoder,
    load_sentence_transformer,
    weights_hash,
)

if TYPE_CHECKING:
    import numpy as np

#: Environment variable naming where exported graphs are kept (else the cache dir).
ENV_ONNX_DIR = "SYNTHBENCH_ONNX_DIR"
OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
#: Texts per ``session.run``. Measured on 2,000 real test texts in 200-text calls
#: (bench/bench_embeddings.py), batch 16 / 32 / 64: 5.5 / 6.4 / 8.1 s on an AVX-512
#: machine, 11.4 / 12.9 / 15.9 s on an AVX2 one. A narrow batch pads less (10% of
#: the tokens at 16, 42% at 64), and ONNX Runtime gains nothing from a wider one on
#: 2 cores.
ONNX_BATCH_SIZE = 16


def onnx_dir(weights: str) -> Path:
    root = os.environ.get(ENV_ONNX_DIR)
    if root:
        return Path(root) / weights
    return resolve_cache_dir() / "onnx" / weights


def _atomic_write(target: Path, write: Any) -> None:
    """Call ``write(tmp_path)`` then rename it to ``target`` (no half-written graph)."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".onnx.tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the cache folder is shared
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def export_fp32(folder: Path, target: Path) -> None:
    """Export the transformer of the sentence-transformers model in ``folder``."""
    import torch

    st = load_sentence_transformer(folder)
    bert = st[0].auto_model.eval()

    class Hidden(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=token_type_ids,
            ).last_hidden_state

    sample = st.tokenizer(["a short one", "and a somewhat longer sentence"], padding=True)
    args = tuple(torch.tensor(sample[k], dtype=torch.int64) for k in INPUTS)
    axes = {k: {0: "batch", 1: "length"} for k in INPUTS}

    def write(path: Path) -> None:
        # The exporter warns about traced Python conditionals that are constant for
        # this encoder-only graph; the parity test checks the result instead.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Hidden(bert),
                args,
                str(path),
                input_names=list(INPUTS),
                output_names=["hidden"],
                dynamic_axes={**axes, "hidden": {0: "batch", 1: "length"}},
                opset_version=OPSET,
                dynamo=False,  # the TorchScript exporter: no onnxscript needed
            )

    _atomic_write(target, write)


def export_int8(fp32: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    _atomic_write(
        target,
        lambda path: quantize_dynamic(str(fp32), str(path), weight_type=QuantType.QInt8),
    )


def ensure_graph(folder: Path, precision: str) -> Path:
    """The exported graph of ``precision`` (``fp32`` or ``int8``), exporting if absent."""
    from filelock import FileLock

    d = onnx_dir(weights_hash(folder))
    d.mkdir(parents=True, exist_ok=True)
    fp32, int8 = d / "model-fp32.onnx", d / "model-int8.onnx"
    target = fp32 if precision == "fp32" else int8
    if target.is_file():
        return target
    with FileLock(str(d / ".export.lock"), timeout=900):
        if not fp32.is_file():
            export_fp32(folder, fp32)
        if precision == "int8" and not int8.is_file():
            export_int8(fp32, int8)
    return target


def threads() -> int:
    raw = os.environ.get("OMP_NUM_THREADS", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else (os.cpu_count() or 1)


class OnnxEncoder:
    """Mean-pooled, normalised MiniLM embeddings from an ONNX Runtime session."""

    def __init__(
        self, folder: Path, precision: str = "fp32", batch_size: int = ONNX_BATCH_SIZE
    ) -> None:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise MissingDependency(exc.name or "onnxruntime", model="minilm") from None
        self.weights = weights_hash(folder)
        self.name = f"{NETWORK}/onnx-{precision}"
        self.batch_size = batch_size
        config = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
        self.max_length = int(config.get("max_seq_length", 256))
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()  # each batch is padded here, to its own longest
        self.tokenizer.enable_truncation(self.max_length)
        self.dim = int(json.loads((folder / "config.json").read_text())["hidden_size"])
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads()
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(
            str(ensure_graph(folder, precision)), opts, providers=["CPUExecutionProvider"]
        )

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encs = self.tokenizer.encode_batch(list(texts))
        # Length-sorted batches pad little; the stable sort keeps runs reproducible.
        order = sorted(range(len(encs)), key=lambda i: len(encs[i].ids))
        for lo in range(0, len(order), self.batch_size):
            idx = order[lo : lo + self.batch_size]
            width = max(len(encs[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            types = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                e = encs[i]
                n = len(e.ids)
                ids[row, :n] = e.ids
                mask[row, :n] = e.attention_mask
                types[row, :n] = e.type_ids
            (hidden,) = self.session.run(
                None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
            )
            m = mask[:, :, None].astype(np.float32)
            pooled = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[idx] = pooled / np.maximum(norms, 1e-12)
        return out


@ENCODERS.register("onnx")
def onnx_fp32(folder: Path) -> Encoder:
    return OnnxEncoder(folder, "fp32")


@ENCODERS.register("onnx-int8")
def onnx_int8(folder: Path) -> Encoder:
    return OnnxEncoder(folder, "int8")
