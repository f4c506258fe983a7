"""``synthbench data fetch``: download the paper's release, convert it, verify, install.

Steps: download the archive of the pinned commit (short timeouts; no network fails
in seconds with a message saying what to do), check ``--sha256`` if given, read the
release files the converter knows straight from the archive (nothing is extracted,
so archive paths cannot escape), convert (pickles through the whitelist unpickler),
check every converted file against ``pins.CONVERTED_SHA256``, and only then move the
files into the data directory and write ``manifest.json``.
"""

from __future__ import annotations

import concurrent.futures
import functools
import hashlib
import json
import os
import shutil
import socket
import tarfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from harness.data import convert, pins

#: Seconds allowed for name resolution, connecting, and each read of the download.
TIMEOUT = 10.0
#: Largest release file read into memory; the data files are a few MB.
MAX_MEMBER_BYTES = 256 * 2**20
#: Most bytes read from all the release files the converter wants, together.
MAX_READ_BYTES = 1024 * 2**20
#: Most archive entries looked at: a tar of millions of empty files is work too.
MAX_MEMBERS = 200_000

Downloader = Callable[[str, Path, float], None]


class FetchError(RuntimeError):
    """The fetch could not complete; the message says why and what to do."""


@dataclass
class FetchResult:
    """What a fetch installed and what it could or could not verify."""

    data_dir: Path
    written: list[str] = field(default_factory=list)
    verified: int = 0
    warnings: list[str] = field(default_factory=list)


def _offline_hint(url: str) -> str:
    return (
        f"no network? Download {url} on a machine that has network and run "
        "`synthbench data fetch --url file:///path/to/archive.tar.gz`, or point "
        "--synth-data-dir / SYNTHBENCH_DATA_DIR at an existing copy of the data"
    )


def _resolve(host: str, port: int, timeout: float) -> None:
    """Resolve ``host`` within ``timeout``: socket timeouts do not cover DNS."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    try:
        pool.submit(socket.getaddrinfo, host, port).result(timeout=timeout)
    except concurrent.futures.TimeoutError:
        raise OSError(f"resolving {host} took more than {timeout:g}s") from None
    finally:
        pool.shutdown(wait=False)


def download(url: str, dest: Path, timeout: float = TIMEOUT) -> None:
    """Save ``url`` (http(s), ``file://`` or a local path) to ``dest``; fail fast."""
    parts = urllib.parse.urlparse(url)
    if parts.scheme in ("", "file"):
        src = Path(urllib.request.url2pathname(parts.path) if parts.scheme else url)
        if not src.is_file():
            raise FetchError(f"archive not found: {src}")
        shutil.copyfile(src, dest)
        return
    try:
        host = parts.hostname or ""
        _resolve(host, parts.port or (443 if parts.scheme == "https" else 80), timeout)
        with urllib.request.urlopen(url, timeout=timeout) as resp, open(dest, "wb") as out:
            shutil.copyfileobj(resp, out, 1 << 20)
    except urllib.error.HTTPError as exc:
        raise FetchError(f"cannot download {url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FetchError(f"cannot download {url}: {reason}; {_offline_hint(url)}") from None


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _strip_top(name: str) -> str:
    """Archive names are ``SG4NLP-<commit>/data/...``; drop the first component."""
    return name.split("/", 1)[1] if "/" in name else name


def _read_checked(name: str, size: int, read: Callable[[], bytes]) -> bytes:
    if size > MAX_MEMBER_BYTES:
        raise FetchError(f"archive member {name} is {size} bytes; refusing more than "
                         f"{MAX_MEMBER_BYTES}")
    return read()


class _Limits:
    """The archive-wide bounds: entries seen and bytes read, across all members."""

    def __init__(self) -> None:
        self.members = 0
        self.read = 0

    def entry(self) -> None:
        self.members += 1
        if self.members > MAX_MEMBERS:
            raise FetchError(f"archive has more than {MAX_MEMBERS} entries; refusing")

    def reading(self, name: str, size: int) -> None:
        self.read += size
        if self.read > MAX_READ_BYTES:
            raise FetchError(f"archive member {name}: the data files would exceed "
                             f"{MAX_READ_BYTES} bytes in all; refusing")


def _tar_members(path: Path) -> Iterator[tuple[str, bytes]]:
    limits = _Limits()
    with tarfile.open(path, "r:*") as tar:
        for member in tar:
            limits.entry()
            rel = _strip_top(member.name)
            if not member.isfile() or convert.wanted(rel) is None:
                continue
            fh = tar.extractfile(member)
            assert fh is not None  # regular files always have a stream
            limits.reading(member.name, member.size)
            yield rel, _read_checked(member.name, member.size, fh.read)


def _zip_members(path: Path) -> Iterator[tuple[str, bytes]]:
    limits = _Limits()
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            limits.entry()
            rel = _strip_top(info.filename)
            if info.is_dir() or convert.wanted(rel) is None:
                continue
            limits.reading(info.filename, info.file_size)
            read = functools.partial(zf.read, info)
            yield rel, _read_checked(info.filename, info.file_size, read)


def read_release(path: Path) -> dict[str, bytes]:
    """The release files the converter knows, from a .tar(.gz) or .zip archive."""
    try:
        if tarfile.is_tarfile(path):
            return dict(_tar_members(path))
        if zipfile.is_zipfile(path):
            return dict(_zip_members(path))
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as exc:
        raise FetchError(f"{path}: damaged archive: {exc}") from None
    raise FetchError(f"{path}: not a tar or zip archive")


def verify(outputs: dict[str, bytes], expected: dict[str, str]) -> int:
    """Check converted files against pinned hashes; the number verified."""
    missing = sorted(set(expected) - set(outputs))
    wrong = sorted(p for p in expected if p in outputs
                   and hashlib.sha256(outputs[p]).hexdigest() != expected[p])
    if missing or wrong:
        lines = [f"  missing: {p}" for p in missing] + [f"  checksum differs: {p}" for p in wrong]
        raise FetchError(
            "the converted release does not match the pinned checksums (pins.py); nothing "
            "was installed:\n" + "\n".join(lines)
        )
    return len(expected)


def _install(staging: Path, data_dir: Path, outputs: dict[str, bytes]) -> None:
    for rel, data in outputs.items():
        tmp = staging / rel
        tmp.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
    for rel in outputs:
        dest = data_dir / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / rel, dest)


def fetch(
    data_dir: Path,
    *,
    commit: str = pins.PINNED_COMMIT,
    url: str | None = None,
    sha256: str | None = None,
    force: bool = False,
    timeout: float = TIMEOUT,
    downloader: Downloader = download,
) -> FetchResult:
    """Download, convert, verify and install the release into ``data_dir``."""
    data_dir = Path(data_dir)
    manifest = data_dir / "manifest.json"
    if manifest.exists() and not force:
        raise FetchError(f"{data_dir} already holds data ({manifest}); pass --force to replace it")
    url = url or pins.ARCHIVE_URL.format(repo=pins.REPOSITORY, commit=commit)
    result = FetchResult(data_dir)
    created = not data_dir.exists()
    data_dir.mkdir(parents=True, exist_ok=True)
    staging = data_dir / f".fetch-{os.getpid()}"
    staging.mkdir(exist_ok=True)
    try:
        archive = staging / "release.archive"
        downloader(url, archive, timeout)
        if sha256:
            actual = sha256_of(archive)
            if actual.lower() != sha256.lower():
                raise FetchError(f"{url}: SHA-256 is {actual}, expected {sha256}; not installed")
        else:
            result.warnings.append("archive checksum not checked (no --sha256); the converted "
                                   "files are checked against pinned checksums instead")
        files = read_release(archive)
        try:
            outputs = convert.convert_release(files)
        except convert.ConvertError as exc:
            raise FetchError(f"cannot convert the release: {exc}") from None
        if not outputs:
            raise FetchError(f"{url}: holds none of the release's data files "
                             f"({', '.join(convert.FILE_KINDS.names())}); is it SG4NLP?")
        if commit == pins.PINNED_COMMIT:
            result.verified = verify(outputs, pins.CONVERTED_SHA256)
        else:
            result.warnings.append(f"commit {commit} is not the pinned {pins.PINNED_COMMIT}: "
                                   "converted files are not verified")
        _install(staging, data_dir, outputs)
        body = convert.build_manifest(outputs, pins.REPOSITORY, commit)
        manifest.write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
        result.written = sorted(outputs) + ["manifest.json"]
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if created and not any(data_dir.iterdir()):
            data_dir.rmdir()  # leave no empty directory behind a failed first fetch
        raise
    shutil.rmtree(staging, ignore_errors=True)
    return result
