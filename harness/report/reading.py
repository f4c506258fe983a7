"""The checked readers of ``report.json``'s typed parts, below every part's module.

``harness.report.figures`` (the groups), ``harness.report.sections`` (a group's data
parts and the whole-run sections) and ``harness.report.model`` (the report) read
with these, so a wrong key raises one ``ReportFormatError`` naming where and what.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


class ReportFormatError(ValueError):
    """A ``report.json`` that is not one this harness writes: names where and what."""


# --------------------------------------------------------------------------- reading helpers


def _obj(d: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(d, Mapping):
        raise ReportFormatError(f"{where}: expected an object, got {type(d).__name__}")
    return d


def _req(d: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in d:
        raise ReportFormatError(f"{where}: missing key {key!r}")
    return d[key]


def _num(x: Any, where: str) -> float | None:
    """A JSON number or null (bools are not numbers)."""
    if x is None:
        return None
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise ReportFormatError(f"{where}: expected a number or null, got {x!r}")
    return x  # kept as read (an int stays an int): written back byte for byte


def _int(x: Any, where: str) -> int:
    if isinstance(x, bool) or not isinstance(x, int):
        raise ReportFormatError(f"{where}: expected a whole number, got {x!r}")
    return x


def _str(x: Any, where: str) -> str:
    if not isinstance(x, str):
        raise ReportFormatError(f"{where}: expected a string, got {x!r}")
    return x


def _strs(x: Any, where: str) -> Mapping[str, str]:
    return {str(k): _str(v, f"{where}[{k!r}]") for k, v in _obj(x, where).items()}


def _each(d: Any, where: str, read: Callable[[Any, str], T]) -> dict[str, T]:
    """``name -> read(value)`` of a JSON object keyed by data (sources, models)."""
    return {str(k): read(v, f"{where}[{k!r}]") for k, v in _obj(d, where).items()}


def _rest(d: Mapping[str, Any], known: Sequence[str]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k not in known}


def _ordered(values: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    """``values`` in the order ``keys`` (as read) gives, then any others in theirs."""
    out = {k: values[k] for k in keys if k in values}
    out.update({k: v for k, v in values.items() if k not in out})
    return out


def _list(x: Any, where: str) -> list[Any]:
    if not isinstance(x, list):
        raise ReportFormatError(f"{where}: expected a list, got {type(x).__name__}")
    return x


def _names(x: Any, where: str) -> tuple[str, ...]:
    """A JSON list of strings."""
    return tuple(_str(v, f"{where}[{i}]") for i, v in enumerate(_list(x, where)))


def _present(keys: tuple[str, ...], key: str, default: bool) -> bool:
    """Whether ``to_dict`` writes an optional ``key``: as read when read, else as the
    producer does (``default``)."""
    return key in keys if keys else default


def _maybe(
    d: Mapping[str, Any], key: str, where: str, read: Callable[[Any, str], T]
) -> T | None:
    """``read`` of ``d[key]``; None when the key is absent or null."""
    found = d.get(key)
    return None if found is None else read(found, f"{where}.{key}")


def _bool(x: Any, where: str) -> bool:
    if not isinstance(x, bool):
        raise ReportFormatError(f"{where}: expected true or false, got {x!r}")
    return x


def _written_as(part: Any, known: Sequence[str], produced: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON form of a part that is an analysis value plus its reading (``rest``,
    ``keys``): read, the keys it was read with, in their order; built, what the
    analysis' own ``to_dict`` wrote (``produced``: its rules live there only); then
    the keys this harness does not know."""
    keys: tuple[str, ...] = part.keys
    d = {k: getattr(part, k) for k in known if k in keys} if keys else dict(produced)
    return _ordered({**d, **part.rest}, keys)
