"""``synthbench cache stats|clear|export``: the response cache and the embedding store.

Both live in the cache folder: ``responses.sqlite`` (LLM answers) and
``embeddings.sqlite`` (sentence vectors, ``harness.models.embedding_store``).

Sizes are printed in MiB (1 MiB = 1,048,576 bytes) next to the exact byte count that
``--json`` gives, so the two never seem to disagree. ``clear`` deletes responses
that were paid for: it says what it will delete and asks first on a terminal, and
anywhere else (a script, CI) it needs ``--yes``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

MIB = 1 << 20


def size_text(n: int) -> str:
    """``n`` bytes as MiB (binary) with the exact count: ``81.87 MiB (85,852,160 bytes)``."""
    return f"{n / MIB:.2f} MiB ({n:,} bytes)"


def add_cache_parser(subparsers: Any) -> None:
    """Add the ``cache`` sub-command (handlers return the exit status)."""
    p = subparsers.add_parser("cache", help="inspect or clear the LLM response cache")
    p.add_argument(
        "--cache-dir",
        default=None,
        help="cache folder (default: $SYNTHBENCH_CACHE_DIR, else the per-user cache: "
        "$XDG_CACHE_HOME/synthbench or ~/.cache/synthbench)",
    )
    sub = p.add_subparsers(dest="cache_command", metavar="ACTION", required=True)
    s = sub.add_parser("stats", help="entries, size, hit and miss counts")
    s.add_argument(
        "--run", default="*", help="count hits/misses of this run id only (default: all)"
    )
    s.add_argument("--json", action="store_true", help="print JSON")
    s.set_defaults(func=_stats)
    c = sub.add_parser(
        "clear",
        help="delete every cached response (or every stored vector); asks first",
    )
    c.add_argument("--embeddings", action="store_true", help="clear the embedding store instead")
    c.add_argument(
        "-y",
        "--yes",
        action="store_true",
        help="do not ask (needed when stdin is not a terminal)",
    )
    c.set_defaults(func=_clear)
    e = sub.add_parser("export", help="write every cached response as JSON Lines")
    e.add_argument("-o", "--output", default="-", help="output file (default: stdout)")
    e.set_defaults(func=_export)


def _cache(args: argparse.Namespace) -> Any:
    from harness.backends.cache import ResponseCache

    return ResponseCache(args.cache_dir)


def _stats(args: argparse.Namespace) -> int:
    from harness.backends.cache import DB_NAME, cache_stats, resolve_cache_dir
    from harness.models.embedding_store import STORE_NAME, store_stats

    d = resolve_cache_dir(args.cache_dir)
    st = cache_stats(d, run=args.run)
    emb = store_stats(d)
    if args.json:
        doc = {"path": str(d / DB_NAME), **st.to_dict()}
        doc["embeddings"] = {"path": str(d / STORE_NAME), **(emb.to_dict() if emb else {})}
        print(json.dumps(doc))
        return 0
    rate = "n/a" if st.hit_rate is None else f"{st.hit_rate:.1%}"
    _legacy_note(d)
    print(f"cache: {d / DB_NAME}")
    print(f"entries: {st.entries}  size: {size_text(st.size_bytes)}")
    print(
        f"hits: {st.hits}  misses: {st.misses}  stored: {st.stores}  hit rate: {rate}"
        f"  (processes: {st.processes})"
    )
    print(f"embedding store: {d / STORE_NAME}")
    if emb is None:
        print("vectors: 0 (no store yet)")
        return 0
    per = ", ".join(f"{name} {n}" for name, n in sorted(emb.encoders.items())) or "none"
    print(
        f"vectors: {emb.entries}  vector bytes: {size_text(emb.vector_bytes)}"
        f"  file: {size_text(emb.file_bytes)}  bound: {size_text(emb.max_bytes)}"
        f"  evicted: {emb.evicted} (least recently used first)"
    )
    print(f"per encoder: {per}")
    return 0


def _legacy_note(directory: Path) -> None:
    from harness.backends.cache import legacy_cache_note

    if note := legacy_cache_note(directory):
        print(note, file=sys.stderr)


def confirm(
    what: str,
    yes: bool,
    stdin: Any = None,
    ask: Callable[[str], str] | None = None,
) -> bool:
    """Whether to go on deleting ``what``: ``--yes``, else a "y" typed at a terminal.

    Without a terminal nobody can answer, so the command refuses and says to pass
    ``--yes``; nothing is deleted.
    """
    if yes:
        return True
    stdin = sys.stdin if stdin is None else stdin
    if not (hasattr(stdin, "isatty") and stdin.isatty()):
        print(
            f"synthbench cache clear: would delete {what}; stdin is not a terminal, so "
            "nobody can confirm: pass --yes to delete",
            file=sys.stderr,
        )
        return False
    try:
        answer = (ask or input)(f"delete {what}? [y/N] ")
    except EOFError:
        answer = ""
    return answer.strip().lower() in ("y", "yes")


def _clear(args: argparse.Namespace) -> int:
    from harness.backends.cache import DB_NAME, cache_stats, resolve_cache_dir

    d = resolve_cache_dir(args.cache_dir)
    if args.embeddings:
        from harness.models.embedding_store import STORE_NAME, EmbeddingStore, store_stats

        path = d / STORE_NAME
        emb = store_stats(d)
        if emb is None or not emb.entries:
            print(f"nothing to clear: no stored vectors in {path}")
            return 0
        what = f"{emb.entries} stored vectors ({size_text(emb.file_bytes)}) in {path}"
        if not confirm(what, args.yes):
            print("nothing deleted", file=sys.stderr)
            return 1
        with EmbeddingStore(path) as store:
            print(f"cleared {store.clear()} stored vectors from {path}")
        return 0
    st = cache_stats(d, run="*")
    if not st.entries:
        print(f"nothing to clear: no cached responses in {d / DB_NAME}")
        return 0
    what = (
        f"{st.entries} cached LLM responses ({size_text(st.size_bytes)}) in {d / DB_NAME}; "
        "requests answered from them will be sent (and paid for) again"
    )
    if not confirm(what, args.yes):
        print("nothing deleted", file=sys.stderr)
        return 1
    with _cache(args) as cache:
        n = cache.clear()
        print(f"cleared {n} cached responses from {cache.path}")
    return 0


def _export(args: argparse.Namespace) -> int:
    with _cache(args) as cache:
        if args.output == "-":
            n = cache.export(sys.stdout)
        else:
            with open(args.output, "w", encoding="utf-8") as fh:
                n = cache.export(fh)
            print(f"exported {n} responses to {args.output}", file=sys.stderr)
    return 0
