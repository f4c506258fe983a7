"""The shared pieces of reading an LLM's answer into a prediction value.

Every parser's work is bounded by the answer's size (an answer is whatever a server
sends): no regex that backtracks over a run of characters, no scan restarted at every
opening brace; ``tests/test_llm_parse.py`` checks the growth on hostile answers.

Each task's parser (``harness/tasks/<name>/chat.py``) returns a ``Prediction``: a
value, or ``value=None`` with ``error="unparseable: ..."`` (``unparseable``) saying
what was wrong; the raw text is always kept.
Tolerated: surrounding whitespace, case, quotes, code fences, a leading "Intent:",
the number of a listed label, and near-miss label names (rapidfuzz ratio at least
``threshold``, 0-100). Nothing is guessed beyond that: a wrong answer stays
visible as an invalid prediction.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Sequence
from typing import Any

from harness.core.records import Prediction

DEFAULT_THRESHOLD = 85.0
FENCE = "```"
_LANG = re.compile(r"[a-zA-Z0-9_-]*\s*")
_PREFIX = re.compile(
    r"^(?:the\s+)?(?:intent|label|answer|class|category)\s*(?:is)?\s*[:=\-]?\s*", re.IGNORECASE
)


def unparseable(raw: str, why: str) -> Prediction:
    return Prediction(None, raw=raw, error=f"unparseable: {why}")


def fenced_blocks(text: str) -> list[str]:
    """The contents of the markdown code blocks, in order (a language tag dropped).

    A plain scan rather than a regex: the regex form backtracked over the language
    tag for every end it tried, quadratic on a fence followed by a long word.
    """
    out: list[str] = []
    start = text.find(FENCE)
    while start != -1:
        body = _LANG.match(text, start + len(FENCE))
        assert body is not None  # both parts may be empty: it always matches
        end = text.find(FENCE, body.end())
        if end == -1:
            break
        out.append(text[body.end() : end])
        start = text.find(FENCE, end + len(FENCE))
    return out


def first_fenced_block(text: str) -> str:
    """The content of the first markdown code block, else the text itself (unlike
    ``generation.answers.strip_fences``, which takes only a fence around the whole text)."""
    blocks = fenced_blocks(text)
    return blocks[0] if blocks else text


def norm_label(s: str) -> str:
    """Case, separators and surrounding punctuation do not distinguish labels."""
    s = re.sub(r"[\s_\-./]+", " ", s.lower())
    return s.strip(" \t\"'`*.,;:!?()[]{}<>")


def short(s: str, n: int = 60) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 3] + "..."


def match_label(
    answer: str, labels: Sequence[str], threshold: float = DEFAULT_THRESHOLD
) -> str | None:
    """The label ``answer`` names: exact (normalised), by list number, by mention, or fuzzy."""
    if not labels:
        return None
    by_norm = {norm_label(lab): lab for lab in labels}
    text = first_fenced_block(answer).strip()
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    for cand in (text, first, _PREFIX.sub("", first)):
        n = norm_label(cand)
        if n in by_norm:
            return by_norm[n]
        # At most 6 digits: int() of a long run of digits is quadratic (and refused
        # beyond 4300), and no label list is that long.
        m = re.fullmatch(r"(\d{1,6})\s*(?:[:.)]\s*(.*))?", n)
        if m and 1 <= int(m.group(1)) <= len(labels):
            named = norm_label(m.group(2) or "")
            lab = labels[int(m.group(1)) - 1]
            if not named or named == norm_label(lab):
                return lab
            if named in by_norm:
                return by_norm[named]
    # A sentence that mentions exactly one label (the longest, if one contains another).
    padded = f" {norm_label(text)} "
    found = [lab for n, lab in by_norm.items() if n and f" {n} " in padded]
    if found:
        longest = max(len(norm_label(f)) for f in found)
        best = [f for f in found if len(norm_label(f)) == longest]
        if len(best) == 1:
            return best[0]
    from rapidfuzz import fuzz, process

    hit = process.extractOne(norm_label(_PREFIX.sub("", first)), list(by_norm), scorer=fuzz.ratio)
    if hit is not None and hit[1] >= threshold:
        return by_norm[hit[0]]
    return None


#: How many characters the object loaders may read per character of the answer: a
#: failed candidate costs its length, and nested candidates would otherwise add up to
#: the square of the answer's length.
LOADER_BUDGET = 4


def balanced_chunks(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every ``{ ... }`` with balanced braces, by start, in one pass."""
    stack: list[int] = []
    found: list[tuple[int, int]] = []
    for i, ch in enumerate(text):
        if ch == "{":
            stack.append(i)
        elif ch == "}" and stack:
            found.append((stack.pop(), i + 1))
    found.sort()
    return found


def _load_dict(chunk: str) -> dict[Any, Any] | None:
    for loader in (json.loads, ast.literal_eval):
        try:
            obj = loader(chunk)
        except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
            continue
        if isinstance(obj, dict):
            return obj
    return None


def json_object(raw: str) -> Any:
    """The first JSON object in the answer (fenced or bare); Python literals accepted too.

    Candidates are the balanced ``{...}`` of each fenced block, then of the whole
    answer, by where they start; the loaders read at most ``LOADER_BUDGET`` characters
    per character of the answer in all, so the work stays linear in its size.
    """
    budget = LOADER_BUDGET * len(raw) + 4096
    for cand in [*fenced_blocks(raw), raw]:
        for start, end in balanced_chunks(cand):
            if end - start > budget:
                continue
            budget -= end - start
            obj = _load_dict(cand[start:end])
            if obj is not None:
                return obj
    return None
