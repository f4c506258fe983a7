"""harness.report.figurecache: a rerun over unchanged results reuses the figures, and
the report it builds is the one a computation gives."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from harness.core.textsafe import json_dumps
from harness.report import finish
from harness.report.finish import ReportSettings, build
from harness.report.render.html import render_html
from harness.report.render.markdown import render_markdown
from harness.store.files import write_case
from harness.store.runs import read_run_record
from tests.test_report_cli import MODELS, SOURCES, _case, _shard


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[int]:
    monkeypatch.setenv("SYNTHBENCH_CACHE_DIR", str(tmp_path / "cache"))
    calls: list[int] = []
    real = finish.bootstrap_cases

    def counting(cases: Any, boot: Any) -> Any:
        calls.append(len(cases))
        return real(cases, boot)

    monkeypatch.setattr(finish, "bootstrap_cases", counting)
    return calls


def _inputs(root: Path) -> list[tuple[Path, Any]]:
    record = read_run_record(root)
    assert record is not None
    return [(root, record)]


def _rendered(done: finish.Finished) -> tuple[str, str, str]:
    d = done.report.to_dict()
    return json_dumps(d), render_markdown(d, "t"), render_html(d, "t")


def test_a_rerun_reuses_the_figures_and_gives_the_same_report(
    tmp_path: Path, counted: list[int]
) -> None:
    root = _shard(tmp_path / "a", [(g, m) for g in SOURCES for m in MODELS])
    settings = ReportSettings(resamples=50, seed=3)
    first = build(_inputs(root), settings)
    assert counted == [12]
    again = build(_inputs(root), settings)
    assert counted == [12]  # nothing recomputed
    assert _rendered(again) == _rendered(first)
    assert first.report.groups[0].ci is not None and again.report.groups[0].ci is not None
    # Another seed: computed again.
    build(_inputs(root), dataclasses.replace(settings, seed=4))
    assert counted == [12, 12]


def test_a_changed_result_or_a_gate_on_resamples_computes_afresh(
    tmp_path: Path, counted: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _shard(tmp_path / "a", [(g, m) for g in SOURCES for m in MODELS])
    settings = ReportSettings(resamples=50, seed=3)
    build(_inputs(root), settings)
    # One case evaluated again by another run: a new entry, so the figures are new.
    result, outs = _case("gen-a", "m1")
    write_case(root, dataclasses.replace(result, fingerprint="gen-a-m1"), outs, "run-2")
    build(_inputs(root), settings)
    assert counted == [12, 12]
    # max_drop gates read the resamples themselves: never from the cache.
    drop = {"name": "d", "kind": "max_drop", "model": "m2", "baseline_model": "m1", "threshold": 1}
    build(_inputs(root), dataclasses.replace(settings, gates=(drop,)))
    assert counted == [12, 12, 12]
    monkeypatch.setenv("SYNTHBENCH_FIGURE_CACHE", "0")
    off = build(_inputs(root), settings)
    assert counted == [12, 12, 12, 12]
    monkeypatch.delenv("SYNTHBENCH_FIGURE_CACHE")
    cached = build(_inputs(root), settings)  # the second build's figures, from the cache
    assert counted == [12, 12, 12, 12]
    assert _rendered(cached) == _rendered(off)
