"""Count string-key reads of report figures in the harness, per area.

A read is ``x["key"]`` (loaded, not assigned) or ``x.get("key", ...)`` whose key is one
of the keys ``report.json`` has (its whole vocabulary, every level: ``scores``,
``agreement``, ``low``, ``p_value``, ...). The JSON reader and writer of the typed
report (``harness/report/figures.py``, ``model.py``, ``verdicts.py``) are left out:
string keys belong there. A key of that vocabulary read from another dict (a case
record, a TOML table) is counted too, so the figure is an upper bound.

    python bench/report_keys.py [--root DIR] [--report report.json] [--files] [--lines]

``--root``: the checkout to scan (default: this one), e.g. an older commit's
``git archive`` to measure before a change. ``--report``: the report.json whose keys
are the vocabulary (default: the toy suite's, with families, bias, intervals and
gates, built in a temporary folder through ``harness.report.finish``).
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.report_reads import EXEMPT, reads, toy_report, vocabulary  # noqa: E402

#: Areas the counts are grouped by (the first that matches a file's path).
AREAS = (
    "harness/gates/",
    "harness/report/render/",
    "harness/report/",
    "harness/cli/",
    "harness/plugin/",
    "harness/analysis/",
    "harness/",
)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--root", type=Path, default=ROOT)
    p.add_argument("--report", type=Path)
    p.add_argument("--files", action="store_true", help="print the count of every file")
    p.add_argument(
        "--lines", action="store_true", help="print every read (file, line, key, code)"
    )
    args = p.parse_args(argv)
    doc = json.loads(args.report.read_text()) if args.report else toy_report()
    vocab = vocabulary(doc)
    per_area: Counter[str] = Counter()
    per_file: Counter[str] = Counter()
    found: list[tuple[str, int, str, str]] = []
    for path in sorted((args.root / "harness").rglob("*.py")):
        rel = path.relative_to(args.root).as_posix()
        if rel in EXEMPT:
            continue
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        hits = sorted(reads(ast.parse(text), vocab))
        found += [(rel, line, key, lines[line - 1].strip()) for line, key in hits]
        n = len(hits)
        if n:
            per_file[rel] = n
            per_area[next(a for a in AREAS if rel.startswith(a))] += n
    print(f"vocabulary: {len(vocab)} keys of report.json")
    for area in AREAS:
        print(f"{area:<26} {per_area[area]:>5}")
    print(f"{'total':<26} {sum(per_area.values()):>5}")
    if args.files:
        for rel, n in per_file.most_common():
            print(f"  {n:>4}  {rel}")
    if args.lines:
        for rel, line, key, code in found:
            print(f"{rel}:{line}: {key!r}: {code[:90]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
