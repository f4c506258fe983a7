"""A capitalised-span chunker: candidate entity spans without any training.

A span is a maximal run of tokens that start with an upper-case letter (or are a
capitalised word with digits, such as ``G20``). Runs may be joined across the
lower-case connectors of names (``Communist Party of the Russian Federation``,
``Leonardo da Vinci``), but only when a capitalised token follows. Capitalised
function words (``The``, ``In``, ``He``) are not names on their own: they are cut
from the start of a run, which removes most sentence-initial false spans.
Tokens come from ``harness.tasks.ner.tokenize`` (punctuation is its own token).
"""

from __future__ import annotations

from harness.tasks.ner.tokenize import tokenize

#: Lower-case words allowed inside a name when both sides are capitalised.
CONNECTORS = frozenset(
    {"of", "the", "de", "da", "del", "der", "van", "von", "for", "la", "le", "du"}
)

#: Capitalised function words that do not start a name.
FUNCTION_WORDS = frozenset(
    """a an the this that these those in on at of for from by with to as after before
    during since until while when where if but and or so he she it they we i you his
    her its their our my your there here what which who how why then also however
    although though yet both each every many most some such no not""".split()  # noqa: SIM905 - a word list reads better as text
)


def _is_cap(token: str) -> bool:
    return token[:1].isupper()


def capitalised_spans(text: str) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of the capitalised runs of ``text``, in order."""
    tokens = tokenize(text)
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(tokens):
        word = text[tokens[i][0] : tokens[i][1]]
        if not _is_cap(word) or word.lower() in FUNCTION_WORDS:
            i += 1
            continue
        last = i
        j = i + 1
        while j < len(tokens):
            token = text[tokens[j][0] : tokens[j][1]]
            if _is_cap(token):
                last = j
                j += 1
                continue
            # Look past a run of connectors for another capitalised token.
            k = j
            while k < len(tokens) and text[tokens[k][0] : tokens[k][1]] in CONNECTORS:
                k += 1
            if k > j and k < len(tokens) and _is_cap(text[tokens[k][0] : tokens[k][1]]):
                last = k
                j = k + 1
                continue
            break
        spans.append((tokens[i][0], tokens[last][1]))
        i = last + 1
    return spans
