"""The NER task: validation, strict F1 against seqeval, the schemes against nervaluate."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nervaluate import Evaluator
from seqeval.metrics import f1_score as seqeval_f1

from harness.tasks import TASKS, RecordError
from harness.tasks.ner import NerTask, offset_problem
from harness.tasks.ner.records import Entity, NerExample
from harness.tasks.ner.tokenize import bio_pair

TASK = NerTask()
LABELS = ["per", "loc", "political party", "a-b"]
Span = tuple[int, int, str]


def test_registered() -> None:
    task = TASKS.get("ner")
    assert task.name == "ner" and task.primary == "f1"


def test_parse_record_keeps_offsets_as_given() -> None:
    rec = {
        "text": "Obama met Merkel.",
        "entities": [
            {"start": 10, "end": 16, "label": "politician", "text": "Merkel"},
            {"start": 0, "end": 0, "label": "politician", "text": ""},  # a flaw of the data
        ],
        "source": "x",
    }
    ex = TASK.parse_record(rec)
    assert ex == NerExample(
        "Obama met Merkel.",
        (Entity(10, 16, "politician", "Merkel"), Entity(0, 0, "politician", "")),
    )
    # Not repaired, not refused here: the loader repairs, with this check.
    assert offset_problem(ex.text, ex.entities[0]) is None
    assert "not within" in str(offset_problem(ex.text, ex.entities[1]))
    assert "not the entity text" in str(offset_problem(ex.text, Entity(0, 3, "x", "Obama")))


@pytest.mark.parametrize(
    ("entities", "field", "words"),
    [
        ({"start": 0}, "entities", "expected a JSON array"),
        (["Obama"], "entities[0]", "expected an object"),
        ([{"start": "0", "end": 5, "label": "per", "text": "Obama"}], "entities[0].start",
         "expected an integer"),
        ([{"start": 0, "end": 5.0, "label": "per", "text": "Obama"}], "entities[0].end",
         "expected an integer"),
        ([{"start": True, "end": 5, "label": "per", "text": "Obama"}], "entities[0].start",
         "expected an integer"),
        ([{"start": 0, "end": 5, "text": "Obama"}], "entities[0].label", "missing field"),
        ([{"start": 0, "end": 5, "label": "per"}], "entities[0].text", "missing field"),
    ],
)  # fmt: skip
def test_parse_record_errors_name_field(entities: object, field: str, words: str) -> None:
    with pytest.raises(RecordError) as info:
        TASK.parse_record({"text": "Obama met Merkel.", "entities": entities})
    assert info.value.field == field
    assert words in str(info.value)


def test_gold_encode_correct() -> None:
    ex = NerExample(
        "Obama met Merkel", (Entity(10, 16, "per"), Entity(0, 5, "per"), Entity(0, 5, "per"))
    )
    gold = TASK.gold(ex)
    assert gold == {"text": "Obama met Merkel", "entities": [[0, 5, "per"], [10, 16, "per"]]}
    pred = TASK.encode(
        [{"start": 10, "end": 16, "label": "per"}, Entity(0, 5, "per"), (0, 5, "per")]
    )
    assert pred == [[0, 5, "per"], [10, 16, "per"]]
    assert TASK.correct(gold, pred) is True
    assert TASK.correct(gold, [[0, 5, "per"]]) is False
    assert TASK.correct(gold, [[0, 5, "per"], [10, 16, "loc"]]) is False
    assert TASK.correct(gold, None) is False


def test_hand_computed_example() -> None:
    golds = [
        {
            "text": "Obama met Merkel in Berlin.",
            "entities": [[0, 5, "per"], [10, 16, "per"], [20, 26, "loc"]],
        },
        {"text": "Paris is nice.", "entities": [[0, 5, "loc"]]},
        {"text": "Nothing here.", "entities": []},
    ]  # fmt: skip
    preds = [
        [[0, 5, "per"], [10, 16, "loc"], [20, 27, "loc"]],  # 1 tp; wrong label; wrong end
        None,  # invalid: Paris missed
        [[0, 7, "per"]],  # spurious
    ]
    m = TASK.score(golds, preds, labels=["per", "loc", "org"])
    # strict: tp 1, fp 3, fn 3 -> P 1/4, R 1/4, F1 1/4
    assert (m["precision"], m["recall"], m["f1"]) == pytest.approx((0.25, 0.25, 0.25))
    assert m["invalid_rate"] == pytest.approx(1 / 3)
    # per label: per tp 1, fp 1 (Nothing), fn 1 (Merkel) -> 0.5; loc tp 0 -> 0; org: nothing -> NaN
    assert m["f1:per"] == pytest.approx(0.5)
    assert m["f1:loc"] == 0.0
    assert math.isnan(m["f1:org"])
    # exact: Obama, Merkel (label ignored) correct; Berlin. incorrect; Paris missed;
    # Nothing spurious -> P 2/4, R 2/4 -> 0.5
    assert m["exact_f1"] == pytest.approx(0.5)
    # ent_type: Obama correct, Merkel incorrect (loc vs per), Berlin. correct (overlap,
    # same label), Paris missed, Nothing spurious -> P 2/4, R 2/4 -> 0.5
    assert m["ent_type_f1"] == pytest.approx(0.5)
    # partial: Obama, Merkel correct; Berlin. partial; -> (2 + 0.5) / 4 both -> 0.625
    assert m["partial_f1"] == pytest.approx(0.625)


def test_no_entities_anywhere_is_undefined() -> None:
    m = TASK.score([{"text": "a b", "entities": []}], [[]])
    assert math.isnan(m["f1"]) and math.isnan(m["exact_f1"]) and m["invalid_rate"] == 0.0


def test_predicted_label_outside_the_label_set_is_a_false_positive() -> None:
    golds = [{"text": "Obama", "entities": [[0, 5, "per"]]}]
    m = TASK.score(golds, [[[0, 5, "alien"]]], labels=["per"])
    assert m["f1"] == 0.0 and m["f1:per"] == 0.0 and "f1:alien" not in m


# --------------------------------------------------------------------------- properties

WORDS = ["Obama", "met", "Merkel", "in", "Berlin", ".", ",", "Royal.", "U.S.-based", "'s", "(x)"]


@st.composite
def documents(draw: st.DrawFn, *, overlapping_preds: bool = False) -> tuple[dict, list[Span]]:
    """A text of random words, its gold spans, and a prediction derived from them.

    Spans start and end on non-space characters (anywhere inside words, too), as the
    loader guarantees; predictions mix kept, relabelled, shifted and invented spans.
    """
    text = " ".join(draw(st.lists(st.sampled_from(WORDS), max_size=8)))
    solid = [i for i, ch in enumerate(text) if not ch.isspace()]

    def random_spans(k: int) -> list[Span]:
        if not solid:
            return []
        marks = sorted(set(draw(st.lists(st.sampled_from(solid), max_size=k))))
        out = []
        for a, b in zip(marks[::2], marks[1::2], strict=False):
            out.append((a, b + 1, draw(st.sampled_from(LABELS))))
        if len(marks) % 2:
            out.append((marks[-1], marks[-1] + 1, draw(st.sampled_from(LABELS))))
        return out

    gold = random_spans(8)
    candidates: list[Span] = []
    for s, e, label in gold:
        action = draw(st.sampled_from(["keep", "keep", "relabel", "shift", "drop"]))
        if action == "keep":
            candidates.append((s, e, label))
        elif action == "relabel":
            candidates.append((s, e, draw(st.sampled_from(LABELS))))
        elif action == "shift":
            ends = [i + 1 for i in solid if s <= i]
            candidates.append((s, draw(st.sampled_from(ends)), label))
    candidates += random_spans(4)
    draw(st.randoms(use_true_random=False)).shuffle(candidates)
    pred: list[Span] = []
    for span in candidates:
        if overlapping_preds or all(span[1] <= p[0] or p[1] <= span[0] for p in pred):
            pred.append(span)
    return {"text": text, "entities": [list(s) for s in sorted(set(gold))]}, sorted(set(pred))


def as_json(pred: list[Span]) -> list[list]:
    return [list(s) for s in pred]


@settings(max_examples=200, deadline=None)
@given(st.lists(documents(), min_size=1, max_size=6))
def test_strict_f1_equals_seqeval_on_bio_tags(docs: list[tuple[dict, list[Span]]]) -> None:
    golds = [g for g, _ in docs]
    preds = [as_json(p) for _, p in docs]
    gold_tags, pred_tags = [], []
    for gold, pred in docs:
        _, g, p = bio_pair(gold["text"], [tuple(s) for s in gold["entities"]], pred)
        gold_tags.append(g)
        pred_tags.append(p)
    m = TASK.score(golds, preds)
    if not any(gold["entities"] for gold in golds) and not any(preds):
        assert math.isnan(m["f1"])  # seqeval says 0 (with a warning): nothing to find
    else:
        assert m["f1"] == pytest.approx(seqeval_f1(gold_tags, pred_tags), abs=1e-12)
        assert 0.0 <= m["f1"] <= 1.0


def nervaluate_f1s(golds: list[dict], preds: list[list | None]) -> dict[str, float]:
    tags = sorted(
        {s[2] for g in golds for s in g["entities"]} | {s[2] for p in preds for s in p or []}
    )
    true = [[{"label": lb, "start": s, "end": e - 1} for s, e, lb in g["entities"]] for g in golds]
    pred = [[{"label": lb, "start": s, "end": e - 1} for s, e, lb in p or []] for p in preds]
    overall = Evaluator(true, pred, tags=tags, loader="dict").evaluate()["overall"]
    return {f"{k}_f1": overall[k].f1 for k in ("strict", "exact", "ent_type", "partial")}


@settings(max_examples=200, deadline=None)
@given(
    st.lists(documents(overlapping_preds=True), min_size=1, max_size=6),
    st.lists(st.booleans(), min_size=6, max_size=6),
)
def test_schemes_equal_nervaluate(docs: list[tuple[dict, list[Span]]], invalid: list[bool]) -> None:
    golds = [g for g, _ in docs]
    preds: list[list | None] = [
        None if bad else as_json(p) for (_, p), bad in zip(docs, invalid, strict=False)
    ]
    m = TASK.score(golds, preds)
    ref = nervaluate_f1s(golds, preds)
    if not any(g["entities"] for g in golds) and not any(preds):
        assert all(math.isnan(m[k]) for k in ("exact_f1", "ent_type_f1", "partial_f1"))
        return
    for key in ("exact_f1", "ent_type_f1", "partial_f1"):
        assert m[key] == pytest.approx(ref[key], abs=1e-12), key
        assert 0.0 <= m[key] <= 1.0
    assert m["invalid_rate"] == pytest.approx(sum(p is None for p in preds) / len(preds))


@pytest.mark.parametrize(
    ("text", "gold", "pred"),
    [
        # one prediction overlaps two same-label gold spans at equal boundary distance:
        # nervaluate's ent_type keeps the first, which frees the second for the next one
        ("abc def", [(0, 3, "x"), (4, 7, "x")], [(2, 5, "x"), (4, 7, "x")]),
        # 1 character of a 300-character gold span is below the 1% overlap threshold
        ("a" * 310, [(0, 300, "x")], [(299, 305, "y")]),
        ("a" * 310, [(0, 300, "x")], [(297, 305, "y")]),
        # two predictions on one gold entity: the second finds it taken
        ("abcdef", [(0, 6, "x")], [(0, 3, "x"), (2, 6, "x")]),
        ("abcdef", [(0, 6, "x")], [(0, 3, "y"), (0, 6, "x")]),
    ],
)
def test_greedy_matching_corner_cases_equal_nervaluate(
    text: str, gold: list[Span], pred: list[Span]
) -> None:
    golds = [{"text": text, "entities": [list(s) for s in gold]}]
    preds: list[list | None] = [[list(s) for s in pred]]
    m = TASK.score(golds, preds)
    ref = nervaluate_f1s(golds, preds)
    for key in ("exact_f1", "ent_type_f1", "partial_f1"):
        assert m[key] == pytest.approx(ref[key], abs=1e-12), key


@settings(max_examples=100, deadline=None)
@given(st.lists(documents(), min_size=1, max_size=6), st.randoms(use_true_random=False))
def test_permutation_invariance_and_perfect_score(
    docs: list[tuple[dict, list[Span]]], rnd: random.Random
) -> None:
    golds = [g for g, _ in docs]
    preds = [as_json(p) for _, p in docs]
    order = list(range(len(docs)))
    rnd.shuffle(order)
    a = TASK.score(golds, preds, labels=LABELS)
    b = TASK.score([golds[i] for i in order], [preds[i] for i in order], labels=LABELS)
    assert a == pytest.approx(b, nan_ok=True)
    perfect = TASK.score(golds, [g["entities"] for g in golds], labels=LABELS)
    if any(g["entities"] for g in golds):
        for key in ("f1", "precision", "recall", "exact_f1", "ent_type_f1", "partial_f1"):
            assert perfect[key] == 1.0, key
    assert all(TASK.correct(g, g["entities"]) for g in golds)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(documents(overlapping_preds=True), min_size=1, max_size=8), st.integers(0, 2**32 - 1)
)
def test_stats_on_a_resample_equal_scoring_the_resample(
    docs: list[tuple[dict, list[Span]]], seed: int
) -> None:
    golds = [g for g, _ in docs]
    preds = [as_json(p) for _, p in docs]
    idx = np.random.default_rng(seed).integers(0, len(docs), len(docs))
    fast = TASK.score_from_stats(TASK.example_stats(golds, preds, LABELS), idx)
    slow = TASK.score([golds[i] for i in idx], [preds[i] for i in idx], LABELS)
    assert fast == pytest.approx(slow, nan_ok=True)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 12), st.integers(0, 6), st.sampled_from(["x", "y"])),
        max_size=6,
    ),
    st.booleans(),
    st.lists(st.booleans(), min_size=6, max_size=6),
)
def test_predictions_among_the_gold_take_the_shortcut_the_matching_would(
    raw: list[tuple[int, int, str]], degenerate: bool, keep: list[bool]
) -> None:
    """scheme_counts' shortcuts (pred == gold, pred a subset of gold, one side empty)
    equal the greedy matching they skip."""
    from harness.tasks.ner import schemes as N

    # Overlapping spans, equal bounds with other labels; optionally a span with end <= start.
    spans = sorted({(s, s + w + (0 if degenerate else 1), lb) for s, w, lb in raw})
    for pred in (list(spans), [sp for sp, k in zip(spans, keep, strict=False) if k], []):
        g = [(s, e - 1, lb) for s, e, lb in spans]
        p = [(s, e - 1, lb) for s, e, lb in pred]
        slow = [*N._exact(g, p, False), *N._ent_type(g, p), *N._exact(g, p, True)]
        assert N.scheme_counts(spans, pred) == slow
        slow = [*N._exact(p, g, False), *N._ent_type(p, g), *N._exact(p, g, True)]
        assert N.scheme_counts(pred, spans) == slow  # gold a subset of the prediction


@settings(max_examples=100, deadline=None)
@given(
    st.lists(documents(overlapping_preds=True), min_size=1, max_size=6),
    st.lists(st.booleans(), min_size=6, max_size=6),
)
def test_source_stats_of_several_models_equal_each_models_own(
    docs: list[tuple[dict, list[Span]]], invalid: list[bool]
) -> None:
    """The gold worked out once for all models gives each model's ``example_stats``."""
    from harness.analysis.resampling import source_stats

    golds = [g for g, _ in docs]
    first = [as_json(p) for _, p in docs]
    second: list[list | None] = [
        None if bad else g["entities"] for g, bad in zip(golds, invalid, strict=False)
    ]
    together = source_stats(TASK, golds, [first, second])
    for preds, stats in zip((first, second), together, strict=True):
        alone = TASK.example_stats(golds, preds)
        assert stats.columns == alone.columns and stats.labels == alone.labels
        assert stats.rows.dtype == alone.rows.dtype
        assert np.array_equal(stats.rows, alone.rows)
