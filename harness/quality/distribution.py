"""Label distributions and how a source's compares with the real test set's.

The "labels" of an example are its task's distribution keys (``distribution_keys``;
the built-in ones in ``harness/tasks/<name>/quality.py``): its intent (intent), each
of its entity labels (ner), or its score rounded to the nearest whole point
(similarity). A task that does not say uses the record's ``label``, if it has one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from harness.core.records import Example

# A record's distribution keys live with the label sets, a floor below (re-exported).
from harness.data.labels import keys_for as keys_for
from harness.data.labels import labels_of as labels_of


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
