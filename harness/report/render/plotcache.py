"""Rendered figures kept on disk by their inputs, so a rerun redraws nothing unchanged.

Once every case is reused, matplotlib is most of a rerun's time: in a profile of a
warm rerun of the default suite, ``render_html`` took 16 of 29 s, nearly all of it
drawing. A figure is a pure function of its report group (the plots are
deterministic: same group, same bytes), so each SVG is stored under a hash of the
plot function, its arguments, the plotting code and matplotlib's version; any change
to one of them draws afresh. The folder is the response cache's
(``$SYNTHBENCH_CACHE_DIR``, else the per-user cache folder), under ``plots/``. A cache
that cannot be read or written only costs the drawing; ``SYNTHBENCH_PLOT_CACHE=0``
turns it off.
"""

from __future__ import annotations

import functools
import hashlib
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.backends.cache import resolve_cache_dir
from harness.core.textsafe import json_dumps

ENV_SWITCH = "SYNTHBENCH_PLOT_CACHE"
#: Lone surrogates from data survive the round trip (harness.core.textsafe keeps them lossless).
_ERRORS = "surrogatepass"


@functools.cache
def _code_version() -> str:
    """The plotting code and matplotlib's version: a new release or an edit redraws."""
    import matplotlib

    # The plotting module's source, by path: plots imports this module (``cached``).
    source = Path(__file__).with_name("plots.py").read_bytes()
    return hashlib.sha256(source + matplotlib.__version__.encode()).hexdigest()


def _json_form(value: Any) -> Any:
    """A typed report value (a ``Group``) by its JSON form: stable across processes, and
    the same key as the JSON form itself (``Group.from_dict(d).to_dict() == d``)."""
    to_dict = getattr(value, "to_dict", None)
    return to_dict() if callable(to_dict) else repr(value)


def _key(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    payload = json_dumps([name, args, kwargs], sort_keys=True, default=_json_form)
    digest = hashlib.sha256(_code_version().encode())
    digest.update(payload.encode("utf-8", _ERRORS))
    return digest.hexdigest()


def plot_dir() -> Path:
    return resolve_cache_dir() / "plots"


def cached(draw: Callable[..., str]) -> Callable[..., str]:
    """``draw`` with its SVG kept on disk under the hash of its inputs."""

    @functools.wraps(draw)
    def wrapper(*args: Any, **kwargs: Any) -> str:
        if os.environ.get(ENV_SWITCH) == "0":
            return draw(*args, **kwargs)
        path = plot_dir() / f"{_key(draw.__qualname__, args, kwargs)}.svg"
        try:
            return path.read_bytes().decode("utf-8", _ERRORS)
        except (OSError, UnicodeDecodeError):
            pass
        svg = draw(*args, **kwargs)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Written whole under a unique name, then renamed: a reader in another
            # process sees the old file, none, or the new one, never half of one.
            tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
            tmp.write_bytes(svg.encode("utf-8", _ERRORS))
            os.replace(tmp, path)
        except OSError:
            pass
        return svg

    return wrapper
