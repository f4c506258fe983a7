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

Rendered artifacts must also not let a text **reorder or hide** what is around it:
a bidi override (U+202E) in a generator name reverses the figures after it, a NUL
or an ANSI escape hides or repaints, U+2028 breaks a line. ``visible`` spells every
such character as its escape (``\\u202e``, ``\\x00``): control characters (Cc),
format characters (Cf: bidi controls, zero-width spaces, tag characters; the two
joiners U+200C/U+200D stay, scripts and emoji need them), line and paragraph
separators. Right-to-left letters are legitimate text but still reorder neighbouring
figures, so each renderer isolates a name that holds them: ``<bdi>`` in HTML and
FSI..PDI (U+2068..U+2069, ``isolate``) in Markdown.
"""

from __future__ import annotations

import json
import re
import unicodedata
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


#: Unicode categories that reorder or hide rather than show (see the module docstring).
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
#: Format characters that are part of ordinary text (ZWNJ, ZWJ): kept as they are.
_JOINERS = frozenset("\u200c\u200d")
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: First-strong isolate and pop directional isolate: the plain-text isolating pair.
FSI, PDI = "\u2068", "\u2069"
_RTL_CLASSES = frozenset({"R", "AL", "AN"})


def is_hidden(char: str) -> bool:
    """True for a character ``visible`` spells out (one code point)."""
    return char not in _JOINERS and unicodedata.category(char) in HIDDEN_CATEGORIES


def escape_char(char: str) -> str:
    """The escape a hidden character is shown as: ``\\n``, ``\\x00``, ``\\u202e``, ..."""
    if char in _SHORT:
        return _SHORT[char]
    cp = ord(char)
    if cp <= 0xFF:
        return f"\\x{cp:02x}"
    return f"\\u{cp:04x}" if cp <= 0xFFFF else f"\\U{cp:08x}"


def visible(text: Any, keep: str = "") -> str:
    """``text`` with every hidden character spelled as its escape; ``keep`` lists exceptions.

    Lone surrogates become U+FFFD first (as ``scrub``), pairs are joined. A renderer
    passes ``keep="\\n\\t"`` for multi-line texts shown in a ``<pre>``; names keep
    nothing, so ``"gen\\na"`` shows as ``gen\\na`` on one line. Idempotent: the output
    has no hidden character left (outside ``keep``).
    """
    s = text if isinstance(text, str) else str(text)
    if s.isprintable():  # the fast path (C): no Cc, Cf, Cs, Zl, Zp at all
        return s
    s = scrub(s)[0]
    return "".join(
        escape_char(c) if c not in keep and is_hidden(c) else c for c in s
    )


def has_rtl(text: str) -> bool:
    """True when ``text`` holds a right-to-left letter or Arabic digit (it would reorder)."""
    return not text.isascii() and any(unicodedata.bidirectional(c) in _RTL_CLASSES for c in text)


def isolate(text: str) -> str:
    """``visible(text)``, wrapped in FSI..PDI when it holds right-to-left text.

    The isolate keeps the name's direction from spilling onto the figures beside it
    (Markdown has no ``<bdi>``); a left-to-right name is returned without the pair,
    so copying it copies no invisible character.
    """
    shown = visible(text)
    return f"{FSI}{shown}{PDI}" if has_rtl(shown) else shown


def visible_tree(obj: Any) -> Any:
    """``visible`` applied to every string (keys included) of a JSON-like value."""
    if isinstance(obj, str):
        return visible(obj)
    if isinstance(obj, dict):
        return {visible_tree(k): visible_tree(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        seq = [visible_tree(v) for v in obj]
        return tuple(seq) if isinstance(obj, tuple) else seq
    return obj


def replaced_note(n: int, where: str) -> str:
    """The one sentence a writer adds when it replaced ``n`` characters."""
    what = "character" if n == 1 else "characters"
    return f"{n} {what} that UTF-8 cannot encode (lone surrogates) replaced by U+FFFD in {where}"


__all__ = [
    "FSI",
    "HIDDEN_CATEGORIES",
    "PDI",
    "REPLACEMENT",
    "count_unencodable",
    "escape_char",
    "from_sql",
    "has_rtl",
    "hash_bytes",
    "is_encodable",
    "is_hidden",
    "isolate",
    "json_dumps",
    "replaced_note",
    "scrub",
    "scrub_tree",
    "sql_text",
    "visible",
    "visible_tree",
    "xml_safe",
]
