"""Answer grammars for constrained decoding (llama.cpp's GBNF ``grammar`` field).

With ``constrain = "grammar"`` the ``llm`` model sends a task's grammar (its
``ChatIO.grammar``, built in ``harness/tasks/<name>/chat.py`` from these pieces) with
every request, and a server that supports it (llama.cpp; not hosted APIs) can only
sample answers of that shape. The parser is unchanged, so an answer that still does
not parse (a server that ignores the field, a string cut off by ``max_tokens``) is
counted invalid as always.
"""

from __future__ import annotations


def literal(text: str) -> str:
    """A GBNF string literal matching ``text`` exactly."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'
