"""Secrets never reach an artifact: one redaction applied by every artifact writer.

A configured secret is an API key a backend was built with (``register``, called by
the chat client), a credential in an endpoint URL (``register_url``: its user name,
password, the ``Authorization: Basic`` value HTTP libraries make of them, and every
query parameter value), or the value of an environment variable that holds one (a
name ending in ``API_KEY``, ``TOKEN``, ``SECRET`` or ``PASSWORD``, or one a suite
names with ``api_key_env``). Configured secrets are masked whatever their length;
one shorter than ``MIN_LENGTH`` only where it stands as a whole word (not inside a
longer word or number), so that a short password does not eat every word it spells.
Environment values picked by their variable's name alone are guesses: those need
``MIN_LENGTH`` characters. Redaction covers whatever field carries it: a server that
echoes request headers into its completion puts the bearer key into the answer
text, so answers are redacted as well as error messages. Writers call ``redact`` on
the text they write (``results.atomic_write_text``, the cache, generation output);
the client redacts answers as they arrive, so predictions never hold a key either.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import threading
import urllib.parse
from collections.abc import Iterable
from typing import Any

MASK = "***"
#: Shorter configured secrets are masked as whole words only; shorter values of
#: variables that merely look secret by name are not treated as secrets at all.
MIN_LENGTH = 8
#: Providers echo a key's tail in errors (``sk-...abcd``); long keys lose their tail too.
TAIL = 8
_ENV_NAME = re.compile(r"(API_?KEY|TOKEN|SECRET|PASSWORD)$", re.IGNORECASE)

_lock = threading.Lock()
_registered: set[str] = set()
_env_names: set[str] = set()
#: Secrets with their delimiters (``key=value``, ``user:password@``): masked wherever
#: they occur, whatever their length, since a bare short value may be glued to other
#: text (an SDK appends its path to a base URL's query: ``?key=abcchat/completions``).
_anywhere: set[str] = set()


def register(*secrets: str) -> None:
    """Add secrets this process holds (a backend's key) to what every writer removes."""
    with _lock:
        _registered.update(s for s in secrets if s and s.strip())
    if _registered:
        _mask_logs()


_logs_masked = False


def _mask_logs() -> None:
    """Mask secrets in every log record of the process from now on: HTTP libraries log
    the request URL (user info, query key) at INFO, and pytest shows captured logs."""
    global _logs_masked
    with _lock:
        if _logs_masked:
            return
        _logs_masked = True
        make = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format is logging's to report, not ours
            return record
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        return record

    logging.setLogRecordFactory(factory)


def url_secrets(url: str) -> tuple[str, ...]:
    """The credentials a URL carries: user info (as written, decoded, and as the Basic
    authorization value made of it) and every query parameter value."""
    if "://" not in url:
        return ()
    parts = urllib.parse.urlsplit(url)
    found: list[str] = []
    userinfo, at, _ = parts.netloc.rpartition("@")
    if at:
        user, _, password = userinfo.partition(":")
        plain_user, plain_password = urllib.parse.unquote(user), urllib.parse.unquote(password)
        found += [user, password, plain_user, plain_password, userinfo]
        pair = f"{plain_user}:{plain_password}".encode()
        found.append(base64.b64encode(pair).decode("ascii"))
    for _, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=False):
        found += [value, urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value)]
    return tuple(dict.fromkeys(v for v in found if v and v.strip()))


def url_contexts(url: str) -> tuple[str, ...]:
    """``url``'s credentials with their delimiters: ``name=value`` of each query
    parameter, ``user:password@`` and ``:password@``."""
    if "://" not in url:
        return ()
    parts = urllib.parse.urlsplit(url)
    found = [p for p in parts.query.split("&") if "=" in p and p.partition("=")[2]]
    userinfo, at, _ = parts.netloc.rpartition("@")
    if at:
        found.append(f"{userinfo}@")
        if ":" in userinfo:
            found.append(f":{userinfo.partition(':')[2]}@")
    return tuple(dict.fromkeys(found))


def register_url(url: str) -> str:
    """Register ``url``'s credentials (``url_secrets``, ``url_contexts``); returns ``url``."""
    register(*url_secrets(url))
    contexts = url_contexts(url)
    with _lock:
        _anywhere.update(contexts)
        _registered.update(contexts)
    return url


def register_env(*names: str) -> None:
    """Environment variables whose values are secrets, whatever their length
    (``api_key_env`` of a suite)."""
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
        if v.strip() and (k in _env_names or (len(v) >= MIN_LENGTH and _looks_secret(k)))
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


_WORDS: dict[str, re.Pattern[str]] = {}


def _whole_word(secret: str) -> re.Pattern[str]:
    """``secret`` where no letter or digit continues it on either side."""
    pat = _WORDS.get(secret)
    if pat is None:
        pat = _WORDS[secret] = re.compile(rf"(?<![^\W_]){re.escape(secret)}(?![^\W_])")
    return pat


def redact(text: str, secrets: Iterable[str] | None = None) -> str:
    """``text`` with every configured secret (and a long key's tail) replaced by ``***``;
    a short one where it stands as a word (module docstring)."""
    for pattern in _patterns(known() if secrets is None else secrets):
        if pattern not in text:
            continue
        if len(pattern) >= MIN_LENGTH or pattern in _anywhere:
            text = text.replace(pattern, MASK)
        else:
            text = _whole_word(pattern).sub(MASK, text)
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


__all__ = [
    "MASK",
    "known",
    "redact",
    "redact_tree",
    "register",
    "register_env",
    "register_url",
    "url_contexts",
    "url_secrets",
]
