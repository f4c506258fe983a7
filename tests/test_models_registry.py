"""The model zoo as registered: names, tasks, and at least six offline methods per task."""

from __future__ import annotations

import subprocess
import sys

from harness.models import MODELS

EXPECTED = {
    "intent": {
        "minilm-zeroshot",
        "minilm-prototypes",
        "minilm-knn",
        "tfidf-logreg",
        "tfidf-centroid",
        "majority",
    },
    "similarity": {
        "minilm-cosine",
        "tfidf-cosine",
        "char-tfidf-cosine",
        "jaccard",
        "bm25",
        "length-ratio",
    },
    "ner": {"spacy", "gazetteer", "crf", "minilm-spans", "spacy-minilm", "capitalised-majority"},
}


def test_every_method_of_the_issue_is_registered_for_its_task() -> None:
    for task, names in EXPECTED.items():
        registered = {e.name for e in MODELS if task in e.meta.get("tasks", ())}
        assert names <= registered, f"{task}: missing {names - registered}"


def test_each_task_has_at_least_six_offline_methods() -> None:
    for task in EXPECTED:
        offline = [e.name for e in MODELS if task in e.meta.get("tasks", ()) and e.name != "oracle"]
        assert len(offline) >= 6, (task, offline)


def test_registering_the_zoo_imports_no_heavy_package() -> None:
    # A fresh interpreter: this test process may already hold torch or spaCy.
    code = (
        "import sys; from harness.models import MODELS; MODELS.names(); "
        "print(sorted(m for m in ('torch', 'spacy', 'sentence_transformers', 'transformers', "
        "'sklearn', 'sklearn_crfsuite') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
