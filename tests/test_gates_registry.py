"""A gate kind and a report format from an installed package's entry points
(``synthbench.gates``, ``synthbench.formats``), used by a suite through pytest."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.synth_fixtures import BENCH_TEST, suite_text, write_data_dir

PACKAGE = '''
from harness.gates import Figure, GateKind, groups_of
from harness.report.formats import FileFormat


class MaxScoreWidth(GateKind):
    """The widest score interval of a source must stay under the threshold."""

    name = "max_score_width"
    keys = frozenset({"generator"})
    lower_is_better = True
    label = "score interval width"

    def figures(self, gate, report, drops):
        for g in groups_of(gate, report):
            for gen, row in (g.ci.scores if g.ci else {}).items():
                if gate.generator in ("", gen):
                    widths = [c.high - c.low for c in row.values() if c.low is not None]
                    w = max(widths, default=None)
                    yield Figure(f"{g.task}/{g.dataset}/{gen}", w, w, w)


class GatesCsv(FileFormat):
    """One line per gate: name and status."""

    name, filename = "gates-csv", "gates.csv"

    def render(self, ctx):
        return "".join(f"{v['name']},{v['status']}\\n" for v in ctx.json["gates"]["gates"])


MAX_WIDTH = MaxScoreWidth()
GATES_CSV = GatesCsv()
'''

GATES = """
[[gates]]
name = "real intervals are narrower than 1"
kind = "max_score_width"
dataset = "toy-intent"
generator = "real"
threshold = 1.0

[[gates]]
name = "real intervals have no width"
kind = "max_score_width"
dataset = "toy-intent"
generator = "real"
threshold = 0.0
"""


def _install(site: Path) -> None:
    """The package as pip leaves it: a module and its dist-info with the entry points."""
    site.mkdir()
    (site / "team_gates.py").write_text(PACKAGE)
    info = site / "team_gates-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: team-gates\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[synthbench.gates]\nmax_score_width = team_gates:MAX_WIDTH\n\n"
        "[synthbench.formats]\ngates-csv = team_gates:GATES_CSV\n"
    )


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.delenv("SYNTHBENCH_DATA_DIR", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    _install(pytester.path / "site")
    paths = [str(pytester.path / "site"), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
    write_data_dir(pytester.path / "data", n=16)
    pytester.makefile(".toml", suite=suite_text(GATES))
    pytester.makeini(
        "[pytest]\nsynth_suite = suite.toml\nsynth_data_dir = data\nsynth_report_dir = out\n"
        "synth_bootstrap = 50\nsynth_formats = md,gates-csv\naddopts = -p no:randomly\n"
    )
    pytester.makepyfile(test_bench=BENCH_TEST)
    return pytester


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["n0", "n2"])
def test_a_packaged_gate_kind_and_format_run_in_a_suite(
    project: pytest.Pytester, workers: list[str]
) -> None:
    r = project.runpytest_subprocess("-k", "toy-intent", *workers)
    assert r.ret == 1  # the second gate fails: a real score interval has a width
    r.stdout.fnmatch_lines(
        [
            "*PASS*real intervals are narrower than 1*",
            "*FAIL*real intervals have no width: score interval width <= 0 (interval)*",
        ]
    )
    report = json.loads((project.path / "out" / "report.json").read_text())
    verdicts = {v["name"]: v for v in report["gates"]["gates"]}
    narrow = verdicts["real intervals are narrower than 1"]
    assert narrow["status"] == "passed" and narrow["kind"] == "max_score_width"
    widths = [
        c["high"] - c["low"]
        for g in report["groups"]
        if g["dataset"] == "toy-intent"
        for c in g["ci"]["scores"]["real"].values()
    ]
    assert narrow["checks"][0]["value"] == pytest.approx(max(widths))
    assert verdicts["real intervals have no width"]["status"] == "failed"
    # The packaged format is written beside the built-in ones.
    lines = (project.path / "out" / "gates.csv").read_text().splitlines()
    assert lines == [
        "real intervals are narrower than 1,passed",
        "real intervals have no width,failed",
    ]
    assert (project.path / "out" / "report.md").exists()


def test_a_gate_kind_nobody_registered_names_the_known_ones(project: pytest.Pytester) -> None:
    project.makefile(".toml", suite=suite_text(GATES.replace("max_score_width", "max_scor_width")))
    r = project.runpytest_subprocess("-k", "toy-intent")
    assert r.ret == pytest.ExitCode.USAGE_ERROR
    r.stderr.fnmatch_lines(
        ["*suite.toml: gates[[]0[]].kind: expected one of min_score, *, max_score_width, "
         "got 'max_scor_width'"]
    )
