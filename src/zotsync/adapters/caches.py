"""A list's git-ignored cache (``.zotsync-cache/``): files sealed with this user's key, so
that one committed in a pull request is never taken for zotsync's; JSON record caches; the
digest of the Markdown last rendered or ingested (the stale-README guard)."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

from zotsync.adapters.files import atomic_write, inside

CACHE_DIR = ".zotsync-cache"


class JsonCache:
    """Records keyed by string in one JSON file of ``.zotsync-cache/``, valid while its
    ``salt`` (format, version, options…) is the same; records a run did not use are dropped
    when it saves, so the file holds what the list is now."""

    def __init__(self, path: Path, salt: str) -> None:
        self.path = path
        self.salt = salt
        self.records: dict[str, Any] = {}
        self.used: set[str] = set()
        self.dirty = False
        try:
            sealed = read_cache_file(path.parent.parent, path.name)
            data = json.loads(sealed) if sealed is not None else {}
            if data.get("salt") == salt:
                self.records = data["records"]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self.records = {}

    def get(self, key: str) -> Any:
        found = self.records.get(key)
        if found is not None:
            self.used.add(key)
        return found

    def put(self, key: str, record: Any) -> None:
        self.used.add(key)
        if self.records.get(key) != record:
            self.records[key] = record
            self.dirty = True

    def save(self) -> None:
        unused = set(self.records) - self.used
        if not self.dirty and not unused:
            return
        for key in unused:
            del self.records[key]
        payload = json.dumps({"salt": self.salt, "records": self.records}, ensure_ascii=False)
        with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
            write_cache_file(self.path.parent.parent, self.path.name, payload.encode())


@cache
def _machine_key() -> bytes:
    """This user's key for sealing cache files (``$XDG_CACHE_HOME/zotsync/cache-key``, made
    once, 0600); when it cannot be kept, one for this process only (nothing cached is then
    trusted by the next run)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    path = Path(base) / "zotsync" / "cache-key"
    with contextlib.suppress(OSError, ValueError):
        return bytes.fromhex(path.read_text("ascii").strip())[:32] or os.urandom(32)
    key = os.urandom(32)
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key.hex())
    return key


def _seal(data: bytes) -> bytes:
    return hmac.new(_machine_key(), data, hashlib.sha256).hexdigest().encode() + b"\n" + data


def write_cache_file(folder: Path, name: str, data: bytes) -> None:
    """A file of ``folder``'s git-ignored cache (the folder made, and ignored, on first use),
    sealed with this user's key: a cache file committed in a pull request (``git add -f``)
    is not zotsync's, and is never taken for one (it could carry BibTeX blocks, entries that
    skipped the YAML checks, or a pending save)."""
    cache = inside(folder, folder / CACHE_DIR)
    cache.mkdir(exist_ok=True)
    ignore = inside(folder, cache / ".gitignore")
    if not ignore.exists():
        atomic_write(ignore, b"*\n", within=folder)
    atomic_write(cache / name, _seal(data), within=folder)


def read_cache_file(folder: Path, name: str) -> bytes | None:
    """A cache file's data if this user's zotsync sealed it, else None; FileNotFoundError
    when there is none."""
    mac, _, data = (folder / CACHE_DIR / name).read_bytes().partition(b"\n")
    return data if hmac.compare_digest(mac, _seal(data).partition(b"\n")[0]) else None


def content_key(data: bytes) -> str:
    """A file's cache key: the SHA-1 of its bytes."""
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


# --------------------------------------------------------------------------- last Markdown

_LAST_MARKDOWN = "last-markdown.sha1"


def markdown_digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def last_markdown(folder: Path) -> str | None:
    """Digest of the Markdown this clone last rendered from or ingested into ``folder``."""
    try:
        sealed = read_cache_file(folder, _LAST_MARKDOWN)
        if sealed is None:  # not this user's: no record of the last render
            return None
        return sealed.decode("ascii").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def remember_markdown(folder: Path, text: str) -> None:
    """Record that ``folder``'s entries and ``text`` are in step (render or ingest)."""
    with contextlib.suppress(OSError):  # losing it only loses the stale-README guard
        write_cache_file(folder, _LAST_MARKDOWN, markdown_digest(text).encode("ascii"))
        write_cache_file(folder, _LAST_ENTRIES, entries_digest(folder).encode("ascii"))


_LAST_ENTRIES = "last-entries.sha1"


def entries_digest(folder: Path) -> str:
    """A digest of the entries' own files (``list.yaml``, ``frame.md``, the base, each
    section's YAML): what a YAML edit changes.  The sync state and caches are not part of it."""
    digest = hashlib.sha1(usedforsecurity=False)
    paths = [folder / "list.yaml", folder / "frame.md", folder / "markdown-base.txt"]
    paths += sorted((folder / "sections").glob("*.yaml"))
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError:
            data = b"\x00missing"
        digest.update(f"{path.name}\x00{len(data)}\x00".encode())
        digest.update(data)
    return digest.hexdigest()


def entries_as_left(folder: Path) -> bool:
    """Whether ``folder``'s entries are as zotsync last wrote or read them with the README
    (a YAML edit since then is for the README to take)."""
    try:
        sealed = read_cache_file(folder, _LAST_ENTRIES)
    except (OSError, UnicodeDecodeError):
        return False
    return sealed is not None and sealed.decode("ascii", "replace").strip() == entries_digest(
        folder
    )
