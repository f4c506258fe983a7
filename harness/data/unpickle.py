"""A whitelist unpickler for the release's pickles.

``pickle.load`` runs whatever callables a file names, so an untrusted pickle can
execute code. This unpickler resolves only the globals in ``ALLOWED``; each maps to
an inert stand-in class defined here (plain attribute bags), never to the release's
own modules. Any other global (``os.system``, ``builtins.eval``, ...) is refused
with an error naming it, before anything is called.

The release stores lists of the dataclasses of its ``src/config.py``
(``IntentDataPoint``, ``TextSimilarityDataPoint``, ``NERDataPoint``, ``NERMolecule``,
named under ``config`` or ``src.config``) and dicts/lists/strings, which need no
globals at all.
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Callable
from typing import Any


class ForbiddenGlobal(pickle.UnpicklingError):
    """A pickle named a global outside the allow-list."""


class ReleaseRecord:
    """An inert holder of a pickled dataclass's fields (its ``__dict__`` state)."""

    def __setstate__(self, state: Any) -> None:
        # Dataclasses with slots pickle as (None, slots); plain ones as a dict.
        if isinstance(state, tuple) and len(state) == 2:
            merged: dict[str, Any] = {}
            for part in state:
                if part is not None:
                    merged.update(part)
            state = merged
        if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
            raise pickle.UnpicklingError(
                f"{type(self).__name__}: expected a dict of fields, got {type(state).__name__}"
            )
        self.__dict__.update(state)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.__dict__!r})"


class IntentDataPoint(ReleaseRecord):
    text: str
    label: str


class TextSimilarityDataPoint(ReleaseRecord):
    text1: str
    text2: str
    score: float


class NERMolecule(ReleaseRecord):
    start: int
    end: int
    label: str
    text: str


class NERDataPoint(ReleaseRecord):
    text: list[str]
    labels: list[str]
    ners: list[NERMolecule]


_RECORDS = (IntentDataPoint, TextSimilarityDataPoint, NERMolecule, NERDataPoint)


def _reconstructor(cls: Any, base: Any, state: Any) -> ReleaseRecord:
    """``copyreg._reconstructor`` (pickle protocols 0 and 1), for stand-ins only."""
    if cls not in _RECORDS or base is not object or state is not None:
        raise ForbiddenGlobal(f"copyreg._reconstructor called with {cls!r}, {base!r}")
    return object.__new__(cls)


#: (module, name) -> the object the unpickler hands out for it.
ALLOWED: dict[tuple[str, str], Callable[..., Any] | type] = {
    # The release pickled its records from two entry points: scripts run inside
    # ``src/`` name them ``config.*``, scripts run from the repository root
    # ``src.config.*`` (49 of its 97 pickles). Both name the same four classes.
    **{(module, c.__name__): c for module in ("config", "src.config") for c in _RECORDS},
    ("copyreg", "_reconstructor"): _reconstructor,
    ("builtins", "object"): object,
    # Protocols 0-2 write Python 2 module names; our find_class sees them unmapped.
    ("copy_reg", "_reconstructor"): _reconstructor,
    ("__builtin__", "object"): object,
}


class WhitelistUnpickler(pickle.Unpickler):
    """``pickle.Unpickler`` whose ``find_class`` consults ``ALLOWED`` only."""

    def __init__(self, file: io.BufferedIOBase, source: str = "pickle") -> None:
        super().__init__(file)
        self.source = source

    def find_class(self, module: str, name: str) -> Any:
        try:
            return ALLOWED[(module, name)]
        except KeyError:
            allowed = ", ".join(f"{m}.{n}" for m, n in sorted(ALLOWED))
            raise ForbiddenGlobal(
                f"{self.source}: refusing to unpickle global {module}.{name}: it is not in the "
                f"allow-list ({allowed}); the file is not a release data file, or is unsafe"
            ) from None

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError(f"{self.source}: persistent ids are not allowed")


def safe_loads(data: bytes, source: str = "pickle") -> Any:
    """Unpickle ``data`` with the whitelist; ``source`` names the file in errors."""
    return WhitelistUnpickler(io.BytesIO(data), source).load()
