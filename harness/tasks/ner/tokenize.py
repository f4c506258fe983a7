"""A punctuation-aware tokenizer with character offsets, and char spans <-> BIO tags.

NER data and predictions here are character spans; seqeval (the reference for
strict entity F1) works on BIO tags over tokens. This module is the bridge:

* ``tokenize(text)``: a token is a run of word characters (``\\w+``) or a single
  other non-space character, so punctuation glued to a word becomes its own token
  (``"Royal."`` -> ``"Royal"``, ``"."``). Tokens cover every non-space character.
* ``cuts``: entity boundaries that fall inside a token split that token
  (``"Obama's"`` with an entity ``"Obama"`` -> ``"Obama"``, ``"'"``, ``"s"`` anyway;
  ``"USA-based"`` with an entity ``"USA"`` -> ``"USA"``, ``"-"``, ``"based"``; a span
  ending mid-word, ``"Wash"`` in ``"Washington"``, -> ``"Wash"``, ``"ington"``). With
  every boundary cut, each token lies wholly inside or outside each entity, so the
  BIO encoding of a span set is exact and seqeval recovers the same entities.
* A span is mapped to the tokens it covers; whitespace at its edges is therefore not
  represented (``" Canada"`` and ``"Canada"`` give the same tags). Strict F1 in
  ``harness.tasks.ner`` compares character offsets, so it equals seqeval's F1 on
  these tags whenever spans start and end on non-space characters (the data loader
  trims entity spans; a span that covers only whitespace has no tokens and is refused).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence

Span = tuple[int, int, str]
"""A labelled character span ``(start, end, label)``; ``end`` is exclusive."""
Offsets = tuple[int, int]

_TOKEN = re.compile(r"\w+|[^\w\s]")


def tokenize(text: str, cuts: Iterable[int] = ()) -> list[Offsets]:
    """Token offsets ``(start, end)`` of ``text``, also split at every offset in ``cuts``."""
    points = sorted(set(cuts))
    tokens: list[Offsets] = []
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        # Cut points strictly inside this token split it.
        lo = bisect.bisect_right(points, start)
        hi = bisect.bisect_left(points, end)
        for cut in points[lo:hi]:
            tokens.append((start, cut))
            start = cut
        tokens.append((start, end))
    return tokens


def spans_to_bio(tokens: Sequence[Offsets], spans: Iterable[Span]) -> list[str]:
    """BIO tags over ``tokens`` for non-overlapping ``spans``.

    ``tokens`` must already be cut at every span boundary (``tokenize(text, cuts)``);
    a span that covers no token or overlaps another span raises ``ValueError``, since
    BIO cannot express either.
    """
    tags = ["O"] * len(tokens)
    starts = [t[0] for t in tokens]
    for start, end, label in sorted(spans):
        first = i = bisect.bisect_left(starts, start)
        inside = []
        while i < len(tokens) and tokens[i][1] <= end:
            inside.append(i)
            i += 1
        straddles = (i < len(tokens) and tokens[i][0] < end) or (
            first > 0 and tokens[first - 1][1] > start
        )
        if straddles:
            raise ValueError(f"span {(start, end, label)!r}: tokens are not cut at its boundaries")
        if not inside:
            raise ValueError(f"span {(start, end, label)!r} covers no token")
        if any(tags[i] != "O" for i in inside):
            raise ValueError(f"span {(start, end, label)!r} overlaps another span")
        tags[inside[0]] = f"B-{label}"
        for i in inside[1:]:
            tags[i] = f"I-{label}"
    return tags


def bio_to_spans(tokens: Sequence[Offsets], tags: Sequence[str]) -> list[Span]:
    """The character spans of BIO ``tags`` over ``tokens`` (an ``I-`` after ``O`` or
    after another label starts an entity, as in seqeval's default mode)."""
    spans: list[Span] = []
    current: list[int | str] | None = None  # [start, end, label]
    for (start, end), tag in zip(tokens, tags, strict=True):
        prefix, _, label = tag.partition("-")
        if prefix == "I" and current is not None and current[2] == label:
            current[1] = end
            continue
        if current is not None:
            spans.append((int(current[0]), int(current[1]), str(current[2])))
            current = None
        if prefix in ("B", "I"):
            current = [start, end, label]
    if current is not None:
        spans.append((int(current[0]), int(current[1]), str(current[2])))
    return spans


def bio_pair(
    text: str, gold: Iterable[Span], pred: Iterable[Span]
) -> tuple[list[str], list[str], list[str]]:
    """Tokens and the gold and predicted BIO tags of one text, on one shared tokenization.

    Both span sets' boundaries cut the tokens, so gold and prediction are tagged over
    the same token sequence, as seqeval requires.
    """
    gold, pred = list(gold), list(pred)
    cuts = [p for s in (*gold, *pred) for p in s[:2]]
    tokens = tokenize(text, cuts)
    words = [text[s:e] for s, e in tokens]
    return words, spans_to_bio(tokens, gold), spans_to_bio(tokens, pred)
