"""``synthbench data fetch`` offline: archives built here, downloads injected or file paths.

No test touches the network: URLs are local files, a closed local port, or an
injected downloader.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import pickle
import sys
import tarfile
import types
import zipfile
from pathlib import Path
from typing import Any

import pytest

from harness.cli.data import add_data_parser
from harness.data import load_source, pins
from harness.data.fetch import FetchError, fetch
from harness.data.unpickle import ForbiddenGlobal, safe_loads
from harness.run.suite import DatasetSpec

TOP = "SG4NLP-0123abc/"
CONFIG_SOURCE = '''
from dataclasses import dataclass
from typing import List

@dataclass
class NERMolecule:
    start: int
    end: int
    label: str
    text: str

@dataclass
class NERDataPoint:
    text: List
    labels: List
    ners: List

@dataclass
class IntentDataPoint:
    text: str
    label: str

@dataclass
class TextSimilarityDataPoint:
    text1: str
    text2: str
    score: float
'''


def _config_module(monkeypatch: pytest.MonkeyPatch, name: str) -> types.ModuleType:
    mod = types.ModuleType(name)
    mod.__dict__["__name__"] = name  # dataclasses take their __module__ from this
    monkeypatch.setitem(sys.modules, name, mod)
    exec(compile(CONFIG_SOURCE, "config.py", "exec", dont_inherit=True), mod.__dict__)
    return mod


@pytest.fixture
def release_config(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """A stand-in for the release's ``src/config.py`` so pickles name ``config.*``."""
    return _config_module(monkeypatch, "config")


@pytest.fixture
def release_src_config(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """The same classes as the release's scripts run from its root name them: ``src.config.*``."""
    monkeypatch.setitem(sys.modules, "src", types.ModuleType("src"))
    return _config_module(monkeypatch, "src.config")


def make_tar(path: Path, files: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(TOP + name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


class Boom:
    """Unpickling this would run ``os.system``: the allow-list must stop it."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> Any:
        return (os.system, (f"touch {self.marker}",))


def small_release(cfg: types.ModuleType) -> dict[str, bytes]:
    ner = cfg.NERDataPoint(
        text=["the", "Hague", "hosts", "Anna"],
        labels=["location", "person"],
        ners=[cfg.NERMolecule(0, 9, "location", "The Hague"),
              cfg.NERMolecule(16, 20, "person", "Anna")],
    )
    # As in the release: no header, no CSV quoting (a '"' is part of the text).
    tsv = b'3.8\ta cat\ta "cat" sat\n0.0\tx\ty\n'
    crossner = [{"sentence": "Anna lives in Rome",
                 "entities": [{"name": "Anna", "type": "Person", "pos": [0, 4]},
                              {"name": "Rome", "type": "Location", "pos": [14, 18]}]}]
    return {
        "data/generated/snips_gpt-4o_1_200.pkl": pickle.dumps(
            [cfg.IntentDataPoint("play a song", "PlayMusic"),
             cfg.IntentDataPoint("rain today?", "GetWeather")]),
        "data/generated/snips_gpt-4o_2_200.pkl": b"not read: another setting",
        "data/generated/headlines_mistralai_Mixtral-8x7B-Instruct-v0.1_1_200.pkl": pickle.dumps(
            [cfg.TextSimilarityDataPoint("a", "b", 3)], protocol=2),
        "data/generated/crossner_politics_gpt-4o-mini_5_200.pkl": pickle.dumps([ner]),
        "data/generated/crossner_politics_gpt-4o-mini_5_200_labels.pkl": pickle.dumps({"x": []}),
        "data/intent_datasets/snips/test/seq.in": b"play a song\nrain today?\n",
        "data/intent_datasets/snips/test/label": b"PlayMusic\nGetWeather\n",
        "data/sts_datasets/headlines.test.tsv": tsv,
        "data/ner_datasets/cross_ner/CrossNER_politics/test.json": json.dumps(crossner).encode(),
        "data/ner_datasets/cross_ner/CrossNER_politics/labels.json": b'["Person", "Location"]',
        "mlflow.zip": b"ignored",
    }


def test_whitelist_unpickler_loads_release_records(release_config: types.ModuleType) -> None:
    for proto in range(pickle.HIGHEST_PROTOCOL + 1):
        data = pickle.dumps([release_config.NERMolecule(1, 2, "x", "y")], protocol=proto)
        (rec,) = safe_loads(data)
        assert type(rec).__name__ == "NERMolecule" and rec.__dict__ == {
            "start": 1, "end": 2, "label": "x", "text": "y"}
        assert type(rec).__module__ == "harness.data.unpickle"  # a stand-in, not `config`


def test_whitelist_unpickler_refuses_other_globals_before_calling_them(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    with pytest.raises(ForbiddenGlobal, match=r"refusing to unpickle global (posix|nt|os)\.system"):
        safe_loads(pickle.dumps(Boom(marker)), "evil.pkl")
    assert not marker.exists()
    with pytest.raises(ForbiddenGlobal, match="builtins.eval"):
        safe_loads(pickle.dumps(eval))


def test_fetch_converts_a_release_archive(tmp_path: Path, release_config: types.ModuleType) -> None:
    archive = make_tar(tmp_path / "release.tar.gz", small_release(release_config))
    data_dir = tmp_path / "data"
    result = fetch(data_dir, commit="0123abc", url=str(archive))
    assert "manifest.json" in result.written
    assert any("not verified" in w for w in result.warnings)
    assert sorted(p.relative_to(data_dir).as_posix() for p in data_dir.rglob("*.json*")) == [
        "manifest.json",
        "real/crossner_politics/labels.json",
        "real/crossner_politics/test.jsonl",
        "real/headlines/test.jsonl",
        "real/snips/test.jsonl",
        "synthetic/crossner_politics/gpt-4o-mini.jsonl",
        "synthetic/headlines/mixtral-8x7b.jsonl",
        "synthetic/snips/gpt-4o.jsonl",
    ]
    assert not list(data_dir.glob(".fetch-*"))
    snips = (data_dir / "synthetic/snips/gpt-4o.jsonl").read_text().splitlines()
    assert json.loads(snips[0]) == {"text": "play a song", "label": "PlayMusic"}
    sts = [json.loads(x) for x in (data_dir / "real/headlines/test.jsonl").read_text().splitlines()]
    assert sts[0] == {"text1": "a cat", "text2": 'a "cat" sat', "score": 3.8}
    generated = (data_dir / "synthetic/headlines/mixtral-8x7b.jsonl").read_text()
    assert json.loads(generated)["score"] == 3.0  # the release's int score, as a float
    assert json.loads((data_dir / "real/crossner_politics/labels.json").read_text()) == [
        "person", "location"]
    manifest = json.loads((data_dir / "manifest.json").read_text())
    assert manifest["commit"] == "0123abc"
    ner = manifest["synthetic"]["crossner_politics"]["gpt-4o-mini"]
    assert ner["n"] == 1 and ner["entity_offsets_not_matching_text"] == 1
    assert ner["generator"] == "gpt-4o-mini"
    assert manifest["real"]["snips"] == {"task": "intent", "test": 2}
    # The converted layout is what the loader reads, flaws counted.
    spec = DatasetSpec("crossner_politics", "ner", test="real/crossner_politics/test.jsonl",
                       labels="real/crossner_politics/labels.json")
    ds = load_source(data_dir, spec, "gpt-4o-mini")
    assert ds.issues.repaired_entities == 1
    assert len(load_source(data_dir, spec, "real")) == 1


def test_fetch_refuses_a_pickle_with_a_forbidden_global(
    tmp_path: Path, release_config: types.ModuleType
) -> None:
    marker = tmp_path / "pwned"
    files = small_release(release_config)
    files["data/generated/atis_gpt-4o_1_200.pkl"] = pickle.dumps([Boom(marker)])
    archive = make_tar(tmp_path / "evil.tar.gz", files)
    data_dir = tmp_path / "data"
    with pytest.raises(FetchError, match=r"atis_gpt-4o_1_200\.pkl: refusing to unpickle global"):
        fetch(data_dir, commit="0123abc", url=str(archive))
    assert not marker.exists()
    assert not data_dir.exists()  # nothing installed, no empty directory left


def test_pinned_commit_verifies_converted_files(
    tmp_path: Path, release_config: types.ModuleType
) -> None:
    archive = make_tar(tmp_path / "release.tar.gz", small_release(release_config))
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with pytest.raises(FetchError, match="does not match the pinned checksums") as info:
        fetch(data_dir, url=str(archive))  # the default, pinned commit
    assert "missing: real/atis/test.jsonl" in str(info.value)
    assert "checksum differs: synthetic/snips/gpt-4o.jsonl" in str(info.value)
    assert list(data_dir.iterdir()) == []


def test_archive_sha256_is_checked(tmp_path: Path, release_config: types.ModuleType) -> None:
    archive = make_tar(tmp_path / "release.tar.gz", small_release(release_config))
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    with pytest.raises(FetchError, match=f"expected {'0' * 64}"):
        fetch(tmp_path / "a", commit="x", url=str(archive), sha256="0" * 64)
    result = fetch(tmp_path / "b", commit="x", url=str(archive), sha256=digest.upper())
    assert not any("checksum not checked" in w for w in result.warnings)


def test_zip_archives_are_read_too(tmp_path: Path, release_config: types.ModuleType) -> None:
    archive = tmp_path / "release.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name, data in small_release(release_config).items():
            zf.writestr(TOP + name, data)
    result = fetch(tmp_path / "data", commit="x", url=archive.as_uri())
    assert "synthetic/snips/gpt-4o.jsonl" in result.written


def test_existing_data_needs_force(tmp_path: Path, release_config: types.ModuleType) -> None:
    archive = make_tar(tmp_path / "release.tar.gz", small_release(release_config))
    data_dir = tmp_path / "data"
    fetch(data_dir, commit="x", url=str(archive))
    with pytest.raises(FetchError, match="pass --force"):
        fetch(data_dir, commit="x", url=str(archive))
    fetch(data_dir, commit="x", url=str(archive), force=True)


def test_download_failure_is_reported_with_what_to_do(tmp_path: Path) -> None:
    def offline(url: str, dest: Path, timeout: float) -> None:
        raise FetchError(f"cannot download {url}: no route")

    with pytest.raises(FetchError, match="no route"):
        fetch(tmp_path / "data", downloader=offline)
    assert not (tmp_path / "data").exists()
    # A real refused connection (closed local port) goes through the real downloader.
    with pytest.raises(FetchError, match=r"cannot download .*no network\?.*--url file://"):
        fetch(tmp_path / "data", url="http://127.0.0.1:1/archive.tar.gz", timeout=2)


def _cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="synthbench")
    add_data_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


def test_cli_fetch(tmp_path: Path, release_config: types.ModuleType,
                   capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    archive = make_tar(tmp_path / "release.tar.gz", small_release(release_config))
    assert _cli(["data", "fetch", "--data-dir", str(tmp_path / "d"), "--url", str(archive),
                 "--commit", "0123abc"]) == 0
    assert "wrote 8 files" in capsys.readouterr().out
    monkeypatch.delenv("SYNTHBENCH_DATA_DIR", raising=False)
    assert _cli(["data", "fetch"]) == 2
    assert "pass --data-dir or set SYNTHBENCH_DATA_DIR" in capsys.readouterr().err
    monkeypatch.setattr(pins, "ARCHIVE_URL", "http://127.0.0.1:1/{repo}/{commit}")
    assert _cli(["data", "fetch", "--data-dir", str(tmp_path / "e")]) == 1
    assert "cannot download http://127.0.0.1:1/" in capsys.readouterr().err


DATA = os.environ.get("SYNTHBENCH_DATA_DIR", "")


@pytest.mark.skipif(not DATA, reason="SYNTHBENCH_DATA_DIR is not set (the shared data directory)")
def test_release_rebuilt_from_shared_data_converts_byte_identically(
    tmp_path: Path, release_config: types.ModuleType, release_src_config: types.ModuleType
) -> None:
    """Rebuild a release archive from the shared JSONL (pickled as the release does:
    about half the pickles name their classes ``src.config.*``, the others
    ``config.*``), fetch it at the pinned commit, and get every pinned file back."""
    root, files = Path(DATA), {}
    n_src = 0
    manifest = json.loads((root / "manifest.json").read_text())
    rows = {p: [json.loads(x) for x in (root / p).read_text().splitlines()]
            for p in pins.CONVERTED_SHA256 if p.endswith(".jsonl")}
    llm = {"gpt-4o": "gpt-4o", "gpt-4o-mini": "gpt-4o-mini"}
    for dataset, gens in manifest["synthetic"].items():
        for stem, entry in gens.items():
            model = llm.get(stem, entry["generator"]).replace("/", "_")
            recs = rows[entry["file"]]
            # Regression (issue 15.7): the real release names src.config in 49 of 97.
            cfg = release_src_config if len(files) % 2 == 0 else release_config
            n_src += cfg is release_src_config
            if entry["task"] == "intent":
                objs = [cfg.IntentDataPoint(r["text"], r["label"]) for r in recs]
            elif entry["task"] == "similarity":
                objs = [cfg.TextSimilarityDataPoint(r["text1"], r["text2"], int(r["score"]))
                        for r in recs]
            else:
                objs = [cfg.NERDataPoint(r["text"].split(" "), [], [
                    cfg.NERMolecule(e["start"], e["end"], e["label"], e["text"])
                    for e in r["entities"]]) for r in recs]
            k = entry["examples_shown_per_class"]
            blob = pickle.dumps(objs)
            assert (b"src.config" in blob) == (cfg is release_src_config)
            files[f"data/generated/{dataset}_{model}_{k}_200.pkl"] = blob
    for dataset in ("atis", "snips"):
        for split in ("train", "valid", "test"):
            recs = rows[f"real/{dataset}/{split}.jsonl"]
            base = f"data/intent_datasets/{dataset}/{split}/"
            files[base + "seq.in"] = "".join(r["text"] + "\n" for r in recs).encode()
            files[base + "label"] = "".join(r["label"] + "\n" for r in recs).encode()
    for dataset in ("headlines", "tweet-news"):
        # The release's layout: no header line, fields joined by tabs, no quoting.
        files[f"data/sts_datasets/{dataset}.test.tsv"] = "".join(
            f"{r['score']!r}\t{r['text1']}\t{r['text2']}\n"
            for r in rows[f"real/{dataset}/test.jsonl"]).encode()
    for domain in ("politics", "literature"):
        base = f"data/ner_datasets/cross_ner/CrossNER_{domain}/"
        for split in ("train", "dev", "test"):
            items = [{"sentence": r["text"], "entities": [
                {"type": e["label"], "pos": [e["start"], e["end"]]} for e in r["entities"]]}
                for r in rows[f"real/crossner_{domain}/{split}.jsonl"]]
            files[base + f"{split}.json"] = json.dumps(items).encode()
        files[base + "labels.json"] = (root / f"real/crossner_{domain}/labels.json").read_bytes()
    assert 0 < n_src < len(files)
    archive = make_tar(tmp_path / "release.tar.gz", files)
    data_dir = tmp_path / "data"
    result = fetch(data_dir, url=str(archive))
    assert result.verified == len(pins.CONVERTED_SHA256)
    for rel in pins.CONVERTED_SHA256:
        assert (data_dir / rel).read_bytes() == (root / rel).read_bytes(), rel
    # The manifest too, byte for byte (its key order does not follow the archive's).
    assert (data_dir / "manifest.json").read_bytes() == (root / "manifest.json").read_bytes()


def release_layout(cfg: types.ModuleType, src_cfg: types.ModuleType) -> dict[str, bytes]:
    """A few lines of each kind of file, laid out and spelled as the real release
    (SG4NLP at the pinned commit) has them: STS TSVs without a header or quoting,
    intent ``seq.in`` with runs of spaces and trailing blanks, CrossNER JSON with
    ``name`` fields, pickles naming ``src.config`` or ``config``, and the files the
    converter must leave alone (``seq.out``, other CrossNER domains, other settings,
    label pickles, a 10-example set, a script)."""
    ner = cfg.NERDataPoint(
        text=["Anna", "met", "the", "Greens", "."], labels=["person", "political party"],
        ners=[cfg.NERMolecule(0, 4, "person", "Anna"),
              cfg.NERMolecule(13, 19, "political party", "Greens")])
    crossner = [{"sentence": "Lincoln replaced Buell .", "entities": [
        {"name": "Lincoln", "type": "politician", "pos": [0, 7]},
        {"name": "Buell", "type": "politician", "pos": [17, 22]}]}]
    return {
        "data/intent_datasets/snips/test/seq.in":
            b"will it snow in mt on june 13  2038\nadd jerry calliste  jr to my playlist \n",
        "data/intent_datasets/snips/test/label": b"GetWeather\nAddToPlaylist\n",
        "data/intent_datasets/snips/test/seq.out": b"O O O O B-city O B-date I-date\n",
        "data/intent_datasets/snips/train/seq.in": b" put this song on my playlist  in blues\n",
        "data/intent_datasets/snips/train/label": b"AddToPlaylist\n",
        "data/intent_datasets/atis/train/check_train_raw_data.py": b"print('not data')\n",
        "data/sts_datasets/tweet-news.test.tsv": (
            b"3.8\t#Bloomberg: ban tough sell  Pub. enemies\tBloomberg: ban is tough sell\n"
            b'4.8\t": Samsung profit at record $6.6 billion "\tSamsung profit soars\n'
            b'4.4\t"humanitarian emergency."declared \tHumanitarian emergency\n'),
        "data/sts_datasets/headlines.test.tsv":
            b"3\tMall attackers used 'less is more'\tIn Kenya, attackers used it\n",
        "data/ner_datasets/cross_ner/CrossNER_politics/test.json": json.dumps(crossner).encode(),
        "data/ner_datasets/cross_ner/CrossNER_politics/labels.json":
            b'["election", "political party", "politician"]',
        "data/ner_datasets/cross_ner/CrossNER_AI/test.json": b"[]",
        "data/generated/snips_gpt-4o_1_200.pkl": pickle.dumps(
            [src_cfg.IntentDataPoint("play  a song", "PlayMusic")], protocol=4),
        "data/generated/snips_gpt-4o_2_200.pkl": pickle.dumps([], protocol=4),
        "data/generated/headlines_gpt-4o-mini_1_10.pkl": pickle.dumps([], protocol=4),
        "data/generated/tweet-news_gpt-4o_1_200.pkl": pickle.dumps(
            [src_cfg.TextSimilarityDataPoint("a  b", "c", 2.5)], protocol=4),
        "data/generated/crossner_politics_gpt-4o_5_200.pkl": pickle.dumps([ner], protocol=4),
        "data/generated/crossner_politics_gpt-4o_5_200_labels.pkl": pickle.dumps({"x": []}),
        "mlruns.zip": b"PK not read",
    }


#: What the reference conversion (the shared data) holds for ``release_layout``,
#: written by hand: intent texts single-spaced and trimmed (generated ones kept as
#: written), STS lines all kept with their quotes and spaces, scores as floats.
RELEASE_LAYOUT_CONVERTED = {
    "real/snips/test.jsonl":
        b'{"text": "will it snow in mt on june 13 2038", "label": "GetWeather"}\n'
        b'{"text": "add jerry calliste jr to my playlist", "label": "AddToPlaylist"}\n',
    "real/snips/train.jsonl":
        b'{"text": "put this song on my playlist in blues", "label": "AddToPlaylist"}\n',
    "real/tweet-news/test.jsonl":
        b'{"text1": "#Bloomberg: ban tough sell  Pub. enemies", '
        b'"text2": "Bloomberg: ban is tough sell", "score": 3.8}\n'
        b'{"text1": "\\": Samsung profit at record $6.6 billion \\"", '
        b'"text2": "Samsung profit soars", "score": 4.8}\n'
        b'{"text1": "\\"humanitarian emergency.\\"declared ", '
        b'"text2": "Humanitarian emergency", "score": 4.4}\n',
    "real/headlines/test.jsonl":
        b'{"text1": "Mall attackers used \'less is more\'", '
        b'"text2": "In Kenya, attackers used it", "score": 3.0}\n',
    "real/crossner_politics/test.jsonl":
        b'{"text": "Lincoln replaced Buell .", "entities": ['
        b'{"start": 0, "end": 7, "label": "politician", "text": "Lincoln"}, '
        b'{"start": 17, "end": 22, "label": "politician", "text": "Buell"}]}\n',
    "real/crossner_politics/labels.json": b'["election", "political party", "politician"]\n',
    "synthetic/snips/gpt-4o.jsonl": b'{"text": "play  a song", "label": "PlayMusic"}\n',
    "synthetic/tweet-news/gpt-4o.jsonl": b'{"text1": "a  b", "text2": "c", "score": 2.5}\n',
    "synthetic/crossner_politics/gpt-4o.jsonl":
        b'{"text": "Anna met the Greens .", "entities": ['
        b'{"start": 0, "end": 4, "label": "person", "text": "Anna"}, '
        b'{"start": 13, "end": 19, "label": "political party", "text": "Greens"}]}\n',
}


def test_release_layout_converts_to_the_reference_bytes(
    tmp_path: Path, release_config: types.ModuleType, release_src_config: types.ModuleType
) -> None:
    """Regression (issue 24.1): the STS converter dropped each file's first pair as a
    header and read '"' as CSV quoting; intent texts kept the release's double spaces."""
    archive = make_tar(tmp_path / "release.tar.gz",
                       release_layout(release_config, release_src_config))
    data_dir = tmp_path / "data"
    result = fetch(data_dir, commit="0123abc", url=str(archive))
    assert result.written == sorted(RELEASE_LAYOUT_CONVERTED) + ["manifest.json"]
    for rel, expected in RELEASE_LAYOUT_CONVERTED.items():
        assert (data_dir / rel).read_bytes() == expected, rel
    # The manifest's order is fixed (datasets as the paper lists them, splits in use
    # order), whatever order the archive lists its files in.
    manifest = json.loads((data_dir / "manifest.json").read_text())
    assert list(manifest) == ["source", "commit", "real", "synthetic"]
    assert list(manifest["real"]) == ["snips", "headlines", "tweet-news", "crossner_politics"]
    assert list(manifest["real"]["snips"].items()) == [("task", "intent"), ("train", 1),
                                                       ("test", 2)]
    assert list(manifest["real"]["tweet-news"].items()) == [
        ("task", "similarity"), ("test", 3), ("score_range", [0, 5])]
    assert list(manifest["real"]["crossner_politics"]) == ["task", "labels", "test"]
    assert list(manifest["synthetic"]) == ["snips", "tweet-news", "crossner_politics"]


def test_release_tsv_line_that_is_not_a_pair_is_named() -> None:
    from harness.data import convert

    files = {"data/sts_datasets/headlines.test.tsv": b"3.8\ta\tb\nscore\tsent1\tsent2\n"}
    with pytest.raises(convert.ConvertError, match=r"headlines\.test\.tsv:2: expected score"):
        convert.convert_release(files)


RELEASE = os.environ.get("SYNTHBENCH_RELEASE_ARCHIVE", "")


@pytest.mark.skipif(not (RELEASE and DATA),
                    reason="SYNTHBENCH_RELEASE_ARCHIVE (an archive of SG4NLP at the pinned "
                           "commit) and SYNTHBENCH_DATA_DIR are not both set")
def test_real_release_archive_installs_the_shared_data(tmp_path: Path) -> None:
    """The real release (never committed here) converts to the shared data, file for file."""
    data_dir = tmp_path / "data"
    result = fetch(data_dir, url=RELEASE)
    assert result.verified == len(pins.CONVERTED_SHA256)
    for rel in [*pins.CONVERTED_SHA256, "manifest.json"]:
        assert (data_dir / rel).read_bytes() == (Path(DATA) / rel).read_bytes(), rel
