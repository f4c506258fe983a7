"""Expected cost of a case: a plain function for scheduling and sharding.

``case_cost(key, suite, data_dir)`` estimates the seconds one case spends predicting
(its source's example count times its model family's per-example cost) and
``setup_cost(dataset, model, suite, data_dir)`` the one-time cost of building the
model for a dataset (train split size times the family's per-train-example cost),
paid once per process that builds it. Example counts are line counts of the JSONL
files (read once per path), so nothing is parsed.

The per-example figures are seconds measured on this machine's default suite with
the torch encoder (issue 14: ``minilm-knn`` encodes 13,084 snips train texts in about
54 s, spaCy about 14 ms a text, ...); only their ratios matter for balancing. A
factory not listed costs ``DEFAULT`` (cheap, like the lexical baselines).
``shared_setup`` says the setup goes through the embedding store, so splitting the
unit over workers shares it instead of repeating it; ``unit`` names the family whose
unit it joins (``spacy-minilm`` reads the per-process spaCy entities of ``spacy``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from harness.core.records import CaseKey
from harness.core.spec import Suite


@dataclass(frozen=True)
class FamilyCost:
    per_example: float
    per_train: float = 0.0
    shared_setup: bool = False
    unit: str = ""


DEFAULT = FamilyCost(per_example=0.0002, per_train=0.0001)

#: Seconds per predicted example and per train example, by model factory.
FAMILY_COSTS: dict[str, FamilyCost] = {
    "minilm-zeroshot": FamilyCost(0.009, 0.0, shared_setup=True),
    "minilm-prototypes": FamilyCost(0.009, 0.0005, shared_setup=True),
    "minilm-knn": FamilyCost(0.009, 0.0042, shared_setup=True),
    "minilm-cosine": FamilyCost(0.012),
    "minilm-spans": FamilyCost(0.004, 0.004, shared_setup=True),
    "spacy": FamilyCost(0.014),
    "spacy-minilm": FamilyCost(0.006, 0.004, unit="spacy"),
    "crf": FamilyCost(0.001, 0.04),
    "tfidf-logreg": FamilyCost(0.0002, 0.0003),
    "llm": FamilyCost(0.5),
}


def family(suite: Suite, model: str) -> FamilyCost:
    return FAMILY_COSTS.get(suite.model(model).factory, DEFAULT)


@functools.cache
def _lines(path: Path) -> int:
    try:
        with path.open("rb") as fh:
            return sum(1 for line in fh if line.strip())
    except OSError:
        return 0


def source_size(key: CaseKey, suite: Suite, data_dir: Path | None, max_examples: int = 0) -> int:
    """Examples the case scores: its source file's lines (200 when it cannot be read),
    at most ``max_examples`` when that is set."""
    n = 0
    if data_dir is not None:
        rel = suite.dataset(key.dataset).source_path(key.generator)
        n = 0 if "://" in rel else _lines(data_dir / rel)
    n = n or 200
    return min(n, max_examples) if max_examples > 0 else n


def train_size(dataset: str, suite: Suite, data_dir: Path | None) -> int:
    spec = suite.dataset(dataset)
    if data_dir is None or not spec.train:
        return 0
    return _lines(data_dir / spec.train)


def case_cost(key: CaseKey, suite: Suite, data_dir: Path | None, max_examples: int = 0) -> float:
    """Expected seconds of predicting and scoring one case (setup not included)."""
    return source_size(key, suite, data_dir, max_examples) * family(suite, key.model).per_example


def setup_cost(dataset: str, model: str, suite: Suite, data_dir: Path | None) -> float:
    """Expected seconds of building ``model`` for ``dataset`` once in a process."""
    return train_size(dataset, suite, data_dir) * family(suite, model).per_train
