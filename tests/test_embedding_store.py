"""The embedding store: keys, first writer wins, LRU eviction, concurrent writers, claims.

A fake encoder (vectors derived from a hash of the text, optionally slow) stands in
for MiniLM, so these tests need no weights and run in well under a second each.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from harness.models import embedding_store as es
from harness.models import embeddings as emb
from harness.models.embedding_store import STORE_NAME, EmbeddingStore, store_stats, text_key
from harness.models.embeddings import Embedder

DIM = 8


class FakeEncoder:
    """Unit vectors from a hash of (salt, text); ``delay`` seconds per call."""

    def __init__(self, salt: str = "", delay: float = 0.0, name: str = "fake/v1") -> None:
        self.name = name
        self.weights = "w1"
        self.dim = DIM
        self.salt = salt
        self.delay = delay
        self.calls: list[int] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(len(texts))
        time.sleep(self.delay)
        rows = []
        for t in texts:
            seed = int.from_bytes(hashlib.sha256((self.salt + t).encode()).digest()[:4], "big")
            v = np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
            rows.append(v / np.linalg.norm(v))
        return np.stack(rows) if rows else np.zeros((0, DIM), np.float32)


def _vec(i: float) -> np.ndarray:
    return np.full(DIM, i, dtype=np.float32)


def test_key_covers_encoder_weights_normalisation_and_text() -> None:
    base = text_key("enc", "w", True, "a text")
    others = {
        text_key("enc2", "w", True, "a text"),
        text_key("enc", "w2", True, "a text"),
        text_key("enc", "w", False, "a text"),
        text_key("enc", "w", True, "a text "),
    }
    assert base not in others and len(others) == 4
    # A lone surrogate (found in scraped data) gets a key instead of crashing.
    assert text_key("enc", "w", True, "bad \ud800 text") != base


def test_put_get_and_first_writer_wins(tmp_path: Path) -> None:
    with EmbeddingStore(tmp_path / STORE_NAME) as store:
        k1, k2 = b"k1" * 16, b"k2" * 16
        assert store.get_many([k1, k2], DIM) == {}
        got = store.put_many("e", [(k1, _vec(1))])
        np.testing.assert_array_equal(got[k1], _vec(1))
        # A second writer's vector for the same key is ignored; it gets the stored one.
        got = store.put_many("e", [(k1, _vec(9)), (k2, _vec(2))])
        np.testing.assert_array_equal(got[k1], _vec(1))
        np.testing.assert_array_equal(got[k2], _vec(2))
        found = store.get_many([k1, k2], DIM)
        np.testing.assert_array_equal(found[k1], _vec(1))
        assert store.get_many([k1], DIM + 1) == {}  # another dimension: not this vector
        st = store.stats()
        assert (st.entries, st.vector_bytes, st.encoders) == (2, 2 * 4 * DIM, {"e": 2})


def test_eviction_drops_least_recently_used_to_the_stated_fraction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(es, "TOUCH_EVERY_S", 0.0)
    size = 4 * DIM
    bound = 10 * size
    with EmbeddingStore(tmp_path / STORE_NAME, max_bytes=bound) as store:
        keys = [bytes([i]) * 32 for i in range(10)]
        for i, k in enumerate(keys):
            store.put_many("e", [(k, _vec(i))])
            time.sleep(0.002)  # distinct last-used times
        store.get_many([keys[0]], DIM)  # the oldest write is now the most recently used
        store.put_many("e", [(b"\xff" * 32, _vec(99))])  # 11 entries: over the bound
        st = store.stats()
        assert st.vector_bytes <= es.EVICT_TO * bound
        assert st.vector_bytes == st.entries * size
        assert st.evicted == 11 - st.entries > 0
        left = store.get_many([*keys, b"\xff" * 32], DIM)
        assert keys[0] in left and b"\xff" * 32 in left
        assert keys[1] not in left  # least recently used goes first


def _writer(folder: str, worker: int, n: int, out: str) -> None:
    """Writes n shared keys (each worker its own vectors) and n keys of its own."""
    with EmbeddingStore(Path(folder) / STORE_NAME) as store:
        got: dict[bytes, np.ndarray] = {}
        for lo in range(0, n, 25):
            shared = [(f"s{i}".encode() * 4, _vec(worker * 1000 + i)) for i in range(lo, lo + 25)]
            own = [(f"w{worker}-{i}".encode() * 4, _vec(i)) for i in range(lo, lo + 25)]
            got.update(store.put_many("e", shared + own))
    np.save(out, np.stack([got[f"s{i}".encode() * 4] for i in range(n)]))


def test_four_processes_write_concurrently(tmp_path: Path) -> None:
    n = 200
    ctx = multiprocessing.get_context("spawn")
    outs = [str(tmp_path / f"out{w}.npy") for w in range(4)]
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), w, n, outs[w])) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    con = sqlite3.connect(tmp_path / STORE_NAME)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    with EmbeddingStore(tmp_path / STORE_NAME) as store:
        st = store.stats()
        assert st.entries == n + 4 * n  # nothing lost, no duplicates
        assert st.vector_bytes == st.entries * 4 * DIM  # the running total agrees
        stored = store.get_many([f"s{i}".encode() * 4 for i in range(n)], DIM)
    table = np.stack([stored[f"s{i}".encode() * 4] for i in range(n)])
    # Every process uses the stored vector of a shared key, whoever wrote it first.
    for out in outs:
        np.testing.assert_array_equal(np.load(out), table)
    winners = {int(v[0]) // 1000 for v in table}
    assert winners <= {0, 1, 2, 3}


def test_embedder_cold_then_warm_store_gives_identical_vectors(tmp_path: Path) -> None:
    texts = [f"text number {i}" for i in range(50)] + ["text number 3"]
    with EmbeddingStore(tmp_path / STORE_NAME) as store:
        cold_enc = FakeEncoder()
        cold = Embedder(cold_enc, store).encode(texts)
        assert sum(cold_enc.calls) == 50
        # A new process (a new embedder) with a different-seeming encoder of the same
        # name gets the stored bytes and encodes nothing.
        warm_enc = FakeEncoder(salt="would differ")
        warm_embedder = Embedder(warm_enc, store)
        warm = warm_embedder.encode(texts)
        assert warm_enc.calls == [] and warm_embedder.from_store == 50
        np.testing.assert_array_equal(cold, warm)
        # Another encoder name never reads these vectors.
        other = FakeEncoder(name="fake/v2")
        Embedder(other, store).encode(texts[:5])
        assert sum(other.calls) == 5


def _shared_encode(folder: str, n: int, slice_size: int, out: str) -> None:
    emb.SLICE = slice_size
    with EmbeddingStore(Path(folder) / STORE_NAME) as store:
        e = Embedder(FakeEncoder(delay=0.3), store)
        vectors = e.encode([f"train text {i}" for i in range(n)])
    np.save(out, vectors)
    Path(out + ".count").write_text(str(e.encoded))


def test_two_processes_share_one_big_encode_through_claims(tmp_path: Path) -> None:
    n, slice_size = 240, 20  # 12 slices of 0.3 s each
    ctx = multiprocessing.get_context("spawn")
    outs = [str(tmp_path / f"v{i}.npy") for i in range(2)]
    procs = [
        ctx.Process(target=_shared_encode, args=(str(tmp_path), n, slice_size, o)) for o in outs
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    counts = [int(Path(o + ".count").read_text()) for o in outs]
    # Each text encoded once in all (a slice taken over after a stale claim would
    # add to this; none is stale here), and both processes did some of the work.
    assert sum(counts) == n, counts
    assert min(counts) > 0, counts
    np.testing.assert_array_equal(np.load(outs[0]), np.load(outs[1]))


def test_store_stats_is_none_without_a_store(tmp_path: Path) -> None:
    assert store_stats(tmp_path) is None
    with EmbeddingStore(tmp_path / STORE_NAME) as store:
        store.put_many("e", [(b"x" * 32, _vec(1))])
    st = store_stats(tmp_path)
    assert st is not None and st.entries == 1


def test_cli_stats_shows_and_clears_the_embedding_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from harness.__main__ import main

    with EmbeddingStore(tmp_path / STORE_NAME) as store:
        store.put_many("all-MiniLM-L6-v2/onnx-fp32", [(b"x" * 32, _vec(1)), (b"y" * 32, _vec(2))])
    assert main(["cache", "--cache-dir", str(tmp_path), "stats"]) == 0
    out = capsys.readouterr().out
    assert "vectors: 2" in out and "all-MiniLM-L6-v2/onnx-fp32 2" in out
    assert "least recently used" in out
    assert main(["cache", "--cache-dir", str(tmp_path), "clear", "--embeddings", "--yes"]) == 0
    assert "cleared 2 stored vectors" in capsys.readouterr().out
    assert main(["cache", "--cache-dir", str(tmp_path), "stats", "--json"]) == 0
    assert '"entries": 0' in capsys.readouterr().out.split('"embeddings"')[1]


def _minilm_sized(n: int) -> list[tuple[bytes, np.ndarray]]:
    rng = np.random.default_rng(0)
    return [
        (hashlib.sha256(str(i).encode()).digest(), rng.random(384, dtype=np.float32))
        for i in range(n)
    ]


def test_file_stays_close_to_the_vector_bytes_after_close(tmp_path: Path) -> None:
    # MiniLM-sized rows (1.5 KB): the first layout took a 4 KB overflow page per row
    # and kept a grown WAL, 7x the vectors after a -n 2 run.
    path = tmp_path / STORE_NAME
    rows = _minilm_sized(3000)
    with EmbeddingStore(path) as store:
        for lo in range(0, len(rows), 250):  # many transactions, as workers write them
            store.put_many("minilm", rows[lo : lo + 250])
        vector_bytes = store.stats().vector_bytes
    assert vector_bytes == 3000 * 384 * 4
    on_disk = sum(p.stat().st_size for p in tmp_path.glob(STORE_NAME + "*"))
    assert on_disk < 1.6 * vector_bytes, (on_disk, vector_bytes)
    assert not (tmp_path / (STORE_NAME + "-wal")).exists() or (
        (tmp_path / (STORE_NAME + "-wal")).stat().st_size == 0
    )


def test_a_store_of_the_first_layout_is_migrated_with_its_vectors(tmp_path: Path) -> None:
    path = tmp_path / STORE_NAME
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.executescript(
        """
        CREATE TABLE vectors (key BLOB PRIMARY KEY, encoder TEXT NOT NULL,
            dim INTEGER NOT NULL, vec BLOB NOT NULL, created REAL NOT NULL,
            used REAL NOT NULL) WITHOUT ROWID;
        CREATE INDEX vectors_used ON vectors (used);
        CREATE TABLE totals (id INTEGER PRIMARY KEY CHECK (id = 0), bytes INTEGER NOT NULL,
            evicted INTEGER NOT NULL);
        INSERT INTO totals VALUES (0, 64, 0);
        CREATE TABLE claims (slice BLOB PRIMARY KEY, owner TEXT NOT NULL, at REAL NOT NULL)
            WITHOUT ROWID;
        """
    )
    k1, k2 = b"k1" * 16, b"k2" * 16
    for k, v in ((k1, _vec(1)), (k2, _vec(2))):
        con.execute("INSERT INTO vectors VALUES (?,?,?,?,?,?)", (k, "e", DIM, v.tobytes(), 1, 1))
    con.close()
    with EmbeddingStore(path) as store:
        found = store.get_many([k1, k2], DIM)
        np.testing.assert_array_equal(found[k1], _vec(1))
        np.testing.assert_array_equal(found[k2], _vec(2))
        assert store.put_many("e", [(k1, _vec(7))])[k1].tolist() == _vec(1).tolist()
        assert store.stats().entries == 2
    con = sqlite3.connect(path)
    sql = con.execute("SELECT sql FROM sqlite_master WHERE name = 'vectors'").fetchone()[0]
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
    con.close()
    assert "WITHOUT ROWID" not in sql.upper() and "vectors_v1" not in names
    assert "vectors_used" in names
