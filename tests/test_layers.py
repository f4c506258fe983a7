"""The floors are tested: import direction, no circles, lazy imports only on the top floor.

Three rules (docs/architecture.md, "Floors"), checked on the source:

1. the import-linter layers contract in pyproject.toml (``[tool.importlinter]``): a
   layer imports only the layers below it, siblings of one floor not each other, and
   that counts imports made inside functions;
2. no import circle, at module level nor at package level (``harness.<unit>`` and one
   level further down, ``harness.report.render``), counting function-level imports;
3. no import of a harness module inside a function outside ``harness/cli/``,
   ``harness/plugin/`` and ``harness/__main__.py``.

``ALLOWANCE`` lists, edge by edge, what parts still owned by other changes break today;
each entry names its owner. It only shrinks: an entry whose import is gone fails the
test, so it is deleted with the fix. ``LAZY_FOR_IMPORT_TIME`` lists the harness imports
kept inside a function on purpose, each with its reason.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

from tests.layers import (
    REPO,
    Edge,
    circles,
    contract_layers,
    graph,
    nested_outside,
    upward,
)

Pair = tuple[str, str]

#: Known exceptions to the floors, (importer, imported module), each with its reason.
#: Empty: every import keeps the floors. An entry whose import is gone fails the test.
ALLOWANCE: tuple[Pair, ...] = ()

#: Harness imports kept inside a function for import-time cost: every pytest session
#: loads the plugin, which imports the suite parser and the runner; most sessions never
#: build a chat client nor generate data. Each one is downward and in no circle.
LAZY_FOR_IMPORT_TIME: tuple[Pair, ...] = (
    # build_client: the client brings asyncio, sqlite3 and the rate limiter.
    ("harness.backends.build", "harness.backends.cache"),
    ("harness.backends.build", "harness.backends.client"),
    ("harness.backends.build", "harness.backends.ratelimit"),
    ("harness.backends.build", "harness.backends.retry"),
    # run_generation: the same client, for on-demand sources only.
    ("harness.generate.engine", "harness.backends.client"),
    # The runner's loaders and on-demand generation: the data, quality and generation
    # packages (the plugin imports the runner in every session).
    ("harness.run.runner", "harness.data"),
    ("harness.run.runner", "harness.data.hf_datasets"),
    ("harness.run.runner", "harness.generate.ondemand"),
    # The @task decorator's registration check: TaskBase brings numpy, and every
    # pytest session imports harness (and so harness.extend) through the plugin.
    ("harness.extend", "harness.tasks.kit.taskbase"),
    # harness's heavier public names (the extension kit) load on first use: the same
    # reason; ``import harness`` stays numpy-free.
    ("harness", "harness.kit"),
)


def _pairs(edges: list[Edge]) -> set[Pair]:
    return {(e.importer, e.imported) for e in edges}


def _without(edges: list[Edge], pairs: set[Pair]) -> list[Edge]:
    return [e for e in edges if (e.importer, e.imported) not in pairs]


def _show(edges: list[Edge]) -> str:
    return "\n".join(
        sorted({f"  {e.importer}:{e.line} -> {e.imported}" for e in edges})
    )


@pytest.fixture(scope="module")
def edges() -> list[Edge]:
    return graph()


def test_every_allowance_entry_is_still_an_import(edges: list[Edge]) -> None:
    stale = (set(ALLOWANCE) | set(LAZY_FOR_IMPORT_TIME)) - _pairs(edges)
    assert not stale, f"fixed, so delete from the lists in tests/test_layers.py: {sorted(stale)}"
    assert not set(ALLOWANCE) & set(LAZY_FOR_IMPORT_TIME)


def test_lazy_for_import_time_imports_are_downward_and_lazy(edges: list[Edge]) -> None:
    kept = [e for e in edges if (e.importer, e.imported) in set(LAZY_FOR_IMPORT_TIME)]
    assert kept and all(e.nested for e in kept)
    assert not upward(kept, contract_layers())


def test_no_upward_import_by_the_contract(edges: list[Edge]) -> None:
    found = _without(upward(edges, contract_layers()), set(ALLOWANCE))
    assert not found, "imports against the floors (pyproject.toml):\n" + _show(found)


@pytest.mark.parametrize("depth", [0, 2, 3], ids=["modules", "units", "subpackages"])
def test_no_import_circle(edges: list[Edge], depth: int) -> None:
    found = circles(_without(edges, set(ALLOWANCE)), depth)
    assert not found, f"import circles (counting function-level imports): {found}"


def test_no_function_level_harness_import_below_the_top_floor(edges: list[Edge]) -> None:
    allowed = set(ALLOWANCE) | set(LAZY_FOR_IMPORT_TIME)
    found = _without(nested_outside(edges), allowed)
    assert not found, (
        "harness imports inside functions outside harness/cli/, harness/plugin/ and "
        "harness/__main__.py: import at the top, or put the code in its floor\n" + _show(found)
    )


def _importlinter_config(
    path: Path, root: str, layers: list[str], ignore: tuple[Pair, ...]
) -> Path:
    lines = [
        "[importlinter]",
        f"root_package = {root}",
        "exclude_type_checking_imports = True",
        "",
        "[importlinter:contract:layers]",
        "name = floors",
        "type = layers",
        "unmatched_ignore_imports_alerting = none",
        "layers =",
        *(f"    {layer}" for layer in layers),
    ]
    if ignore:
        lines += ["ignore_imports =", *(f"    {a} -> {b}" for a, b in ignore)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _lint(config: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = lint_imports(config_filename=str(config), no_cache=True, no_logo=True)
    return status, capsys.readouterr().out


def test_import_linter_keeps_the_pyproject_contract(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The contract as pyproject.toml states it, with today's allowance as ignore_imports.
    layers = [" | ".join(floor) for floor in reversed(contract_layers())]
    config = _importlinter_config(tmp_path / "layers.ini", "harness", layers, ALLOWANCE)
    status, out = _lint(config, capsys)
    assert status == 0, out
    assert "1 kept, 0 broken" in out


def test_import_linter_fails_on_an_upward_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The same call on a two-floor package whose ground floor imports the top one,
    # inside a function: the contract must break.
    pkg = tmp_path / "floorsdemo"
    (pkg / "core").mkdir(parents=True)
    (pkg / "top").mkdir()
    for init in (pkg, pkg / "core", pkg / "top"):
        (init / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "top" / "cli.py").write_text("from floorsdemo.core import base\n", encoding="utf-8")
    (pkg / "core" / "base.py").write_text(
        textwrap.dedent("""
            def late():
                from floorsdemo.top import cli
                return cli
        """),
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    config = _importlinter_config(
        tmp_path / "demo.ini", "floorsdemo", ["floorsdemo.top", "floorsdemo.core"], ()
    )
    status, out = _lint(config, capsys)
    assert status == 1 and "floorsdemo.core.base -> floorsdemo.top.cli" in out, out


def test_the_ast_checks_find_each_kind_of_break(tmp_path: Path) -> None:
    # A package with one upward import (core.b -> run.r, in a function) that closes a
    # circle a -> b -> r -> a, and a -> b -> a inside the core: each rule reports it.
    root = tmp_path / "harness"
    for pkg in ("core", "run", "cli"):
        (root / pkg).mkdir(parents=True)
        (root / pkg / "__init__.py").write_text("", encoding="utf-8")
    (root / "__init__.py").write_text("", encoding="utf-8")
    (root / "core" / "a.py").write_text("from harness.core import b\n", encoding="utf-8")
    (root / "core" / "b.py").write_text(
        "def f():\n    from harness.core import a\n    from harness.run import r\n",
        encoding="utf-8",
    )
    (root / "run" / "r.py").write_text("from harness.core import a\n", encoding="utf-8")
    (root / "cli" / "c.py").write_text(
        "def main():\n    from harness.run import r\n", encoding="utf-8"
    )
    demo = graph(root)
    layers = [["harness.core"], ["harness.run"], ["harness.cli"]]
    assert _pairs(upward(demo, layers)) == {("harness.core.b", "harness.run.r")}
    assert circles(demo) == [["harness.core.a", "harness.core.b", "harness.run.r"]]
    assert circles(demo, 2) == [["harness.core", "harness.run"]]
    assert {(e.importer, e.imported) for e in nested_outside(demo)} == {
        ("harness.core.b", "harness.core.a"),
        ("harness.core.b", "harness.run.r"),
    }  # harness.cli.c may import inside its function


def test_the_contract_names_every_top_level_unit() -> None:
    # A new package under harness/ must be given a floor, or it escapes the contract.
    floors = {p for floor in contract_layers() for p in floor}
    units = {
        f"harness.{p.stem if p.suffix else p.name}"
        for p in (REPO / "harness").iterdir()
        if (p.is_dir() and (p / "__init__.py").exists()) or p.suffix == ".py"
    }
    outside = units - floors - {"harness.__init__", "harness.extend"}
    assert not outside, f"give these a floor in pyproject.toml: {sorted(outside)}"
