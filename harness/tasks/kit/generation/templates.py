"""Prompt templates: text files in each task's ``templates/`` folder, hashed for provenance.

A task's generator says where its packaged templates are (``template_dir``; the
built-in ones ``harness/tasks/<task>/templates/``); ``--templates DIR`` replaces them.

A template file has a system part and a user part::

    === system ===
    You write ... $label ...
    === user ===
    Here are $k example(s) ...

Placeholders are ``string.Template`` fields (``$name``), so JSON braces in a prompt
need no escaping. A run records each template's SHA-256, so a changed prompt is
visible in the provenance and refuses to resume an older run.
"""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass
from pathlib import Path

#: The built-in tasks' folders, each with a ``templates/`` folder.
TASKS_DIR = Path(__file__).resolve().parents[2]  # harness/tasks
_SYSTEM, _USER = "=== system ===", "=== user ==="


def _packaged_dir(name: str) -> Path:
    """The built-in task folder's ``templates/`` holding ``name`` (names are unique)."""
    found = sorted(TASKS_DIR.glob(f"*/templates/{name}.txt"))
    return found[0].parent if found else TASKS_DIR


class TemplateError(ValueError):
    """A template file that is missing, malformed, or lacks a value for a placeholder."""


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    path: str
    system: str
    user: str
    sha256: str

    def render(self, **values: object) -> list[dict[str, str]]:
        """Chat messages with every ``$placeholder`` filled; a missing value is an error."""
        try:
            system = string.Template(self.system).substitute(values)
            user = string.Template(self.user).substitute(values)
        except (KeyError, ValueError) as exc:
            raise TemplateError(f"{self.path}: no value for placeholder {exc}") from None
        msgs = [{"role": "system", "content": system}] if system else []
        return msgs + [{"role": "user", "content": user}]


def load_template(name: str, directory: str | Path | None = None) -> PromptTemplate:
    """Read ``<directory>/<name>.txt`` (default: the built-in task that has ``name``)."""
    path = Path(directory or _packaged_dir(name)) / f"{name}.txt"
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise TemplateError(f"{path}: template not found") from None
    text = raw.decode("utf-8")
    if _USER not in text:
        raise TemplateError(
            f"{path}: no '{_USER}' line; see harness/tasks/kit/generation/templates.py"
        )
    head, user = text.split(_USER, 1)
    system = head.split(_SYSTEM, 1)[1] if _SYSTEM in head else ""
    return PromptTemplate(name, str(path), system.strip(), user.strip(),
                          hashlib.sha256(raw).hexdigest())
