"""Primary scores of two or more results directories, compared cell by cell.

    python bench/compare_scores.py RESULTS_A RESULTS_B [...]

Reads each directory's ``report.json`` (``groups[].scores``) and prints, for every
directory after the first, the number of cells, how many are bitwise equal to the
first's, how many are equal to three decimals, and the largest absolute difference
(with its cell). Used for "scores identical with a cold or a warm store" and "ONNX
fp32 scores equal torch's to three decimals" (bench/bench_suite.py calls it).
"""

from __future__ import annotations

import json
import sys
from itertools import combinations
from pathlib import Path

from harness.core.names import ENSEMBLES


def primary_scores(results: Path) -> dict[tuple[str, str, str], float]:
    report = json.loads((results / "report.json").read_text(encoding="utf-8"))
    out = {}
    for group in report["groups"]:
        for gen, per in group["scores"].items():
            for model, score in per.items():
                if score is not None:
                    out[(group["dataset"], gen, model)] = float(score)
    return out


def compare(a: Path, b: Path) -> str:
    sa, sb = primary_scores(a), primary_scores(b)
    cells = sorted(set(sa) & set(sb))
    if not cells:
        return f"{b.name}: no common cells"
    equal = sum(1 for c in cells if sa[c] == sb[c])
    three = sum(1 for c in cells if round(sa[c], 3) == round(sb[c], 3))
    worst = max(cells, key=lambda c: abs(sa[c] - sb[c]))
    return (
        f"{b.name} vs {a.name}: {len(cells)} cells, {equal} bitwise equal, {three} equal to"
        f" three decimals, max |diff| {abs(sa[worst] - sb[worst]):.6f} at {'/'.join(worst)}"
        f" ({sa[worst]:.6f} vs {sb[worst]:.6f}); only in one: {len(set(sa) ^ set(sb))}"
        f"\n  {_methods(sa, sb, cells)}"
    )


def _methods(
    sa: dict[tuple[str, str, str], float],
    sb: dict[tuple[str, str, str], float],
    cells: list[tuple[str, str, str]],
) -> str:
    """Over the models' own cells (ensemble rows left out): mean |diff| and how many
    pairs of models change order within a (dataset, source)."""
    own = [c for c in cells if c[1] not in ENSEMBLES]
    if not own:
        return "no model cells"
    mean = sum(abs(sa[c] - sb[c]) for c in own) / len(own)
    pairs = flipped = 0
    for source in sorted({c[:2] for c in own}):
        models = [c for c in own if c[:2] == source]
        for x, y in combinations(models, 2):
            pairs += 1
            flipped += (sa[x] - sa[y]) * (sb[x] - sb[y]) < 0
    return (
        f"{len(own)} model cells: mean |diff| {mean:.6f}; {flipped} of {pairs} model pairs"
        " within a (dataset, source) change order"
    )


def main() -> None:
    paths = [Path(p) for p in sys.argv[1:]]
    for other in paths[1:]:
        print(compare(paths[0], other))


if __name__ == "__main__":
    main()
