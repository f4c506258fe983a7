"""Data quality of sources in every format the loader reads (issue 21.4).

The same records written as JSONL, CSV, Parquet, JSON and a ``save_to_disk`` folder
(and a Hub repository from the Hub cache) give the same quality figures: rows,
duplicates, label coverage and distribution, contamination of the real test set.
Every dataset is written here; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

datasets = pytest.importorskip("datasets")

from harness.cli.data import add_data_parser  # noqa: E402
from harness.data import clear_cache  # noqa: E402
from harness.quality import check_source  # noqa: E402
from harness.report.quality import quality_inputs  # noqa: E402
from harness.run.suite import load_suite  # noqa: E402

REAL = [{"text": f"real utterance {i}", "label": ["refund", "delivery", "account"][i % 3]}
        for i in range(9)]
#: Two copies of one text (a duplicate), one real text (exact contamination), and
#: no "account" label (coverage 2/3).
GEN = [{"text": "where is my parcel", "label": "delivery"},
       {"text": "where is my parcel", "label": "delivery"},
       {"text": "real utterance 3", "label": "refund"},
       {"text": "money back please", "label": "refund"}]
FIGURES = ("rows", "valid", "malformed", "duplicates", "labels", "distinct_1", "distinct_2",
           "length", "checks", "contamination")


@pytest.fixture(autouse=True)
def _caches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTHBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf")
    clear_cache()


def _renamed(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"utterance": r["text"], "intent": r["label"]} for r in rows]


def _write(fmt: str, path: Path, rows: list[dict[str, Any]]) -> str:
    """``rows`` (with columns utterance/intent) in ``fmt`` at ``path`` + suffix."""
    ds = datasets.Dataset.from_list(_renamed(rows))
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "disk":
        ds.save_to_disk(str(path))
        return path.name
    target = path.with_suffix(f".{fmt}")
    if fmt == "jsonl":
        target.write_text("".join(json.dumps(r) + "\n" for r in _renamed(rows)))
    elif fmt == "json":
        target.write_text(json.dumps(_renamed(rows)))
    else:
        getattr(ds, f"to_{fmt}")(str(target))
    return target.name


def _suite(root: Path, test: str, synthetic: str) -> Path:
    (root / "suite.toml").write_text(f'''
[generators]
"gen-a" = {{ model_id = "toy/gen-a" }}
"gen-b" = {{ model_id = "toy/gen-b" }}

[datasets.tickets]
task = "intent"
test = "{test}"
synthetic = "{synthetic}"
columns = {{ text = "utterance", label = "intent" }}

[models.majority]
factory = "majority"
tasks = ["intent"]
''')
    return root / "suite.toml"


def _data_check(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    add_data_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["data", "check", *argv])
    return int(args.func(args))


def _layout(root: Path, fmt: str) -> Path:
    """A data dir and suite with the real test set and two generators in ``fmt``."""
    test = _write(fmt, root / "data" / "tickets" / "test", REAL)
    _write(fmt, root / "data" / "tickets" / "gen-a", GEN)
    _write(fmt, root / "data" / "tickets" / "gen-b", GEN[:1])
    suffix = "" if fmt == "disk" else f".{fmt}"
    return _suite(root, f"tickets/{test}", f"tickets/{{generator}}{suffix}")


@pytest.mark.parametrize("fmt", ["csv", "parquet", "json", "disk"])
def test_each_format_gives_the_figures_of_the_same_records_in_jsonl(
    tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    base = _layout(tmp_path / "jsonl", "jsonl")
    other = _layout(tmp_path / fmt, fmt)
    out: dict[str, list[dict[str, Any]]] = {}
    for name, suite in (("jsonl", base), (fmt, other)):
        data = suite.parent / "data"
        assert _data_check("--suite", str(suite), "--data-dir", str(data), "--no-embed",
                           "--json", str(suite.parent / "q.json")) == 0
        out[name] = json.loads((suite.parent / "q.json").read_text())
    assert [(r["dataset"], r["generator"]) for r in out[fmt]] == [
        ("tickets", "real"), ("tickets", "gen-a"), ("tickets", "gen-b")]
    for mine, ref in zip(out[fmt], out["jsonl"], strict=True):
        assert {k: mine[k] for k in FIGURES if k in ref} == {k: ref[k] for k in FIGURES
                                                            if k in ref}
    gen_a = out[fmt][1]
    # Hand-counted from GEN: 4 rows, 1 extra copy, 1 real text, 2 of 3 real labels.
    assert gen_a["rows"] == 4 and gen_a["duplicates"]["count"] == 1
    assert gen_a["contamination"]["exact"] == 1
    assert gen_a["labels"]["coverage"] == pytest.approx(2 / 3, abs=1e-6)
    assert gen_a["labels"]["counts"] == {"delivery": 2, "refund": 2}
    assert gen_a["path"].startswith(str(tmp_path / fmt / "data" / "tickets" / "gen-a"))
    assert "tickets / gen-a" in capsys.readouterr().out


def test_a_broken_real_test_set_is_reported_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Regression (issue 21.4): `test.csv:1: not valid JSON`, once per source."""
    suite = _layout(tmp_path, "csv")
    (tmp_path / "data" / "tickets" / "test.csv").write_text('utterance,intent\n"open,a\n')
    assert _data_check("--suite", str(suite), "--data-dir", str(tmp_path / "data"),
                       "--no-embed") == 1
    err = capsys.readouterr().err.strip().splitlines()
    errors = [line for line in err if line.startswith("synthbench data check: error:")]
    assert errors == [f"synthbench data check: error: {tmp_path / 'data/tickets/test.csv'}:2: "
                      "a quoted field starts on this line and never ends (an unmatched '\"'); "
                      "close the quote or double it (\"\") inside the field; fix or delete "
                      "that line"]


def _quality(
    data: Path, suite: Path, dataset: str, sources: list[str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """A report group's ``quality`` and ``quality_missing`` (``harness.report.groups``)."""
    inputs = quality_inputs({"data_dir": str(data), "suite": str(suite)})
    assert inputs is not None
    got = inputs.of(dataset, sources)
    assert got is not None
    return got


def test_report_quality_of_csv_and_parquet_sources_and_the_reason_for_a_missing_one(
    tmp_path: Path,
) -> None:
    """Regression (issue 21.4): the report's quality was {} for datasets-format sources."""
    data = tmp_path / "data"
    _write("csv", data / "tickets" / "test", REAL)
    _write("parquet", data / "tickets" / "gen-a", GEN)
    suite = _suite(tmp_path, "tickets/test.csv", "tickets/{generator}.parquet")
    q, missing = _quality(data, suite, "tickets", ["real", "gen-a", "gen-b"])
    assert set(q) == {"real", "gen-a"}
    assert q["gen-a"]["rows"] == 4 and q["gen-a"]["duplicates"] == 1
    assert q["gen-a"]["exact_test_matches"] == 1
    assert q["gen-a"]["label_coverage"] == pytest.approx(2 / 3, abs=1e-6)
    assert missing == {
        "gen-b": f"no file at {data / 'tickets' / 'gen-b.parquet'}"}
    # Same figures as check_source gives the source directly.
    spec = load_suite(suite, resolve_models=False).dataset("tickets")
    direct = check_source(data, spec, "gen-a")
    assert q["gen-a"]["label_tvd"] == direct["labels"]["tvd"]


def test_a_malformed_source_gets_its_reason_in_the_report(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _write("csv", data / "tickets" / "test", REAL)
    (data / "tickets" / "gen-a.csv").write_bytes(b"utterance,intent\nfine,a\nbad \xff,b\n")
    suite = _suite(tmp_path, "tickets/test.csv", "tickets/{generator}.csv")
    q, missing = _quality(data, suite, "tickets", ["real", "gen-a"])
    assert set(q) == {"real"}
    assert missing["gen-a"].startswith(
        f"{data / 'tickets' / 'gen-a.csv'}:3: not UTF-8 text")


REV = "1a2b3c" + "0" * 34


def test_hub_repository_sources_from_the_hub_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from huggingface_hub import constants

    from harness.data import hub
    for name, rows in (("tickets", REAL), ("tickets-gen", GEN)):
        snap = tmp_path / "hub" / f"datasets--org--{name}" / "snapshots" / REV / "data"
        _write("parquet", snap / "test", rows)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setattr(hub, "hub_reachable", lambda: False)
    (tmp_path / "data").mkdir()
    (tmp_path / "suite.toml").write_text(f'''
[generators]
"gen-a" = {{ model_id = "toy/gen-a", kind = "hub", uri = "hf://datasets/org/tickets-gen@{REV}" }}
"gen-b" = {{ model_id = "toy/gen-b", kind = "hub", uri = "hf://datasets/org/not-cached@{REV}" }}

[datasets.tickets]
task = "intent"
test = "hf://datasets/org/tickets@{REV}"
columns = {{ text = "utterance", label = "intent" }}

[models.majority]
factory = "majority"
tasks = ["intent"]
''')
    assert _data_check("--suite", str(tmp_path / "suite.toml"), "--data-dir",
                       str(tmp_path / "data"), "--no-embed", "--json",
                       str(tmp_path / "q.json")) == 1
    err = capsys.readouterr().err
    assert "hf://datasets/org/not-cached" in err and "not in the Hub cache" in err
    reports = json.loads((tmp_path / "q.json").read_text())
    assert [r["generator"] for r in reports] == ["real", "gen-a"]
    assert reports[1]["source"] == f"hf://datasets/org/tickets-gen@{REV}"
    assert reports[1]["contamination"]["exact"] == 1 and reports[1]["rows"] == 4
    # The report reads them from the Hub cache, never downloading ...
    q, missing = _quality(tmp_path / "data", tmp_path / "suite.toml", "tickets",
                          ["real", "gen-a", "gen-b"])
    assert set(q) == {"real", "gen-a"}
    assert q["gen-a"]["rows"] == 4 and q["gen-a"]["exact_test_matches"] == 1
    # ... and says so for a source that is not cached, instead of leaving a silent gap.
    assert list(missing) == ["gen-b"]
    assert "not in the Hub cache" in missing["gen-b"]
