"""Records survive the trip through plain dicts (what crosses processes and files)."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.core.records import SCHEMA_VERSION, CaseKey, CaseResult, DataIssues, Outcome

names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12)
metric = st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.just(math.nan))


@given(
    key=st.builds(CaseKey, names, names, names, names),
    metrics=st.dictionaries(names, metric, max_size=4),
    n=st.integers(0, 10_000),
    status=st.sampled_from(["ok", "skipped", "error"]),
)
def test_case_result_round_trips_through_json(
    key: CaseKey, metrics: dict, n: int, status: str
) -> None:
    r = CaseResult(key, status, "f1", metrics, n, n // 2, "why", 1.5, DataIssues(rows=n, kept=n))
    back = CaseResult.from_dict(json.loads(json.dumps(r.to_dict(), allow_nan=False)))
    assert back.key == key and back.status == status and back.data == r.data
    assert back.metrics.keys() == metrics.keys()
    for k, v in metrics.items():
        assert (math.isnan(v) and math.isnan(back.metrics[k])) or back.metrics[k] == v


@given(
    gold=st.one_of(st.text(), st.floats(allow_nan=False)),
    pred=st.one_of(st.none(), st.text()),
    raw=st.one_of(st.none(), st.text()),
)
def test_outcome_round_trips(gold: object, pred: object, raw: str | None) -> None:
    o = Outcome(3, gold, pred, pred is not None, raw, None if raw is None else "e")
    assert Outcome.from_dict(json.loads(json.dumps(o.to_dict()))) == o


def test_other_schema_is_refused_by_name() -> None:
    d = CaseResult(CaseKey("t", "d", "g", "m"), "ok").to_dict()
    d["schema"] = SCHEMA_VERSION + 1
    with pytest.raises(ValueError, match="schema 2, this harness reads schema 1"):
        CaseResult.from_dict(d)


def test_case_id_is_readable() -> None:
    assert (
        CaseKey("ner", "crossner_politics", "gpt-4o", "spacy").id
        == "ner-crossner_politics-gpt-4o-spacy"
    )
