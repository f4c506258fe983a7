"""Prompt templates (text files in each task's folder) and the parsing of LLM answers.

A template ``name`` is ``harness/tasks/<task>/prompts/<name>.txt``: each built-in
task keeps its prompts beside its ``chat.py``; names are unique across the tasks.

Templates use ``string.Template`` fields (``$text``), so JSON braces in a template
need no escaping. ``template_hash`` gives a short digest of a template file for
provenance (generation records which prompt produced the data).
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from string import Template

#: The built-in tasks' folders, each with a ``prompts/`` folder of templates.
TASKS_DIR = Path(__file__).resolve().parents[2]  # harness/tasks


@functools.cache
def load_template(name: str) -> str:
    """The text of template ``name`` (see the module docstring); the error lists what exists."""
    found = sorted(TASKS_DIR.glob(f"*/prompts/{name}.txt"))
    if not found:
        known = ", ".join(sorted(p.stem for p in TASKS_DIR.glob("*/prompts/*.txt")))
        where = TASKS_DIR / "*" / "prompts"
        raise FileNotFoundError(f"no prompt template {name!r} in {where}; known: {known}")
    return found[0].read_text(encoding="utf-8")


def render(name: str, **fields: object) -> str:
    """Fill template ``name``; a missing field raises KeyError naming it."""
    return Template(load_template(name)).substitute({k: str(v) for k, v in fields.items()}).strip()


def template_hash(name: str) -> str:
    return hashlib.sha256(load_template(name).encode("utf-8")).hexdigest()[:12]


__all__ = ["load_template", "render", "template_hash"]
