"""The response cache: one SQLite file (WAL mode) shared by every worker process.

Key: SHA-256 of the provider, the endpoint (base URL without credentials or query),
the model id and revision, and every field of the ``ChatRequest`` (all messages,
temperature, max tokens, seed, extra parameters). Two models, two endpoints or two
prompts can therefore never share an answer. API keys are not part of a request, so
they never reach the file.

What is cached is decided by the client (``harness.backends.client``): by default
only deterministic requests (temperature 0); a suite can opt in to caching seeded
sampling (``cache = "always"``) or switch the cache off (``cache = "off"``).

Hit and miss counts are kept per process in memory and added to a ``counters``
table (one row per run id and process) by ``flush()``, so the controller of an
xdist run can sum them with ``cache_stats(run=...)``. The run id comes from the
``SYNTHBENCH_RUN_ID`` environment variable (workers inherit it), else ``default``.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from harness.backends.base import ChatRequest, Reply, canonical_json

# Where the cache lives is a core fact (models and data cache there too); re-exported.
from harness.core.paths import ENV_CACHE_DIR as ENV_CACHE_DIR
from harness.core.paths import default_cache_dir as default_cache_dir
from harness.core.paths import resolve_cache_dir as resolve_cache_dir
from harness.core.redaction import redact, redact_tree
from harness.core.textsafe import from_sql, hash_bytes, json_dumps, sql_text

ENV_RUN_ID = "SYNTHBENCH_RUN_ID"
#: Where releases before the per-user default kept the cache (relative to the working
#: directory); only looked at to tell a user whose paid responses are still there.
LEGACY_CACHE_DIR = ".synthbench/cache"
DB_NAME = "responses.sqlite"
KEY_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    model TEXT NOT NULL,
    revision TEXT NOT NULL,
    request TEXT NOT NULL,
    text TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    finish_reason TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS batches (
    name TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    batch_id TEXT NOT NULL,
    size INTEGER NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (
    run TEXT NOT NULL,
    pid INTEGER NOT NULL,
    hits INTEGER NOT NULL DEFAULT 0,
    misses INTEGER NOT NULL DEFAULT 0,
    stores INTEGER NOT NULL DEFAULT 0,
    updated REAL NOT NULL,
    PRIMARY KEY (run, pid)
);
"""


def legacy_cache_note(directory: Path, cwd: Path | None = None) -> str:
    """A hint when the working directory still holds a cache of the old default location
    (``.synthbench/cache``) that ``directory`` is not: its responses are not read."""
    old = (cwd or Path.cwd()) / LEGACY_CACHE_DIR
    if not (old / DB_NAME).is_file():
        return ""
    try:
        if old.resolve() == directory.resolve():
            return ""
    except OSError:
        return ""
    return (
        f"note: {old} holds a response cache of an older release, which is not read now "
        f"(the cache folder is {directory}); move its files there, or set "
        f"{ENV_CACHE_DIR}={old} to keep using it"
    )


def run_id() -> str:
    return os.environ.get(ENV_RUN_ID) or "default"


def safe_endpoint(url: str) -> str:
    """A URL without user info, query or fragment: what may be stored and logged."""
    if "://" not in url:
        return url
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))


def cache_key(provider: str, endpoint: str, revision: str, request: ChatRequest) -> str:
    """The content address of a request; see the module docstring for what it covers."""
    doc = {
        "v": KEY_VERSION,
        "provider": provider,
        "endpoint": safe_endpoint(endpoint),
        "revision": revision,
        "request": request.to_dict(),
    }
    return hashlib.sha256(hash_bytes(canonical_json(doc))).hexdigest()


@dataclass(frozen=True)
class CacheStats:
    entries: int
    size_bytes: int
    hits: int
    misses: int
    stores: int
    processes: int

    @property
    def hit_rate(self) -> float | None:
        total = self.hits + self.misses
        return self.hits / total if total else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "entries": self.entries,
            "size_bytes": self.size_bytes,
            "hits": self.hits,
            "misses": self.misses,
            "stores": self.stores,
            "processes": self.processes,
            "hit_rate": self.hit_rate,
        }


def _connect(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path, timeout=60.0, isolation_level=None, check_same_thread=False)
    con.execute("PRAGMA busy_timeout = 60000")
    return con


def open_db(directory: Path) -> sqlite3.Connection:
    """Open (creating if needed) the cache database in WAL mode.

    Switching a fresh file to WAL and creating the tables takes a write lock; a
    file lock serialises that first step between processes that start together.
    """
    from filelock import FileLock

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / DB_NAME
    with FileLock(str(directory / ".init.lock"), timeout=120):
        con = _connect(path)
        mode = con.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            con.close()
            raise RuntimeError(f"{path}: cannot switch the cache to WAL mode (got {mode!r})")
        con.executescript(_SCHEMA)
    # NORMAL is durable across process crashes in WAL mode (only an OS crash can
    # lose the last commits), and makes each write far cheaper than FULL.
    con.execute("PRAGMA synchronous = NORMAL")
    return con


class ResponseCache:
    """A process's handle on the shared cache. Thread-safe; cheap to keep open."""

    def __init__(
        self, directory: str | os.PathLike[str] | None = None, run: str | None = None
    ) -> None:
        self.directory = resolve_cache_dir(directory)
        self.run = run or run_id()
        self._con = open_db(self.directory)
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.stores = 0
        self._unflushed = [0, 0, 0]

    @property
    def path(self) -> Path:
        return self.directory / DB_NAME

    def get(self, key: str) -> Reply | None:
        """The stored reply of ``key`` or None; counts a hit or a miss."""
        with self._lock:
            row = self._con.execute(
                "SELECT text, prompt_tokens, completion_tokens, finish_reason "
                "FROM responses WHERE key = ?",
                (key,),
            ).fetchone()
            if row is None:
                self.misses += 1
                self._unflushed[1] += 1
                return None
            self.hits += 1
            self._unflushed[0] += 1
        return Reply(from_sql(row[0]), int(row[1]), int(row[2]), from_sql(row[3]))

    def put(
        self,
        key: str,
        provider: str,
        endpoint: str,
        revision: str,
        request: ChatRequest,
        reply: Reply,
    ) -> None:
        """Store ``reply`` under ``key``; the first answer stored for a key wins."""
        with self._lock:
            cur = self._con.execute(
                "INSERT OR IGNORE INTO responses VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    key,
                    # Every text column may hold what UTF-8 cannot encode (a lone
                    # surrogate from data or an endpoint): sql_text stores it losslessly.
                    sql_text(provider),
                    sql_text(safe_endpoint(endpoint)),
                    sql_text(request.model),
                    sql_text(revision),
                    json_dumps(redact_tree(request.to_dict()), sort_keys=True,
                               separators=(",", ":"), default=str),
                    sql_text(redact(reply.text)),
                    reply.prompt_tokens,
                    reply.completion_tokens,
                    sql_text(reply.finish_reason),
                    time.time(),
                ),
            )
            if cur.rowcount:
                self.stores += 1
                self._unflushed[2] += 1

    # A provider batch in flight (harness.backends.batch): stored as soon as it is
    # submitted, so a killed run resumes it instead of paying for it again.

    def get_batch(self, name: str) -> str | None:
        with self._lock:
            row = self._con.execute(
                "SELECT batch_id FROM batches WHERE name = ?", (name,)
            ).fetchone()
        return None if row is None else str(row[0])

    def put_batch(self, name: str, provider: str, endpoint: str, batch_id: str, size: int) -> None:
        with self._lock:
            self._con.execute(
                "INSERT OR REPLACE INTO batches VALUES (?,?,?,?,?,?)",
                (name, provider, sql_text(safe_endpoint(endpoint)), batch_id, size, time.time()),
            )

    def drop_batch(self, name: str) -> None:
        with self._lock:
            self._con.execute("DELETE FROM batches WHERE name = ?", (name,))

    def flush(self) -> None:
        """Add this process's unflushed hit/miss/store counts to the shared counters."""
        with self._lock:
            hits, misses, stores = self._unflushed
            if not (hits or misses or stores):
                return
            self._con.execute(
                "INSERT INTO counters (run, pid, hits, misses, stores, updated) "
                "VALUES (?,?,?,?,?,?) ON CONFLICT(run, pid) DO UPDATE SET "
                "hits = hits + excluded.hits, misses = misses + excluded.misses, "
                "stores = stores + excluded.stores, updated = excluded.updated",
                (self.run, os.getpid(), hits, misses, stores, time.time()),
            )
            self._unflushed = [0, 0, 0]

    def stats(self, run: str | None = None) -> CacheStats:
        """Entries and size of the file, and hit/miss counts of ``run`` (all runs: ``"*"``)."""
        self.flush()
        return _stats(self._con, self.path, run or self.run)

    def clear(self) -> int:
        """Delete every stored response and counter; returns the number of responses."""
        with self._lock:
            n = int(self._con.execute("SELECT COUNT(*) FROM responses").fetchone()[0])
            self._con.execute("DELETE FROM responses")
            self._con.execute("DELETE FROM counters")
            self._unflushed = [0, 0, 0]
        self._con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._con.execute("VACUUM")
        return n

    def iter_entries(self) -> Iterator[dict[str, Any]]:
        """Every stored response as a plain dict (the request is decoded)."""
        cur = self._con.execute(
            "SELECT key, provider, endpoint, model, revision, request, text, prompt_tokens, "
            "completion_tokens, finish_reason, created FROM responses ORDER BY created, key"
        )
        for row in cur:
            yield {
                "key": row[0],
                "provider": from_sql(row[1]),
                "endpoint": from_sql(row[2]),
                "model": from_sql(row[3]),
                "revision": from_sql(row[4]),
                "request": json.loads(from_sql(row[5])),
                "text": from_sql(row[6]),
                "prompt_tokens": row[7],
                "completion_tokens": row[8],
                "finish_reason": from_sql(row[9]),
                "created": row[10],
            }

    def export(self, out: IO[str]) -> int:
        """Write every entry as one JSON line to ``out``; returns the count."""
        n = 0
        for entry in self.iter_entries():
            out.write(json_dumps(entry) + "\n")
            n += 1
        return n

    def close(self) -> None:
        self.flush()
        self._con.close()

    def __enter__(self) -> ResponseCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _stats(con: sqlite3.Connection, path: Path, run: str) -> CacheStats:
    entries = int(con.execute("SELECT COUNT(*) FROM responses").fetchone()[0])
    if run == "*":
        row = con.execute(
            "SELECT COALESCE(SUM(hits),0), COALESCE(SUM(misses),0), COALESCE(SUM(stores),0), "
            "COUNT(*) FROM counters"
        ).fetchone()
    else:
        row = con.execute(
            "SELECT COALESCE(SUM(hits),0), COALESCE(SUM(misses),0), COALESCE(SUM(stores),0), "
            "COUNT(*) FROM counters WHERE run = ?",
            (run,),
        ).fetchone()
    size = sum(p.stat().st_size for p in path.parent.glob(DB_NAME + "*") if p.is_file())
    return CacheStats(entries, size, int(row[0]), int(row[1]), int(row[2]), int(row[3]))


def cache_stats(
    directory: str | os.PathLike[str] | None = None, run: str | None = None
) -> CacheStats:
    """The shared counts of ``run`` (default: this run id; ``"*"``: all runs).

    For the report: every worker flushes its counts after each batch, so the
    controller reads the sum over all processes here.
    """
    d = resolve_cache_dir(directory)
    if not (d / DB_NAME).exists():
        return CacheStats(0, 0, 0, 0, 0, 0)
    con = open_db(d)
    try:
        return _stats(con, d / DB_NAME, run or run_id())
    finally:
        con.close()
