"""The README's quickstart runs as written: its marked files, a small data directory."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

README = Path(__file__).parents[1] / "README.md"
BLOCK = re.compile(r"<!-- file: (?P<name>\S+) -->\n```[a-z]*\n(?P<body>.*?)```", re.S)
INTENTS = ("play_music", "get_weather", "book_restaurant", "add_to_playlist")
WORDS = {"play_music": "music", "get_weather": "weather", "book_restaurant": "table",
         "add_to_playlist": "playlist"}


def _rows(rng: random.Random, n: int, noise: float) -> list[dict[str, str]]:
    rows = []
    for i in range(n):
        label = INTENTS[i % len(INTENTS)]
        # Synthetic copies are noisier: some texts carry another intent's keyword.
        word = WORDS[rng.choice(INTENTS)] if rng.random() < noise else WORDS[label]
        rows.append({"text": f"please {word} request {i}", "label": label})
    return rows


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["n0", "n2"])
def test_the_readme_quickstart_runs_as_written(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, workers: list[str]
) -> None:
    monkeypatch.delenv("SYNTHBENCH_DATA_DIR", raising=False)
    files = {m["name"]: m["body"] for m in BLOCK.finditer(README.read_text(encoding="utf-8"))}
    assert set(files) == {"conftest.py", "suite.toml", "test_bench.py"}
    for name, body in files.items():
        (pytester.path / name).write_text(body, encoding="utf-8")
    rng = random.Random(0)
    data = pytester.path / "data"
    _write(data / "real/tickets/test.jsonl", _rows(rng, 60, 0.0))
    _write(data / "real/tickets/train.jsonl", _rows(rng, 40, 0.0))
    for generator in ("gpt-4o", "llama-3-70b"):
        _write(data / f"synthetic/tickets/{generator}.jsonl", _rows(rng, 40, 0.3))
    r = pytester.runpytest_subprocess(
        "--synth-suite=suite.toml", "--synth-data-dir=data", "--synth-bootstrap=100", *workers
    )
    r.assert_outcomes(passed=10)  # 3 sources x 3 models, and the README gate as a test
    report = json.loads((pytester.path / ".synthbench" / "report.json").read_text())
    (group,) = report["groups"]
    assert {"real", "gpt-4o", "llama-3-70b"} <= set(group["scores"])
    assert set(group["scores"]["real"]) == {"rules", "tfidf", "floor"}
    # The README's gate is judged (a verdict either way), not skipped or unknown.
    (gate,) = report["gates"]["gates"]
    assert gate["name"] == "synthetic data ranks our models like real data"
    assert gate["status"] in ("passed", "failed")
    assert r.ret == (0 if gate["status"] == "passed" else 1)
