"""``synthbench cache stats|clear|export``: the response cache and the embedding store.

Both live in the cache folder: ``responses.sqlite`` (LLM answers) and
``embeddings.sqlite`` (sentence vectors, ``harness.models.embedding_store``).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def add_cache_parser(subparsers: Any) -> None:
    """Add the ``cache`` sub-command (handlers return the exit status)."""
    p = subparsers.add_parser("cache", help="inspect or clear the LLM response cache")
    p.add_argument(
        "--cache-dir",
        default=None,
        help="cache folder (default: $SYNTHBENCH_CACHE_DIR or .synthbench/cache)",
    )
    sub = p.add_subparsers(dest="cache_command", metavar="ACTION", required=True)
    s = sub.add_parser("stats", help="entries, size, hit and miss counts")
    s.add_argument(
        "--run", default="*", help="count hits/misses of this run id only (default: all)"
    )
    s.add_argument("--json", action="store_true", help="print JSON")
    s.set_defaults(func=_stats)
    c = sub.add_parser("clear", help="delete every cached response (or every stored vector)")
    c.add_argument("--embeddings", action="store_true", help="clear the embedding store instead")
    c.set_defaults(func=_clear)
    e = sub.add_parser("export", help="write every cached response as JSON Lines")
    e.add_argument("-o", "--output", default="-", help="output file (default: stdout)")
    e.set_defaults(func=_export)


def _cache(args: argparse.Namespace) -> Any:
    from harness.cache import ResponseCache

    return ResponseCache(args.cache_dir)


def _stats(args: argparse.Namespace) -> int:
    from harness.cache import DB_NAME, cache_stats, resolve_cache_dir
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
    print(f"cache: {d / DB_NAME}")
    print(f"entries: {st.entries}  size: {st.size_bytes / 1e6:.2f} MB")
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
        f"vectors: {emb.entries}  vector bytes: {emb.vector_bytes / 1e6:.2f} MB"
        f"  file: {emb.file_bytes / 1e6:.2f} MB  bound: {emb.max_bytes / 1e6:.0f} MB"
        f"  evicted: {emb.evicted} (least recently used first)"
    )
    print(f"per encoder: {per}")
    return 0


def _clear(args: argparse.Namespace) -> int:
    if args.embeddings:
        from harness.cache import resolve_cache_dir
        from harness.models.embedding_store import STORE_NAME, EmbeddingStore

        path = resolve_cache_dir(args.cache_dir) / STORE_NAME
        with EmbeddingStore(path) as store:
            print(f"cleared {store.clear()} stored vectors from {path}")
        return 0
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
