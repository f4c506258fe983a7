"""Type checks for decoded JSON records, shared by the task modules.

Each check raises ``RecordError`` whose ``field`` names the key (``entities[2].start``
for nested ones) and whose message says what was expected and what was found, so the
data loader can prefix file and line and the user knows what to fix.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from harness.tasks.kit.base import RecordError


def describe(value: Any) -> str:
    """A short description of a JSON value for error messages: its type and a preview."""
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{type(value).__name__} {text}"


def require_object(obj: Any, field: str = "") -> Mapping[str, Any]:
    """``obj`` itself, if it is a JSON object (a mapping)."""
    if not isinstance(obj, Mapping):
        where = f"field {field!r}: " if field else ""
        raise RecordError(f"{where}expected a JSON object, got {describe(obj)}", field=field)
    return obj


def _get(obj: Mapping[str, Any], key: str, field: str) -> Any:
    if key not in obj:
        known = ", ".join(repr(k) for k in obj) or "none"
        raise RecordError(f"missing field {field!r} (keys present: {known})", field=field)
    return obj[key]


def require_str(
    obj: Mapping[str, Any], key: str, *, prefix: str = "", empty_ok: bool = False
) -> str:
    """``obj[key]`` as a string; empty strings are refused unless ``empty_ok``."""
    field = prefix + key
    value = _get(obj, key, field)
    if not isinstance(value, str):
        raise RecordError(f"field {field!r}: expected a string, got {describe(value)}", field=field)
    if not empty_ok and not value.strip():
        raise RecordError(
            f"field {field!r}: expected a non-empty string, got {value!r}", field=field
        )
    return value


def require_number(obj: Mapping[str, Any], key: str, *, prefix: str = "") -> float:
    """``obj[key]`` as a finite float (JSON int or float; booleans are refused)."""
    field = prefix + key
    value = _get(obj, key, field)
    # bool is an int subclass: `true` in a score column is a data error, not 1.0.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RecordError(f"field {field!r}: expected a number, got {describe(value)}", field=field)
    number = float(value)
    if not math.isfinite(number):
        raise RecordError(f"field {field!r}: expected a finite number, got {value!r}", field=field)
    return number


def require_int(obj: Mapping[str, Any], key: str, *, prefix: str = "") -> int:
    """``obj[key]`` as an int (JSON integer; booleans and floats are refused)."""
    field = prefix + key
    value = _get(obj, key, field)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordError(
            f"field {field!r}: expected an integer character offset, got {describe(value)}",
            field=field,
        )
    return value


def require_list(obj: Mapping[str, Any], key: str, *, prefix: str = "") -> list[Any]:
    """``obj[key]`` as a JSON array."""
    field = prefix + key
    value = _get(obj, key, field)
    if not isinstance(value, list):
        raise RecordError(
            f"field {field!r}: expected a JSON array, got {describe(value)}", field=field
        )
    return value
