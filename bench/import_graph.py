"""Print the import graph's health: function-level harness imports, import circles.

    python bench/import_graph.py [--list]

Counts, from the source (AST, nothing imported):

- modules, and imports of harness modules made inside functions (outside CLI modules
  and pytest hooks these hide circles; the layered design allows none);
- strongly connected components of the module graph (an edge per harness import),
  once with top-level imports only and once counting the function-level ones: a
  component of more than one module is an import circle;
- the same at the level of top-level units (``harness/<unit>``: a package or a module).

``--list`` also prints each function-level import and each component's members.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "harness"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def resolve(current: str, is_pkg: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = current.split(".") if is_pkg else current.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports(path: Path, known: set[str]) -> list[tuple[str, bool, int]]:
    """(imported harness module, inside a function?, line) for every import in ``path``."""
    current, is_pkg = module_name(path), path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: list[tuple[str, bool, int]] = []

    def visit(node: ast.AST, nested: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = nested or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            names: list[str] = []
            if isinstance(child, ast.Import):
                names = [a.name for a in child.names]
            elif isinstance(child, ast.ImportFrom):
                mod = resolve(current, is_pkg, child)
                names = [
                    f"{mod}.{a.name}" if f"{mod}.{a.name}" in known else mod for a in child.names
                ]
            for name in names:
                if name.startswith("harness"):
                    while name not in known and "." in name:
                        name = name.rsplit(".", 1)[0]
                    if name in known and name != current:
                        out.append((name, inner, getattr(child, "lineno", 0)))
            visit(child, inner)

    visit(tree, False)
    return out


def components(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one member."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    sys.setrecursionlimit(10_000)

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return out


def unit(module: str) -> str:
    return ".".join(module.split(".")[:2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print every finding")
    args = parser.parse_args()
    files = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}
    known = set(files)
    top: dict[str, set[str]] = defaultdict(set)
    every: dict[str, set[str]] = defaultdict(set)
    nested: list[tuple[str, str, int]] = []
    for mod, path in files.items():
        for target, inner, line in imports(path, known):
            every[mod].add(target)
            if inner:
                nested.append((mod, target, line))
            else:
                top[mod].add(target)
    units_top = {unit(m): set() for m in known}
    units_all = {unit(m): set() for m in known}
    for graph, units in ((top, units_top), (every, units_all)):
        for m, targets in graph.items():
            units[unit(m)] |= {unit(t) for t in targets if unit(t) != unit(m)}
    in_files = len({m for m, _, _ in nested})
    statements = len({(m, line) for m, _, line in nested})
    print(f"modules: {len(known)}; top-level units: {len(units_top)}")
    print(
        f"function-level harness imports: {statements} statements ({len(nested)} modules "
        f"named) in {in_files} files"
    )
    for name, graph in (
        ("module circles, top-level imports only", top),
        ("module circles, counting function-level imports", every),
        ("unit circles, top-level imports only", units_top),
        ("unit circles, counting function-level imports", units_all),
    ):
        comps = components(graph)
        biggest = max((len(c) for c in comps), default=0)
        print(f"{name}: {len(comps)} (largest: {biggest} members)")
        if args.list:
            for comp in comps:
                print("   ", ", ".join(comp))
    if args.list:
        for mod, target, line in sorted(nested):
            print(f"  in a function: {mod}:{line} -> {target}")


if __name__ == "__main__":
    main()
