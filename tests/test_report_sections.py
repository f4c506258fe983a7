"""harness.report.sections: a group's data parts and the whole-run sections, typed.

Round trips (hypothesis): any JSON form the producers write reads into the typed value
and writes back the same bytes, keys in the order read; a wrong key raises
``ReportFormatError`` naming where and what.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.report.figures import Group, ReportFormatError
from harness.report.model import Report
from harness.report.sections import (
    BaselineSection,
    BootstrapSection,
    CacheSection,
    DuplicateScore,
    InvalidSample,
    ItemRow,
    QualitySummary,
    RecordedSettings,
    RunSection,
    TextSafety,
)

names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8)
nums = st.one_of(st.none(), st.integers(-5, 5), st.floats(allow_nan=False, allow_infinity=False))
counts = st.integers(0, 10**6)
opt_str = st.one_of(st.none(), names)


def _bytes(x: Any) -> str:
    return json.dumps(x, ensure_ascii=False)


@st.composite
def shuffled(draw: st.DrawFn, strategy: st.SearchStrategy[dict[str, Any]]) -> dict[str, Any]:
    """A dict from ``strategy`` with its keys in a drawn order (the reader keeps any)."""
    d = draw(strategy)
    order = draw(st.permutations(list(d)))
    return {k: d[k] for k in order}


def _some(required: dict[str, Any], optional: dict[str, Any]) -> st.SearchStrategy[Any]:
    return shuffled(st.fixed_dictionaries(required, optional=optional))


duplicate = _some({"generator": names, "model": names, "dropped": nums, "kept": nums}, {})
quality = _some(
    {},
    {
        "rows": counts, "malformed": counts, "duplicates": counts, "label_coverage": nums,
        "label_tvd": nums, "distinct_1": nums, "distinct_2": nums, "mean_words": nums,
        "task_problems": counts, "exact_test_matches": st.one_of(st.none(), counts),
        "future": names,
    },
)
item = _some(
    {"i": counts},
    {"influence": nums, "influence_pearson": nums, "inversion": nums, "future": nums},
)
method = st.sampled_from(["centred", "percentile", "jackknife-normal"])
bootstrap = _some(
    {"resamples": counts, "level": st.floats(0.5, 0.999), "seed": counts},
    {
        "method": method,
        "methods": st.dictionaries(names, st.one_of(method, st.dictionaries(names, method))),
        "described": st.dictionaries(names, names),
        "scheme": st.integers(1, 3),
        "paired": st.booleans(),
        "permutations": counts,
        "reference_repeats": counts,
        "future": names,
    },
)
# Fixed order: written as the producer does (no other order is kept).
sample = st.tuples(counts, names, names).map(lambda t: {"i": t[0], "raw": t[1], "error": t[2]})
cache = _some(
    {
        "entries": counts, "size_bytes": counts, "hits": counts, "misses": counts,
        "stores": counts, "processes": counts, "hit_rate": nums,
    },
    {},
)
safety = st.tuples(counts, names).map(lambda t: {"replaced_when_rendered": t[0], "note": t[1]})
recorded = _some(
    {},
    {
        "resamples": counts, "level": nums, "seed": counts,
        "gates": st.lists(st.dictionaries(names, names), max_size=2),
        "gates_from": names, "gate_options": st.lists(names, max_size=2),
        "compare": names, "formats": st.lists(names, max_size=3), "junit_xml": names,
        "future": counts,
    },
)
run = _some(
    {},
    {
        "suite": names, "results_dir": names, "duration_s": nums, "data_dir": opt_str,
        "max_examples": st.one_of(st.none(), counts), "seed": counts,
        "inputs": st.lists(names, max_size=3), "report_settings": recorded, "other": names,
    },
)
baseline = _some(
    {}, {"compared_with": names, "error": names, "saved_to": names, "save_error": names}
)


@pytest.mark.parametrize(
    ("cls", "strategy"),
    [
        (DuplicateScore, duplicate),
        (QualitySummary, quality),
        (ItemRow, item),
        (BootstrapSection, bootstrap),
        (InvalidSample, sample),
        (CacheSection, cache),
        (TextSafety, safety),
        (RecordedSettings, recorded),
        (RunSection, run),
        (BaselineSection, baseline),
    ],
)
def test_each_part_round_trips(cls: Any, strategy: st.SearchStrategy[Any]) -> None:
    @settings(max_examples=60, deadline=None)
    @given(strategy)
    def check(d: dict[str, Any]) -> None:
        typed = cls.from_dict(d, "part")
        assert _bytes(typed.to_dict()) == _bytes(d)
        # Built without an order (``keys``): the same value again.
        assert cls.from_dict(json.loads(_bytes(typed.to_dict())), "part") == typed

    check()


GROUP = {
    "task": "intent", "dataset": "toy", "metric": "accuracy",
    "scores": {"real": {"m": 0.5}}, "agreement": {}, "bias": {}, "missing": [],
}


@settings(max_examples=60, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "duplicates": st.lists(duplicate, max_size=2),
            "quality": st.dictionaries(names, quality, max_size=2),
            "quality_missing": st.dictionaries(names, names, max_size=2),
            "items": st.dictionaries(names, st.lists(item, max_size=3), max_size=2),
        },
    )
)
def test_group_parts_round_trip(parts: dict[str, Any]) -> None:
    d = {**GROUP, **parts}
    group = Group.from_dict(d)
    assert _bytes(group.to_dict()) == _bytes(d)
    for name in ("quality", "quality_missing", "items"):
        assert (getattr(group, name) is None) == (name not in parts)
    if "items" in parts:
        src, rows = next(iter(parts["items"].items()), (None, []))
        if src is not None and rows:
            assert group.items is not None and group.items[src][0].i == rows[0]["i"]


#: The smallest which-generator section (typed by ``harness.report.generatorfigures``).
GENERATORS = {"coefficient": "spearman", "alpha": 0.05, "level": 0.95, "correction": "holm",
              "family": "per task", "tasks": {}}

REPORT = {"schema": 1, "groups": [], "run": {}, "same_as": {}, "cases": {}, "store": {}}


@settings(max_examples=60, deadline=None)
@given(
    shuffled(
        st.fixed_dictionaries(
            {},
            optional={
                "bootstrap": bootstrap,
                "invalid_samples": st.dictionaries(names, st.lists(sample, max_size=2)),
                "cache": cache,
                "text_safety": safety,
                "generators": st.just(GENERATORS),
                "future": counts,
                "baseline": baseline.filter(bool),
            },
        )
    ),
    run,
)
def test_report_sections_round_trip(sections: dict[str, Any], run_d: dict[str, Any]) -> None:
    # The empty cases and store as written, then the sections in the drawn order.
    d = {**Report.from_dict(REPORT).to_dict(), "run": run_d, **sections}
    report = Report.from_dict(d)
    assert _bytes(report.to_dict()) == _bytes(d)
    assert (report.bootstrap is None) == ("bootstrap" not in sections)
    assert (report.cache is None) == ("cache" not in sections)
    assert (report.text_safety is None) == ("text_safety" not in sections)
    assert (report.baseline is None) == ("baseline" not in sections)
    assert (report.generators is None) == ("generators" not in sections)
    # Unknown keys: kept as JSON in ``sections``.
    assert set(report.sections) == {"future"} & set(sections)


def test_built_sections_are_written_in_finish_order() -> None:
    """A report built (no ``keys``) writes its sections where ``finish`` put them."""
    report = Report.from_dict(
        {
            **REPORT,
            "cache": {"entries": 1, "size_bytes": 2, "hits": 1, "misses": 0, "stores": 0,
                      "processes": 1, "hit_rate": 1.0},
            "old_extra": 1,
            "bootstrap": {"resamples": 5, "level": 0.9, "seed": 0},
            "generators": GENERATORS,
            "invalid_samples": {"c": [{"i": 0, "raw": "", "error": "x"}]},
            "text_safety": {"replaced_when_rendered": 1, "note": "n"},
        }
    )
    import dataclasses

    built = dataclasses.replace(report, keys=())
    assert list(built.to_dict())[6:] == [
        "cache", "old_extra", "bootstrap", "generators", "invalid_samples", "text_safety"
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"bootstrap": {"resamples": "x", "level": 0.9, "seed": 0}}, "bootstrap.resamples"),
        ({"bootstrap": {"resamples": 3, "seed": 0}}, "bootstrap: missing key 'level'"),
        ({"bootstrap": {"resamples": 3, "level": 0.9, "seed": 0, "paired": 1}},
         "bootstrap.paired"),
        ({"invalid_samples": {"c": [{"i": 0, "raw": 3, "error": ""}]}},
         "invalid_samples['c'][0].raw"),
        ({"invalid_samples": {"c": {"i": 0}}}, "invalid_samples['c']: expected a list"),
        ({"cache": {"hits": 1}}, "cache: missing key 'entries'"),
        ({"text_safety": {"replaced_when_rendered": 1, "note": "", "x": 1}},
         "text_safety: unknown key 'x'"),
        ({"run": {"inputs": "a"}}, "run.inputs: expected a list"),
        ({"run": {"report_settings": {"resamples": 1.5}}}, "run.report_settings.resamples"),
        ({"run": {"report_settings": {"gates": [1]}}}, "run.report_settings.gates[0]"),
        ({"baseline": {"saved_to": 3}}, "baseline.saved_to"),
    ],
)
def test_report_reader_names_the_wrong_key(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ReportFormatError, match=_re(message)):
        Report.from_dict({**REPORT, **change})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"duplicates": [{"generator": "g", "model": "m", "kept": 1}]},
         "group.duplicates[0]: missing key 'dropped'"),
        ({"duplicates": {}}, "group.duplicates: expected a list"),
        ({"quality": {"g": {"rows": "x"}}}, "group.quality['g'].rows"),
        ({"quality": {"g": {"label_tvd": True}}}, "group.quality['g'].label_tvd"),
        ({"quality_missing": {"g": 3}}, "group.quality_missing['g']"),
        ({"items": {"g": [{"influence": 0.1}]}}, "group.items['g'][0]: missing key 'i'"),
        ({"items": {"g": [{"i": 1, "influence": "x", "influence_pearson": None,
                           "inversion": None}]}}, "group.items['g'][0].influence"),
    ],
)
def test_group_reader_names_the_wrong_key(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ReportFormatError, match=_re(message)):
        Group.from_dict({**GROUP, **change})


def _re(text: str) -> str:
    import re

    return re.escape(text)
