"""The gate kinds, registered like models and tasks.

``GATE_KINDS`` holds every kind by name: the built-in ones (``harness.gates.kinds``)
and those that installed packages declare in the entry point group
``synthbench.gates`` (loaded only when a suite names them). A package's entry point
is either a module that calls ``register_gate_kind`` when imported, or the kind
object itself (registered under the entry point's name)::

    [project.entry-points."synthbench.gates"]
    max_width = "my_package.gates:MAX_WIDTH"

A kind is any object with what ``harness.gates.kinds.GateKindProtocol`` lists;
subclassing ``harness.gates.kinds.GateKind`` gives the defaults.
"""

from __future__ import annotations

from typing import TypeVar

from harness.core.registry import Registry
from harness.gates.kinds import BUILTIN, GateKindProtocol, op_of
from harness.gates.model import Gate

K = TypeVar("K", bound=GateKindProtocol)

GATE_KINDS: Registry[GateKindProtocol] = Registry("gate kind", group="synthbench.gates")


def register_gate_kind(kind: K) -> K:
    """Register ``kind`` under its ``name``; returns it (usable as a decorator on a class
    instance's creation: ``MAX_WIDTH = register_gate_kind(MaxWidth())``)."""
    if not isinstance(kind, GateKindProtocol):
        raise TypeError(
            f"{kind!r} is not a gate kind: it needs name, keys, lower_is_better, "
            "whole_group, what, figures, rules, absent and covers "
            "(subclass harness.gates.kinds.GateKind)"
        )
    if not kind.name:
        raise ValueError(f"gate kind {kind!r} has no name")
    GATE_KINDS.add(kind.name, kind)
    return kind


for _kind in BUILTIN:
    register_gate_kind(_kind)


def kind_of(name: str) -> GateKindProtocol:
    """The kind called ``name``; ``UnknownNameError`` (a ``KeyError``) lists the known ones."""
    return GATE_KINDS.get(name)


def kind_names() -> list[str]:
    """Every kind's name: the built-in ones in the docs' order, then the others sorted."""
    names = GATE_KINDS.names()
    builtin = [k.name for k in BUILTIN]
    return builtin + [n for n in names if n not in builtin]


def describe(gate: Gate) -> str:
    """``spearman >= 0.6 (interval) on dataset=snips generator=mean``: the gate in words,
    as its kind names its figure (a kind's words need the registry, so this is here)."""
    kind = kind_of(gate.kind)
    sel = " ".join(f"{k}={v}" for k, v in gate.selectors().items() if v)
    head = f"{kind.what(gate)} {op_of(kind)} {gate.threshold:g} ({gate.on})"
    return head + (f" on {sel}" if sel else "")
