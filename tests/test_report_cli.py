"""``synthbench report``: merge shards, read published score-row tables, survive damage."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from harness.__main__ import main
from harness.core.records import CaseKey, CaseResult, Outcome
from harness.store.files import write_case
from harness.store.runs import Cell, RunRecord, write_run_record

MODELS = ("m1", "m2", "m3", "m4")
SOURCES = ("real", "gen-a", "gen-b")
#: accuracy per (source, model): gen-a ranks the models like real data, gen-b reverses them.
ACC = {"real": (0.9, 0.7, 0.5, 0.3), "gen-a": (0.8, 0.6, 0.4, 0.2), "gen-b": (0.2, 0.4, 0.6, 0.8)}


def _case(gen: str, model: str) -> tuple[CaseResult, list[Outcome]]:
    acc = ACC[gen][MODELS.index(model)]
    n = 20
    outs = [Outcome(i, "a", "a" if i < acc * n else "b", i < acc * n) for i in range(n)]
    key = CaseKey("intent", "toy", gen, model)
    return CaseResult(key, "ok", "accuracy", {"accuracy": acc}, n, 0), outs


def _shard(root: Path, cells: list[tuple[str, str]]) -> Path:
    """A store holding ``cells`` of the whole toy suite (as a shard's run leaves it)."""
    for gen, model in cells:
        result, outs = _case(gen, model)
        write_case(root, dataclasses.replace(result, fingerprint=f"{gen}-{model}"), outs, root.name)
    every = [(g, m) for g in SOURCES for m in MODELS]
    record = RunRecord(
        root.name,
        tuple(Cell(CaseKey("intent", "toy", g, m), f"{g}-{m}", (g, m) in cells) for g, m in every),
    )
    write_run_record(root, record)
    return root


@pytest.fixture
def shards(tmp_path: Path) -> tuple[Path, Path]:
    cells = [(g, m) for g in SOURCES for m in MODELS]
    return _shard(tmp_path / "a", cells[::2]), _shard(tmp_path / "b", cells[1::2])


def test_shards_merge_into_one_report(
    shards: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "merged.json"
    assert (
        main(["report", str(shards[0]), str(shards[1]), "--json", str(out), "--bootstrap", "0"])
        == 0
    )
    report = json.loads(out.read_text())
    assert report["cases"]["counts"] == {"ok": len(SOURCES) * len(MODELS)}
    assert report["cases"]["missing"] == []  # each shard's expected cells are the other's too
    alone = tmp_path / "alone.json"
    assert main(["report", str(shards[0]), "--json", str(alone), "--bootstrap", "0"]) == 0
    assert json.loads(alone.read_text())["cases"]["counts"] == {"ok": 6}
    printed = capsys.readouterr().out
    assert "gen-a" in printed and "gen-b" in printed


def test_agreement_of_merged_shards_is_the_agreement_of_one_run(
    shards: tuple[Path, Path], tmp_path: Path
) -> None:
    whole = _shard(tmp_path / "whole", [(g, m) for g in SOURCES for m in MODELS])
    a, b = tmp_path / "merged.json", tmp_path / "whole.json"
    main(["report", str(shards[0]), str(shards[1]), "--json", str(a), "--bootstrap", "0"])
    main(["report", str(whole), "--json", str(b), "--bootstrap", "0"])
    ra, rb = json.loads(a.read_text()), json.loads(b.read_text())
    assert ra["groups"] == rb["groups"]


def test_published_score_rows_are_read_and_errors_name_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "paper.jsonl"
    rows = [
        {
            "task": "intent",
            "dataset": "toy",
            "generator": g,
            "model": m,
            "metric": "accuracy",
            "score": ACC[g][i],
        }
        for g in SOURCES
        for i, m in enumerate(MODELS)
    ]
    table.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "r.json"
    assert main(["report", str(table), "--json", str(out), "--bootstrap", "0"]) == 0
    report = json.loads(out.read_text())
    (group,) = report["groups"]
    assert group["dataset"] == "toy" and "gen-b" in json.dumps(group)
    lines = table.read_text().splitlines()
    lines[4] = json.dumps({**rows[4], "score": "high"})
    table.write_text("\n".join(lines) + "\n")
    assert main(["report", str(table)]) == 2
    err = capsys.readouterr().err
    assert f"{table}:5: key 'score': expected a number or null" in err


def test_a_damaged_outcome_line_costs_only_that_interval(
    shards: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Regression (issue 15.6): one damaged outcome line aborted the report.

    The store treats that case as missing (its outcomes are needed for intervals) and
    names the file and line; every other case is reported.
    """
    case = next((shards[0] / "cases").glob("*.jsonl"))
    lines = case.read_text().splitlines()
    lines[3] = lines[3][: len(lines[3]) // 2]
    case.write_text("\n".join(lines) + "\n")
    out = tmp_path / "r.json"
    assert (
        main(["report", str(shards[0]), str(shards[1]), "--json", str(out), "--bootstrap", "50"])
        == 0
    )
    assert f"{case}:4: not JSON" in capsys.readouterr().err
    report = json.loads(out.read_text())
    assert report["cases"]["counts"]["ok"] == len(SOURCES) * len(MODELS) - 1
    assert len(report["store"]["damaged"]) == 1


def test_a_non_utf8_case_file_is_named(
    shards: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    case = next((shards[1] / "cases").glob("*.jsonl"))
    case.write_bytes(b"\xff\xfe" + case.read_bytes())
    assert main(["report", str(shards[1])]) == 0  # named and missing, never an abort
    assert f"{case}:1: not UTF-8 text" in capsys.readouterr().err


def test_ci_browser_tests_fail_instead_of_skipping_when_required(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import shutil

    from tests import test_report_html

    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("SYNTHBENCH_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="no chromium"):
        test_report_html._chromium()
    monkeypatch.delenv("SYNTHBENCH_REQUIRE_BROWSER")
    with pytest.raises(pytest.skip.Exception):
        test_report_html._chromium()


def test_files_that_cannot_be_written_are_lines_and_the_verdicts_still_print(
    shards: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 24.3: a full disk or a folder in the way is one line each, exit 2, no traceback."""
    blocked = tmp_path / "blocked.html"
    blocked.mkdir()  # a folder where --html would write
    out = tmp_path / "out-is-a-file"
    out.write_text("not a folder")
    json_out = tmp_path / "merged.json"
    code = main([
        "report", str(shards[0]), str(shards[1]), "--bootstrap", "0",
        "--gate", "min_score threshold=0.0 on=point",
        "--json", str(json_out), "--html", str(blocked), "--out", str(out),
    ])
    assert code == 2
    captured = capsys.readouterr()
    assert "gates: PASSED" in captured.out  # the verdicts reach the terminal
    lines = [line for line in captured.err.splitlines() if "cannot write" in line]
    assert f"synthbench report: cannot write {blocked}: Is a directory" in lines
    named = f"synthbench report: cannot write {out}/report.json"
    assert any(line.startswith(named) for line in lines)
    assert json.loads(json_out.read_text())["cases"]["counts"] == {"ok": 12}  # the rest written
    assert "Traceback" not in captured.err
