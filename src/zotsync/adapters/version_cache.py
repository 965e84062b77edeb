"""The no-op sync, fast: nothing changed on either side since the last sync.

After a sync that ended clean (no conflict left), each list records in its cache the SHA-1 of
everything the sync reads locally (entry files, mapping, sync state, its config) and the
library version it ended at.  The next sync first compares: when no local byte changed and
one conditional request (``If-Modified-Since-Version``) answers 304, there is nothing to do,
and the entries are not even parsed.  Anything else (a changed file, a 200, an error) goes the
full way, which handles it; the check costs one request then.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path

from zotsync import __version__
from zotsync.adapters.caches import CACHE_DIR, read_cache_file, write_cache_file
from zotsync.adapters.config import ListConfig
from zotsync.adapters.yaml_store import mapping_bytes
from zotsync.adapters.zotero_http import ZoteroLibrary

RECORD = "last-sync.json"


def local_digest(item: ListConfig, state_path: Path) -> str:
    """SHA-1 of what a sync of ``item`` reads locally."""
    h = hashlib.sha1(usedforsecurity=False)
    h.update(repr((__version__, item.name, item.collection, item.library)).encode())
    files = sorted(
        p
        for p in item.entries.rglob("*")
        if p.is_file() and CACHE_DIR not in p.parts and not p.name.endswith(".tmp")
    )
    for path in [*files, state_path, state_path.with_name(state_path.name + ".journal")]:
        h.update(str(path).encode() + b"\0")
        with contextlib.suppress(FileNotFoundError):
            h.update(path.read_bytes())
        h.update(b"\0")
    h.update(mapping_bytes(item.mapping))
    return h.hexdigest()


def remember(item: ListConfig, state_path: Path, version: int | None) -> None:
    """Record a clean sync's end (``version``), or forget it (None: a conflict stands)."""
    path = item.entries / CACHE_DIR / RECORD
    if version is None:
        path.unlink(missing_ok=True)
        return
    record = {"digest": local_digest(item, state_path), "version": version}
    with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
        write_cache_file(item.entries, RECORD, json.dumps(record).encode())


def unchanged_since(item: ListConfig, state_path: Path) -> int | None:
    """The library version of the last clean sync, if no local byte changed since."""
    try:
        sealed = read_cache_file(item.entries, RECORD)  # a committed one is not ours
        record = json.loads(sealed) if sealed is not None else {}
        if record["digest"] == local_digest(item, state_path):
            return int(record["version"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def library_unchanged(endpoint: str, group: int, key: str, version: int) -> bool:
    """One conditional request, through the one Zotero client (no redirect followed, the key
    checked): True when Zotero answers 304 (the library is at ``version``)."""
    library = ZoteroLibrary(endpoint, group, key)
    try:
        return library.unchanged_since(version)
    finally:
        library.close()
