"""Print the import graph's health: the measures of the floors (issue 23).

    python bench/import_graph.py [--list] [--root PATH/harness]

Counts, from the source (AST, nothing imported; tests/layers.py reads the graph):

- upward imports by the layers contract in pyproject.toml (to a higher floor, or
  between sibling packages of one floor), imports inside functions included;
- import circles (strongly connected components of more than one member) counting
  function-level imports: among modules, among top-level units (``harness.<unit>``)
  and among sub-packages (``harness.report.render``); also with top-level imports only;
- imports of harness modules inside functions outside ``harness/cli/``,
  ``harness/plugin/`` and ``harness/__main__.py``.

Each measure is printed for the whole tree and, after ``->``, without the exceptions
that tests/test_layers.py lists (``ALLOWANCE``: parts owned by other changes;
``LAZY_FOR_IMPORT_TIME``: kept on purpose). tests/test_layers.py fails when the second
number is not 0. ``--root`` measures another checkout's ``harness`` folder (e.g. an
older commit, ``git archive``); ``--list`` prints every finding.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.layers import (  # noqa: E402
    ROOT,
    Edge,
    circles,
    contract_layers,
    graph,
    modules,
    nested_outside,
    upward,
)
from tests.test_layers import ALLOWANCE, LAZY_FOR_IMPORT_TIME  # noqa: E402


def _without(edges: list[Edge], pairs: set[tuple[str, str]]) -> list[Edge]:
    return [e for e in edges if (e.importer, e.imported) not in pairs]


def _statements(edges: list[Edge]) -> str:
    return (
        f"{len({(e.importer, e.line) for e in edges})} statements in "
        f"{len({e.importer for e in edges})} files"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print every finding")
    parser.add_argument("--root", type=Path, default=ROOT, help="the harness folder")
    args = parser.parse_args()
    root = args.root.resolve()
    edges = graph(root)
    layers = contract_layers()
    allowed = set(ALLOWANCE)
    lazy = set(ALLOWANCE) | set(LAZY_FOR_IMPORT_TIME)
    mods = modules(root)
    units = {".".join(m.split(".")[:2]) for m in mods}
    print(f"modules: {len(mods)}; top-level units: {len(units)}")

    up = upward(edges, layers)
    up_left = _without(up, allowed)
    print(
        f"upward imports by the contract: {len({(e.importer, e.imported) for e in up})} "
        f"-> {len({(e.importer, e.imported) for e in up_left})} (importer, imported) pairs"
    )
    top_only = [e for e in edges if not e.nested]
    for name, depth in (("module", 0), ("unit", 2), ("sub-package", 3)):
        every, left = circles(edges, depth), circles(_without(edges, allowed), depth)
        top = circles(top_only, depth)
        biggest = max((len(c) for c in every), default=0)
        print(
            f"{name} circles counting function-level imports: {len(every)} (largest "
            f"{biggest} members) -> {len(left)}; top-level imports only: {len(top)}"
        )
        if args.list:
            for comp in every:
                print("   ", ", ".join(comp))
    nested = [e for e in edges if e.nested]
    outside = nested_outside(edges)
    outside_left = _without(outside, lazy)
    print(f"function-level harness imports, everywhere: {_statements(nested)}")
    print(
        f"function-level harness imports outside CLIs, plugin and __main__: "
        f"{_statements(outside)} -> {_statements(outside_left)}"
    )
    if args.list:
        for e in sorted(up, key=lambda e: (e.importer, e.line)):
            print(f"  upward: {e.importer}:{e.line} -> {e.imported}")
        for e in sorted(outside, key=lambda e: (e.importer, e.line)):
            kept = "" if (e.importer, e.imported) not in lazy else "  (listed)"
            print(f"  in a function: {e.importer}:{e.line} -> {e.imported}{kept}")


if __name__ == "__main__":
    main()
