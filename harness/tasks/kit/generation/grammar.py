"""Decoding grammars for NER generation (llama.cpp's GBNF ``grammar`` field).

With ``constrain = "grammar"`` a small model is not trusted to follow the prompt's
format: stage one can only answer a JSON list of short names, and stage two can
only write one line that contains every planned entity, spelled exactly, in the
plan's order, each standing as a whole word. The parser and the span check are the
same as without a grammar, so a server that ignores the field, or an answer cut off
by ``max_tokens`` before the last entity, is still rejected and counted.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.tasks.kit.prompts.grammar import literal

#: Text characters: one line, no quotes or backslashes (nothing a parser could unwrap).
_CHAR = r'[^"\\\n\x00-\x1f]'
#: A name's first character: not a space, control or ASCII punctuation (measured: an
#: unrestricted SmolLM2 "names" every label ",").
_FIRST = r'[^\x00-\x20!-/:-@\[-`{-~]'


def names_grammar(count: int, max_chars: int = 24) -> str:
    """A JSON list of 1..``count`` short, single-line names, each starting with a
    letter or digit (or any non-ASCII character). Short, so that a list of ``count``
    fits a small ``max_tokens``; a list cut off anyway keeps its complete names."""
    if count < 1:
        raise ValueError(f"names_grammar: count must be >= 1, got {count}")
    more = f'( "," ws name ){{0,{count - 1}}}' if count > 1 else ""
    return (
        f'root ::= "[" ws name {more} ws "]"\n'
        f'name ::= "\\"" {_FIRST} {_CHAR}{{0,{max_chars - 1}}} "\\""\n'
        "ws ::= [ \\n]{0,3}\n"
    )


def entity_text_grammar(names: Sequence[str], gap_chars: int = 40) -> str:
    """One line holding every name of ``names`` verbatim, in order.

    Between two names is free text of at most ``gap_chars`` characters; a name is
    followed by a space or punctuation and preceded by a space (or starts the line),
    so the span finder, which wants whole words, finds it exactly.
    """
    if not names:
        raise ValueError("entity_text_grammar: no entity names")
    parts = ["( gap " + '" " )?']
    for i, name in enumerate(names):
        if not name.strip() or "\n" in name:
            raise ValueError(f"entity_text_grammar: entity name {name!r} is empty or multi-line")
        if i:
            parts.append('after ( gap " " )?')
        parts.append(literal(name))
    parts.append('( "." | after gap )?')
    return (
        "root ::= " + " ".join(parts) + "\n"
        f"gap ::= {_CHAR}{{1,{gap_chars}}}\n"
        "after ::= [,;:]? \" \"\n"
    )


def line_grammar(max_chars: int = 200) -> str:
    """One line of text (an intent utterance)."""
    return f"root ::= {_CHAR}{{1,{max_chars}}}\n"


def pair_grammar(max_chars: int = 200) -> str:
    """``{"text1": "...", "text2": "..."}``: a similarity pair as one JSON object."""
    return (
        'root ::= "{\\"text1\\": " text ", \\"text2\\": " text "}"\n'
        f'text ::= "\\"" {_CHAR}{{1,{max_chars}}} "\\""\n'
    )
