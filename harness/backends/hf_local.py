"""Loading local transformers models: device choice, revision pinning, fingerprints.

Shared by the ``transformers`` chat backend and the zero-shot / token-classification
pipeline models. Hub ids and local folders go through the same ``from_pretrained``
path; ``trust_remote_code`` stays off unless the suite turns it on.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any

from harness.core.errors import MissingDependency


def require(package: str, who: str = "") -> Any:
    """Import an optional package, or raise MissingDependency naming it."""
    import importlib

    try:
        return importlib.import_module(package)
    except ImportError:
        raise MissingDependency(package, who) from None


def pick_device(device: str | int | None = "auto") -> str:
    """``auto``: the first CUDA device when present, else the CPU."""
    if device not in (None, "auto"):
        return (
            str(device)
            if not isinstance(device, int)
            else ("cpu" if device < 0 else f"cuda:{device}")
        )
    torch = require("torch")
    if torch.cuda.is_available():
        return "cuda:0"
    return "cpu"


def fingerprint(model: str, revision: str = "") -> str:
    """What identifies the weights in a cache key: the pinned revision, or for a local
    folder a hash of its files' names, sizes and modification times (re-saved
    weights get a new fingerprint, so stale answers are never served)."""
    if revision:
        return revision
    path = Path(model)
    if not path.is_dir():
        return ""
    h = hashlib.sha256()
    for f in sorted(path.rglob("*")):
        if f.is_file():
            st = f.stat()
            h.update(f"{f.relative_to(path)}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return "local:" + h.hexdigest()[:16]


@functools.cache
def load_pipeline(
    task: str, model: str, revision: str = "", device: str = "auto", trust_remote_code: bool = False
) -> Any:
    """A transformers pipeline, loaded once per process per (task, model, revision, device)."""
    transformers = require("transformers", model)
    return transformers.pipeline(
        task,
        model=model,
        revision=revision or None,
        device=pick_device(device),
        trust_remote_code=trust_remote_code,
    )


@functools.cache
def load_causal_lm(
    model: str, revision: str = "", device: str = "auto", trust_remote_code: bool = False
) -> tuple[Any, Any, str]:
    """(tokenizer, model, device) of a causal LM, once per process."""
    transformers = require("transformers", model)
    dev = pick_device(device)
    tok = transformers.AutoTokenizer.from_pretrained(
        model, revision=revision or None, trust_remote_code=trust_remote_code
    )
    lm = transformers.AutoModelForCausalLM.from_pretrained(
        model, revision=revision or None, trust_remote_code=trust_remote_code
    )
    lm.to(dev)
    lm.eval()
    return tok, lm, dev
