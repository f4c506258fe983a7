"""Decoding grammars for generation (llama.cpp's GBNF ``grammar`` field): the shared pieces.

With ``constrain = "grammar"`` a small model is not trusted to follow the prompt's
format: a task's generator sends a grammar of its answer's shape (NER's stage one a
JSON list of short names, ``names_grammar``; an intent utterance one line,
``line_grammar``; the task-specific ones in ``harness/tasks/<name>/generate.py``,
built from ``TEXT_CHAR`` and ``literal``). The parser is the same as without a
grammar, so a server that ignores the field, or an answer cut off by ``max_tokens``,
is still rejected and counted.
"""

from __future__ import annotations

from harness.tasks.kit.prompts.grammar import literal

__all__ = ["NAME_FIRST", "TEXT_CHAR", "line_grammar", "literal", "names_grammar"]

#: Text characters: one line, no quotes or backslashes (nothing a parser could unwrap).
TEXT_CHAR = r'[^"\\\n\x00-\x1f]'
#: A name's first character: not a space, control or ASCII punctuation (measured: an
#: unrestricted SmolLM2 "names" every label ",").
NAME_FIRST = r'[^\x00-\x20!-/:-@\[-`{-~]'


def names_grammar(count: int, max_chars: int = 24) -> str:
    """A JSON list of 1..``count`` short, single-line names, each starting with a
    letter or digit (or any non-ASCII character). Short, so that a list of ``count``
    fits a small ``max_tokens``; a list cut off anyway keeps its complete names."""
    if count < 1:
        raise ValueError(f"names_grammar: count must be >= 1, got {count}")
    more = f'( "," ws name ){{0,{count - 1}}}' if count > 1 else ""
    return (
        f'root ::= "[" ws name {more} ws "]"\n'
        f'name ::= "\\"" {NAME_FIRST} {TEXT_CHAR}{{0,{max_chars - 1}}} "\\""\n'
        "ws ::= [ \\n]{0,3}\n"
    )


def line_grammar(max_chars: int = 200) -> str:
    """One line of text (an intent utterance)."""
    return f"root ::= {TEXT_CHAR}{{1,{max_chars}}}\n"
