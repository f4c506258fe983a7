"""The embedding store: sentence vectors on disk, shared by workers, runs and CI jobs.

One SQLite file (WAL mode), ``embeddings.sqlite`` in the cache directory (the
response cache's folder: ``$SYNTHBENCH_CACHE_DIR``, else the per-user cache), kept
apart from the response cache's file so neither can lock or corrupt the other.

Key: SHA-256 of (key version, encoder id, weights hash, normalisation, text). The
encoder id names the network and the backend (``all-MiniLM-L6-v2/onnx-fp32``), so
vectors of torch, ONNX fp32 and ONNX int8 never mix; the weights hash changes the
key when the weights do. The value is the float32 vector's raw bytes.

Concurrent writers: every write is ``INSERT OR IGNORE`` in one transaction, so the
first vector stored for a key wins and later writers keep it; readers use the stored
vector, never their own copy (``put_many`` returns what is stored), so every process
of a run, and every later run, uses the same bytes for a text: scores are identical
with a cold or a warm store.

Size bound and eviction: ``max_bytes`` (default 1 GiB, ``$SYNTHBENCH_EMBEDDINGS_MAX_MB`` in MiB)
bounds the vector bytes. Reads mark entries used (one batched update per call, at
most once a minute per entry); when a write takes the store past the bound, the least
recently used entries are deleted until it is at 90% of it (hysteresis, so the next
write does not evict again).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

STORE_NAME = "embeddings.sqlite"
ENV_MAX_MB = "SYNTHBENCH_EMBEDDINGS_MAX_MB"
#: Set to ``off`` to use no store at all (vectors then live in memory only).
ENV_STORE = "SYNTHBENCH_EMBEDDINGS"
DEFAULT_MAX_BYTES = 1 << 30
KEY_VERSION = 1
#: After eviction the store holds at most this fraction of ``max_bytes``.
EVICT_TO = 0.9
#: A read refreshes an entry's last-used time only when it is older than this.
TOUCH_EVERY_S = 60.0
#: A claim on a slice older than this is taken over (its owner died or stalled).
CLAIM_TTL_S = 300.0
#: The ``dim`` of an entry that holds bytes (another model's output), not a vector.
BYTES_DIM = 0
#: SQLite's default limit on ``?`` parameters is 32,766; stay well below it.
_CHUNK = 500

#: After a checkpoint the WAL file is cut back to at most this many bytes (SQLite
#: otherwise keeps a grown WAL at its largest size for reuse).
WAL_LIMIT_BYTES = 8 << 20

# A rowid table, not WITHOUT ROWID: a WITHOUT ROWID row longer than about a quarter
# of a page spills to an overflow page, so every 1.5 KB vector took a 4 KB page of its
# own (66 MB of file for 21.5 MB of vectors, measured); in a rowid table two vectors
# share a page (30 MB). The key's UNIQUE index keeps lookups by key.
_VECTORS = """
CREATE TABLE IF NOT EXISTS vectors (
    key BLOB NOT NULL UNIQUE,
    encoder TEXT NOT NULL,
    dim INTEGER NOT NULL,
    vec BLOB NOT NULL,
    created REAL NOT NULL,
    used REAL NOT NULL
)"""
_SCHEMA = (
    _VECTORS
    + """;
CREATE INDEX IF NOT EXISTS vectors_used ON vectors (used);
CREATE TABLE IF NOT EXISTS totals (
    id INTEGER PRIMARY KEY CHECK (id = 0),
    bytes INTEGER NOT NULL,
    evicted INTEGER NOT NULL
);
INSERT OR IGNORE INTO totals VALUES (0, 0, 0);
CREATE TABLE IF NOT EXISTS claims (
    slice BLOB PRIMARY KEY,
    owner TEXT NOT NULL,
    at REAL NOT NULL
) WITHOUT ROWID;
"""
)


def default_max_bytes() -> int:
    raw = os.environ.get(ENV_MAX_MB)
    # MiB, like the default (1 GiB = 1024) and ``synthbench cache stats``.
    return int(float(raw) * (1 << 20)) if raw else DEFAULT_MAX_BYTES


def store_enabled() -> bool:
    return os.environ.get(ENV_STORE, "").lower() not in {"off", "0", "false", "no"}


def text_key(encoder: str, weights: str, normalised: bool, text: str) -> bytes:
    """The content address of one text's vector under one encoder."""
    h = hashlib.sha256()
    for part in (str(KEY_VERSION), encoder, weights, "norm" if normalised else "raw"):
        h.update(part.encode("utf-8"))
        h.update(b"\x00")
    # surrogatepass: a lone surrogate (seen in scraped data) must not crash the key.
    h.update(text.encode("utf-8", "surrogatepass"))
    return h.digest()


@dataclass(frozen=True)
class StoreStats:
    entries: int
    vector_bytes: int
    file_bytes: int
    max_bytes: int
    evicted: int
    encoders: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "entries": self.entries,
            "vector_bytes": self.vector_bytes,
            "file_bytes": self.file_bytes,
            "max_bytes": self.max_bytes,
            "evicted": self.evicted,
            "encoders": dict(self.encoders),
        }


def _open(path: Path) -> sqlite3.Connection:
    from filelock import FileLock

    path.parent.mkdir(parents=True, exist_ok=True)
    # Switching a fresh file to WAL and creating the tables takes a write lock; the
    # file lock serialises that first step between workers that start together.
    with FileLock(str(path.parent / ".embeddings.init.lock"), timeout=120):
        con = sqlite3.connect(path, timeout=60.0, isolation_level=None, check_same_thread=False)
        con.execute("PRAGMA busy_timeout = 60000")
        mode = con.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            con.close()
            raise RuntimeError(f"{path}: cannot switch the embedding store to WAL (got {mode!r})")
        _migrate_without_rowid(con)
        con.executescript(_SCHEMA)
    con.execute(f"PRAGMA journal_size_limit = {WAL_LIMIT_BYTES}")
    # NORMAL is durable across process crashes in WAL mode and far cheaper than FULL.
    con.execute("PRAGMA synchronous = NORMAL")
    return con


def _migrate_without_rowid(con: sqlite3.Connection) -> None:
    """Move a store of the first layout (a WITHOUT ROWID table) into the rowid layout.

    Runs under the init lock, once: the vectors are kept (they are still valid for
    their keys), only the table's layout changes.
    """
    row = con.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'vectors'"
    ).fetchone()
    if row is None or "WITHOUT ROWID" not in str(row[0]).upper():
        return
    con.execute("BEGIN IMMEDIATE")
    try:
        con.execute("DROP INDEX IF EXISTS vectors_used")
        con.execute("ALTER TABLE vectors RENAME TO vectors_v1")
        con.execute(_VECTORS)
        con.execute(
            "INSERT INTO vectors SELECT key, encoder, dim, vec, created, used FROM vectors_v1"
        )
        con.execute("DROP TABLE vectors_v1")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


class EmbeddingStore:
    """A process's handle on the store file. Thread-safe; cheap to keep open."""

    def __init__(self, path: str | os.PathLike[str], max_bytes: int | None = None) -> None:
        self.path = Path(path)
        self.max_bytes = default_max_bytes() if max_bytes is None else int(max_bytes)
        self._con = _open(self.path)
        self._lock = threading.Lock()
        self.hits = 0
        self.stored = 0

    def get_many(self, keys: Sequence[bytes], dim: int) -> dict[bytes, np.ndarray]:
        """The stored vectors of those ``keys`` that are present (and mark them used)."""
        import numpy as np

        found = {
            k: np.frombuffer(v, dtype=np.float32)
            for k, (d, v) in self._select(keys, touch=True).items()
            # Another dimension: written by an incompatible encoder, treat as absent.
            if d == dim and len(v) == 4 * dim
        }
        self.hits += len(found)
        return found

    def put_many(
        self, encoder: str, items: Iterable[tuple[bytes, np.ndarray]]
    ) -> dict[bytes, np.ndarray]:
        """Store vectors (the first writer of a key wins); returns what is now stored.

        The caller uses the returned vectors, not its own: when another process won
        the race for a key, this process then uses the same bytes as that one.
        """
        import numpy as np

        rows = [
            (k, int(v.shape[0]), np.ascontiguousarray(v, np.float32).tobytes()) for k, v in items
        ]
        if not rows:
            return {}
        dim = rows[0][1]
        stored = self._put_rows(encoder, rows)
        return {
            k: np.frombuffer(b, dtype=np.float32) for k, b in stored.items() if len(b) == 4 * dim
        }

    def get_values(self, keys: Sequence[bytes]) -> dict[bytes, bytes]:
        """Stored byte values (not vectors: other models' outputs, ``dim`` 0) of ``keys``."""
        return {k: v for k, (d, v) in self._select(keys, touch=True).items() if d == BYTES_DIM}

    def put_values(self, kind: str, items: Iterable[tuple[bytes, bytes]]) -> dict[bytes, bytes]:
        """Store byte values under ``kind`` (first writer wins, as ``put_many``)."""
        return self._put_rows(kind, [(k, BYTES_DIM, bytes(v)) for k, v in items])

    def _put_rows(self, kind: str, rows: Sequence[tuple[bytes, int, bytes]]) -> dict[bytes, bytes]:
        """Insert ``(key, dim, value)`` rows in one transaction; the stored values."""
        if not rows:
            return {}
        now = time.time()
        with self._lock:
            self._con.execute("BEGIN IMMEDIATE")
            try:
                added = 0
                for key, dim, value in rows:
                    cur = self._con.execute(
                        "INSERT OR IGNORE INTO vectors VALUES (?,?,?,?,?,?)",
                        (key, kind, dim, value, now, now),
                    )
                    if cur.rowcount:
                        added += len(value)
                        self.stored += 1
                if added:
                    self._con.execute("UPDATE totals SET bytes = bytes + ? WHERE id = 0", (added,))
                    self._evict_if_needed()
                self._con.execute("COMMIT")
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
        dims = {key: dim for key, dim, _ in rows}
        stored = {
            k: v for k, (d, v) in self._select(list(dims), touch=False).items() if d == dims[k]
        }
        # A key evicted within this very write (a store smaller than one batch) keeps
        # this process's own value: there is nothing stored to agree with.
        return {key: stored.get(key, value) for key, _, value in rows}

    def _select(self, keys: Sequence[bytes], touch: bool) -> dict[bytes, tuple[int, bytes]]:
        """``key -> (dim, value)`` of the stored ``keys``; ``touch`` marks them used."""
        out: dict[bytes, tuple[int, bytes]] = {}
        stale: list[bytes] = []
        now = time.time()
        with self._lock:
            for lo in range(0, len(keys), _CHUNK):
                part = keys[lo : lo + _CHUNK]
                for key, d, value, used in self._con.execute(
                    f"SELECT key, dim, vec, used FROM vectors WHERE key IN ({_marks(len(part))})",
                    part,
                ):
                    out[key] = (int(d), bytes(value))
                    if touch and now - used > TOUCH_EVERY_S:
                        stale.append(key)
            if stale:
                self._con.executemany(
                    "UPDATE vectors SET used = ? WHERE key = ?", [(now, k) for k in stale]
                )
        return out

    def _evict_if_needed(self) -> None:
        """Inside a write transaction: drop least recently used rows down to ``EVICT_TO``."""
        total = int(self._con.execute("SELECT bytes FROM totals WHERE id = 0").fetchone()[0])
        if total <= self.max_bytes:
            return
        target = int(self.max_bytes * EVICT_TO)
        freed, n = 0, 0
        victims: list[bytes] = []
        for key, size in self._con.execute(
            "SELECT key, length(vec) FROM vectors ORDER BY used, key"
        ):
            if total - freed <= target:
                break
            victims.append(key)
            freed += int(size)
            n += 1
        for lo in range(0, len(victims), _CHUNK):
            part = victims[lo : lo + _CHUNK]
            self._con.execute(f"DELETE FROM vectors WHERE key IN ({_marks(len(part))})", part)
        self._con.execute(
            "UPDATE totals SET bytes = bytes - ?, evicted = evicted + ? WHERE id = 0", (freed, n)
        )

    def claim(self, slice_id: bytes, owner: str) -> str:
        """Claim the encoding of one slice of texts: returns the owner that holds it.

        Two workers that need the same large set of texts at the same time (the
        halves of a split unit both building the kNN index over one train split)
        claim its slices in turn, each encodes the slices it holds, and reads the
        others' from the store as they land, so the set is encoded once, by both.
        """
        now = time.time()
        with self._lock:
            self._con.execute("BEGIN IMMEDIATE")
            try:
                row = self._con.execute(
                    "SELECT owner, at FROM claims WHERE slice = ?", (slice_id,)
                ).fetchone()
                if row is None or now - float(row[1]) > CLAIM_TTL_S or row[0] == owner:
                    self._con.execute(
                        "INSERT OR REPLACE INTO claims VALUES (?,?,?)", (slice_id, owner, now)
                    )
                    holder = owner
                else:
                    holder = str(row[0])
                self._con.execute("COMMIT")
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
        return holder

    def claim_alive(self, slice_id: bytes) -> bool:
        """Whether some process holds a claim on the slice younger than ``CLAIM_TTL_S``."""
        with self._lock:
            row = self._con.execute("SELECT at FROM claims WHERE slice = ?", (slice_id,)).fetchone()
        return row is not None and time.time() - float(row[0]) <= CLAIM_TTL_S

    def release(self, slice_id: bytes, owner: str) -> None:
        with self._lock:
            self._con.execute("DELETE FROM claims WHERE slice = ? AND owner = ?", (slice_id, owner))

    def stats(self) -> StoreStats:
        return _stats(self._con, self.path, self.max_bytes)

    def clear(self) -> int:
        """Delete every vector; returns how many there were."""
        with self._lock:
            n = int(self._con.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])
            self._con.execute("DELETE FROM vectors")
            self._con.execute("DELETE FROM claims")
            self._con.execute("UPDATE totals SET bytes = 0, evicted = 0 WHERE id = 0")
        self._con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._con.execute("VACUUM")
        return n

    def close(self) -> None:
        # Fold the WAL back into the file and cut it to WAL_LIMIT_BYTES: without this a
        # store written by two workers kept a WAL several times its vectors' size.
        # A process still reading makes the checkpoint partial (SQLite reports busy,
        # never an error); the last process to close then completes it.
        with self._lock:
            # Locked by a writer: that writer's own close checkpoints.
            with contextlib.suppress(sqlite3.OperationalError):
                self._con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._con.close()

    def __enter__(self) -> EmbeddingStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _marks(n: int) -> str:
    return ",".join("?" * n)


def _stats(con: sqlite3.Connection, path: Path, max_bytes: int) -> StoreStats:
    entries = int(con.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])
    vbytes, evicted = con.execute("SELECT bytes, evicted FROM totals WHERE id = 0").fetchone()
    encoders = {
        str(e): int(c)
        for e, c in con.execute("SELECT encoder, COUNT(*) FROM vectors GROUP BY encoder")
    }
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())
    return StoreStats(entries, int(vbytes), size, max_bytes, int(evicted), encoders)


def store_stats(directory: Path, max_bytes: int | None = None) -> StoreStats | None:
    """Stats of the store in ``directory``, or None when there is none."""
    path = directory / STORE_NAME
    if not path.exists():
        return None
    with EmbeddingStore(path, max_bytes) as store:
        return store.stats()
