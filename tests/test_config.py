"""The suite file: validation errors name the file and the key and list known names."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.core.records import REAL
from harness.run.suite import ConfigError, load_suite, parse_suite

BASE = {
    "generators": {"gen-a": {"model_id": "x/a"}},
    "datasets": {"d": {"task": "intent", "test": "real/d/test.jsonl"}},
    "models": {"m": {"factory": "oracle", "same_as": "gen-a"}},
}


def _with(**over: object) -> dict:
    raw = {k: dict(v) for k, v in BASE.items()}
    raw.update(over)
    return raw


def test_valid_suite_parses_with_real_first() -> None:
    suite = parse_suite(BASE)
    assert suite.generator_names() == (REAL, "gen-a")
    assert suite.model("m").tasks == ("intent", "similarity", "ner")
    assert suite.same_as() == {"m": "gen-a"}
    assert suite.dataset("d").source_path("gen-a") == "synthetic/d/gen-a.jsonl"
    assert suite.dataset("d").source_path(REAL) == "real/d/test.jsonl"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            _with(extra={}),
            "suite.toml.extra: unknown key; known: "
            "datasets, families, gates, generators, models, run",
        ),
        (
            _with(models={"m": {"factory": "nope"}}),
            "models.m.factory: unknown model factory 'nope'; known: ",
        ),
        (
            _with(datasets={"d": {"task": "summarize", "test": "x"}}),
            "datasets.d.task: unknown task 'summarize'; known: intent, ner, similarity",
        ),
        (_with(datasets={"d": {"task": "intent"}}), "datasets.d.test: missing"),
        (
            _with(models={"m": {"factory": "oracle", "same_as": "gpt-9"}}),
            "models.m.same_as: 'gpt-9' is not a synthetic generator; known: gen-a",
        ),
        (
            _with(models={"m": {"factory": "oracle", "same_as": "real"}}),
            "is not a synthetic generator",
        ),
        (
            _with(models={"m": {"factory": "oracle", "tasks": ["translate"]}}),
            "does not support task 'translate'",
        ),
        (_with(models={"m": {"factory": "oracle", "colour": 1}}), "models.m.colour: unknown key"),
        (_with(run={"seed": -1}), "run.seed: expected a whole number >= 0"),
        (_with(generators={"mean": {}}), "reserved for the generator ensemble"),
        (_with(generators={"mean-loo": {}}), "reserved for the generator ensemble"),
        (
            _with(datasets={"d": {"task": "intent", "test": "x", "generators": ["gen-z"]}}),
            "datasets.d.generators: unknown generator 'gen-z'",
        ),
        (
            _with(datasets={"d": {"task": "similarity", "test": "x", "score_range": [5, 0]}}),
            "datasets.d.score_range: expected [low, high]",
        ),
    ],
)
def test_errors_name_file_key_and_known_names(raw: dict, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_suite(raw, "suite.toml")
    assert str(info.value).startswith("suite.toml")
    assert message in str(info.value)


def test_missing_and_broken_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="suite file not found"):
        load_suite(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[models\n")
    with pytest.raises(ConfigError, match="bad.toml: not valid TOML"):
        load_suite(bad)


def test_default_suite_is_valid() -> None:
    suite = load_suite(Path(__file__).parents[1] / "benchmarks" / "suite.toml")
    assert len(suite.datasets) == 6
    assert len(suite.generators) == 7
    assert {d.task for d in suite.datasets} == {"intent", "similarity", "ner"}


FAMILY_BASE = {
    "generators": {"g-70b": {}, "g-8b": {}, "h-1": {}, "h-2": {}},
    "datasets": {"d": {"task": "intent", "test": "real/d/test.jsonl"}},
    "families": {"g": ["g-70b", "g-8b"], "h": ["h-1"]},
    "models": {
        "m-8b": {"factory": "oracle", "same_as": "g-8b"},
        "m-h": {"factory": "oracle", "family": "h"},
        "m-2": {"factory": "oracle", "same_as": "h-2"},
        "m-x": {"factory": "oracle"},
    },
}


def _families(families: object = None, **models: object) -> dict:
    raw = {k: dict(v) for k, v in FAMILY_BASE.items()}
    if families is not None:
        raw["families"] = families
    raw["models"].update(models)
    return raw


def test_families_come_from_same_as_or_the_family_key() -> None:
    suite = parse_suite(FAMILY_BASE)
    assert dict(suite.families.generators) == {"g": ("g-70b", "g-8b"), "h": ("h-1",)}
    # m-2's generator h-2 is in no family: it has none; m-x is no LLM of the suite.
    assert dict(suite.families.models) == {"m-8b": "g", "m-h": "h"}
    assert suite.model("m-8b").family == "g" and suite.model("m-x").family == ""
    assert not parse_suite(BASE).families  # no [families]: nothing declared


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            _families({"g": ["g-70b", "gpt-9"]}),
            "suite.toml: families.g: 'gpt-9' is not a synthetic generator; "
            "known: g-70b, g-8b, h-1, h-2",
        ),
        (_families({"g": ["real"]}), "families.g: 'real' is not a synthetic generator"),
        (
            _families({"g": ["g-70b", "g-8b"], "h": ["g-8b"]}),
            "families.h: generator 'g-8b' is also in family 'g'; a generator has one family",
        ),
        (_families({"g": ["g-8b", "g-8b"]}), "families.g: generator 'g-8b' is twice in this"),
        (_families({"mean-lfo": ["g-8b"]}), "families.mean-lfo: family name 'mean-lfo' is reser"),
        (_families({"real": ["g-8b"]}), "families.real: family name 'real' is reserved"),
        (_families({"g": []}), "families.g: a family needs at least one generator"),
        (_families({"g": "g-8b"}), "families.g: expected a list of strings"),
        (_families([1]), "families: expected a table"),
        (
            _families(None, bad={"factory": "oracle", "family": "llama"}),
            "models.bad.family: unknown family 'llama'; known: g, h",
        ),
        (
            _families(None, bad={"factory": "oracle", "same_as": "g-70b", "family": "h"}),
            "models.bad.family: 'h', but its same_as generator 'g-70b' is in family 'g'",
        ),
        (
            {**BASE, "models": {"m": {"factory": "oracle", "family": "g"}}},
            "models.m.family: unknown family 'g'; known: none (declare them in a [families] table)",
        ),
        (_with(generators={"mean-lfo": {}}), "reserved for the generator ensemble"),
    ],
)
def test_family_errors_name_file_key_and_bad_name(raw: dict, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_suite(raw, "suite.toml")
    assert str(info.value).startswith("suite.toml")
    assert message in str(info.value)
