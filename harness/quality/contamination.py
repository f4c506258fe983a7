"""Contamination: how many examples of a source copy, or nearly copy, the real test set.

* exact: the example's normalized text (case-folded, whitespace collapsed) equals a
  real test example's; for a similarity pair, both texts equal a real pair's texts in
  either order.
* near: the cosine similarity of MiniLM sentence embeddings to the nearest real test
  example is at least ``threshold``. For a pair, a real pair is as near as its less
  similar text (in the better of the two orders), so a pair counts only when both of
  its texts are close to the same real pair. Exact matches are near too.

Embeddings come through ``Encoder``: a callable from texts to L2-normalized vectors;
the default is the harness's MiniLM encoder with its per-process cache.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from harness.models.embeddings import get_embedder
from harness.quality.text import normalize

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

# numpy is imported where arrays are made: the report imports this package through
# the quality summary, and every pytest session loads the plugin (core/extras.py).
Encoder = Callable[[Sequence[str]], "npt.NDArray[np.float32]"]

#: Default cosine threshold of a near-duplicate (MiniLM; paraphrases score ~0.85-0.95).
NEAR_THRESHOLD = 0.9


def default_encoder() -> Encoder:
    """The process-wide MiniLM embedder's ``encode`` (each text encoded once per process)."""
    return get_embedder().encode


def _exact_key(unit: Sequence[str]) -> tuple[str, ...]:
    # A pair matches in either order: sort the normalized texts.
    return tuple(sorted(normalize(t) for t in unit))


def exact_matches(source: Sequence[Sequence[str]], real: Sequence[Sequence[str]]) -> list[int]:
    """Indices of source examples whose normalized text(s) equal a real example's."""
    keys = {_exact_key(u) for u in real}
    return [i for i, u in enumerate(source) if _exact_key(u) in keys]


def _unit_normalize(m: npt.NDArray[Any]) -> npt.NDArray[np.float32]:
    import numpy as np

    m = np.asarray(m, dtype=np.float32)
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return (m / np.where(norms == 0, 1.0, norms)).astype(np.float32, copy=False)


def nearest_similarity(
    source: Sequence[Sequence[str]], real: Sequence[Sequence[str]], encoder: Encoder
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    """Per source example: cosine similarity to its nearest real example, and its index."""
    import numpy as np

    width = len(source[0]) if source else 1
    if not source or not real:
        return np.zeros(len(source), np.float32), np.full(len(source), -1, np.int64)
    cols = []
    for j in range(width):
        s = _unit_normalize(encoder([u[j] for u in source]))
        r = _unit_normalize(encoder([u[j] for u in real]))
        cols.append((s, r))
    if width == 1:
        sim = cols[0][0] @ cols[0][1].T
    else:
        (s1, r1), (s2, r2) = cols
        straight = np.minimum(s1 @ r1.T, s2 @ r2.T)
        swapped = np.minimum(s1 @ r2.T, s2 @ r1.T)
        sim = np.maximum(straight, swapped)
    best = sim.argmax(axis=1)
    return sim[np.arange(len(source)), best], best


def contamination(
    source: Sequence[Sequence[str]],
    real: Sequence[Sequence[str]],
    encoder: Encoder | None,
    threshold: float = NEAR_THRESHOLD,
    examples: int = 3,
) -> dict[str, Any]:
    """Exact and (with an encoder) near matches of ``source`` in ``real``.

    ``examples`` of the nearest pairs are listed so a reader can judge the threshold.
    """
    import numpy as np

    exact = exact_matches(source, real)
    out: dict[str, Any] = {"exact": len(exact), "exact_indices": exact[:20]}
    if encoder is None:
        out["near"] = None
        out["near_note"] = "not computed (no encoder)"
        return out
    sims, best = nearest_similarity(source, real, encoder)
    near = np.flatnonzero(sims >= threshold)
    out["near"] = int(near.size)
    out["threshold"] = threshold
    out["nearest_mean"] = round(float(sims.mean()), 4) if sims.size else None
    order = np.argsort(-sims)[:examples]
    out["nearest"] = [
        {"index": int(i), "similarity": round(float(sims[i]), 4),
         "text": " || ".join(source[i]), "real": " || ".join(real[int(best[i])])}
        for i in order
    ]
    return out
