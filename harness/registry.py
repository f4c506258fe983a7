"""One small typed registry: name -> object, with metadata.

Tasks, models, backends and report formats each have one instance. A new model is a
new file plus one ``@MODELS.register(...)`` line; nothing branches on names. Modules
that hold registered objects are imported lazily through ``entry_modules`` so that an
optional SDK (openai, spaCy, ...) is imported only when its entry is used.
"""

from __future__ import annotations

import importlib
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


class Registry(Generic[T]):
    """A named collection of ``T``.

    ``modules`` are imported on first lookup; each registers its entries at import
    time. That keeps ``import harness`` cheap and optional dependencies optional.
    """

    def __init__(self, kind: str, modules: tuple[str, ...] = ()) -> None:
        self.kind = kind
        self._entries: dict[str, Entry[T]] = {}
        self._modules = list(modules)
        self._loaded = False

    def register(self, name: str, **meta: Any) -> Callable[[T], T]:
        def deco(obj: T) -> T:
            self.add(name, obj, **meta)
            return obj

        return deco

    def add(self, name: str, obj: T, **meta: Any) -> None:
        if name in self._entries and self._entries[name].obj is not obj:
            raise ValueError(f"{self.kind} {name!r} is registered twice")
        self._entries[name] = Entry(name, obj, meta)

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        for mod in self._modules:
            importlib.import_module(mod)

    def entry(self, name: str) -> Entry[T]:
        self._load()
        try:
            return self._entries[name]
        except KeyError:
            known = ", ".join(sorted(self._entries)) or "(none)"
            raise UnknownNameError(f"unknown {self.kind} {name!r}; known: {known}") from None

    def get(self, name: str) -> T:
        return self.entry(name).obj

    def names(self) -> list[str]:
        self._load()
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        self._load()
        return name in self._entries

    def __iter__(self) -> Iterator[Entry[T]]:
        self._load()
        return iter([self._entries[n] for n in sorted(self._entries)])
