"""The error types the layers share, at the bottom floor so any layer may raise them.

A backend says a package or a key is missing, a task's label reader says a data file
is malformed or absent; the run turns them into skipped or failed cases. They live
here, not in the layer that first needed them, so no lower floor imports a higher one
for an exception class. ``harness.models.base`` and ``harness.data.errors`` re-export
them under their old names.
"""

from __future__ import annotations

from pathlib import Path

from harness.core.extras import DISTRIBUTIONS, install_line


class MissingDependency(RuntimeError):
    """An optional package a model needs is not installed: its cases are skipped."""

    def __init__(self, package: str, model: str = "") -> None:
        who = f"model {model!r} " if model else ""
        module = {d: m for m, d in DISTRIBUTIONS.items()}.get(package, package.replace("-", "_"))
        line = install_line(module)
        also = f" (the extra that brings it; or pip install {package})" if "[" in line else ""
        super().__init__(f"{who}needs the package {package!r}: {line}{also}")
        self.package = package


class NotConfigured(RuntimeError):
    """A model lacks run-time configuration (endpoint, API key): its cases are skipped.

    The message names what to set, e.g. the environment variable of the key.
    """


#: What to do when data is missing; every DataMissing message ends with it.
FIX_MISSING = (
    "run `synthbench data fetch` or set --synth-data-dir / the synth_data_dir ini option / "
    "SYNTHBENCH_DATA_DIR"
)


class DataError(ValueError):
    """Malformed input: the message names the file, line and field, and what to do.

    ``path``, ``line`` (1-based, 0 when the whole file is at fault) and ``field``
    are kept as attributes so a caller can report them without parsing the text.
    """

    def __init__(
        self, path: str | Path, line: int, field: str, problem: str, fix: str = ""
    ) -> None:
        self.path = str(path)
        self.line = line
        self.field = field
        where = f"{self.path}:{line}" if line else self.path
        # RecordError messages usually name the field already; avoid saying it twice.
        what = problem if (not field or repr(field) in problem) else f"field {field!r}: {problem}"
        # ``fix``: when the cure is elsewhere (a suite key), the caller says where.
        fix = fix or ("fix or delete that line" if line else "fix the file")
        super().__init__(f"{where}: {what}; {fix}")


class DataMissing(FileNotFoundError):
    """A data file or directory that does not exist; the message says how to get it."""

    def __init__(self, path: str | Path, what: str = "data file") -> None:
        self.path = str(path)
        super().__init__(f"{what} not found: {self.path}; {FIX_MISSING}")

    def __str__(self) -> str:  # FileNotFoundError would print "[Errno None] ..." otherwise
        return str(self.args[0])
