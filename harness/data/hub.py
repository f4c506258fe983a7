"""Dataset files on the Hugging Face Hub: ``hf://datasets/ORG/NAME/PATH@REVISION``.

A suite source may name a file on the Hub. It is resolved through huggingface_hub's
own cache (``HF_HOME`` / ``HF_HUB_CACHE``), so a file is downloaded once per machine,
and ``HF_HUB_OFFLINE=1`` serves it from the cache with no network. The revision must
be pinned: a benchmark whose data can change under it is not reproducible, so a URI
without ``@REVISION`` is refused. A commit hash pins exactly; a tag or branch is
accepted and the commit it resolved to is reported by ``resolved_commit``.

The library's own form ``hf://datasets/ORG/NAME@REVISION/PATH`` is accepted too.
``push_files`` publishes files (a generated set, its provenance, its card) in one
commit. huggingface_hub is imported on first use only.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from harness.data.errors import DataMissing

PREFIX = "hf://datasets/"
_REPO_PART = re.compile(r"^[A-Za-z0-9][\w.-]*$")


class HubError(ValueError):
    """A malformed ``hf://`` URI or a failed Hub call; the message says what to do."""


class HubMissing(DataMissing):
    """A Hub file that cannot be had (offline and not cached, unknown file or revision)."""

    def __init__(self, uri: str, why: str) -> None:
        self.path = uri
        FileNotFoundError.__init__(self, f"{uri}: {why}")


def _offline_fix() -> str:
    """What to do about a file that is not cached, for the way we are offline."""
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on"):
        return "unset HF_HUB_OFFLINE to download it"
    return (
        "connect to the network once to cache it (or `hf download --repo-type dataset ...` "
        "on a machine that can, and copy its HF_HOME)"
    )


#: Seconds to wait for a TCP connection to the Hub before calling it unreachable.
PROBE_TIMEOUT = 3.0


@functools.cache
def hub_reachable() -> bool:
    """Whether the Hub endpoint accepts a TCP connection (asked once per process).

    Without this, huggingface_hub retries an unreachable Hub for about 24 s per
    file, so every case of an uncached source would wait that long before its
    skip. Behind a proxy the connection goes elsewhere: then we let the library try.
    """
    if any(os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY")):
        return True
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        return False
    url = urlsplit(constants.ENDPOINT)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        socket.create_connection((url.hostname or "", port), timeout=PROBE_TIMEOUT).close()
    except OSError:
        return False
    return True


@dataclass(frozen=True)
class HubPath:
    """A parsed ``hf://datasets/`` URI."""

    repo_id: str
    path: str
    revision: str

    @property
    def uri(self) -> str:
        return f"{PREFIX}{self.repo_id}/{self.path}@{self.revision}"


def is_hub_uri(value: str) -> bool:
    """Whether ``value`` names a Hub dataset file."""
    return value.startswith("hf://")


def parse(uri: str) -> HubPath:
    """Split a URI into repo id, path in the repo and revision (see the module docstring)."""
    if not uri.startswith(PREFIX):
        raise HubError(f"{uri!r}: expected hf://datasets/ORG/NAME/PATH@REVISION")
    body = uri[len(PREFIX):]
    parts = body.split("/")
    if len(parts) < 3:
        raise HubError(f"{uri!r}: expected hf://datasets/ORG/NAME/PATH@REVISION (no file path)")
    org, name, rest = parts[0], parts[1], "/".join(parts[2:])
    revision = ""
    if "@" in name:  # the library's form: NAME@REVISION/PATH
        name, revision = name.split("@", 1)
    elif "@" in rest:
        rest, revision = rest.rsplit("@", 1)
    for part, what in ((org, "organisation"), (name, "dataset name")):
        if not _REPO_PART.match(part):
            raise HubError(f"{uri!r}: {what} {part!r} is not a valid Hub name")
    if not rest or rest.endswith("/"):
        raise HubError(f"{uri!r}: no file path inside the dataset repository")
    if not revision:
        raise HubError(
            f"{uri!r}: pin a revision (a commit hash, or a tag): "
            f"hf://datasets/{org}/{name}/{rest}@REVISION"
        )
    return HubPath(f"{org}/{name}", rest, revision)


@contextlib.contextmanager
def _hub_errors(uri: str, repo: str, revision: str, path: str = "") -> Iterator[None]:
    """The Hub client's errors as ``HubMissing`` naming what is missing (one place for
    a file and a whole repository)."""
    from huggingface_hub.errors import (
        EntryNotFoundError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    try:
        yield
    except LocalEntryNotFoundError:
        raise HubMissing(
            uri, f"not in the Hub cache and the Hub cannot be reached; {_offline_fix()}"
        ) from None
    except EntryNotFoundError:
        raise HubMissing(uri, f"no file {path!r} at revision {revision!r}") from None
    except RevisionNotFoundError:
        raise HubMissing(uri, f"no revision {revision!r}") from None
    except RepositoryNotFoundError:
        raise HubMissing(uri, f"no dataset repository {repo!r} (or no access)") from None


def resolve(uri: str, *, cache_dir: str | Path | None = None) -> Path:
    """The local path of a Hub file, downloaded into (or found in) the Hub cache.

    Raises ``HubMissing`` (a ``DataMissing``, so a case is skipped with the reason)
    when the file cannot be had, ``HubError`` for a malformed URI.
    """
    from huggingface_hub import hf_hub_download

    hp = parse(uri)
    with _hub_errors(uri, hp.repo_id, hp.revision, hp.path):
        local = hf_hub_download(
            hp.repo_id, hp.path, repo_type="dataset", revision=hp.revision,
            cache_dir=str(cache_dir) if cache_dir is not None else None,
            local_files_only=not hub_reachable(),
        )
    return Path(str(local))


def is_repo_uri(value: str) -> bool:
    """``hf://datasets/ORG/NAME@REVISION`` with no file path: a whole dataset repository."""
    if not value.startswith(PREFIX):
        return False
    body = value[len(PREFIX):]
    return body.count("/") == 1 and "@" in body.split("/")[1]


def parse_repo(uri: str) -> tuple[str, str]:
    """``(repo id, revision)`` of a repository URI; the revision must be pinned."""
    body = uri[len(PREFIX):] if uri.startswith(PREFIX) else ""
    repo, _, revision = body.partition("@")
    parts = repo.split("/")
    if len(parts) != 2 or not all(_REPO_PART.match(p) for p in parts) or not revision:
        raise HubError(f"{uri!r}: expected hf://datasets/ORG/NAME@REVISION (a pinned revision)")
    return repo, revision


def snapshot(uri: str, *, cache_dir: str | Path | None = None) -> Path:
    """The local folder of a whole dataset repository at its pinned revision.

    Fetched through the Hub cache like ``resolve``; offline and uncached raises
    ``HubMissing`` at once (see ``hub_reachable``).
    """
    from huggingface_hub import snapshot_download

    repo, revision = parse_repo(uri)
    with _hub_errors(uri, repo, revision):
        local = snapshot_download(
            repo, repo_type="dataset", revision=revision,
            cache_dir=str(cache_dir) if cache_dir is not None else None,
            local_files_only=not hub_reachable(),
        )
    return Path(str(local))


def resolved_commit(local: Path) -> str:
    """The commit hash of a file resolved from the Hub cache (its snapshot folder)."""
    parts = Path(local).parts
    if "snapshots" in parts:
        return parts[parts.index("snapshots") + 1]
    return ""


def push_files(
    repo_id: str,
    files: dict[str, bytes],
    *,
    message: str,
    endpoint: str | None = None,
    token: str | None = None,
    private: bool = False,
    revision: str | None = None,
) -> dict[str, Any]:
    """Create the dataset repository if needed and commit ``files`` (path -> bytes) at once.

    Returns ``{"url", "commit"}``. The token comes from the argument, ``HF_TOKEN`` or
    the login cache, never from a file the harness writes.
    """
    from huggingface_hub import CommitOperationAdd, HfApi
    from huggingface_hub.errors import HfHubHTTPError

    if repo_id.count("/") != 1 or not all(_REPO_PART.match(p) for p in repo_id.split("/")):
        raise HubError(f"{repo_id!r}: expected ORG/NAME for --push-to-hub")
    api = HfApi(endpoint=endpoint, token=token)
    try:
        api.create_repo(repo_id, repo_type="dataset", exist_ok=True, private=private)
        info = api.create_commit(
            repo_id,
            [CommitOperationAdd(path, data) for path, data in files.items()],
            commit_message=message,
            repo_type="dataset",
            revision=revision,
        )
    except HfHubHTTPError as exc:
        raise HubError(f"push to {repo_id} failed: {exc}") from None
    return {"url": str(info.commit_url), "commit": str(info.oid)}
