"""Hostile release archives: bounded work and memory, only the allow-list unpickled.

Issue 15.5 and 15.7: a few-KB archive whose record points thousands of times at one
multi-MB string must fail with a clear error under a memory limit far below what
joining it would take; pickles naming ``src.config.*`` (as the release writes half of
them) load, while any other global under that module is still refused.
"""

from __future__ import annotations

import io
import pickle
import subprocess
import sys
import tarfile
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.data import convert
from harness.data.unpickle import ForbiddenGlobal, safe_loads

ROOT = Path(__file__).resolve().parents[1]


def _src_config_pickle(records: list[tuple[str, dict[str, object]]], protocol: int = 4) -> bytes:
    """A pickle of stand-in records whose class globals are ``src.config.<name>``."""
    import types

    mod = types.ModuleType("src.config")
    classes = {}
    for name in {n for n, _ in records}:
        cls = type(name, (), {"__module__": "src.config", "__qualname__": name})
        setattr(mod, name, cls)
        classes[name] = cls
    saved = {k: sys.modules.get(k) for k in ("src", "src.config")}
    sys.modules["src"] = types.ModuleType("src")
    sys.modules["src.config"] = mod
    try:
        objs = []
        for name, state in records:
            obj = classes[name]()
            obj.__dict__.update(state)
            objs.append(obj)
        return pickle.dumps(objs, protocol=protocol)
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v


@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
def test_src_config_records_load_as_stand_ins(protocol: int) -> None:
    blob = _src_config_pickle([("IntentDataPoint", {"text": "hi", "label": "greet"})], protocol)
    assert b"src.config" in blob
    (rec,) = safe_loads(blob, "atis_gpt-4o-mini_1_200.pkl")
    assert type(rec).__module__ == "harness.data.unpickle" and rec.label == "greet"


@pytest.mark.parametrize("name", ["os", "Path", "IntentDataPoint2", "__builtins__"])
def test_other_src_config_globals_are_still_refused(name: str) -> None:
    blob = _src_config_pickle([(name, {})])
    with pytest.raises(ForbiddenGlobal, match=rf"refusing to unpickle global src\.config\.{name}"):
        safe_loads(blob, "x.pkl")


BOMB = textwrap.dedent('''
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
    sys.path.insert(0, {root!r})
    from harness.data.fetch import FetchError, fetch
    try:
        fetch({data!r}, url={archive!r})
    except FetchError as exc:
        print("FETCH-ERROR", exc)
        sys.exit(3)
    print("INSTALLED")
''')


def _bomb_archive(path: Path) -> Path:
    """One NER record whose token list names one 8 MB string 3,000 times (24 GB joined)."""
    big = "x" * (8 * 2**20)
    blob = _src_config_pickle([("NERDataPoint", {"text": [big] * 3000, "labels": [], "ners": []})])
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("SG4NLP-0/data/generated/crossner_politics_gpt-4o_5_200.pkl")
        info.size = len(blob)
        tar.addfile(info, io.BytesIO(blob))
    return path


def test_archive_bomb_is_refused_within_a_memory_limit(tmp_path: Path) -> None:
    archive = _bomb_archive(tmp_path / "bomb.tar.gz")
    assert archive.stat().st_size < 64 * 1024  # a few KB on disk
    limit = 1536 * 2**20  # 1.5 GB of address space: the join alone would need 24 GB
    code = BOMB.format(limit=limit, root=str(ROOT), data=str(tmp_path / "d"),
                       archive=str(archive))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 3, proc.stdout + proc.stderr[-2000:]
    assert "crossner_politics_gpt-4o_5_200.pkl" in proc.stdout
    assert "more than" in proc.stdout and "characters" in proc.stdout
    assert not (tmp_path / "d" / "synthetic").exists()  # nothing installed


def test_the_budget_counts_every_file_of_a_conversion() -> None:
    rec = [("IntentDataPoint", {"text": "y" * 1000, "label": "a"})] * 50
    files = {f"data/generated/snips_{llm}_1_200.pkl": _src_config_pickle(rec)
             for llm in ("gpt-4o", "gpt-4o-mini")}
    assert len(convert.convert_release(files, max_chars=200_000)) == 2
    # Each file alone fits in 60,000 characters; the second one exceeds what is left.
    with pytest.raises(convert.ConvertError, match=r"snips_gpt-4o_1_200\.pkl: .*more than"):
        convert.convert_release(files, max_chars=60_000)


RELEASE_PATHS = [
    "data/generated/atis_gpt-4o_1_200.pkl",
    "data/intent_datasets/atis/test/seq.in",
    "data/sts_datasets/headlines.test.tsv",
    "data/ner_datasets/cross_ner/CrossNER_politics/test.json",
    "data/ner_datasets/cross_ner/CrossNER_politics/labels.json",
]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(RELEASE_PATHS),
       data=st.one_of(st.binary(max_size=200),
                      st.builds(lambda v: pickle.dumps(v), st.recursive(
                          st.none() | st.integers() | st.text(max_size=5) | st.floats(),
                          lambda i: st.lists(i, max_size=3) | st.dictionaries(
                              st.text(max_size=3), i, max_size=3), max_leaves=8)),
                      st.just(b"[" * 100_000)))
def test_converter_fuzz_raises_only_convert_errors_naming_the_file(path: str, data: bytes) -> None:
    files = {path: data}
    if path.endswith("seq.in"):
        files["data/intent_datasets/atis/test/label"] = data
    try:
        convert.convert_release(files)
    except convert.ConvertError as exc:
        assert path.rsplit("/", 1)[-1] in str(exc) or "atis/test" in str(exc)


def test_archive_wide_bounds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.data import fetch as fetch_mod

    path = tmp_path / "many.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for i in range(30):
            info = tarfile.TarInfo(f"SG4NLP-0/data/generated/atis_gpt-4o_1_{i}.pkl")
            info.size = 100
            tar.addfile(info, io.BytesIO(b"\0" * 100))
    monkeypatch.setattr(fetch_mod, "MAX_MEMBERS", 20)
    with pytest.raises(fetch_mod.FetchError, match="more than 20 entries"):
        fetch_mod.read_release(path)
    monkeypatch.setattr(fetch_mod, "MAX_MEMBERS", 1000)
    monkeypatch.setattr(fetch_mod, "MAX_READ_BYTES", 1000)
    with pytest.raises(fetch_mod.FetchError, match=r"atis_gpt-4o_1_10\.pkl: .*exceed 1000 bytes"):
        fetch_mod.read_release(path)
