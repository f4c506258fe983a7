"""The nervaluate evaluation schemes (exact, ent_type, partial), re-implemented.

nervaluate (version 1.2.1, ``nervaluate.strategies``) is the reference; its
``Evaluator`` re-runs every scheme once per entity type per document, which is too
slow for a bootstrap over a thousand resamples. This module reproduces its greedy
matching per document and returns the five counts per scheme, which sum over
documents; ``tests/test_tasks_ner.py`` checks the result against nervaluate itself.

Faithful details of nervaluate 1.2.1 that shape the numbers:

* predictions are visited in the order given (callers pass them sorted), each is
  matched to at most one gold entity, and a gold entity once matched (correctly or
  not) is unavailable to later predictions;
* "overlap" means at least ``min_overlap_percentage`` (1%) of the *gold* span's
  characters are covered by the prediction;
* ``exact``: same boundaries = correct, else overlap = incorrect, else spurious;
  ``ent_type``: overlap with the same label = correct (closest boundaries win),
  overlap with another label = incorrect; ``partial``: same boundaries = correct,
  overlap = partial; unmatched gold entities are missed in every scheme;
* precision = (correct + 0.5 partial) / actual and recall likewise over possible,
  where actual = correct + incorrect + partial + spurious and possible = correct +
  incorrect + partial + missed (ent_type uses the same formula; its partial is 0).

We take spans as ``(start, end_exclusive, label)`` and convert to nervaluate's
inclusive ends internally.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.tasks.ner.tokenize import Span

SCHEMES = ("exact", "ent_type", "partial")
COUNTS = ("correct", "incorrect", "partial", "missed", "spurious")
MIN_OVERLAP_PERCENTAGE = 1.0

_Incl = tuple[int, int, str]  # (start, end_inclusive, label)


def _overlaps(pred: _Incl, true: _Incl) -> bool:
    # Same arithmetic as nervaluate's _calculate_overlap_percentage, inclusive ends.
    if pred[0] > true[1] or pred[1] < true[0]:
        return False
    overlap = min(pred[1], true[1]) - max(pred[0], true[0]) + 1
    true_span = true[1] - true[0] + 1
    if true_span <= 0:  # a degenerate gold span; nervaluate would divide by zero
        return False
    return (overlap / true_span) * 100.0 >= MIN_OVERLAP_PERCENTAGE


def _exact(gold: Sequence[_Incl], pred: Sequence[_Incl], partial: bool) -> list[int]:
    """``exact`` (non-matching overlap = incorrect) or ``partial`` (= partial)."""
    correct = near = spurious = 0
    matched: set[int] = set()
    for p in pred:
        found, candidate = False, -1
        for j, t in enumerate(gold):
            if j in matched:
                continue
            same_bounds = p[0] == t[0] and p[1] == t[1]
            # partial checks boundaries only among overlapping gold; exact checks first.
            if partial and not _overlaps(p, t):
                continue
            if same_bounds:
                correct += 1
                matched.add(j)
                found = True
                break
            if candidate < 0 and (partial or _overlaps(p, t)):
                candidate = j
        if not found:
            if candidate >= 0:
                near += 1
                matched.add(candidate)
            else:
                spurious += 1
    missed = len(gold) - len(matched)
    if partial:
        return [correct, 0, near, missed, spurious]
    return [correct, near, 0, missed, spurious]


def _ent_type(gold: Sequence[_Incl], pred: Sequence[_Incl]) -> list[int]:
    correct = incorrect = spurious = 0
    matched: set[int] = set()
    for p in pred:
        best, best_distance, wrong = -1, -1, -1
        for j, t in enumerate(gold):
            if j in matched or not _overlaps(p, t):
                continue
            distance = abs(p[0] - t[0]) + abs(p[1] - t[1])
            if p[2] == t[2]:
                if best < 0 or distance < best_distance:
                    best, best_distance = j, distance
            elif wrong < 0:
                wrong = j
        if best >= 0:
            correct += 1
            matched.add(best)
        elif wrong >= 0:
            incorrect += 1
            matched.add(wrong)
        else:
            spurious += 1
    return [correct, incorrect, 0, len(gold) - len(matched), spurious]


def scheme_counts(gold: Sequence[Span], pred: Sequence[Span]) -> list[int]:
    """The five ``COUNTS`` of each of ``SCHEMES`` for one document, concatenated.

    Predictions that are all gold spans (most documents of a good model: the gold
    itself, or some of it) match their own gold span in each scheme, whatever else
    they overlap (an identical span is found before a near one is settled for, and
    its distance 0 wins ``ent_type``): ``correct`` = the predictions, ``missed`` =
    the other gold spans; that shortcut skips the pairwise matching. Only for spans
    that overlap themselves (``start < end``): a degenerate span matches nothing in
    ``partial`` and ``ent_type``. A document with no gold or no predicted entity is
    counted directly too.
    """
    # With one side empty nothing can match: every gold is missed, every prediction
    # spurious, in each scheme (what the matching below would count, without it).
    if not pred or not gold:
        return [0, 0, 0, len(gold), len(pred)] * len(SCHEMES)
    if all(s < e for s, e, _ in pred) and set(pred) <= set(gold):
        k = len(pred)
        return [k, 0, 0, len(gold) - k, 0] * len(SCHEMES)
    g = [(s, e - 1, label) for s, e, label in gold]
    p = [(s, e - 1, label) for s, e, label in pred]
    return [*_exact(g, p, partial=False), *_ent_type(g, p), *_exact(g, p, partial=True)]


def scheme_f1(
    correct: float, incorrect: float, partial: float, missed: float, spurious: float
) -> float:
    """nervaluate's F1 from summed counts; NaN when there are no entities at all."""
    actual = correct + incorrect + partial + spurious
    possible = correct + incorrect + partial + missed
    if actual == 0 and possible == 0:
        return float("nan")
    hits = correct + 0.5 * partial
    precision = hits / actual if actual else 0.0
    recall = hits / possible if possible else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0
