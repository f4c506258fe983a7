"""Fingerprints: each input changes exactly the cells that read it; unambiguous case ids."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from harness.core.records import CaseKey, id_clashes
from harness.run.fingerprint import case_fingerprint, deterministic, factory_version
from harness.run.runner import check_case_ids, iter_cases
from harness.run.suite import ConfigError, ModelSpec, parse_suite
from tests.synth_fixtures import suite_text, write_data_dir


def _digests(root: Path, text: str, max_examples: int = 0, seed: int = 3) -> dict[CaseKey, str]:
    suite = parse_suite(tomllib.loads(text), str(root / "suite.toml"))
    return {
        k: case_fingerprint(suite, k, root / "data", max_examples, seed, "run-1").digest
        for k in iter_cases(suite)
    }


def _changed(a: dict[CaseKey, str], b: dict[CaseKey, str]) -> set[CaseKey]:
    return {k for k in a if a[k] != b[k]}


def test_each_input_changes_exactly_its_cells(tmp_path: Path) -> None:
    write_data_dir(tmp_path / "data", n=10)
    base = _digests(tmp_path, suite_text())
    assert len(set(base.values())) == len(base), "two cells share a fingerprint"
    assert base == _digests(tmp_path, suite_text()), "not deterministic"
    # A synthetic file: that source's cells only.
    (tmp_path / "data/synthetic/toy-sim/gen-b.jsonl").write_text(
        (tmp_path / "data/synthetic/toy-sim/gen-a.jsonl").read_text()
    )
    after = _digests(tmp_path, suite_text())
    gen_b = {k for k in base if (k.dataset, k.generator) == ("toy-sim", "gen-b")}
    assert _changed(base, after) == gen_b
    # A train split: every cell of that dataset (every model may train on it).
    train = tmp_path / "data/real/toy-ner/train.jsonl"
    train.write_text(train.read_text().splitlines()[0] + "\n")
    again = _digests(tmp_path, suite_text())
    assert _changed(after, again) == {k for k in base if k.dataset == "toy-ner"}
    # A model parameter: that model's cells only.
    text = suite_text().replace('accuracy = 0.4, salt = "4"', 'accuracy = 0.5, salt = "4"')
    assert _changed(again, _digests(tmp_path, text)) == {k for k in base if k.model == "poor"}
    # Run-wide settings: everything.
    assert _changed(again, _digests(tmp_path, suite_text(), max_examples=5)) == set(base)
    assert _changed(again, _digests(tmp_path, suite_text(), seed=4)) == set(base)


def test_factory_version_declared_or_source_hash() -> None:
    def f() -> None: ...

    plain = factory_version(f)
    assert plain.startswith("source:")
    f.version = "2"  # type: ignore[attr-defined]
    assert factory_version(f) == "declared:2"


def test_hot_model_without_seed_is_not_reused_unless_the_suite_says() -> None:
    hot = ModelSpec("llm", "llm", ("intent",), {"temperature": 0.7})
    assert not deterministic(hot)
    assert deterministic(ModelSpec("llm", "llm", ("intent",), {"temperature": 0.7, "seed": 1}))
    assert deterministic(ModelSpec("llm", "llm", ("intent",), {"temperature": 0}))
    assert deterministic(ModelSpec("llm", "llm", ("intent",), {"temperature": 0.7}, reuse=True))


COLLIDING = """
[generators]
"a" = {}
"a-b" = {}

[datasets.toy]
task = "intent"
test = "real/toy/test.jsonl"

[models.c]
factory = "oracle"

[models.b-c]
factory = "oracle"
"""


def test_colliding_ids_are_refused_naming_file_and_names() -> None:
    suite = parse_suite(tomllib.loads(COLLIDING), "bench/suite.toml")
    clashes = id_clashes(iter_cases(suite))
    assert list(clashes) == ["intent-toy-a-b-c"]
    with pytest.raises(ConfigError) as err:
        check_case_ids(suite)
    msg = str(err.value)
    assert "bench/suite.toml" in msg and "'intent-toy-a-b-c'" in msg
    assert "generator 'a', model 'b-c'" in msg and "generator 'a-b', model 'c'" in msg


def test_names_with_dashes_that_do_not_collide_pass() -> None:
    suite = parse_suite(tomllib.loads(COLLIDING.replace('"a-b" = {}', '"x-y" = {}')), "s.toml")
    check_case_ids(suite)


def test_score_range_is_an_input_of_the_tasks_that_declare_it(tmp_path: Path) -> None:
    """The gold scale shapes a similarity case (the prompt's scale, the checks): it is in
    that task's fingerprints, and in no other task's (``Task.uses_score_range``)."""
    write_data_dir(tmp_path / "data", n=10)
    base = _digests(tmp_path, suite_text())
    for dataset, task in (("toy-sim", "similarity"), ("toy-intent", "intent")):
        header = f'[datasets.{dataset}]\ntask = "{task}"\n'
        text = suite_text().replace(header, header + "score_range = [0, 4]\n")
        assert text != suite_text()
        changed = _changed(base, _digests(tmp_path, text))
        expected = {k for k in base if k.dataset == dataset} if task == "similarity" else set()
        assert changed == expected, dataset
