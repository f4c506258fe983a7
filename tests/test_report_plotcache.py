"""The on-disk figure cache: same group, same SVG, drawn once; any change draws again."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from harness.report.figures import Group
from harness.report.render import plots
from harness.report.render.html import render_html
from harness.report.render.plotcache import cached, plot_dir
from tests.synth_fixtures import toy_report


@pytest.fixture()
def draws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[int]:
    """Count matplotlib renders; the cache lives in a fresh folder."""
    monkeypatch.setenv("SYNTHBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("SYNTHBENCH_PLOT_CACHE", raising=False)
    count = [0]
    real = plots._svg

    def counting(fig: Any) -> str:
        count[0] += 1
        return real(fig)

    monkeypatch.setattr(plots, "_svg", counting)
    return count


@pytest.fixture(scope="module")
def group(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return toy_report(tmp_path_factory.mktemp("plotcache"), resamples=50)["groups"][0]


def test_a_group_is_drawn_once_and_read_back_identical(draws: list[int], group: dict) -> None:
    heatmap = cached(plots.heatmap)
    first = heatmap(group)
    assert first.startswith("<svg") and draws[0] == 1
    assert heatmap(group) == first
    assert draws[0] == 1  # the second call read the file
    assert len(list(plot_dir().glob("*.svg"))) == 1
    assert plots.heatmap(group) == first  # the uncached function draws the same bytes


def test_a_typed_group_and_its_json_form_share_one_drawing(
    draws: list[int], group: dict
) -> None:
    # html.py may hand the plots either form: the key is the group's JSON form, so a
    # typed Group read afresh (another process, another object) finds the same file.
    heatmap = cached(plots.heatmap)
    first = heatmap(Group.from_dict(group))
    assert heatmap(Group.from_dict(copy.deepcopy(group))) == first
    assert heatmap(group) == first
    assert draws[0] == 1
    assert len(list(plot_dir().glob("*.svg"))) == 1


def test_a_changed_group_or_argument_draws_again(draws: list[int], group: dict) -> None:
    bars = cached(plots.agreement_bars)
    bars(group)
    changed = copy.deepcopy(group)
    changed["scores"] = {g: {m: 0.5 for m in ms} for g, ms in group["scores"].items()}
    bars(changed)
    bars(group, coefficient="kendall")
    assert draws[0] == 3
    assert len(list(plot_dir().glob("*.svg"))) == 3


def test_an_unusable_cache_only_costs_the_drawing(
    draws: list[int], group: dict, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("SYNTHBENCH_CACHE_DIR", str(blocker))
    heatmap = cached(plots.heatmap)
    assert heatmap(group) == heatmap(group) == plots.heatmap(group)
    assert draws[0] == 3
    monkeypatch.setenv("SYNTHBENCH_CACHE_DIR", str(tmp_path / "on"))
    monkeypatch.setenv("SYNTHBENCH_PLOT_CACHE", "0")
    heatmap(group)
    assert not (tmp_path / "on").exists()


def test_the_page_is_byte_identical_with_a_cold_or_warm_cache(
    draws: list[int], tmp_path: Path
) -> None:
    report = toy_report(tmp_path / "run", resamples=50)
    cold = render_html(report, timestamp="2030-01-01T00:00:00Z")
    drawn = draws[0]
    assert drawn > 0
    warm = render_html(report, timestamp="2030-01-01T00:00:00Z")
    assert warm == cold
    assert draws[0] == drawn  # nothing redrawn
