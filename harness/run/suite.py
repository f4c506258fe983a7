"""The suite file (``benchmarks/suite.toml``) as frozen, validated config objects.

Every error names the file and the key (``suite.toml: models.minilm.factory: ...``)
and, for unknown names, lists the known ones, so a typo is fixed in one go. Every
name is checked when the suite is read (``harness.core.values.check_name``: not empty,
no control or bidi character, no path separator, at most ``MAX_NAME_BYTES``; no two
sharing a pytest marker), so a name cannot vanish, collide or fail a file write later.
"""

from __future__ import annotations

import inspect
import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.backends.build import check_chat_params
from harness.core import values
from harness.core.families import Families
from harness.core.names import ENSEMBLES, RESERVED
from harness.core.records import REAL

# The spec types live in the core (every layer reads them); this module parses them.
from harness.core.spec import (
    SOURCE_KINDS,
    ConfigError,
    DatasetSpec,
    GeneratorSpec,
    ModelSpec,
    Suite,
)
from harness.core.textsafe import visible
from harness.models.factories import FactoryError, check_params, resolve
from harness.tasks import TASKS
from harness.tasks.kit.generation.base import GenSettings

__all__ = [
    "SOURCE_KINDS",
    "ConfigError",
    "DatasetSpec",
    "GeneratorSpec",
    "ModelSpec",
    "Suite",
    "load_suite",
    "parse_suite",
]


_TOP_KEYS = {"run", "generators", "datasets", "models", "gates", "families"}
_RUN_KEYS = {"seed", "max_examples", "data_paths"}
_GEN_KEYS = {"model_id", "kind", "uri", "params", "generate"}
_DATASET_KEYS = {
    "task", "test", "train", "labels", "synthetic", "score_range", "generators",
    "split", "train_split", "columns",
}
_MODEL_KEYS = {"factory", "tasks", "params", "same_as", "reuse", "family"}


def _check_keys(where: str, table: Mapping[str, Any], allowed: set[str]) -> None:
    for key in table:
        if key not in allowed:
            raise ConfigError(
                f"{where}.{_key(str(key))}: unknown key; known: {', '.join(sorted(allowed))}"
            )


def _table(where: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: expected a table, got {type(value).__name__}")
    return value


def _str(where: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{where}: expected a string, got {value!r}")
    return value


def _str_list(where: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: expected a list of strings, got {value!r}")
    return tuple(value)


def _once(where: str, items: tuple[str, ...]) -> tuple[str, ...]:
    """``items`` if none repeats: a generator or task listed twice would run its cases twice."""
    twice = next((v for i, v in enumerate(items) if v in items[:i]), None)
    if twice is not None:
        raise ConfigError(f"{where}: {twice!r} is listed twice; list it once")
    return items


def _key(name: str) -> str:
    """A table key as it appears in a message: visible, and cut if very long."""
    shown = visible(name)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _name(where: str, name: str, what: str) -> str:
    return str(_checked(values.check_name, where, name, what))


def _nonempty(where: str, value: Any, what: str) -> str:
    """A string key that may not be empty (a path, a split, a column)."""
    text = _str(where, value)
    if not text:
        raise ConfigError(f"{where}: empty; {what}")
    return text


def _checked(check: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a ``harness.core.values`` check; its ValueError (key named) becomes a ConfigError."""
    try:
        return check(*args, **kwargs)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _generator_spec(where: str, name: str, spec: Mapping[str, Any]) -> GeneratorSpec:
    """A generator entry, with the optional source kinds ``generate`` and ``hub``."""
    kind = _str(f"{where}.kind", spec.get("kind", "file"))
    if kind not in SOURCE_KINDS:
        raise ConfigError(
            f"{where}.kind: unknown source kind {kind!r}; known: {', '.join(SOURCE_KINDS)}"
        )
    uri = _str(f"{where}.uri", spec.get("uri", ""))
    params = dict(_table(f"{where}.params", spec.get("params", {})))
    gen = dict(_table(f"{where}.generate", spec.get("generate", {})))
    if kind == "hub" and not uri.startswith("hf://datasets/"):
        raise ConfigError(
            f"{where}.uri: a hub source needs uri = "
            f'"hf://datasets/ORG/NAME/{{dataset}}.jsonl@REVISION", got {uri!r}'
        )
    if kind != "hub" and uri:
        raise ConfigError(f'{where}.uri: only a source of kind "hub" takes a uri')
    if kind == "generate":
        if not params.get("model"):
            raise ConfigError(f"{where}.params.model: a generate source needs the LLM's model id")
        _checked(check_chat_params, f"{where}.params", params)
        _checked(values.check_kwargs, f"{where}.generate", GenSettings, gen)
        try:
            GenSettings(**gen)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{where}.generate: {exc}") from None
    elif params or gen:
        raise ConfigError(f'{where}: params and generate belong to a source of kind "generate"')
    return GeneratorSpec(
        name, _str(f"{where}.model_id", spec.get("model_id", "")), kind, uri, params, gen
    )


def _columns(where: str, value: Any) -> tuple[tuple[str, str], ...]:
    """``columns = { text = "utterance", ... }``: task field -> dataset column, both strings."""
    table = _table(where, value)
    for name, column in table.items():
        _nonempty(f"{where}.{_key(name)}", column, "the dataset column that holds this field")
    return tuple(sorted(table.items()))


def _families(f: str, value: Any, generators: set[str]) -> dict[str, tuple[str, ...]]:
    """``[families]``: ``llama-3 = ["llama-3-70b", "llama-3-8b"]``, synthetic generators only.

    A generator in two families would make "its family's data" ambiguous, and a family
    named like ``real`` or an ensemble would read as a source in the report.
    """
    table = _table(f"{f}: families", value)
    seen: dict[str, str] = {}
    out: dict[str, tuple[str, ...]] = {}
    known = ", ".join(sorted(generators - {REAL}))
    for name, members in table.items():
        where = f"{f}: families.{_key(name)}"
        _name(where, name, "family")
        if name in (REAL, *RESERVED):
            raise ConfigError(
                f"{where}: family name {name!r} is reserved for a source "
                f"({', '.join((REAL, *RESERVED))}); rename the family"
            )
        gens = _str_list(where, members)
        if not gens:
            raise ConfigError(f"{where}: a family needs at least one generator; known: {known}")
        for g in gens:
            if g not in generators or g == REAL:
                raise ConfigError(f"{where}: {g!r} is not a synthetic generator; known: {known}")
            if g in seen:
                other = "twice in this family" if seen[g] == name else f"also in family {seen[g]!r}"
                raise ConfigError(
                    f"{where}: generator {g!r} is {other}; a generator has one family"
                )
            seen[g] = name
        out[name] = gens
    return out


def _model_family(
    where: str, spec: Mapping[str, Any], same_as: str, families: Mapping[str, tuple[str, ...]]
) -> str:
    """A model's ``family`` key, or the family of its ``same_as`` generator; '' for none."""
    of_generator = {g: name for name, gens in families.items() for g in gens}
    implied = of_generator.get(same_as, "")
    if "family" not in spec:
        return implied
    family = _str(f"{where}.family", spec["family"])
    if family not in families:
        known = ", ".join(sorted(families)) or "none (declare them in a [families] table)"
        raise ConfigError(f"{where}.family: unknown family {family!r}; known: {known}")
    if implied and family != implied:
        raise ConfigError(
            f"{where}.family: {family!r}, but its same_as generator {same_as!r} is in family "
            f"{implied!r}; drop the family key or make them agree"
        )
    return family


def _model_tasks(
    where: str, factory: str, spec: Mapping[str, Any], build: bool
) -> tuple[tuple[str, ...], Any]:
    """The tasks a model runs on, and its factory (None when not resolved).

    The factory is resolved (registered name, ``module:attr`` or entry point); a
    factory that declares no tasks may run on every task, and the suite's ``tasks``
    narrows that. ``build=False`` (tools that never build models, such as
    ``synthbench data check``) skips the import.
    """
    declared = spec.get("tasks")
    if not build:
        listed = _str_list(f"{where}.tasks", declared) if declared is not None else ()
        return _once(f"{where}.tasks", listed), None
    try:
        found = resolve(factory)
    except FactoryError as exc:
        raise ConfigError(f"{where}.factory: {exc}") from None
    supported = found.tasks or tuple(TASKS.names())
    tasks = _once(f"{where}.tasks", _str_list(
        f"{where}.tasks", declared if declared is not None else list(supported)))
    for t in tasks:
        if t not in supported:
            raise ConfigError(
                f"{where}.tasks: factory {factory!r} does not support task {t!r}; "
                f"it supports: {', '.join(supported)}"
            )
    return tasks, found.factory


def _checked_factory(where: str, factory: str, make: Any, params: Mapping[str, Any]) -> None:
    """``make(ctx, **params)`` must bind: no required parameter left without a value."""
    try:
        check_params(factory, make, params)
    except FactoryError as exc:
        raise ConfigError(f"{where}.factory: {exc}") from None


def load_suite(path: str | Path, *, resolve_models: bool = True) -> Suite:
    """Read and validate a suite file; see ``_model_tasks`` for ``resolve_models``."""
    p = Path(path)
    try:
        raw = tomllib.loads(p.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{p}: suite file not found; pass --synth-suite PATH or set synth_suite in the ini"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        line = p.read_bytes()[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{p}:{line}: not UTF-8 text ({exc.reason}); save it as UTF-8") from None
    except (ValueError, RecursionError) as exc:  # nesting too deep, integer too long
        raise ConfigError(f"{p}: unreadable TOML ({type(exc).__name__}: {exc})") from None
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read the suite file: {exc.strerror or exc}") from None
    return parse_suite(raw, str(p), resolve_models=resolve_models)


def parse_suite(
    raw: Mapping[str, Any], path: str = "suite.toml", *, resolve_models: bool = True
) -> Suite:
    """Validate a decoded suite; ``path`` is only used in messages."""
    f = Path(path).name
    _check_keys(f, raw, _TOP_KEYS)
    run = _table(f"{f}: run", raw.get("run", {}))
    _check_keys(f"{f}: run", run, _RUN_KEYS)
    seed = run.get("seed", 0)
    max_examples = run.get("max_examples", 0)
    for key, val in (("seed", seed), ("max_examples", max_examples)):
        if not isinstance(val, int) or isinstance(val, bool) or val < 0:
            raise ConfigError(f"{f}: run.{key}: expected a whole number >= 0, got {val!r:.60}")
    data_paths = run.get("data_paths", "confined")
    if data_paths not in ("confined", "any"):
        raise ConfigError(
            f'{f}: run.data_paths: expected "confined" or "any", got {data_paths!r:.60}'
        )
    anywhere = data_paths == "any"

    gens_raw = _table(f"{f}: generators", raw.get("generators", {}))
    generators = [GeneratorSpec(REAL, "human-annotated")]
    for name, spec in gens_raw.items():
        where = f"{f}: generators.{_key(name)}"
        _name(where, name, "generator")
        if name in ENSEMBLES:  # mean-loo too: the report would have two rows of one name
            raise ConfigError(f"{where}: {name!r} is reserved for the generator ensemble")
        if name == REAL:  # was skipped silently: its file never read, its cells missing
            raise ConfigError(
                f"{where}: {name!r} is reserved for the real test set (each dataset's `test`"
                " path), which is always a source; rename this generator"
            )
        spec = _table(where, spec)
        _check_keys(where, spec, _GEN_KEYS)
        generators.append(_generator_spec(where, name, spec))
    gen_names = {g.name for g in generators}
    _checked(values.check_markers, "generator",
             [(f"{f}: generators.{_key(g.name)}", g.name) for g in generators])
    families = _families(f, raw.get("families", {}), gen_names)

    datasets = []
    datasets_raw = _table(f"{f}: datasets", raw.get("datasets", {}))
    for name in datasets_raw:
        _name(f"{f}: datasets.{_key(name)}", name, "dataset")
    _checked(values.check_markers, "dataset",
             [(f"{f}: datasets.{_key(n)}", n) for n in datasets_raw])
    for name, spec in datasets_raw.items():
        where = f"{f}: datasets.{_key(name)}"
        spec = _table(where, spec)
        _check_keys(where, spec, _DATASET_KEYS)
        task = _str(f"{where}.task", spec.get("task"))
        if task not in TASKS:
            raise ConfigError(
                f"{where}.task: unknown task {task!r}; known: {', '.join(TASKS.names())}"
            )
        if "test" not in spec:
            raise ConfigError(f"{where}.test: missing; the path of the real test split")
        dgens = _once(f"{where}.generators",
                      _str_list(f"{where}.generators", spec.get("generators", [])))
        for g in dgens:
            if g not in gen_names:
                raise ConfigError(
                    f"{where}.generators: unknown generator {g!r}; "
                    f"known: {', '.join(sorted(gen_names))}"
                )
        sr = spec.get("score_range", [0.0, 5.0])
        if not (
            isinstance(sr, list)
            and len(sr) == 2
            and all(
                isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)
                for x in sr
            )
            and sr[0] < sr[1]
        ):
            raise ConfigError(f"{where}.score_range: expected [low, high], got {sr!r}")
        paths = {
            key: _str(f"{where}.{key}", spec.get(key, ""))
            for key in ("test", "train", "labels")
        }
        _nonempty(f"{where}.test", paths["test"], "the path of the real test split, relative "
                  "to the data directory (e.g. \"real/NAME/test.jsonl\")")
        synthetic = _nonempty(
            f"{where}.synthetic", spec.get("synthetic", DatasetSpec.synthetic),
            'the template of the synthetic files (default "synthetic/{dataset}/{generator}.jsonl")',
        )
        _checked(values.template_fields, f"{where}.synthetic", synthetic, ("dataset", "generator"))
        for key, value in paths.items():
            if value:
                _checked(values.confined_path, f"{where}.{key}", value, allow_outside=anywhere)
        for g in dgens or [g.name for g in generators if g.kind != "hub"]:
            filled = synthetic.format(dataset=name, generator=g)
            _checked(values.confined_path, f"{where}.synthetic (generator {g!r})", filled,
                     allow_outside=anywhere)
        datasets.append(
            DatasetSpec(
                name=name,
                task=task,
                test=paths["test"],
                train=paths["train"],
                labels=paths["labels"],
                synthetic=synthetic,
                score_range=(float(sr[0]), float(sr[1])),
                generators=dgens,
                sources=tuple(
                    (g.name, g.uri.format(dataset=name)) for g in generators if g.kind == "hub"
                ),
                split=_nonempty(f"{where}.split", spec.get("split", DatasetSpec.split),
                                "the split name of the test data (default \"test\")"),
                train_split=_nonempty(
                    f"{where}.train_split", spec.get("train_split", DatasetSpec.train_split),
                    "the split name of the training data (default \"train\")",
                ),
                columns=_columns(f"{where}.columns", spec.get("columns", {})),
            )
        )

    models = []
    models_raw = _table(f"{f}: models", raw.get("models", {}))
    for name in models_raw:
        _name(f"{f}: models.{_key(name)}", name, "model")
    _checked(values.check_markers, "model", [(f"{f}: models.{_key(n)}", n) for n in models_raw])
    for name, spec in models_raw.items():
        where = f"{f}: models.{_key(name)}"
        spec = _table(where, spec)
        _check_keys(where, spec, _MODEL_KEYS)
        factory = _str(f"{where}.factory", spec.get("factory", name))
        params = _table(f"{where}.params", spec.get("params", {}))
        tasks, make = _model_tasks(where, factory, spec, resolve_models)
        same_as = _str(f"{where}.same_as", spec.get("same_as", ""))
        if same_as and (same_as not in gen_names or same_as == REAL):
            raise ConfigError(
                f"{where}.same_as: {same_as!r} is not a synthetic generator; "
                f"known: {', '.join(sorted(gen_names - {REAL}))}"
            )
        if make is not None:
            # Checked against the factory's own annotations (its first parameter is the
            # TaskContext); an ``llm`` model's extra parameters are its backend's.
            _checked(values.check_kwargs, f"{where}.params", make, params,
                     skip=tuple(list(inspect.signature(make).parameters)[:1]))
            if factory == "llm":
                known = set(inspect.signature(make).parameters)
                _checked(check_chat_params, f"{where}.params",
                         {k: v for k, v in params.items() if k not in known})
            _checked_factory(where, factory, make, params)
        reuse = spec.get("reuse")
        if reuse is not None and not isinstance(reuse, bool):
            raise ConfigError(f"{where}.reuse: expected true or false, got {reuse!r}")
        family = _model_family(where, spec, same_as, families)
        models.append(ModelSpec(name, factory, tasks, dict(params), same_as, reuse, family))

    return Suite(
        path=path,
        generators=tuple(generators),
        datasets=tuple(datasets),
        models=tuple(models),
        seed=seed,
        max_examples=max_examples,
        raw=raw,
        families=Families(families, {m.name: m.family for m in models if m.family}),
    )
