"""Unit tests of the data-quality report on fixtures the tests write themselves."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.quality import assess, check_file, check_source, render_quality
from harness.quality.contamination import contamination, exact_matches
from harness.quality.distribution import compare
from harness.quality.text import distinct_n, length_stats
from harness.run.suite import DatasetSpec
from harness.tasks.intent.records import IntentExample
from harness.tasks.ner.records import Entity, NerExample
from harness.tasks.similarity.records import SimilarityExample


def words_encoder(texts):
    """Word-count vectors over a fixed vocabulary shared by every call."""
    vocab = ["book", "a", "table", "for", "two", "play", "jazz", "music", "now", "the", "weather"]
    out = np.zeros((len(texts), len(vocab) + 1), np.float32)
    for i, t in enumerate(texts):
        for w in t.lower().split():
            out[i, vocab.index(w) if w in vocab else len(vocab)] += 1
    return out


def write(path: Path, rows: list) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def test_distinct_n_hand_computed():
    # unigrams a b a | b c: 5 in all, 3 distinct; bigrams ab ba | bc: 3, all distinct
    assert distinct_n(["a b a", "B, c"], 1) == pytest.approx(3 / 5)
    assert distinct_n(["a b a", "B, c"], 2) == pytest.approx(1.0)
    assert distinct_n(["a", "b"], 2) is None


def test_length_stats_hand_computed():
    s = length_stats(["one two", "one two three four", "x"])
    assert (s["min"], s["median"], s["max"], s["mean"]) == (1, 2, 4, pytest.approx(7 / 3, abs=1e-3))


@given(st.lists(st.text(alphabet="ab c", max_size=12), max_size=8), st.integers(1, 3))
def test_distinct_n_is_a_share(texts, n):
    d = distinct_n(texts, n)
    assert d is None or 0 < d <= 1


@given(st.lists(st.sampled_from(["x", "y", "z", "w"]), max_size=20))
def test_duplicate_count_is_rows_minus_distinct(texts):
    q = assess("intent", [IntentExample(t, "a") for t in texts])
    assert q["duplicates"]["count"] == len(texts) - len(set(texts))
    assert q["duplicates"]["groups"] == sum(1 for c in Counter(texts).values() if c > 1)


def test_compare_coverage_and_tvd():
    out = compare({"a": 3, "b": 1, "x": 0}, {"a": 1, "b": 1, "c": 2})
    # p = (.75, .25, 0), q = (.25, .25, .5): TVD = (.5 + 0 + .5) / 2
    assert out["tvd"] == pytest.approx(0.5)
    assert out["coverage"] == pytest.approx(2 / 3)
    assert out["missing"] == ["c"] and out["extra"] == []


def test_intent_labels_checks_and_malformed_lines(tmp_path):
    path = write(tmp_path / "s.jsonl", [
        {"text": "play jazz", "label": "play"},
        {"text": "play jazz", "label": "play"},
        "{not json",
        {"text": "", "label": "play"},
        {"text": "what is the weather", "label": "weather_unknown"},
        "",
    ])
    q = check_file(path, "intent", labels=("play", "weather"), real=[IntentExample("x", "weather")])
    assert (q["rows"], q["valid"], q["malformed"]) == (5, 3, 2)
    assert [m["line"] for m in q["malformed_lines"]] == [3, 4]
    assert q["duplicates"]["count"] == 1
    assert q["checks"]["problems"] == {"label_unknown": 1}
    assert q["labels"]["coverage"] == 0.0 and q["labels"]["missing"] == ["weather"]
    assert q["labels"]["label_set_coverage"] == 0.5
    text = render_quality(q)
    assert "line 3: not valid JSON" in text and "duplicates 1" in text


def test_ner_checks_count_every_flaw():
    text = "Ada met Alan in Paris"
    ex = NerExample(text, (
        Entity(0, 3, "person", "Ada"),          # sound
        Entity(8, 12, "person", "alan"),        # text differs (case): not matching
        Entity(16, 99, "location", "Paris"),    # outside the text
        Entity(1, 5, "person", "da m"),         # overlaps the first, and sound text
        Entity(16, 21, "planet", "Paris"),      # unknown label
    ))
    q = assess("ner", [ex], labels=("person", "location"))
    assert q["checks"]["problems"] == {
        "entities_overlap": 1,
        "entity_label_unknown": 1,
        "offsets_not_matching_text": 1,
        "offsets_outside_text": 1,
    }
    assert q["checks"]["examples_with_problems"] == 1
    assert q["labels"]["counts"] == {"location": 1, "person": 3, "planet": 1}


def test_similarity_score_range_and_bins():
    exs = [SimilarityExample("a", "b", s) for s in (0.4, 2.5, 3.5, 5.2)]
    q = assess("similarity", exs, score_range=(0, 5), real=[SimilarityExample("c", "d", 1.0)])
    assert q["checks"]["problems"] == {"score_out_of_range": 1}
    # half rounds up: 2.5 -> 3 and 3.5 -> 4
    assert q["labels"]["counts"] == {"0": 1, "3": 1, "4": 1, "5": 1}
    assert q["labels"]["missing"] == ["1"]


def test_exact_contamination_normalizes_and_pairs_match_in_either_order():
    assert exact_matches([("Play  Jazz",), ("other",)], [("play jazz",)]) == [0]
    assert exact_matches([("b", "A"), ("a", "c")], [("a", "B")]) == [0]


def test_near_contamination_with_a_known_encoder():
    source = [("book a table for two",), ("play jazz music now",), ("the weather",)]
    real = [("Book a table for two",), ("play jazz music",), ("xyz",)]
    out = contamination(source, real, words_encoder, threshold=0.8)
    # cosines: 1.0 (exact), 3/sqrt(12) = 0.866, 1/sqrt(2)*... the weather vs any: 0
    assert out["exact"] == 1
    assert out["near"] == 2
    assert out["nearest"][0]["similarity"] == pytest.approx(1.0)
    assert out["nearest"][1]["similarity"] == pytest.approx(3 / 12 ** 0.5, abs=1e-4)


def test_near_contamination_of_pairs_takes_the_weaker_text():
    source = [("play jazz music", "book a table"), ("play jazz music", "the weather")]
    real = [("book a table", "play jazz music")]
    out = contamination(source, real, words_encoder, threshold=0.9)
    assert out["exact"] == 1 and out["near"] == 1  # only the first: both texts match


def test_check_source_on_a_data_dir(tmp_path):
    spec = DatasetSpec("toy", "intent", "real/toy/test.jsonl", labels="")
    write(tmp_path / "real/toy/test.jsonl",
          [{"text": "play jazz", "label": "play"}, {"text": "rain today", "label": "weather"}])
    write(tmp_path / "synthetic/toy/g.jsonl",
          [{"text": "Play jazz", "label": "play"}, {"text": "play rock", "label": "play"}])
    q = check_source(tmp_path, spec, "g")
    assert q["contamination"]["exact"] == 1
    assert q["contamination"]["near"] is None
    assert q["labels"]["coverage"] == 0.5
    real = check_source(tmp_path, spec, "real")
    assert "contamination" not in real and real["rows"] == 2


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_minilm_finds_a_paraphrase_and_not_an_unrelated_text():
    from harness.quality import default_encoder

    source = [("book a table for two people tonight",), ("how tall is mount everest",)]
    real = [("reserve a table for two people this evening",), ("play some jazz",)]
    out = contamination(source, real, default_encoder(), threshold=0.7)
    sims = {n["index"]: n["similarity"] for n in out["nearest"]}
    assert sims[0] >= 0.7 > sims[1]
    assert out["near"] == 1


def test_report_groups_get_per_source_quality(tmp_path, monkeypatch):
    from harness.report.quality import quality_inputs

    monkeypatch.setenv("SYNTHBENCH_CACHE_DIR", str(tmp_path / "cache"))

    write(tmp_path / "real/toy/test.jsonl",
          [{"text": "play jazz", "label": "play"}, {"text": "rain today", "label": "weather"}])
    write(tmp_path / "synthetic/toy/g.jsonl",
          [{"text": "play jazz", "label": "play"}, {"text": "play jazz", "label": "play"},
           {"text": "sun", "label": "weather"}])
    suite = tmp_path / "suite.toml"
    suite.write_text('[datasets.toy]\ntask = "intent"\ntest = "real/toy/test.jsonl"\n')
    inputs = quality_inputs({"data_dir": str(tmp_path), "suite": str(suite)})
    assert inputs is not None
    got = inputs.of("toy", ["real", "g", "gone"])
    assert got is not None
    q, missing = got
    assert set(q) == {"real", "g"}  # no file for "gone"
    assert set(missing) == {"gone"}
    assert q["g"]["duplicates"] == 1 and q["g"]["exact_test_matches"] == 2
    assert q["g"]["label_coverage"] == 1.0 and q["real"]["exact_test_matches"] is None
    assert inputs.of("unknown", []) is None  # a dataset the suite does not know: no quality
    assert quality_inputs({}) is None  # no data directory: nothing to add, nothing raised


def test_source_summaries_are_kept_on_disk_until_a_file_they_read_changes(tmp_path, monkeypatch):
    import os

    from harness.quality import report
    from harness.report import quality as summary

    monkeypatch.setenv("SYNTHBENCH_CACHE_DIR", str(tmp_path / "cache"))
    calls = []
    real_check = report.check_source
    monkeypatch.setattr(summary, "check_source", lambda *a: calls.append(a[2]) or real_check(*a))
    test = tmp_path / "real/toy/test.jsonl"
    write(test, [{"text": "play jazz", "label": "play"}, {"text": "rain", "label": "weather"}])
    write(tmp_path / "synthetic/toy/g.jsonl", [{"text": "play jazz", "label": "play"}])
    spec = DatasetSpec("toy", "intent", "real/toy/test.jsonl")

    def fresh_process():  # the in-process memo gone, the cache folder kept
        summary._cached.cache_clear()
        return summary.source_summary(tmp_path, spec, "g")

    first = fresh_process()
    assert first["exact_test_matches"] == 1 and calls == ["g"]
    assert fresh_process() == first and calls == ["g"]  # read back, not re-checked
    # The real test set is read too: changing it (same size, new time) re-checks.
    write(test, [{"text": "play folk", "label": "play"}, {"text": "rain", "label": "weather"}])
    os.utime(test, ns=(1, 1))
    changed = fresh_process()
    assert calls == ["g", "g"] and changed["exact_test_matches"] == 0
    # A validation split beside the test set feeds the label set: a new one re-checks.
    write(tmp_path / "real/toy/valid.jsonl", [{"text": "hi", "label": "greet"}])
    fresh_process()
    assert calls == ["g", "g", "g"]
    fresh_process()
    assert calls == ["g", "g", "g"]


def test_data_check_cli_on_a_directory_and_a_file(tmp_path, capsys, monkeypatch):
    import argparse

    from harness.cli.data import add_data_parser

    write(tmp_path / "real/toy/test.jsonl", [{"text": "play jazz", "label": "play"}])
    write(tmp_path / "synthetic/toy/g.jsonl",
          [{"text": "play jazz", "label": "play"}, {"text": "play jazz", "label": "play"}])
    (tmp_path / "manifest.json").write_text(json.dumps({"real": {"toy": {"task": "intent"}}}))
    monkeypatch.chdir(tmp_path)  # no benchmarks/suite.toml here: the layout and manifest rule
    monkeypatch.delenv("SYNTHBENCH_DATA_DIR", raising=False)
    parser = argparse.ArgumentParser()
    add_data_parser(parser.add_subparsers(dest="command"))

    def run(*argv: str) -> int:
        args = parser.parse_args(["data", "check", *argv])
        return args.func(args)

    assert run(str(tmp_path), "--no-embed", "--json", str(tmp_path / "q.json")) == 0
    out = capsys.readouterr().out
    assert "toy / real" in out and "toy / g" in out and "duplicates 1 (in 1 groups)" in out
    reports = json.loads((tmp_path / "q.json").read_text())
    assert [(r["dataset"], r["generator"]) for r in reports] == [("toy", "real"), ("toy", "g")]
    assert reports[1]["contamination"]["exact"] == 2
    # a file in a data layout is checked against its own real data, whatever the env says
    monkeypatch.setenv("SYNTHBENCH_DATA_DIR", str(tmp_path / "elsewhere"))
    assert run(str(tmp_path / "synthetic/toy/g.jsonl"), "--no-embed") == 0
    assert "toy / g" in capsys.readouterr().out
    assert run(str(tmp_path / "nope.jsonl"), "--no-embed") == 2
    assert "no such file" in capsys.readouterr().err
