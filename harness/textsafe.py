"""Text safety at every boundary: any Python string can be stored and shown.

Python strings may hold lone surrogates (U+D800..U+DFFF): the JSON escape
``"\\ud800"`` is valid JSON and decodes to one, and LLM endpoints send them. UTF-8
cannot encode them, so a file write, an SQLite bind or a terminal print raises
``UnicodeEncodeError`` and loses whatever was being written. Two remedies, one per
kind of artifact:

* **Machine-read artifacts** (case files, ``report.json``, generated JSONL,
  provenance, cache rows) are lossless: ``json_dumps`` writes a surrogate as its
  JSON escape ``\\udXXX``, which is valid JSON and UTF-8 and reads back as the same
  code point. Nothing is replaced, so nothing needs counting.
* **Rendered artifacts** (HTML, Markdown, JUnit XML, the terminal) are for people:
  ``scrub`` replaces each lone surrogate by U+FFFD and returns how many it replaced,
  so the writer can say so.

An adjacent high + low surrogate pair is the UTF-16 spelling of one character; it
is joined into that character (JSON decoding does the same), not counted.
"""

from __future__ import annotations

import json
import re
from typing import Any

#: What a character that cannot be encoded becomes in rendered output.
REPLACEMENT = "\ufffd"

_SURROGATE = re.compile(r"[\ud800-\udbff][\udc00-\udfff]|[\ud800-\udfff]")
# XML 1.0 forbids most C0 controls (and U+FFFE/U+FFFF) even as character references.
_XML_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def is_encodable(text: str) -> bool:
    """True when ``text`` has no lone surrogate (the fast path: no regex needed)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _join_pair(pair: str) -> str:
    return chr(0x10000 + ((ord(pair[0]) - 0xD800) << 10) + (ord(pair[1]) - 0xDC00))


def scrub(text: str) -> tuple[str, int]:
    """``text`` with lone surrogates replaced by U+FFFD, and how many were replaced."""
    if is_encodable(text):
        return text, 0
    replaced = 0

    def fix(m: re.Match[str]) -> str:
        nonlocal replaced
        if len(m.group()) == 2:
            return _join_pair(m.group())
        replaced += 1
        return REPLACEMENT

    return _SURROGATE.sub(fix, text), replaced


def scrub_tree(obj: Any) -> tuple[Any, int]:
    """``scrub`` applied to every string (keys included) of a JSON-like value."""
    if isinstance(obj, str):
        return scrub(obj)
    if isinstance(obj, dict):
        total = 0
        out: dict[Any, Any] = {}
        for k, v in obj.items():
            k2, n1 = scrub(k) if isinstance(k, str) else (k, 0)
            v2, n2 = scrub_tree(v)
            out[k2] = v2
            total += n1 + n2
        return out, total
    if isinstance(obj, list | tuple):
        items = [scrub_tree(v) for v in obj]
        seq = [v for v, _ in items]
        return (tuple(seq) if isinstance(obj, tuple) else seq), sum(n for _, n in items)
    return obj, 0


def count_unencodable(obj: Any) -> int:
    """How many characters ``scrub_tree`` would replace in ``obj``."""
    return scrub_tree(obj)[1]


def _escape(m: re.Match[str]) -> str:
    return "".join(f"\\u{ord(c):04x}" for c in m.group())


def json_dumps(obj: Any, **kwargs: Any) -> str:
    """``json.dumps`` (``ensure_ascii=False``) whose result is always valid UTF-8.

    Surrogates can only occur inside JSON strings, so replacing each by its
    ``\\uXXXX`` escape keeps the document valid and the value exact.
    """
    kwargs.setdefault("ensure_ascii", False)
    text = json.dumps(obj, **kwargs)
    return text if is_encodable(text) else _SURROGATE.sub(_escape, text)


def sql_text(text: str) -> str | bytes:
    """A value SQLite can store for ``text``: the string, or lossless bytes if needed.

    ``surrogatepass`` bytes keep every code point; ``from_sql`` turns them back.
    """
    return text if is_encodable(text) else text.encode("utf-8", "surrogatepass")


def from_sql(value: str | bytes) -> str:
    """The string ``sql_text`` stored."""
    return value.decode("utf-8", "surrogatepass") if isinstance(value, bytes) else value


def hash_bytes(text: str) -> bytes:
    """Bytes to hash for ``text``: UTF-8, surrogates passed through (never raises).

    Identical to ``text.encode("utf-8")`` for every encodable string, so existing
    hashes (cache keys) do not change.
    """
    return text.encode("utf-8", "surrogatepass")


def xml_safe(text: str) -> tuple[str, int]:
    """``scrub`` plus removal of the control characters XML 1.0 cannot hold."""
    text, n = scrub(text)
    fixed, m = _XML_BAD.subn(REPLACEMENT, text)
    return fixed, n + m


def replaced_note(n: int, where: str) -> str:
    """The one sentence a writer adds when it replaced ``n`` characters."""
    what = "character" if n == 1 else "characters"
    return f"{n} {what} that UTF-8 cannot encode (lone surrogates) replaced by U+FFFD in {where}"


__all__ = [
    "REPLACEMENT",
    "count_unencodable",
    "from_sql",
    "hash_bytes",
    "is_encodable",
    "json_dumps",
    "replaced_note",
    "scrub",
    "scrub_tree",
    "sql_text",
    "xml_safe",
]
