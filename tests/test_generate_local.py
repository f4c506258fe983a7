"""Generation with a tiny local transformers model (random weights, built by the test)."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from harness.generate import GenSettings, generate, output_path  # noqa: E402
from tests.gen_fixtures import INTENTS, write_data  # noqa: E402
from tests.test_backends_transformers import tiny_lm  # noqa: E402, F401 - fixture


def test_intent_generation_with_a_local_model(tmp_path, tiny_lm):  # noqa: F811
    spec = write_data(tmp_path)["intent"]
    params = {"backend": "transformers", "model": str(tiny_lm), "cache": "off", "batch_size": 4}
    prov = generate(tmp_path, spec, "tiny", params,
                    GenSettings(n=4, seed=0, max_tokens=8, max_attempts=8, window=4),
                    progress=False)
    rows = [json.loads(x) for x in output_path(tmp_path, spec, "tiny").read_text().splitlines()]
    c = prov["counts"]
    assert len(rows) == c["records"] == 4
    assert all(r["label"] in INTENTS and r["text"].strip() for r in rows)
    assert len({r["text"] for r in rows}) == 4
    # every request was answered locally; each either gave a record or a counted rejection
    assert c["failures"] == 0
    assert c["requests"] == 4 + sum(c["rejections"].values())
    assert prov["backend"]["name"] == prov["backend"]["provider"] == "transformers"
