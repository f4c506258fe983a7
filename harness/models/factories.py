"""From a suite's ``factory`` string to the callable that builds a predictor.

A factory string is one of

* a registered name (``minilm-zeroshot``; also a ``@harness.model`` in a conftest.py,
  or a name an installed package declares in the entry-point group
  ``synthbench.models``), or
* an import path ``package.module:attr`` (``attr`` may be dotted, ``Class.build``).

``resolve_factory`` is the one place that turns the string into the callable: the
runner builds predictors with it, the config validates with it, and a case's
fingerprint may hash what it returns. Errors say what failed (module not found,
attribute missing, not callable, parameters the signature does not take), so the
config can prefix the suite file and key.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from harness.backends import BACKENDS
from harness.core.registry import UnknownNameError
from harness.models import MODELS
from harness.models.base import ModelFactory

#: The attribute ``@harness.model`` leaves on a factory: ``{"tasks": (...)}``.
META_ATTR = "__synthbench__"


class FactoryError(ValueError):
    """A factory string that does not lead to a usable factory; the message says why."""


@dataclass(frozen=True)
class ResolvedFactory:
    """A factory and the tasks it declares (``()``: it declared none)."""

    ref: str
    factory: ModelFactory
    tasks: tuple[str, ...]
    #: Import names the factory needs (``requires=`` on its registration).
    requires: tuple[str, ...] = ()
    #: The backend it talks through unless ``params["backend"]`` names another ('': none).
    backend_default: str = ""


def is_import_path(ref: str) -> bool:
    """Whether ``ref`` is ``module:attr`` rather than a registered name."""
    return ":" in ref


def _import_attr(ref: str) -> Any:
    module_name, _, attr = ref.partition(":")
    if not module_name or not attr:
        raise FactoryError(f"{ref!r}: expected an import path 'package.module:attr'")
    try:
        obj: Any = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        # Only "this module is missing" is a path problem; a missing import *inside*
        # the user's module is their bug, shown with its own name.
        if exc.name and (module_name == exc.name or module_name.startswith(exc.name + ".")):
            raise FactoryError(
                f"{ref!r}: module {module_name!r} not found; install its package or put "
                f"its folder on sys.path (pytest's `pythonpath` ini option)"
            ) from None
        raise FactoryError(f"{ref!r}: importing {module_name!r} failed: {exc}") from exc
    except Exception as exc:
        raise FactoryError(
            f"{ref!r}: importing {module_name!r} failed: {type(exc).__name__}: {exc}"
        ) from exc
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise FactoryError(f"{ref!r}: {module_name!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    return obj


def resolve_factory(ref: str) -> ModelFactory:
    """The callable named by a factory string (see the module docstring)."""
    return resolve(ref).factory


def resolve(ref: str) -> ResolvedFactory:
    """The factory of ``ref`` with its declared tasks; raises ``FactoryError``."""
    if is_import_path(ref):
        obj = _import_attr(ref)
        meta: Mapping[str, Any] = getattr(obj, META_ATTR, {}) or {}
    else:
        try:
            entry = MODELS.entry(ref)
        except UnknownNameError:
            raise FactoryError(
                f"unknown model factory {ref!r}; known: {', '.join(MODELS.names())} "
                f"(or an import path 'package.module:attr', or an entry point of the "
                f"group 'synthbench.models')"
            ) from None
        except ImportError as exc:
            raise FactoryError(str(exc)) from exc
        obj, meta = entry.obj, entry.meta
    if not callable(obj):
        raise FactoryError(f"{ref!r} is a {type(obj).__name__}, not callable")
    return ResolvedFactory(
        ref,
        obj,
        tuple(meta.get("tasks", ())),
        tuple(meta.get("requires", ())),
        str(meta.get("backend_default", "")),
    )


def requirements(ref: str, params: Mapping[str, Any]) -> tuple[str, ...]:
    """Import names a model needs: its factory's, plus its backend's when it has one.

    Raises ``FactoryError`` like ``resolve``; an unknown backend adds nothing here (the
    backend's own lookup names it when the model is built).
    """
    found = resolve(ref)
    needs = list(found.requires)
    if found.backend_default:
        try:
            entry = BACKENDS.entry(str(params.get("backend", found.backend_default)))
        except (UnknownNameError, ImportError):
            return tuple(needs)
        needs += [m for m in entry.meta.get("requires", ()) if m not in needs]
    return tuple(needs)


def check_params(ref: str, factory: ModelFactory, params: Mapping[str, Any]) -> None:
    """Refuse parameters the factory's signature cannot take (``factory(ctx, **params)``)."""
    try:
        sig = inspect.signature(factory)
    except (TypeError, ValueError):  # a builtin or C callable: nothing to check
        return
    try:
        sig.bind(None, **params)
    except TypeError as exc:
        raise FactoryError(
            f"factory {ref!r} cannot be called as factory(ctx, **params) with "
            f"params {sorted(params)}: {exc}; its signature is {sig}"
        ) from None
