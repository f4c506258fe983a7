"""Where the harness keeps files of its own: the per-user cache folder.

The LLM response cache, the embedding and ONNX model caches, converted datasets and
the figure cache all live under it, so every layer asks here, not the response cache.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

ENV_CACHE_DIR = "SYNTHBENCH_CACHE_DIR"


def default_cache_dir(env: Mapping[str, str] | None = None, system: str | None = None) -> Path:
    """The per-user cache folder, never the working directory (docs/reports.md).

    Linux and other POSIX systems: ``$XDG_CACHE_HOME/synthbench``, else
    ``~/.cache/synthbench``; macOS: ``~/Library/Caches/synthbench``; Windows:
    ``%LOCALAPPDATA%\\synthbench\\cache``. Responses paid for in one project are then
    found again from any other, and a run never litters the folder it started in.
    """
    env = os.environ if env is None else env
    system = sys.platform if system is None else system
    if system.startswith("win"):
        base = env.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "synthbench" / "cache"
    if system == "darwin":
        return Path.home() / "Library" / "Caches" / "synthbench"
    xdg = env.get("XDG_CACHE_HOME", "")
    # The XDG spec: a relative value is invalid and is ignored.
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "synthbench"
    return Path.home() / ".cache" / "synthbench"


def resolve_cache_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``explicit`` (``--cache-dir``), else ``$SYNTHBENCH_CACHE_DIR``, else the per-user
    ``default_cache_dir()``."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(ENV_CACHE_DIR)
    return Path(env) if env else default_cache_dir()
