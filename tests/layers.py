"""The import graph of ``harness/``, read from the source (AST, nothing imported).

Shared by tests/test_layers.py (the rules) and bench/import_graph.py (the measures).
An edge is one import of a harness module by another: ``from harness.data import
label_set`` names ``harness.data`` (``label_set`` is no module), ``from harness.data
import labels`` names ``harness.data.labels``. Imports inside a function (or a method)
are marked ``nested``. Imports under ``if TYPE_CHECKING:`` are left out, as the contract
tells import-linter (``exclude_type_checking_imports``): they never run, and a Protocol
that names the types of its parts (``tasks/kit/base.py``) is the usual Python idiom, not
a circle at import time.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ROOT = REPO / "harness"

#: Where an import inside a function is allowed: the top floor (sub-commands, the
#: pytest plugin, the command assembler), whose lazy imports keep ``--help`` and
#: pytest sessions that never run a suite quick.
NESTED_ALLOWED = ("harness.cli", "harness.plugin", "harness.__main__")


@dataclass(frozen=True)
class Edge:
    importer: str
    imported: str
    nested: bool
    line: int


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(current: str, is_pkg: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = current.split(".") if is_pkg else current.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _type_checking_only(node: ast.AST) -> bool:
    """``if TYPE_CHECKING:`` (or ``typing.TYPE_CHECKING``) with no ``else``."""
    if not isinstance(node, ast.If) or node.orelse:
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(path: Path, known: set[str], root: Path = ROOT) -> list[Edge]:
    """Every harness import in ``path``, with whether it sits inside a function."""
    current, is_pkg = module_name(path, root), path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: list[Edge] = []

    def visit(node: ast.AST, nested: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if _type_checking_only(child):
                continue
            inner = nested or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            names: list[str] = []
            if isinstance(child, ast.Import):
                names = [a.name for a in child.names]
            elif isinstance(child, ast.ImportFrom):
                mod = _resolve(current, is_pkg, child)
                names = [
                    f"{mod}.{a.name}" if f"{mod}.{a.name}" in known else mod for a in child.names
                ]
            for name in names:
                if name == "harness" or name.startswith("harness."):
                    while name not in known and "." in name:
                        name = name.rsplit(".", 1)[0]
                    if name in known and name != current:
                        out.append(Edge(current, name, inner, getattr(child, "lineno", 0)))
            visit(child, inner)

    visit(tree, False)
    return out


def graph(root: Path = ROOT) -> list[Edge]:
    """Every edge of the package under ``root``."""
    files = {module_name(p, root): p for p in sorted(root.rglob("*.py"))}
    known = set(files)
    return [e for mod, path in files.items() for e in imports(path, known, root)]


def modules(root: Path = ROOT) -> list[str]:
    return sorted(module_name(p, root) for p in root.rglob("*.py"))


def components(adjacency: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (import circles)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(adjacency.get(v, ())):
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

    for v in sorted(adjacency):
        if v not in index:
            connect(v)
    return sorted(out)


def collapse(name: str, depth: int) -> str:
    """A module's package at ``depth`` dotted parts (2: ``harness.report``)."""
    return ".".join(name.split(".")[:depth])


def circles(edges: Iterable[Edge], depth: int = 0) -> list[list[str]]:
    """Import circles among modules (``depth`` 0) or among packages cut at ``depth``."""
    adjacency: dict[str, set[str]] = defaultdict(set)
    for e in edges:
        a, b = (e.importer, e.imported) if not depth else (
            collapse(e.importer, depth), collapse(e.imported, depth))
        if a != b:
            adjacency[a].add(b)
    return components(adjacency)


def contract_layers(pyproject: Path = REPO / "pyproject.toml") -> list[list[str]]:
    """The layers of the import-linter contract in pyproject.toml, bottom first; each a
    list of independent sibling packages."""
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["type"] == "layers"]
    return [[p.strip() for p in layer.split("|")] for layer in reversed(contract["layers"])]


def layer_of(name: str, layers: list[list[str]]) -> tuple[int, str] | None:
    """(floor, package) of a module, or None outside every layer (``harness`` itself)."""
    for floor, siblings in enumerate(layers):
        for package in siblings:
            if name == package or name.startswith(package + "."):
                return floor, package
    return None


def upward(edges: Iterable[Edge], layers: list[list[str]]) -> list[Edge]:
    """Edges the layers contract forbids: to a higher floor, or to a sibling package
    of the same floor (siblings are independent)."""
    out = []
    for e in edges:
        a, b = layer_of(e.importer, layers), layer_of(e.imported, layers)
        if a is None or b is None:
            continue
        if b[0] > a[0] or (b[0] == a[0] and b[1] != a[1]):
            out.append(e)
    return out


def nested_outside(edges: Iterable[Edge], allowed: tuple[str, ...] = NESTED_ALLOWED) -> list[Edge]:
    """Function-level imports outside the places allowed to make them."""
    return [
        e for e in edges
        if e.nested and not any(e.importer == p or e.importer.startswith(p + ".") for p in allowed)
    ]
