"""What both sides held after the last sync (pure): the base of the three-way comparison.

One state per list and library: the library version; for each collection (by section path)
its key, version and name; for each entry id its item key, version and the item fields zotsync
manages as they were synced; for each item its link attachments (label -> key, version, url).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from zotsync.core.entries import SectionPath

FORMAT = 1
KEY_ALPHABET = "23456789ABCDEFGHIJKLMNPQRSTUVWXYZ"
_KEY = re.compile(f"[{KEY_ALPHABET}]{{8}}")


def derived_key(*parts: str) -> str:
    """An 8-character Zotero object key derived from ``parts``: the same entry always gets the
    same key in the same library, so a create retried after a lost answer cannot duplicate."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return "".join(KEY_ALPHABET[byte % len(KEY_ALPHABET)] for byte in digest[:8])


@dataclass
class CollectionRecord:
    key: str
    version: int
    name: str
    parent: str | None


@dataclass
class LinkRecord:
    key: str
    version: int
    url: str


@dataclass
class ItemRecord:
    key: str
    version: int
    fields: dict[str, Any]  # the managed fields as the list had them at the last sync
    collections: list[str]  # the item's collections as last seen
    links: dict[str, LinkRecord] = field(default_factory=dict)
    remote: dict[str, Any] = field(default_factory=dict)  # where Zotero's copy differs

    def remote_fields(self) -> dict[str, Any]:
        """The managed fields as Zotero had them at the last sync."""
        return {**self.fields, **self.remote}


@dataclass
class SyncState:
    library: dict[str, Any]
    version: int = 0
    collections: dict[SectionPath, CollectionRecord] = field(default_factory=dict)
    items: dict[str, ItemRecord] = field(default_factory=dict)

    def collection_dict(self, path: SectionPath) -> dict[str, Any]:
        c = self.collections[path]
        return {
            "path": list(path),
            "key": c.key,
            "version": c.version,
            "name": c.name,
            "parent": c.parent,
        }

    def item_dict(self, entry_id: str) -> dict[str, Any]:
        r = self.items[entry_id]
        data = {
            "key": r.key,
            "version": r.version,
            "fields": r.fields,
            "collections": sorted(r.collections),
            "links": {
                label: {"key": link.key, "version": link.version, "url": link.url}
                for label, link in sorted(r.links.items())
            },
        }
        if r.remote:
            data["remote"] = r.remote
        return data

    def set_collection(self, data: dict[str, Any]) -> None:
        self.collections[tuple(data["path"])] = CollectionRecord(
            data["key"], int(data["version"]), data["name"], data.get("parent")
        )

    def set_item(self, entry_id: str, data: dict[str, Any] | None) -> None:
        if data is None:
            self.items.pop(entry_id, None)
            return
        self.items[entry_id] = ItemRecord(
            key=data["key"],
            version=int(data["version"]),
            fields=dict(data["fields"]),
            collections=list(data.get("collections", [])),
            links={
                label: LinkRecord(link["key"], int(link["version"]), link["url"])
                for label, link in data.get("links", {}).items()
            },
            remote=dict(data.get("remote", {})),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "library": self.library,
            "version": self.version,
            "collections": [self.collection_dict(path) for path in sorted(self.collections)],
            "items": {entry_id: self.item_dict(entry_id) for entry_id in sorted(self.items)},
        }

    def problems(self) -> list[str]:
        """What makes this state unusable: a key that is not a Zotero key, or one object
        claimed twice (two entries on one item, a link on two entries…).  A state is edited
        by hand or merged by git: trusting such a one would pull one item's data into
        another entry."""
        owners: dict[str, str] = {}
        found: list[str] = []

        def claim(key: str, owner: str) -> None:
            if not _KEY.fullmatch(key):
                found.append(f"{owner} has {key!r}, which is not a Zotero object key")
            elif key in owners:
                found.append(f"{owners[key]} and {owner} both name object {key}")
            else:
                owners[key] = owner

        for path, collection in sorted(self.collections.items()):
            claim(collection.key, f"collection {' / '.join(path) or '(root)'!r}")
        for entry_id, item in sorted(self.items.items()):
            claim(item.key, f"entry {entry_id!r}")
            for label, link in sorted(item.links.items()):
                claim(link.key, f"link {label!r} of entry {entry_id!r}")
        return found

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SyncState:
        if data.get("format") != FORMAT:
            raise ValueError(f"unknown state format {data.get('format')!r}")
        state = cls(library=dict(data["library"]), version=int(data["version"]))
        for c in data.get("collections", []):
            state.set_collection(c)
        for entry_id, r in data.get("items", {}).items():
            state.set_item(entry_id, r)
        return state
