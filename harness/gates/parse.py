"""Gate declarations, from the suite's ``[[gates]]`` or ``--synth-gate``, into ``Gate``s."""

from __future__ import annotations

import math
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.gates.kinds import COMMON_KEYS, allowed_keys
from harness.gates.model import COEFFICIENTS, Gate, GateError
from harness.gates.registry import GATE_KINDS, kind_names

#: String-valued keys, copied into the ``Gate`` when given.
_TEXT_KEYS = (
    "name",
    "task",
    "dataset",
    "generator",
    "model",
    "metric",
    "coefficient",
    "baseline_model",
    "baseline",
)


def _str(where: str, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise GateError(f"{where}.{key}: expected a non-empty string, got {value!r}")
    return value


def _threshold(raw: Mapping[str, Any], where: str) -> float:
    value = raw.get("threshold")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise GateError(f"{where}.threshold: expected a number, got {value!r}")
    return float(value)


def _allow_missing(raw: Mapping[str, Any], where: str) -> int:
    """A whole number of cells >= 0 (``2.0`` from the command line is 2)."""
    value = raw.get("allow_missing", 0)
    whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if isinstance(value, bool) or not whole or value < 0:
        raise GateError(f"{where}.allow_missing: expected a whole number >= 0, got {value!r}")
    return int(value)


def parse_gate(raw: Mapping[str, Any], where: str) -> Gate:
    """One gate table; ``where`` (``suite.toml: gates[2]``) prefixes every error."""
    if not isinstance(raw, Mapping):
        raise GateError(f"{where}: expected a table, got {type(raw).__name__}")
    name = raw.get("kind")
    # A list or table is unhashable: ``in GATE_KINDS`` would raise TypeError, not say which key.
    if not isinstance(name, str) or name not in GATE_KINDS:
        raise GateError(
            f"{where}.kind: expected one of {', '.join(kind_names())}, got {name!r}"
        )
    kind = GATE_KINDS.get(name)
    allowed = allowed_keys(kind)
    for key in raw:
        if key not in allowed:
            raise GateError(
                f"{where}.{key}: unknown key for a {name} gate; known: "
                f"{', '.join(sorted(allowed))}"
            )
    threshold = _threshold(raw, where)
    fields = {k: _str(where, k, raw[k]) for k in _TEXT_KEYS if k in raw}
    on = raw.get("on", "interval")
    if on not in ("interval", "point"):
        raise GateError(f'{where}.on: expected "interval" or "point", got {on!r}')
    optional = raw.get("optional", False)
    if not isinstance(optional, bool):
        raise GateError(f"{where}.optional: expected true or false, got {optional!r}")
    if fields.get("coefficient", "spearman") not in COEFFICIENTS:
        raise GateError(
            f"{where}.coefficient: expected one of {', '.join(COEFFICIENTS)}, "
            f"got {fields['coefficient']!r}"
        )
    allow_missing = _allow_missing(raw, where)
    # A registered kind's own keys, beyond those the Gate record has a field for.
    params = tuple(
        (k, raw[k]) for k in sorted(kind.keys) if k in raw and k not in (*_TEXT_KEYS, *COMMON_KEYS)
    )
    kind.rules({**fields, **dict(params)}, where)
    if "baseline" in fields and fields["baseline"] != "saved":
        raise GateError(f'{where}.baseline: the only value is "saved", got {fields["baseline"]!r}')
    label = fields.pop("name", "") or f"{name} {where}"
    return Gate(
        name=label,
        kind=name,
        threshold=threshold,
        on=on,
        optional=optional,
        where=where,
        allow_missing=allow_missing,
        params=params,
        **fields,
    )


def parse_gates(raw: Any, path: str = "suite.toml") -> list[Gate]:
    """The suite's ``[[gates]]`` array of tables; names must be unique."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise GateError(
            f"{path}: gates: expected an array of tables ([[gates]]), got {type(raw).__name__}"
        )
    return unique([parse_gate(g, f"{path}: gates[{i}]") for i, g in enumerate(raw)])


def unique(gates: list[Gate]) -> list[Gate]:
    """Refuse two gates of one name (verdicts and JUnit cases are named by it)."""
    seen: dict[str, str] = {}
    for g in gates:
        if g.name in seen:
            raise GateError(f"{g.where}.name: {g.name!r} is already the name of {seen[g.name]}")
        seen[g.name] = g.where
    return gates


def _scalar(text: str) -> Any:
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    try:
        return float(text)
    except ValueError:
        return text


def parse_gate_option(text: str, index: int = 0) -> Gate:
    """A one-off gate from the command line: ``KIND key=value ...``.

    Example: ``--synth-gate "min_agreement dataset=snips generator=mean threshold=0.6"``.
    """
    where = f"--synth-gate #{index + 1}"
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise GateError(f"{where}: {exc}") from None
    if not words:
        kinds = ", ".join(kind_names())
        raise GateError(f"{where}: empty; expected KIND key=value ... (kinds: {kinds})")
    raw: dict[str, Any] = {"kind": words[0]}
    for word in words[1:]:
        key, sep, value = word.partition("=")
        if not sep or not key:
            raise GateError(f"{where}: {word!r} is not key=value")
        raw[key] = value if key in ("name",) else _scalar(value)
    raw.setdefault("name", f"cli-{index + 1}")
    return parse_gate(raw, where)


def suite_gates(suite_raw: Mapping[str, Any], path: str, options: Sequence[str] = ()) -> list[Gate]:
    """The suite's gates followed by the command line's, with unique names."""
    gates = parse_gates(suite_raw.get("gates"), Path(path).name)
    gates += [parse_gate_option(text, i) for i, text in enumerate(options)]
    return unique(gates)
