"""Every name and value of the suite is validated when it is read (issue 24, part 6).

A name that would vanish (``real``), collide (two names, one pytest marker), hide
(controls, bidi) or fail a file write later (too long, a path separator) is refused
at load with the file, the key and what to do; so is a value of the wrong type or an
empty path. Hypothesis feeds the name tables and the ``[[gates]]`` tables anything
TOML can hold: the answer is a suite or the project's ``ConfigError``/``GateError``.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.core.values import MAX_NAME_BYTES, NAME_MAX, marker
from harness.gates.model import GateError
from harness.gates.parse import parse_gates
from harness.run.suite import ConfigError, load_suite, parse_suite

BASE: dict[str, Any] = {
    "generators": {"gen-a": {"model_id": "x/a"}, "gen-b": {}},
    "datasets": {"d": {"task": "intent", "test": "real/d/test.jsonl"}},
    "models": {"m": {"factory": "oracle"}, "n": {"factory": "oracle"}},
}


def _with(section: str, table: dict[str, Any]) -> dict[str, Any]:
    raw = {k: dict(v) for k, v in BASE.items()}
    raw[section] = table
    return raw


def _error(raw: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as info:
        parse_suite(raw, "bench/suite.toml", resolve_models=False)
    return str(info.value)


def test_a_generator_named_real_is_refused_not_dropped() -> None:
    msg = _error(_with("generators", {"real": {"model_id": "x"}, "gen-a": {}}))
    assert msg.startswith("suite.toml: generators.real: 'real' is reserved for the real test set")
    assert "rename this generator" in msg


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("", "empty generator name; give the generator a name"),
        ("gen\na", "holds the invisible character U+000A"),
        ("gen\u202ea", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
        ("gen\x00", "U+0000"),
        ("\u2066x", "U+2066"),
        (" gen", "starts or ends with whitespace"),
        ("org/gen", "may not be . or .. or hold / or \\"),
        ("..", "may not be . or .. or hold /"),
        ("g" * 300, f"is 300 bytes long ('{'g' * 40}'...); the limit is {MAX_NAME_BYTES} bytes"),
        ("\u00e9" * 51, "is 102 bytes long"),
    ],
)
@pytest.mark.parametrize("section", ["generators", "datasets", "models"])
def test_bad_names_are_refused_with_file_key_and_remedy(section: str, name: str, says: str) -> None:
    table = dict(BASE[section])
    spec = next(iter(table.values()))
    table[name] = dict(spec)
    what = section[:-1]
    msg = _error(_with(section, table))
    assert msg.startswith(f"suite.toml: {section}."), msg
    assert says.replace("generator", what) in msg, msg
    assert "\n" not in msg and "\u202e" not in msg and "\x00" not in msg  # the key shown visibly


def test_the_300_character_generator_is_refused_naming_key_and_limit() -> None:
    name = "g" * 300
    msg = _error(_with("generators", {name: {}}))
    assert msg.startswith(f"suite.toml: generators.{'g' * 57}...: the generator name is 300 bytes")
    assert f"the limit is {MAX_NAME_BYTES} bytes" in msg and f"{NAME_MAX} bytes" in msg


def test_long_names_alike_in_their_first_60_characters_are_still_compared() -> None:
    a, b = "x" * 70 + "-1", "x" * 70 + "_1"
    msg = _error(_with("models", {a: {"factory": "oracle"}, b: {"factory": "oracle"}}))
    assert f"share the pytest marker 'model_{'x' * 70}_1'" in msg


def test_a_family_name_is_checked_like_the_others() -> None:
    raw = _with("families", {"fam\u202e": ["gen-a"]})
    assert "families.fam\\u202e: the family name" in _error(raw)


@pytest.mark.parametrize(
    ("section", "a", "b"),
    [("models", "a-b", "a_b"), ("generators", "Gen", "gen"), ("datasets", "x.y", "x y")],
)
def test_names_sharing_a_marker_are_refused_naming_both(section: str, a: str, b: str) -> None:
    spec = next(iter(BASE[section].values()))
    msg = _error(_with(section, {a: dict(spec), b: dict(spec)}))
    mark = marker(section[:-1], a)
    assert f"{section}.{b}: {b!r} and {a!r} (suite.toml: {section}.{a}) share the pytest " \
        f"marker {mark!r}" in msg
    assert "rename one" in msg


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ({"test": ""}, "datasets.d.test: empty; the path of the real test split"),
        ({"synthetic": ""}, "datasets.d.synthetic: empty; the template of the synthetic files"),
        ({"split": ""}, "datasets.d.split: empty; the split name of the test data"),
        ({"train_split": ""}, "datasets.d.train_split: empty"),
        ({"columns": {"text": ""}}, "datasets.d.columns.text: empty; the dataset column"),
        ({"test": "real/" + "t" * 256 + ".jsonl"}, f"at most {NAME_MAX} bytes per file"),
        ({"score_range": [False, True]}, "datasets.d.score_range: expected [low, high]"),
        ({"score_range": [0, math.inf]}, "datasets.d.score_range: expected [low, high]"),
        ({"test": ["a"]}, "datasets.d.test: expected a string"),
        ({"generators": "gen-a"}, "datasets.d.generators: expected a list of strings"),
        ({"columns": ["text"]}, "datasets.d.columns: expected a table"),
        ({"generators": ["gen-a", "gen-a"]}, "datasets.d.generators: 'gen-a' is listed twice"),
    ],
)
def test_wrong_and_empty_dataset_values_name_their_key(spec: dict[str, Any], says: str) -> None:
    table = {"d": {"task": "intent", "test": "real/d/test.jsonl", **spec}}
    assert says in _error(_with("datasets", table))


def test_a_task_listed_twice_is_refused() -> None:
    table = {"m": {"factory": "oracle", "tasks": ["intent", "intent"]}}
    assert "models.m.tasks: 'intent' is listed twice; list it once" in _error(
        _with("models", table)
    )


def test_empty_test_path_in_a_file_names_the_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "suite.toml"
    path.write_text('[datasets.d]\ntask = "intent"\ntest = ""\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^suite\.toml: datasets\.d\.test: empty; the path"):
        load_suite(path, resolve_models=False)


@pytest.mark.parametrize("kind", [["min_score"], {"a": 1}, 3, True, None])
def test_a_gate_kind_of_the_wrong_type_is_a_gate_error(kind: Any) -> None:
    with pytest.raises(GateError, match=r"^suite\.toml: gates\[0\]\.kind: expected one of min_sc"):
        parse_gates([{"kind": kind, "threshold": 0.5}], "suite.toml")


# --------------------------------------------------------------------------- fuzzing

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KEYS = st.one_of(
    st.sampled_from(["real", "mean", "mean-loo", "", "a-b", "a_b", "A-B", "gen\na", "x" * 300,
                     "g/h", "..", " s", "\u202eg", "\u05d0", "gen-a", "d", "m"]),
    st.text(max_size=12),
)
LEAF = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12),
    st.sampled_from(["min_score", "max_drop", "min_agreement", "max_bias", "max_invalid_rate",
                     "interval", "point", "intent", "ner", "real", "mean", "oracle", "gen-a",
                     "spearman", "saved", "real/d/test.jsonl", ""]),
)
VALUE = st.recursive(
    LEAF,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(KEYS, inner, max_size=3)),
    max_leaves=8,
)
GATE_KEYS = st.sampled_from(
    ["kind", "threshold", "name", "task", "dataset", "generator", "model", "metric", "on",
     "optional", "coefficient", "baseline_model", "baseline", "other"]
)


def _toml_only(value: Any) -> Any:
    """What a TOML decoder can hand over: no None (TOML has no null)."""
    if isinstance(value, dict):
        return {k: _toml_only(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_toml_only(v) for v in value if v is not None]
    return value


@FUZZ
@given(gates=st.one_of(VALUE, st.lists(st.dictionaries(GATE_KEYS, VALUE, max_size=6),
                                        max_size=3)))
def test_any_gates_table_is_gates_or_a_gate_error(gates: Any) -> None:
    try:
        parsed = parse_gates(_toml_only(gates), "suite.toml")
    except GateError as exc:
        assert str(exc).startswith("suite.toml: gates"), exc
        return
    assert all(isinstance(g.name, str) and g.name for g in parsed)


@FUZZ
@given(
    section=st.sampled_from(["generators", "datasets", "models", "families"]),
    table=st.dictionaries(KEYS, VALUE, max_size=4),
)
def test_any_name_table_is_a_suite_or_a_config_error(section: str, table: dict[str, Any]) -> None:
    raw = _with(section, _toml_only(table))
    try:
        suite = parse_suite(raw, "suite.toml", resolve_models=False)
    except ConfigError as exc:
        assert str(exc).startswith("suite.toml"), exc
        return
    every = [*suite.generator_names(), *(d.name for d in suite.datasets),
             *(m.name for m in suite.models)]
    for name in every:  # what was accepted is safe to use everywhere
        assert name and name == name.strip() and "/" not in name
        assert len(name.encode("utf-8")) <= MAX_NAME_BYTES
    assert suite.generator_names().count("real") == 1
    for group in (suite.generator_names(), [m.name for m in suite.models]):
        assert len({marker("x", n) for n in group}) == len(group)


@FUZZ
@given(text=st.text(max_size=30))
def test_any_suite_text_with_names_is_a_suite_or_a_config_error(text: str) -> None:
    """Whole files: a TOML document with a hostile key where a name goes."""
    key = text.replace("\\", "\\\\").replace('"', '\\"')
    key = "".join(c if c.isprintable() or c in " " else f"\\u{ord(c):04x}" for c in key
                  if not 0xD800 <= ord(c) <= 0xDFFF)
    doc = f'[generators."{key}"]\n[datasets.d]\ntask = "intent"\ntest = "real/d/t.jsonl"\n'
    try:
        raw = tomllib.loads(doc)
    except tomllib.TOMLDecodeError:
        return
    try:
        parse_suite(raw, "suite.toml", resolve_models=False)
    except ConfigError as exc:
        assert "\n" not in str(exc) and "\u202e" not in str(exc)


# --------------------------------------------------------------------------- end to end

E2E_CASES = [
    ("real", "[generators.real]\nmodel_id = \"mine\"\n",
     "*suite.toml: generators.real: 'real' is reserved for the real test set*"),
    ("kind-list", '[[gates]]\nkind = ["min_score"]\nthreshold = 0.5\n',
     "*suite.toml: gates[[]0[]].kind: expected one of min_score*got [[]'min_score'[]]*"),
    ("kind-table", '[[gates]]\nkind = { a = 1 }\nthreshold = 0.5\n',
     "*suite.toml: gates[[]0[]].kind: expected one of*"),
    ("long", "[generators." + "g" * 300 + "]\n",
     f"*suite.toml: generators.ggg*: the generator name is 300 bytes long*limit is "
     f"{MAX_NAME_BYTES} bytes*"),
    ("markers", '[models.Best]\nfactory = "oracle"\n',
     "*suite.toml: models.Best: 'Best' and 'best' (suite.toml: models.best) share the pytest*"),
]


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["serial", "xdist"])
@pytest.mark.parametrize(("case", "extra", "line"), E2E_CASES, ids=[c[0] for c in E2E_CASES])
def test_a_bad_name_or_gate_stops_the_run_before_any_case(
    synth_project: pytest.Pytester, workers: tuple[str, ...], case: str, extra: str, line: str
) -> None:
    from tests.synth_fixtures import suite_text

    p = synth_project
    p.makefile(".toml", suite=suite_text(extra))
    r = p.runpytest_subprocess(*workers)
    out = r.stdout.str() + r.stderr.str()
    # Stopped at collection (a usage error, or a collection error on each xdist worker);
    # never an INTERNALERROR, and the message names the file, the key and the remedy.
    assert r.ret in (
        pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.INTERRUPTED, pytest.ExitCode.TESTS_FAILED
    ), out[-2000:]
    assert "INTERNALERROR" not in out and "passed" not in r.stdout.str(), out[-2000:]
    pytest.LineMatcher(out.splitlines()).fnmatch_lines([line])
    assert not (p.path / "out" / "cases").exists() or not any((p.path / "out" / "cases").iterdir())
