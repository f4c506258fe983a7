"""A user's own models through the plugin: conftest decorator, import path, entry point."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tests.synth_fixtures import BENCH_TEST, GENERATORS, suite_text, write_data_dir

CONFTEST = """
from harness import Prediction, model
class Echo:
    def __init__(self, ctx, offset):
        self.labels = sorted(ctx.labels)
        self.offset = offset

    def predict(self, examples):
        # Right for every example whose label sorts at an even position (+ offset).
        out = []
        for ex in examples:
            i = self.labels.index(ex.label)
            keep = (i + self.offset) % 2 == 0
            out.append(Prediction(ex.label if keep else self.labels[(i + 1) % len(self.labels)]))
        return out


@model("candidate", tasks=("intent",))
def build(ctx, offset: int = 0):
    return Echo(ctx, offset)


class Flaky:
    def __init__(self, ctx):
        self.ctx = ctx

    def predict(self, examples):
        if any(ex.text.startswith("gen-b") for ex in examples):
            raise RuntimeError("flaky model broke on gen-b")
        return [Prediction(ex.label) for ex in examples]


@model("flaky", tasks=("intent",))
def build_flaky(ctx):
    return Flaky(ctx)
"""

TEAM_MODELS = """
from harness import Prediction
class Majority:
    def __init__(self, label):
        self.label = label

    def predict(self, examples):
        return [Prediction(self.label) for _ in examples]


def build_classifier(ctx, checkpoint: str):
    assert checkpoint == "models/intent-v7"
    return Majority(sorted(ctx.labels)[0])
"""

EP_MODULE = """
from harness import Prediction
class Gold:
    def predict(self, examples):
        return [Prediction(ex.label) for ex in examples]


def build(ctx):
    return Gold()


build.__synthbench__ = {"tasks": ("intent",)}
"""

MODELS = """
[models.candidate]
factory = "candidate"
params = { offset = 1 }

[models.by-path]
factory = "team_models:build_classifier"
params = { checkpoint = "models/intent-v7" }

[models.from-package]
factory = "ep-gold"

[models.flaky]
factory = "flaky"
"""


def _install_entry_point_package(site: Path) -> None:
    """A third-party package as pip would leave it: a module plus its dist-info."""
    site.mkdir()
    (site / "ep_gold_models.py").write_text(EP_MODULE)
    info = site / "ep_gold_models-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ep-gold-models\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[synthbench.models]\nep-gold = ep_gold_models:build\n")


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.delenv("SYNTHBENCH_DATA_DIR", raising=False)
    site = pytester.path / "site"
    _install_entry_point_package(site)
    paths = [str(site), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
    write_data_dir(pytester.path / "data")
    pytester.makefile(".toml", suite=suite_text(MODELS))
    pytester.makeini(
        "[pytest]\npythonpath = .\nsynth_suite = suite.toml\nsynth_data_dir = data\n"
        "synth_report_dir = out\n"
    )
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(team_models=TEAM_MODELS, test_bench=BENCH_TEST)
    return pytester


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["n0", "n2"])
def test_user_models_run_beside_the_builtin_ones(project: pytest.Pytester, workers) -> None:
    r = project.runpytest_subprocess("-k", "toy-intent", *workers)
    n_sources = 1 + len(GENERATORS)
    # 4 oracles + candidate + by-path + from-package pass everywhere; flaky fails on gen-b.
    r.assert_outcomes(passed=n_sources * 7 + n_sources - 1, failed=1)
    # The failing case shows the user's traceback, with the line that raised.
    r.stdout.fnmatch_lines(["*RuntimeError: flaky model broke on gen-b*"])
    assert "raise RuntimeError" in r.stdout.str()
    report = json.loads((project.path / "out" / "report.json").read_text())
    group = next(g for g in report["groups"] if g["dataset"] == "toy-intent")
    real = group["scores"]["real"]
    assert real["from-package"] == 1.0  # the gold model of the installed package
    assert real["flaky"] == 1.0
    assert 0.0 < real["by-path"] < 0.5  # a majority guess of one of 4 balanced labels
    assert 0.0 < real["candidate"] < 1.0
    assert set(group["scores"]["gen-b"]) == {
        "best",
        "good",
        "fair",
        "poor",
        "candidate",
        "by-path",
        "from-package",
    }
    failed = [c for c in report["cases"]["not_ok"] if c["model"] == "flaky"]
    assert [c["generator"] for c in failed] == ["gen-b"]


def test_a_bad_import_path_stops_before_any_case(project: pytest.Pytester) -> None:
    project.makefile(
        ".toml", suite=suite_text('\n[models.typo]\nfactory = "team_models:build_clasifier"\n')
    )
    r = project.runpytest_subprocess()
    assert r.ret == pytest.ExitCode.INTERRUPTED
    r.stdout.fnmatch_lines(
        [
            "*suite.toml: models.typo.factory: 'team_models:build_clasifier': "
            "'team_models' has no attribute 'build_clasifier'*"
        ]
    )


def test_data_check_reads_a_suite_whose_models_live_in_a_conftest(
    project: pytest.Pytester,
) -> None:
    # `synthbench data check` never builds models: a conftest-only factory is fine there.
    project.makefile(".toml", suite=suite_text('\n[models.only-in-conftest]\nfactory = "nope"\n'))
    r = project.run(
        sys.executable,
        "-m",
        "harness",
        "data",
        "check",
        "--suite",
        "suite.toml",
        "--data-dir",
        "data",
        "--no-embed",
    )
    assert r.ret == 0, r.stderr.str()
    assert "toy-intent" in r.stdout.str()


TICKETS = """
[datasets.tickets]
task = "intent"
test = "tickets"
train = "tickets"
split = "test"
columns = { text = "utterance", label = "intent" }
generators = ["real"]
"""


def test_a_parquet_dataset_with_its_own_columns_runs_under_n2(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    datasets = pytest.importorskip("datasets")
    names = ["play_music", "get_weather", "book_restaurant"]
    feats = datasets.Features(
        {"utterance": datasets.Value("string"), "intent": datasets.ClassLabel(names=names)}
    )
    folder = project.path / "data" / "tickets"
    folder.mkdir()
    for split, n in (("test", 30), ("train", 12)):
        rows = {
            "utterance": [f"{split} {i}" for i in range(n)],
            "intent": [i % 3 for i in range(n)],
        }
        datasets.Dataset.from_dict(rows, features=feats).to_parquet(
            str(folder / f"{split}.parquet")
        )
    monkeypatch.setenv("SYNTHBENCH_CACHE_DIR", str(project.path / "cache"))
    project.makefile(".toml", suite=suite_text(MODELS + TICKETS))
    r = project.runpytest_subprocess("-k", "tickets", "-n", "2")
    r.assert_outcomes(passed=8)  # 4 oracles + 4 user models, on the real split
    report = json.loads((project.path / "out" / "report.json").read_text())
    group = next(g for g in report["groups"] if g["dataset"] == "tickets")
    assert group["scores"]["real"]["from-package"] == 1.0
    assert group["data"]["real"]["rows"] == 30
