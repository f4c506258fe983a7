"""Cleaning an LLM's answer into the piece a generator wants.

Models wrap answers in code fences, quotes, "Utterance:" labels or chatter; these
helpers undo the common wrappings and give up (None) on anything else, which the
generator counts as a format rejection.
"""

from __future__ import annotations

import json
import re
from typing import Any

_FENCE = re.compile(r"^```[\w-]*\s*\n?(.*?)\n?```\s*$", re.DOTALL)
_LABEL = re.compile(r"^(?:utterance|text|sentence|answer|output)\s*\d*\s*:\s*", re.IGNORECASE)
_QUOTES = ("\"\"", "''", "“”", "‘’", "``")


def strip_fences(text: str) -> str:
    """The inside of one surrounding code fence, or the text itself."""
    text = text.strip()
    m = _FENCE.match(text)
    return m.group(1).strip() if m else text


def unquote(text: str) -> str:
    """The text without one pair of surrounding quotes."""
    text = text.strip()
    for pair in _QUOTES:
        if len(text) >= 2 and text[0] == pair[0] and text[-1] == pair[1]:
            return text[1:-1].strip()
    return text


def one_line(answer: str) -> str | None:
    """A single-line answer: first non-empty line, label prefix and quotes removed."""
    body = strip_fences(answer)
    obj = json_value(body)
    if isinstance(obj, dict) and isinstance(obj.get("text"), str):
        body = obj["text"]
    elif isinstance(obj, str):
        body = obj
    for line in body.splitlines():
        line = unquote(_LABEL.sub("", line.strip()))
        if line:
            return line
    return None


def json_value(answer: str) -> Any:
    """The JSON value in an answer (the whole text, else its first {...} or [...] block)."""
    body = strip_fences(answer)
    try:
        return json.loads(body)
    except json.JSONDecodeError:
        pass
    for open_, close in (("{", "}"), ("[", "]")):
        start, end = body.find(open_), body.rfind(close)
        if 0 <= start < end:
            try:
                return json.loads(body[start : end + 1])
            except json.JSONDecodeError:
                continue
    return None
