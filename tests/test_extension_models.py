"""Models from anywhere: import-path factories, entry points, the public decorator."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import harness
from harness.core.registry import Registry
from harness.models import MODELS
from harness.models.factories import FactoryError, check_params, resolve, resolve_factory
from harness.run.suite import ConfigError, parse_suite
from harness.tasks import TASKS

USER_MODULE = """
from harness import Prediction, model
class Constant:
    def __init__(self, label):
        self.label = label

    def predict(self, examples):
        return [Prediction(self.label) for _ in examples]


def build_classifier(ctx, checkpoint: str, label: str = "play_music"):
    return Constant(label)


@model("user-decorated-{tag}", tasks=("intent",))
def decorated(ctx, threshold: float = 0.5):
    return Constant("x")


NOT_CALLABLE = 42


class Factories:
    @staticmethod
    def build(ctx):
        return Constant("y")
"""


def _suite(factory: str, params: str = "", tasks: str = "") -> dict:
    model = {"factory": factory}
    if params:
        model["params"] = eval(params)  # noqa: S307 - test-local literal dicts
    if tasks:
        model["tasks"] = [tasks]
    return {
        "datasets": {"d": {"task": "intent", "test": "real/d/test.jsonl"}},
        "models": {"m": model},
    }


@pytest.fixture
def user_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest):
    """A user package on sys.path; its name is unique per test (modules are cached)."""
    tag = request.node.name.replace("[", "_").replace("]", "").replace("-", "_")
    pkg = tmp_path / f"team_{tag}"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "models.py").write_text(USER_MODULE.replace("{tag}", tag))
    monkeypatch.syspath_prepend(str(tmp_path))
    return pkg.name, tag


def test_import_path_factory_resolves_and_runs_on_every_task(user_module) -> None:
    mod, _ = user_module
    suite = parse_suite(_suite(f"{mod}.models:build_classifier", "{'checkpoint': 'c'}"))
    spec = suite.model("m")
    # Undeclared tasks: every task, narrowed by the suite's `tasks`.
    assert spec.tasks == tuple(TASKS.names())
    pred = resolve_factory(spec.factory)(None, **spec.params)
    assert [p.value for p in pred.predict([object(), object()])] == ["play_music"] * 2


def test_decorated_factory_by_path_and_by_name_declares_its_tasks(user_module) -> None:
    mod, tag = user_module
    by_path = resolve(f"{mod}.models:decorated")
    assert by_path.tasks == ("intent",)
    assert resolve(f"user-decorated-{tag}").factory is by_path.factory
    suite = parse_suite(_suite(f"user-decorated-{tag}"))
    assert suite.model("m").tasks == ("intent",)
    with pytest.raises(ConfigError, match=r"models\.m\.tasks: .* does not support task 'ner'"):
        parse_suite(_suite(f"user-decorated-{tag}", tasks="ner"))


def test_dotted_attribute_path(user_module) -> None:
    mod, _ = user_module
    assert callable(resolve_factory(f"{mod}.models:Factories.build"))


@pytest.mark.parametrize(
    ("factory", "params", "message"),
    [
        ("no_such_team.models:build", "", "module 'no_such_team.models' not found"),
        ("{mod}.models:missing", "", "has no attribute 'missing'"),
        ("{mod}.models:NOT_CALLABLE", "", "is a int, not callable"),
        ("{mod}.models:build_classifier", "", "missing a required argument: 'checkpoint'"),
        ("{mod}.models:build_classifier", "{'checkpoint': 'c', 'lr': 1}", "params.lr: unknown"),
        ("{mod}.models:", "", "expected an import path"),
    ],
)
def test_errors_name_suite_file_key_and_what_failed(
    user_module, factory: str, params: str, message: str
) -> None:
    mod, _ = user_module
    with pytest.raises(ConfigError) as info:
        parse_suite(_suite(factory.format(mod=mod), params), "benchmarks/suite.toml")
    text = str(info.value)
    assert text.startswith("suite.toml: models.m."), text
    assert message in text, text


def test_an_import_error_inside_the_user_module_is_shown_as_such(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "team_broken_dep.py").write_text("import not_installed_dep_xyz\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(FactoryError, match="importing 'team_broken_dep' failed.*not_installed"):
        resolve("team_broken_dep:build")


def test_check_params_accepts_var_keywords() -> None:
    check_params("f", lambda ctx, **kw: None, {"anything": 1})
    with pytest.raises(FactoryError, match="cannot be called"):
        check_params("f", lambda ctx: None, {"anything": 1})


def _dist(site: Path, name: str, entry_points: str, module: str, code: str) -> None:
    """A minimal installed distribution: a module plus a dist-info with entry points."""
    (site / f"{module}.py").write_text(textwrap.dedent(code))
    info = site / f"{name}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(textwrap.dedent(entry_points))


def test_entry_points_load_lazily_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _dist(
        tmp_path,
        "ep_user_pkg",
        """
        [synthbench.test-widgets]
        plain = ep_user_mod:plain
        module = ep_user_mod_self
        """,
        "ep_user_mod",
        """
        LOADED = True
        def plain(ctx):
            return "plain"
        plain.__synthbench__ = {"tasks": ("intent",)}
        """,
    )
    (tmp_path / "ep_user_mod_self.py").write_text(
        "from tests.test_extension_models import WIDGETS\nWIDGETS.add('self-registered', 7)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import sys

    assert "ep_user_mod" not in sys.modules
    assert "plain" in WIDGETS
    assert WIDGETS.entry("plain").meta == {"tasks": ("intent",)}
    assert "ep_user_mod_self" not in sys.modules  # only the looked-up entry point loaded
    assert WIDGETS.get("self-registered") == 7  # a module entry point registers itself
    assert WIDGETS.names() == ["plain", "self-registered"]


WIDGETS: Registry[object] = Registry("widget", group="synthbench.test-widgets")


def test_a_broken_entry_point_names_its_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _dist(
        tmp_path,
        "ep_broken_pkg",
        "[synthbench.test-broken]\nbad = ep_broken_mod:nothing\n",
        "ep_broken_mod",
        "raise RuntimeError('broken at import')\n",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    reg: Registry[object] = Registry("widget", group="synthbench.test-broken")
    with pytest.raises(ImportError, match=r"'bad'.*ep_broken_pkg.*broken at import"):
        reg.get("bad")


def test_model_decorator_is_public_and_validates_tasks() -> None:
    assert {"model", "task", "backend"} <= set(harness.__all__)
    with pytest.raises(TypeError, match="task names"):
        harness.model("bad-tasks", tasks="intent")

    @harness.model("test-public-decorator", tasks=("intent", "ner"))
    def build(ctx):  # pragma: no cover - only registered
        raise AssertionError

    meta = MODELS.entry("test-public-decorator").meta
    assert meta == {"tasks": ("intent", "ner"), "requires": ()}
    assert resolve("test-public-decorator").tasks == ("intent", "ner")


def test_re_registering_a_reimported_definition_is_not_a_clash() -> None:
    reg: Registry[object] = Registry("widget")
    code = "def f(ctx):\n    return 1\n"
    first: dict = {"__name__": "conf_x"}
    second: dict = {"__name__": "conf_x"}
    exec(compile(code, "conftest.py", "exec"), first)  # noqa: S102
    exec(compile(code, "conftest.py", "exec"), second)  # noqa: S102
    reg.add("f", first["f"])
    reg.add("f", second["f"])  # the same conftest imported again
    assert reg.get("f") is second["f"]
    with pytest.raises(ValueError, match="registered twice"):
        reg.add("f", lambda ctx: 2)
