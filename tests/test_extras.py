"""Optional dependencies: the extras table, the install lines, and the collection check."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from harness.backends import BACKENDS
from harness.core import extras
from harness.models import MODELS
from harness.models.factories import requirements
from tests.synth_fixtures import suite_text

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
#: The packages the core install must not pull (issue: a light install).
HEAVY = ("torch", "sentence-transformers", "spacy", "onnxruntime", "openai", "anthropic")
#: Import names an extra brings through another of its packages, not by name.
TRANSITIVE = {"torch": "sentence-transformers"}


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _project() -> dict:
    return tomllib.loads(PYPROJECT.read_text())["project"]


def test_the_core_install_pulls_no_heavy_package() -> None:
    core = {_name(r) for r in _project()["dependencies"]}
    assert not core & set(HEAVY), f"heavy packages in the core dependencies: {core & set(HEAVY)}"


def test_every_extra_of_the_table_is_declared_with_its_packages() -> None:
    declared = {
        extra: {_name(r) for r in reqs}
        for extra, reqs in _project()["optional-dependencies"].items()
    }
    for extra, modules in extras.EXTRAS.items():
        assert extra in declared, f"extra {extra!r} is not in pyproject.toml"
        for module in modules:
            dist = _name(extras.DISTRIBUTIONS.get(module, module))
            assert dist in declared[extra] or TRANSITIVE.get(module) in declared[extra], (
                f"{module} ({dist}) is not brought by [{extra}]"
            )
    # `all` installs every extra the default suite and the hosted LLMs need.
    (self_ref,) = _project()["optional-dependencies"]["all"]
    inside = set(re.search(r"\[(.*)\]", self_ref).group(1).split(","))
    assert {"embeddings", "spacy", "llm"} <= inside


def test_install_lines_name_the_extra_or_the_package() -> None:
    assert extras.install_line("spacy") == "pip install 'pytest-synthbench[spacy]'"
    assert extras.install_line("sentence_transformers.models") == (
        "pip install 'pytest-synthbench[embeddings]'"
    )
    assert extras.install_line("sklearn") == "pip install scikit-learn"
    assert extras.install_line("my_sdk") == "pip install my-sdk"


def test_missing_finds_what_cannot_be_imported_without_importing_it() -> None:
    assert extras.missing(["json", "no_such_module_x1", "json", "no_such_module_x1"]) == [
        "no_such_module_x1"
    ]
    assert extras.missing_message("model 'm'", ["json"]) == ""
    msg = extras.missing_message("model 'm'", ["no_such_module_x1", "anthropic.types"])
    assert msg.startswith("model 'm' needs no_such_module_x1")
    assert "pip install no-such-module-x1" in msg


def test_every_builtin_model_and_backend_declares_what_it_imports() -> None:
    # The heavy SDKs are imported lazily; a registration that forgets to declare one
    # would fail deep inside a worker on a core install instead of at collection.
    for entry in MODELS:
        assert isinstance(entry.meta.get("requires", ()), tuple), entry.name
    for name in ("openai", "anthropic", "transformers", "llama-cpp"):
        assert BACKENDS.entry(name).meta.get("requires"), name
    assert "sentence_transformers" in requirements("minilm-zeroshot", {})
    assert "spacy" in requirements("spacy", {})
    assert requirements("llm", {"model": "x"}) == ("openai",)
    assert requirements("llm", {"model": "x", "backend": "anthropic"}) == ("anthropic",)
    assert requirements("majority", {}) == ()


CONFTEST = """
from harness import Prediction, model
class Gold:
    def predict(self, examples):
        return [Prediction(ex.label) for ex in examples]


@model("needy", tasks=("intent",), requires=("no_such_sdk_for_synthbench",))
def needy(ctx):
    raise AssertionError("built although its package is missing")
"""


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["n0", "n2"])
def test_a_model_whose_package_is_missing_fails_at_collection_with_the_install_line(
    synth_project: pytest.Pytester, workers: list[str]
) -> None:
    synth_project.makefile(
        ".toml", suite=suite_text('[models.needy]\nfactory = "needy"\n')
    )
    synth_project.makeconftest(CONFTEST)
    r = synth_project.runpytest_subprocess("-k", "toy-intent", *workers)
    r.stdout.fnmatch_lines(
        ["*synthbench: model 'needy' needs no_such_sdk_for_synthbench, not installed: "
         "pip install no-such-sdk-for-synthbench (4 case(s) fail)*"]
    )
    outcomes = r.parseoutcomes()
    assert outcomes["failed"] == 4  # one per source of toy-intent: real + 3 generators
    assert outcomes["passed"] > 0  # the other models ran
    # Each case's own failure says it too (not only the collection line).
    assert r.stdout.str().count("pip install no-such-sdk-for-synthbench") >= 5
    assert "AssertionError" not in r.stdout.str()  # never built
    report = json.loads((synth_project.path / "out" / "report.json").read_text())
    text = json.dumps(report)
    assert "no_such_sdk_for_synthbench" in text
