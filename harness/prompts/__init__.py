"""Prompt templates (text files in this folder) and the parsing of LLM answers.

Templates use ``string.Template`` fields (``$text``), so JSON braces in a template
need no escaping. ``template_hash`` gives a short digest of a template file for
provenance (generation records which prompt produced the data).
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from string import Template

HERE = Path(__file__).parent


@functools.cache
def load_template(name: str) -> str:
    """The text of ``harness/prompts/<name>.txt``; the error lists what exists."""
    path = HERE / f"{name}.txt"
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        known = ", ".join(sorted(p.stem for p in HERE.glob("*.txt")))
        raise FileNotFoundError(f"no prompt template {name!r} in {HERE}; known: {known}") from None


def render(name: str, **fields: object) -> str:
    """Fill template ``name``; a missing field raises KeyError naming it."""
    return Template(load_template(name)).substitute({k: str(v) for k, v in fields.items()}).strip()


def template_hash(name: str) -> str:
    return hashlib.sha256(load_template(name).encode("utf-8")).hexdigest()[:12]


__all__ = ["load_template", "render", "template_hash"]
