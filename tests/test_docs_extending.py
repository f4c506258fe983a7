"""docs/extending.md runs: each section's marked files become a project that pytest runs."""

from __future__ import annotations

import json
import os
import re
import shutil
import tomllib
from pathlib import Path

import pytest

DOC = Path(__file__).parents[1] / "docs" / "extending.md"
BLOCK = re.compile(r"<!-- file: (?P<name>\S+) -->\n```[a-z]*\n(?P<body>.*?)```", re.S)


def _sections() -> dict[str, dict[str, str]]:
    """``## heading`` -> {file name: content} of the marked blocks under it."""
    out: dict[str, dict[str, str]] = {}
    for part in re.split(r"^## ", DOC.read_text(encoding="utf-8"), flags=re.M)[1:]:
        title, _, body = part.partition("\n")
        files = {m["name"]: m["body"] for m in BLOCK.finditer(body)}
        if files:
            out[title.strip()] = files
    return out


SECTIONS = _sections()


def _project(p: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, *sections: str) -> Path:
    """The files of ``sections`` (later ones win), the first section's base, the data."""
    monkeypatch.delenv("SYNTHBENCH_DATA_DIR", raising=False)
    files = dict(SECTIONS["Your own model"])
    for s in sections:
        files.update(SECTIONS[s])
    for name, body in files.items():
        path = p.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
    folder = p.path / "data" / "real" / "tickets"
    folder.mkdir(parents=True)
    for split, n in (("test", 40), ("train", 20)):
        rows = [
            {"text": TEMPLATES[i % 4][0].format(i), "label": TEMPLATES[i % 4][1]} for i in range(n)
        ]
        (folder / f"{split}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return p.path


#: Support tickets of four balanced intents; the guide's keyword rules know two.
TEMPLATES = (
    ("play some music number {}", "play_music"),
    ("what is the weather on day {}", "get_weather"),
    ("book a table for {} people", "book_restaurant"),
    ("add song {} to my list", "add_to_playlist"),
)


def _scores(root: Path) -> dict[str, float]:
    report = json.loads((root / ".synthbench" / "report.json").read_text())
    return report["groups"][0]["scores"]["real"]


def test_the_page_has_the_sections_it_promises() -> None:
    assert {"Your own model", "A chat backend", "A gate", "A task"} <= set(SECTIONS)


def test_the_pages_code_imports_only_the_public_names() -> None:
    """Every Python block imports from ``harness`` or ``harness.kit`` only, and every
    dotted ``harness.`` name in the prose that is a kit name is one (issue 23.4)."""
    import ast

    import harness.kit

    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert blocks
    modules = set()
    for block in blocks:
        for node in ast.walk(ast.parse(block)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("harness"):
                modules.add(node.module)
                assert {a.name for a in node.names} <= set(harness.kit.__all__), node.module
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith("harness") for a in node.names)
    assert modules and modules <= {"harness", "harness.kit"}
    named = set(re.findall(r"`harness\.kit\.(\w+)", DOC.read_text(encoding="utf-8")))
    assert named and named <= set(harness.kit.__all__)


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["n0", "n2"])
def test_your_own_model(pytester: pytest.Pytester, monkeypatch, workers) -> None:
    root = _project(pytester, monkeypatch)
    r = pytester.runpytest_subprocess(*workers)
    r.assert_outcomes(passed=2)
    scores = _scores(root)
    assert set(scores) == {"floor", "candidate"}
    assert 0.0 < scores["floor"] < scores["candidate"]  # the keyword rules beat the floor


def test_a_model_from_a_package_entry_point(pytester: pytest.Pytester, monkeypatch) -> None:
    root = _project(pytester, monkeypatch)
    meta = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    # What pip would leave: the package plus a dist-info with the declared entry points.
    site = root / "site"
    site.mkdir()
    shutil.move(str(root / "my_team"), site / "my_team")
    info = site / f"{meta['name'].replace('-', '_')}-{meta['version']}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {meta['name']}\nVersion: {meta['version']}\n"
    )
    lines = []
    for group, entries in meta["entry-points"].items():
        lines.append(f"[{group}]")
        lines += [f"{name} = {value}" for name, value in entries.items()]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
    (root / "conftest.py").unlink()
    (root / "suite.toml").write_text(
        (root / "suite.toml").read_text().split("[models.floor]")[0]
        + '[models.rules]\nfactory = "keyword-rules"\nparams = { checkpoint = "x" }\n'
        + 'tasks = ["intent"]\n'
    )
    paths = [str(site), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
    r = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    r.assert_outcomes(passed=1)
    assert _scores(root)["rules"] > 0.0


def test_a_chat_backend(pytester: pytest.Pytester, monkeypatch) -> None:
    root = _project(pytester, monkeypatch, "A chat backend")
    r = pytester.runpytest_subprocess()
    r.assert_outcomes(passed=1)
    # Always "get_weather": right on exactly that quarter of the balanced toy labels.
    report = json.loads((root / ".synthbench" / "report.json").read_text())
    [case] = report["cases"]["all"]
    assert case["metrics"]["accuracy"] == pytest.approx(0.25)


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["n0", "n2"])
def test_a_task(pytester: pytest.Pytester, monkeypatch, workers) -> None:
    root = _project(pytester, monkeypatch, "A task")
    r = pytester.runpytest_subprocess(*workers)
    r.assert_outcomes(passed=1)
    report = json.loads((root / ".synthbench" / "report.json").read_text())
    [case] = report["cases"]["all"]
    assert case["task"] == "ticket-routing"
    # The first word routes two of the four balanced intents; the others go unrouted.
    assert case["metrics"]["accuracy"] == pytest.approx(0.5)
    assert case["metrics"]["invalid_rate"] == pytest.approx(0.5)


def test_a_task_without_its_declaration_is_refused(pytester: pytest.Pytester, monkeypatch) -> None:
    root = _project(pytester, monkeypatch, "A task")
    conftest = root / "conftest.py"
    declared = "    capabilities = frozenset({Capability.DISTRIBUTION})\n"
    assert declared in conftest.read_text()
    conftest.write_text(conftest.read_text().replace(declared, ""))
    r = pytester.runpytest_subprocess()
    assert r.ret != 0
    # The conftest fails to load, naming the task, the part and the capability.
    r.stderr.re_match_lines([r".*task 'ticket-routing' .*defines distribution_keys but does "
                             r"not declare Capability\.DISTRIBUTION.*"], consecutive=False)


def test_a_gate_fails_the_session(pytester: pytest.Pytester, monkeypatch) -> None:
    _project(pytester, monkeypatch, "A chat backend", "A gate")
    r = pytester.runpytest_subprocess()
    r.assert_outcomes(passed=1, failed=1)  # the case passes; the gate is a failing test
    assert r.ret == pytest.ExitCode.TESTS_FAILED
    assert "the in-house LLM is good enough to ship" in r.stdout.str()
