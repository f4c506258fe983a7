"""One small typed registry: name -> object, with metadata.

Tasks, models, backends and report formats each have one instance. A new model is a
new file plus one ``@MODELS.register(...)`` line; nothing branches on names. Modules
that hold registered objects are imported lazily through ``entry_modules`` so that an
optional SDK (openai, spaCy, ...) is imported only when its entry is used.

A registry with an entry-point ``group`` (``synthbench.models``, ``synthbench.tasks``,
``synthbench.backends``) also offers what installed packages declare there. An entry
point is loaded only when its name is looked up (or all names are listed), so a
third-party package's imports cost nothing in runs that do not use it. Its value is
either a module that registers its entries when imported, or the object itself,
registered under the entry point's name with the metadata a harness decorator left on
it (``__synthbench__``).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class UnknownNameError(KeyError):
    """An unknown registry name; the message lists the known ones."""

    def __str__(self) -> str:  # KeyError quotes its message; we want it readable
        return str(self.args[0])


@dataclass(frozen=True)
class Entry(Generic[T]):
    name: str
    obj: T
    meta: dict[str, Any] = field(default_factory=dict)


def _origin(obj: object) -> str:
    """Where an object was defined, so re-importing a conftest.py re-registers in place.

    A module imported twice (pytester runs, importlib modes) defines new objects with
    the same module and qualified name: that is the same registration, not a clash.
    """
    target = obj if hasattr(obj, "__qualname__") else type(obj)
    line = getattr(getattr(target, "__code__", None), "co_firstlineno", "")
    return f"{getattr(target, '__module__', '?')}.{getattr(target, '__qualname__', '?')}:{line}"


def _reimported(old: object, new: object) -> bool:
    """A new definition of the same thing (its module ran again), not a second one."""
    if hasattr(new, "__qualname__"):  # functions and classes
        return _origin(old) == _origin(new)
    # Instances: only a *new* class of the same origin is a re-import; two instances
    # of one class are two registrations.
    return type(old) is not type(new) and _origin(old) == _origin(new)


class Registry(Generic[T]):
    """A named collection of ``T``.

    ``modules`` are imported on first lookup; each registers its entries at import
    time. That keeps ``import harness`` cheap and optional dependencies optional.
    """

    def __init__(self, kind: str, modules: tuple[str, ...] = (), group: str = "") -> None:
        self.kind = kind
        self.group = group
        self._entries: dict[str, Entry[T]] = {}
        self._modules = list(modules)
        self._loaded = False
        self._plugins_loaded: set[str] = set()

    def register(self, name: str, **meta: Any) -> Callable[[T], T]:
        def deco(obj: T) -> T:
            self.add(name, obj, **meta)
            return obj

        return deco

    def add(self, name: str, obj: T, **meta: Any) -> None:
        old = self._entries.get(name)
        if old is not None and old.obj is not obj and not _reimported(old.obj, obj):
            raise ValueError(
                f"{self.kind} {name!r} is registered twice: by {_origin(old.obj)} "
                f"and by {_origin(obj)}"
            )
        self._entries[name] = Entry(name, obj, meta)

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        for mod in self._modules:
            importlib.import_module(mod)

    def _entry_points(self) -> list[importlib.metadata.EntryPoint]:
        if not self.group:
            return []
        return list(importlib.metadata.entry_points(group=self.group))

    def _load_plugin(self, ep: importlib.metadata.EntryPoint) -> None:
        """Load one entry point (once); see the module docstring for what it may be."""
        if ep.name in self._plugins_loaded:
            return
        self._plugins_loaded.add(ep.name)
        try:
            obj = ep.load()
        except Exception as exc:  # a broken third-party package: say which one
            dist = ep.dist.name if ep.dist is not None else "an installed package"
            raise ImportError(
                f"entry point {ep.name!r} = {ep.value!r} of group {self.group!r} "
                f"(from {dist}) failed to load: {type(exc).__name__}: {exc}"
            ) from exc
        if isinstance(obj, types.ModuleType) or ep.name in self._entries:
            return  # a module that registered itself, or a decorated object
        self.add(ep.name, obj, **dict(getattr(obj, "__synthbench__", {})))

    def _lookup(self, name: str) -> Entry[T] | None:
        self._load()
        if name not in self._entries:
            for ep in self._entry_points():
                if ep.name == name:
                    self._load_plugin(ep)
        return self._entries.get(name)

    def _load_all(self) -> None:
        self._load()
        for ep in self._entry_points():
            self._load_plugin(ep)

    def entry(self, name: str) -> Entry[T]:
        found = self._lookup(name)
        if found is None:
            # A module entry point may register names other than its own.
            self._load_all()
            found = self._entries.get(name)
        if found is None:
            known = ", ".join(sorted(self._entries)) or "(none)"
            raise UnknownNameError(f"unknown {self.kind} {name!r}; known: {known}")
        return found

    def get(self, name: str) -> T:
        return self.entry(name).obj

    def names(self) -> list[str]:
        self._load_all()
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        if self._lookup(name) is None:
            self._load_all()
        return name in self._entries

    def __iter__(self) -> Iterator[Entry[T]]:
        self._load_all()
        return iter([self._entries[n] for n in sorted(self._entries)])
