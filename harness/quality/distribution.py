"""Label distributions and how a source's compares with the real test set's.

The "label" of an example is its intent (intent), each of its entity labels (ner), or
its score rounded to the nearest whole point (similarity: the paper's generators were
asked for a score per whole point of the scale). A similarity source on another scale
than the real one (generated 0-4, real 0-5) shows it here as missing or extra bins.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from harness.records import Example, IntentExample, NerExample, SimilarityExample


def labels_of(example: Example) -> list[str]:
    """The distribution keys one example contributes (see the module docstring)."""
    if isinstance(example, IntentExample):
        return [example.label]
    if isinstance(example, NerExample):
        return [e.label for e in example.entities]
    if isinstance(example, SimilarityExample):
        # int(x + 0.5), not round(): banker's rounding would send 2.5 to 2 but 3.5 to 4.
        return [str(int(example.score + 0.5))]
    # Another task's record: its ``label`` if it has one (the task may say better,
    # through ``distribution_keys``; see ``keys_for``).
    label = getattr(example, "label", None)
    return [] if label is None else [str(label)]


def keys_for(task: str) -> Callable[[Example], list[str]]:
    """The task's own ``distribution_keys(example)``, else ``labels_of``."""
    from harness.tasks import TASKS

    own = getattr(TASKS.get(task), "distribution_keys", None) if task in TASKS else None
    return own if own is not None else labels_of


def label_counts(
    examples: Iterable[Example], keys: Callable[[Example], list[str]] = labels_of
) -> Counter[str]:
    """How often each key occurs."""
    counts: Counter[str] = Counter()
    for ex in examples:
        counts.update(keys(ex))
    return counts


def _proportions(counts: Mapping[str, int]) -> dict[str, float]:
    total = sum(counts.values())
    return {k: v / total for k, v in counts.items()} if total else {}


def compare(source: Mapping[str, int], real: Mapping[str, int] | None) -> dict[str, Any]:
    """The source's counts, and against ``real``: coverage, missing, extra and TVD.

    ``coverage`` is the share of the real test set's keys that the source has at
    least once; ``tvd`` the total variation distance between the two proportions
    (0 identical, 1 disjoint).
    """
    out: dict[str, Any] = {"counts": dict(sorted(source.items()))}
    if real is None:
        return out
    p, q = _proportions(source), _proportions(real)
    keys = set(p) | set(q)
    real_keys = {k for k, v in real.items() if v}
    present = {k for k, v in source.items() if v}
    out["coverage"] = len(real_keys & present) / len(real_keys) if real_keys else None
    out["missing"] = sorted(real_keys - present)
    out["extra"] = sorted(present - real_keys)
    tvd = 0.5 * sum(abs(p.get(k, 0.0) - q.get(k, 0.0)) for k in keys)
    out["tvd"] = round(tvd, 6) if p and q else None
    return out
