"""Secrets never reach an artifact: one redaction applied by every artifact writer.

A configured secret is an API key a backend was built with (``register``, called by
the chat client) or the value of an environment variable that holds one (a name
ending in ``API_KEY``, ``TOKEN``, ``SECRET`` or ``PASSWORD``, or one a suite names
with ``api_key_env``). Redaction covers whatever field carries it: a server that
echoes request headers into its completion puts the bearer key into the answer
text, so answers are redacted as well as error messages. Writers call ``redact`` on
the text they write (``results.atomic_write_text``, the cache, generation output);
the client redacts answers as they arrive, so predictions never hold a key either.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable
from typing import Any

MASK = "***"
#: Shorter values are not treated as secrets: masking them would mangle ordinary text.
MIN_LENGTH = 8
#: Providers echo a key's tail in errors (``sk-...abcd``); long keys lose their tail too.
TAIL = 8
_ENV_NAME = re.compile(r"(API_?KEY|TOKEN|SECRET|PASSWORD)$", re.IGNORECASE)

_lock = threading.Lock()
_registered: set[str] = set()
_env_names: set[str] = set()


def register(*secrets: str) -> None:
    """Add secrets this process holds (a backend's key) to what every writer removes."""
    with _lock:
        _registered.update(s for s in secrets if s and len(s) >= MIN_LENGTH)


def register_env(*names: str) -> None:
    """Environment variables whose values are secrets (``api_key_env`` of a suite)."""
    with _lock:
        _env_names.update(n for n in names if n)


#: Whether an environment variable's name looks like a secret's, by name: ``known`` runs
#: once per answer, and the regex over every name was most of its cost (measured).
_secret_name: dict[str, bool] = {}


def _looks_secret(name: str) -> bool:
    hit = _secret_name.get(name)
    if hit is None:
        hit = _secret_name[name] = bool(_ENV_NAME.search(name))
    return hit


def known() -> tuple[str, ...]:
    """Every configured secret, longest first (so a key is masked before its tail)."""
    env = {
        v for k, v in os.environ.items()
        if len(v) >= MIN_LENGTH and (k in _env_names or _looks_secret(k))
    }
    with _lock:
        values = _registered | env
    return tuple(sorted(values, key=len, reverse=True))


def _patterns(secrets: Iterable[str]) -> list[str]:
    out: list[str] = []
    for s in secrets:
        out.append(s)
        if len(s) >= 12:
            out.append(s[-TAIL:])
    return out


def redact(text: str, secrets: Iterable[str] | None = None) -> str:
    """``text`` with every configured secret (and a long key's tail) replaced by ``***``."""
    for pattern in _patterns(known() if secrets is None else secrets):
        if pattern in text:
            text = text.replace(pattern, MASK)
    return text


def redact_tree(obj: Any, secrets: Iterable[str] | None = None) -> Any:
    """``redact`` applied to every string (keys included) of a JSON-like value."""
    found = tuple(known() if secrets is None else secrets)
    if not found:
        return obj

    def walk(o: Any) -> Any:
        if isinstance(o, str):
            return redact(o, found)
        if isinstance(o, dict):
            return {walk(k): walk(v) for k, v in o.items()}
        if isinstance(o, list | tuple):
            items = [walk(v) for v in o]
            return tuple(items) if isinstance(o, tuple) else items
        return o

    return walk(obj)


__all__ = ["MASK", "known", "redact", "redact_tree", "register", "register_env"]
