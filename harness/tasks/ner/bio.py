"""Tokens + BIO/IOB2 tags -> a text with character-offset entities.

The text is the tokens joined by single spaces (CoNLL and CrossNER style), so token
``i`` starts at the sum of the previous tokens' lengths plus one space each. Chunks
follow seqeval's default (lenient) reading of IOB2, so the spans equal what seqeval
scores on the same tags: ``B-X`` starts a chunk; ``I-X`` continues a chunk of type
``X`` and starts one after ``O`` or another type; ``O`` ends a chunk. ``E-``/``S-``
(IOBES) are read as seqeval does too (``S-X`` a one-token chunk, ``E-X`` its end).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    """One entity: character offsets in the joined text (``end`` exclusive), token range."""

    start: int
    end: int
    label: str
    first_token: int
    last_token: int


def _split(tag: str) -> tuple[str, str]:
    if tag in ("O", ""):
        return "O", ""
    if len(tag) > 1 and tag[1] in "-_" and tag[0] in "BIES":
        return tag[0], tag[2:]
    raise ValueError(f"tag {tag!r} is not O or a B-/I-/E-/S- tag (IOB2 / IOBES)")


def chunks(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """``(label, first token, last token)`` of every chunk (see the module docstring)."""
    out: list[tuple[str, int, int]] = []
    label, first = "", -1
    for i, tag in enumerate([*tags, "O"]):
        prefix, kind = _split(tag)
        starts = prefix in ("B", "S") or (prefix in ("I", "E") and kind != label)
        if label and (prefix == "O" or starts):
            out.append((label, first, i - 1))
            label = ""
        if prefix != "O" and (starts or not label):
            label, first = kind, i
        if prefix in ("E", "S") and label:
            out.append((label, first, i))
            label = ""
    return out


def to_spans(tokens: Sequence[str], tags: Sequence[str]) -> tuple[str, list[Span]]:
    """The joined text and its entity spans; ``tokens`` and ``tags`` must align."""
    if len(tokens) != len(tags):
        raise ValueError(f"{len(tokens)} tokens but {len(tags)} tags")
    starts, pos = [], 0
    for tok in tokens:
        starts.append(pos)
        pos += len(tok) + 1
    text = " ".join(tokens)
    spans = [
        Span(starts[a], starts[b] + len(tokens[b]), label, a, b) for label, a, b in chunks(tags)
    ]
    return text, spans
