"""The public extension decorators: ``@model``, ``@task`` and ``@backend`` (``harness.kit``).

Each registers its object in the harness's registry of that kind and leaves the
metadata on the object (``__synthbench__``), so the same object also works as an
import-path factory (``factory = "pkg.mod:build"``) or as an entry point value,
without being registered twice under different metadata. See docs/extending.md.

The registries are imported inside the decorators: ``import harness`` stays light.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from harness.backends import BACKENDS
from harness.models import MODELS
from harness.models.factories import META_ATTR
from harness.tasks import TASKS

F = TypeVar("F", bound=Callable[..., Any])


def _names(what: str, values: Sequence[str]) -> tuple[str, ...]:
    if isinstance(values, str) or not values or not all(isinstance(v, str) and v for v in values):
        raise TypeError(f"{what}: expected a non-empty sequence of task names, got {values!r}")
    return tuple(values)


def _modules(what: str, values: Sequence[str]) -> tuple[str, ...]:
    if isinstance(values, str) or not all(isinstance(v, str) and v for v in values):
        raise TypeError(f"{what}: expected a sequence of import names, got {values!r}")
    return tuple(values)


def model(name: str, *, tasks: Sequence[str], requires: Sequence[str] = ()) -> Callable[[F], F]:
    """Register ``factory(ctx: TaskContext, **params) -> Predictor`` as model ``name``.

    ``tasks`` are the tasks it predicts; a suite entry ``factory = "<name>"`` then
    runs it on every dataset of those tasks. ``requires`` are the import names it
    needs: when one is missing, its cases fail at collection with the install line.
    """
    declared = _names(f"@model({name!r}) tasks", tasks)
    needs = _modules(f"@model({name!r}) requires", requires)

    def deco(factory: F) -> F:

        meta: dict[str, Any] = {"tasks": declared, "requires": needs}
        setattr(factory, META_ATTR, meta)
        MODELS.add(name, factory, **meta)
        return factory

    return deco


def task(name: str) -> Callable[[F], F]:
    """Register a task class (instantiated with no arguments) as task ``name``.

    The class declares its optional parts in ``capabilities`` (``harness.kit.Capability``);
    ``harness.kit.TaskBase`` is mixed in when it does not subclass it, which gives a task
    that implements only ``score`` the bootstrap's re-scoring path. The declaration is
    checked here: a part defined but not declared, or declared but missing, is an error.
    """

    def deco(cls: F) -> F:
        # Lazy for import-time cost (tests/test_layers.py): TaskBase brings numpy, and
        # every pytest session imports harness through the plugin.
        from harness.tasks.kit.taskbase import as_task

        TASKS.add(name, as_task(cls))
        return cls

    return deco


def backend(name: str, *, requires: Sequence[str] = ()) -> Callable[[F], F]:
    """Register ``factory(model: str, **params) -> ChatBackend`` as chat backend ``name``.

    ``requires``: the import names it needs (its SDK), checked at collection.
    """
    needs = _modules(f"@backend({name!r}) requires", requires)

    def deco(factory: F) -> F:

        BACKENDS.add(name, factory, requires=needs)
        return factory

    return deco
