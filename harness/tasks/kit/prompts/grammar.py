"""Answer grammars for constrained decoding (llama.cpp's GBNF ``grammar`` field).

With ``constrain = "grammar"`` the ``llm`` model sends one of these with every
request, and a server that supports it (llama.cpp; not hosted APIs) can only
sample answers of that shape: a label of the list, a rating tag on the scale, or
a JSON object with exactly the dataset's entity types. The parser is unchanged,
so an answer that still does not parse (a server that ignores the field, a string
cut off by ``max_tokens``) is counted invalid as always.
"""

from __future__ import annotations

from collections.abc import Sequence


def literal(text: str) -> str:
    """A GBNF string literal matching ``text`` exactly."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def intent_grammar(labels: Sequence[str]) -> str:
    """Exactly one of the labels, nothing else."""
    return "root ::= " + " | ".join(literal(lab) for lab in labels) + "\n"


def rating_grammar(high: float) -> str:
    """``<similarity_rating>N</similarity_rating>`` with N in [0, high], one decimal at most."""
    top = int(high)
    below = f"[0-{top - 1}]" if top > 1 else '"0"'
    number = f'({below} ("." [0-9])? | "{top}" (".0")?)'
    return f'root ::= "<similarity_rating>" {number} "</similarity_rating>"\n'


def entities_grammar(labels: Sequence[str], max_chars: int = 60) -> str:
    """``{"label": ["entity", ...], ...}`` with every label once, in order.

    Strings are short, single-line and free of quotes and backslashes, so a small
    model cannot run on inside one string until ``max_tokens`` cuts the JSON off.
    """
    pairs = ' "," ws '.join(f'{literal(_json_key(lab))} ws ":" ws list' for lab in labels)
    char = r'[^"\\\n\x00-\x1f]'
    return (
        f'root ::= "{{" ws {pairs} ws "}}"\n'
        'list ::= "[" ws ( string ( ws "," ws string )* )? ws "]"\n'
        f'string ::= "\\"" {char}{{1,{max_chars}}} "\\""\n'
        "ws ::= [ \\n]{0,2}\n"
    )


def _json_key(label: str) -> str:
    import json

    return json.dumps(label)
