"""Where the data directory is: option, ini, environment, in that order."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

#: The environment variable that names the data directory.
ENV_VAR = "SYNTHBENCH_DATA_DIR"


def resolve_data_dir(
    option: str | None, ini: str | None, env: Mapping[str, str] = os.environ
) -> Path | None:
    """The data directory from ``--synth-data-dir``, the ini option or the environment.

    The first non-empty one wins; ``~`` is expanded. Returns None when none is set,
    so the caller can skip data cases with a reason instead of failing.
    Existence is not checked here: a missing directory is reported per file by the
    loader, naming the path and the fix.
    """
    for value in (option, ini, env.get(ENV_VAR)):
        if value is not None and str(value).strip():
            return Path(str(value).strip()).expanduser()
    return None
