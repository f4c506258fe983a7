"""Type and meaning checks of suite values, done when the suite is read.

A value that passes here must not fail later: a parameter is checked against the
annotation of the function that will receive it (``trust_remote_code = "false"``
is a string, and ``bool("false")`` is True, so it is refused rather than coerced),
a path template may only use the fields it will be filled with, and a data path may
not leave the data directory unless the suite allows it. Errors are ``ValueError``
with the key named; ``harness.run.suite`` prefixes the file.
"""

from __future__ import annotations

import inspect
import math
import posixpath
import re
import string
import types
import typing
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def _describe(value: Any) -> str:
    text = repr(value) if not isinstance(value, int | float) else str(value)[:40]
    return f"{type(value).__name__} {text[:60]}"


def _matches(value: Any, hint: Any) -> bool | None:
    """Whether ``value`` fits ``hint``; None when the hint is not one we check."""
    if hint is Any or hint is inspect.Parameter.empty:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        results = [_matches(value, h) for h in typing.get_args(hint)]
        if any(r is True for r in results):
            return True
        return None if any(r is None for r in results) else False
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(float(value))
        )
    if hint is str:
        return isinstance(value, str)
    check = {dict: Mapping, list: list, tuple: list}.get(origin or hint)
    if check is not None:
        return isinstance(value, check)
    if origin is not None and isinstance(origin, type) and issubclass(origin, Mapping):
        return isinstance(value, Mapping)
    return None


def _hints(func: Callable[..., Any]) -> dict[str, Any]:
    target = func.__init__ if isinstance(func, type) else func  # type: ignore[misc]
    try:
        return typing.get_type_hints(target)
    except Exception:  # noqa: BLE001 - unresolvable annotations: fall back to none
        return {}


def check_kwargs(
    where: str,
    func: Callable[..., Any],
    values: Mapping[str, Any],
    *,
    skip: Iterable[str] = (),
    unknown_ok: bool | None = None,
) -> None:
    """Check ``values`` against ``func``'s keyword parameters: names and annotated types.

    Unknown names are refused unless ``func`` takes ``**kwargs`` (or ``unknown_ok``).
    """
    sig = inspect.signature(func)
    params = {n: p for n, p in sig.parameters.items() if n not in set(skip)}
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    hints = _hints(func)
    named = {
        n for n, p in params.items()
        if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    }
    for key, value in values.items():
        if key not in named:
            if unknown_ok or (unknown_ok is None and takes_any):
                continue
            raise ValueError(
                f"{where}.{key}: unknown parameter; known: {', '.join(sorted(named)) or 'none'}"
            )
        ok = _matches(value, hints.get(key, params[key].annotation))
        if ok is False:
            want = getattr(hints.get(key), "__name__", None) or str(hints.get(key))
            raise ValueError(f"{where}.{key}: expected {want}, got {_describe(value)}")


def strict_bool(name: str, value: Any) -> bool:
    """``value`` if it is a real boolean; ``bool("false")`` is True, so no coercion."""
    if not isinstance(value, bool):
        raise ValueError(f"{name}: expected true or false, got {_describe(value)}")
    return value


def template_fields(where: str, template: str, allowed: Iterable[str]) -> None:
    """Refuse a ``str.format`` template with unknown fields or unbalanced braces."""
    allowed = tuple(allowed)
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError as exc:
        raise ValueError(f"{where}: not a valid template ({exc}): {template!r}") from None
    for f in fields:
        base = f.split(".", 1)[0].split("[", 1)[0]
        if base != f or base not in allowed:
            known = ", ".join("{" + a + "}" for a in allowed)
            raise ValueError(f"{where}: unknown field {{{f}}} in {template!r}; known: {known}")


def confined_path(where: str, path: str, *, allow_outside: bool = False) -> str:
    """``path`` if it stays inside the data directory (relative, no ``..`` escape).

    The check is lexical, so a data directory that is itself a symlink, or holds
    symlinks, keeps working; ``allow_outside`` (``[run] data_paths = "any"``) lifts it.
    """
    if allow_outside:
        _component_lengths(where, path)
        return path
    if "\x00" in path:
        raise ValueError(f"{where}: a path may not contain a NUL character")
    _component_lengths(where, path)
    posix = path.replace("\\", "/")
    norm = posixpath.normpath(posix) if posix else posix
    if posixpath.isabs(posix) or (len(posix) > 1 and posix[1] == ":") or norm == ".." \
            or norm.startswith("../"):
        raise ValueError(
            f"{where}: {path!r} is outside the data directory; use a path relative to it, or "
            'set [run] data_paths = "any" to allow paths outside it'
        )
    return path



#: The longest file or directory name most file systems take (ext4, APFS, NTFS: 255).
NAME_MAX = 255
#: The longest suite name (generator, dataset, model, family), in UTF-8 bytes: a name
#: becomes part of file names (``{generator}.provenance.json``, temporary siblings), so
#: this leaves room under ``NAME_MAX`` for every suffix the harness adds.
MAX_NAME_BYTES = 100
#: Characters a name may not hold: path separators (names become path parts, and the
#: gate cells ``task/dataset/generator/model`` are split on ``/``).
_NAME_FORBIDDEN = "/\\"
_MARKER = re.compile(r"[^A-Za-z0-9]+")


def _component_lengths(where: str, path: str) -> None:
    for part in path.replace("\\", "/").split("/"):
        size = len(part.encode("utf-8", "surrogatepass"))
        if size > NAME_MAX:
            raise ValueError(
                f"{where}: the path part {part[:40]!r}... is {size} bytes; file systems take "
                f"at most {NAME_MAX} bytes per file or directory name: shorten it"
            )


def check_name(where: str, name: Any, what: str) -> str:
    """A suite name (``what``: generator, dataset, model, family) that every artifact can use.

    Refused: a non-string, the empty name, a control, format or bidi character or a line
    separator (it would hide or reorder text in every report), leading or trailing
    whitespace, a path separator, ``.`` and ``..``, and more than ``MAX_NAME_BYTES``.
    """
    if not isinstance(name, str):
        raise ValueError(f"{where}: a {what} name must be a string, got {_describe(name)}")
    if not name:
        raise ValueError(f'{where}: empty {what} name; give the {what} a name (e.g. "my-{what}")')
    for char in name:
        if char not in "\u200c\u200d" and unicodedata.category(char) in {
            "Cc", "Cf", "Cs", "Zl", "Zp",
        }:
            raise ValueError(
                f"{where}: the {what} name {name[:60]!r} holds the invisible character "
                f"U+{ord(char):04X} ({unicodedata.name(char, 'control')}); names are shown "
                "in every report: use visible characters only"
            )
    if name != name.strip():
        raise ValueError(
            f"{where}: the {what} name {name[:60]!r} starts or ends with whitespace; remove it"
        )
    if any(c in _NAME_FORBIDDEN for c in name) or name in (".", ".."):
        raise ValueError(
            f"{where}: the {what} name {name[:60]!r} may not be . or .. or hold / or \\ "
            "(names become parts of file paths and of gate cells task/dataset/generator/"
            "model); use - or _ instead"
        )
    size = len(name.encode("utf-8", "surrogatepass"))
    if size > MAX_NAME_BYTES:
        raise ValueError(
            f"{where}: the {what} name is {size} bytes long ({name[:40]!r}...); the limit is "
            f"{MAX_NAME_BYTES} bytes of UTF-8 (names become parts of file names, which file "
            f"systems cap at {NAME_MAX} bytes): shorten it"
        )
    return name


def marker(dimension: str, value: str) -> str:
    """The pytest marker of a case dimension's value: ``model_a_b`` for model ``a-b``."""
    return f"{dimension}_{_MARKER.sub('_', value).strip('_').lower()}"


def check_markers(dimension: str, names: Iterable[tuple[str, str]]) -> None:
    """Refuse two names (``(where, name)`` pairs) that share one pytest marker."""
    seen: dict[str, tuple[str, str]] = {}
    for where, name in names:
        mark = marker(dimension, name)
        if mark in seen:
            other_where, other = seen[mark]
            raise ValueError(
                f"{where}: {name!r} and {other!r} ({other_where}) share the pytest marker "
                f"{mark!r} (letters are lowercased and other characters become _), so "
                f"`-m {mark}` could not select one of them; rename one"
            )
        seen[mark] = (where, name)


__all__ = [
    "MAX_NAME_BYTES",
    "NAME_MAX",
    "check_kwargs",
    "check_markers",
    "check_name",
    "confined_path",
    "marker",
    "strict_bool",
    "template_fields",
]
