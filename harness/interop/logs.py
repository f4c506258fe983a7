"""What a log of another harness holds for one source: samples with their answers.

Every reader (``lmeval.py``, ``inspect_log.py``, ``eee.py``) turns its tool's file into
one ``ImportedLog``: per sample its id (for messages), the fields the suite's examples
are matched on (``record``: an lm-eval sample's ``doc``, an Inspect sample's metadata
and input, ...) and the answer text the model gave. Scoring is never taken from the
log: the importing model hands the answers to the task, which scores them with its
own metric, as it scores the plugin's own models.

The errors name the file and the sample, and say what to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.data.errors import DataError, DataMissing


@dataclass(frozen=True)
class LoggedSample:
    """One sample of a log: its id, the fields to match on, the model's answer text.

    ``answer`` is None when the log has no usable answer for the sample (an error
    or a missing output); ``error`` then says why, and the prediction is invalid.
    ``extracted`` is the answer value the tool itself extracted from the text, where
    it logs one (``answer = "value"`` reads it instead of the text).
    """

    sample_id: str
    record: Mapping[str, Any]
    answer: str | None
    target: Any = None
    error: str | None = None
    extracted: str | None = None


@dataclass(frozen=True)
class ImportedLog:
    """One source's samples as a tool logged them, with the model the tool named."""

    path: str
    samples: tuple[LoggedSample, ...]
    model: str = ""
    task: str = ""
    tool: str = ""
    #: What else the tool recorded that a reader may want (config, versions).
    meta: Mapping[str, Any] = field(default_factory=dict)


class ImportMismatch(DataError):
    """A log that does not fit the suite's source: named file, sample, and the fix."""

    def __init__(self, path: str | Path, problem: str, fix: str = "") -> None:
        ValueError.__init__(self, f"{path}: {problem}" + (f"; {fix}" if fix else ""))
        self.path = str(path)
        self.line = 0
        self.field = ""


class ImportMissing(DataMissing):
    """A source the importing model has no log for, or a log file that is not there."""

    def __init__(self, path: str | Path, problem: str) -> None:
        FileNotFoundError.__init__(self, problem)
        self.path = str(path)


def dig(record: Mapping[str, Any], dotted: str) -> Any:
    """``record["a"]["b"]`` for ``"a.b"``; None when any step is missing."""
    value: Any = record
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def text_of(value: Any) -> str | None:
    """The text of a field: a string as is, a chat input as its last user message."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value:
        # Inspect's chat input: a list of messages; the example is the user's last one.
        users = [m for m in value if isinstance(m, Mapping) and m.get("role") == "user"]
        content = (users or [m for m in value if isinstance(m, Mapping)])[-1:]
        if content:
            inner = content[0].get("content")
            if isinstance(inner, str):
                return inner
            if isinstance(inner, list):
                parts = [c.get("text", "") for c in inner if isinstance(c, Mapping)]
                return "".join(p for p in parts if isinstance(p, str))
    return None


def table(value: Any) -> Mapping[str, Any]:
    """``value`` when it is a JSON object, else an empty one (a log's optional parts)."""
    return value if isinstance(value, Mapping) else {}
