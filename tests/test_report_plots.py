"""The scatter plot's model names never print over each other (tweet-news: several
models with nearly the same real score)."""

from __future__ import annotations

import math
from itertools import pairwise
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from harness.report.figures import Group
from harness.report.render.plots import _scatter_figure, scatter, spread


@given(
    st.lists(st.floats(-10, 10, allow_nan=False), min_size=0, max_size=12),
    st.floats(0.01, 2.0),
)
def test_spread_keeps_order_and_gap_and_moves_only_crowded_labels(
    xs: list[float], gap: float
) -> None:
    out = spread(xs, gap)
    assert len(out) == len(xs)
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    placed = [out[i] for i in order]
    for a, b in pairwise(placed):
        assert b - a >= gap - 1e-9  # never closer than a label's height
    # the placement is centred: in total nothing drifts to one side
    assert math.isclose(sum(out), sum(xs), abs_tol=1e-6 * (1 + len(xs)))
    # labels that were far enough apart stay exactly where they are
    if all(b - a >= gap for a, b in pairwise(sorted(xs))):
        assert out == xs


def _group(real: dict[str, float]) -> dict[str, Any]:
    gens = {g: {m: v - 0.05 * k for m, v in real.items()} for k, g in enumerate(("g1", "g2"), 1)}
    return {"task": "similarity", "dataset": "tweet-news", "metric": "spearman",
            "scores": {"real": real, **gens}, "agreement": {}, "bias": {}}  # fmt: skip


def test_model_names_above_the_scatter_do_not_overlap() -> None:
    # four models within 0.003 of each other, one apart, as on tweet-news
    real = {"minilm-cosine": 0.701, "tfidf-cosine": 0.702, "bm25": 0.7025, "jaccard": 0.704,
            "length-ratio": 0.2}  # fmt: skip
    fig, titles = _scatter_figure(Group.from_dict(_group(real)))
    assert fig is not None and titles
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    from matplotlib.text import Text

    # the names' own boxes (an annotation's extent would include its leader line)
    names = {t.get_text(): Text.get_window_extent(t, renderer) for t in fig.axes[0].texts}
    assert set(names) == set(real)
    boxes = list(names.values())
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)
    # every crowded name is tied to its model's line by a leader
    moved = [t for t in fig.axes[0].texts if t.arrow_patch is not None]
    assert len(moved) >= 3
    import matplotlib.pyplot as plt

    plt.close(fig)
    assert scatter(_group(real)).startswith("<svg")
