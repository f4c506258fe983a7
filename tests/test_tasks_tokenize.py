"""The punctuation-aware tokenizer and the char-span <-> BIO bridge."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.tasks.ner.tokenize import bio_pair, bio_to_spans, spans_to_bio, tokenize


def words(text: str, cuts: tuple[int, ...] = ()) -> list[str]:
    return [text[s:e] for s, e in tokenize(text, cuts)]


def test_punctuation_is_split_from_words() -> None:
    assert words("He met the Royal. Then: U.S.-based (ok)!") == [
        "He", "met", "the", "Royal", ".", "Then", ":", "U", ".", "S", ".", "-", "based",
        "(", "ok", ")", "!",
    ]  # fmt: skip


def test_entity_boundary_inside_a_token_splits_it() -> None:
    text = "Washingtonians voted"
    assert words(text, (0, 10)) == ["Washington", "ians", "voted"]
    tokens = tokenize(text, (0, 10))
    assert spans_to_bio(tokens, [(0, 10, "loc")]) == ["B-loc", "O", "O"]


def test_bio_pair_shares_one_tokenization() -> None:
    text = "Obama's aide, Biden."
    w, gold, pred = bio_pair(text, [(0, 5, "per"), (14, 19, "per")], [(0, 7, "per")])
    assert w == ["Obama", "'", "s", "aide", ",", "Biden", "."]
    assert gold == ["B-per", "O", "O", "O", "O", "B-per", "O"]
    assert pred == ["B-per", "I-per", "I-per", "O", "O", "O", "O"]


def test_adjacent_entities_stay_apart() -> None:
    tokens = tokenize("NewYork", (0, 3, 7))
    tags = spans_to_bio(tokens, [(0, 3, "x"), (3, 7, "x")])
    assert tags == ["B-x", "B-x"]
    assert bio_to_spans(tokens, tags) == [(0, 3, "x"), (3, 7, "x")]


def test_bio_refuses_what_it_cannot_express() -> None:
    text = "a b c"
    with pytest.raises(ValueError, match="overlaps"):
        spans_to_bio(tokenize(text), [(0, 3, "x"), (2, 5, "y")])
    with pytest.raises(ValueError, match="covers no token"):
        spans_to_bio(tokenize(text), [(1, 2, "x")])
    with pytest.raises(ValueError, match="not cut"):
        spans_to_bio(tokenize("abc"), [(0, 2, "x")])


def test_i_tag_without_b_starts_an_entity() -> None:
    tokens = tokenize("a b c")
    assert bio_to_spans(tokens, ["I-x", "I-y", "O"]) == [(0, 1, "x"), (2, 3, "y")]


texts = st.text(alphabet="ab1 .,'-(\u00e9\t\n", max_size=40)


@settings(max_examples=200, deadline=None)
@given(texts, st.lists(st.integers(0, 40), max_size=6))
def test_tokens_cover_exactly_the_non_space_characters(text: str, cuts: list[int]) -> None:
    tokens = tokenize(text, cuts)
    covered = [i for s, e in tokens for i in range(s, e)]
    assert covered == [i for i, ch in enumerate(text) if not ch.isspace()]
    assert all(s < e for s, e in tokens)
    for s, e in tokens:
        assert not any(ch.isspace() for ch in text[s:e])
    boundaries = {p for s, e in tokens for p in (s, e)}
    assert all(c in boundaries for c in cuts if 0 < c < len(text) and not text[c - 1].isspace()
               and not text[c].isspace())  # fmt: skip


@st.composite
def text_and_spans(draw: st.DrawFn) -> tuple[str, list[tuple[int, int, str]]]:
    """A text and non-overlapping spans that start and end on non-space characters."""
    text = draw(texts)
    solid = [i for i, ch in enumerate(text) if not ch.isspace()]
    marks = sorted(set(draw(st.lists(st.sampled_from(solid), max_size=8)))) if solid else []
    spans = []
    i = 0
    while i < len(marks):
        # a single-character span, or one from this mark to the next
        if i + 1 < len(marks) and draw(st.booleans()):
            spans.append((marks[i], marks[i + 1] + 1, draw(st.sampled_from(["x", "y"]))))
            i += 2
        else:
            spans.append((marks[i], marks[i] + 1, draw(st.sampled_from(["x", "y"]))))
            i += 1
    return text, spans


@settings(max_examples=200, deadline=None)
@given(text_and_spans())
def test_spans_round_trip_through_bio(ts: tuple[str, list[tuple[int, int, str]]]) -> None:
    text, spans = ts
    tokens = tokenize(text, [p for s in spans for p in s[:2]])
    assert bio_to_spans(tokens, spans_to_bio(tokens, spans)) == sorted(spans)


def test_real_ner_gold_round_trips() -> None:
    """Every gold span of the real CrossNER splits survives the trip through BIO."""
    root = os.environ.get("SYNTHBENCH_DATA_DIR")
    if not root:
        pytest.skip("set SYNTHBENCH_DATA_DIR to check the tokenizer on the real NER data")
    files = sorted(Path(root).glob("real/crossner_*/*.jsonl"))
    if not files:
        pytest.skip(f"no real/crossner_*/*.jsonl under {root}")
    n = 0
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            spans = sorted((e["start"], e["end"], e["label"]) for e in rec["entities"])
            tokens = tokenize(rec["text"], [p for s in spans for p in s[:2]])
            assert bio_to_spans(tokens, spans_to_bio(tokens, spans)) == spans, (path, rec)
            n += len(spans)
    assert n > 0
