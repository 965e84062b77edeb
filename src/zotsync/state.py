"""What both sides held after the last sync (pure): the base of the three-way comparison.

One state per list and library: the library version; for each collection (by section path)
its key, version and name; for each entry id its item key, version and the item fields zotsync
manages as they were synced; for each item its link attachments (label -> key, version, url).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from zotsync.model import SectionPath

FORMAT = 1
KEY_ALPHABET = "23456789ABCDEFGHIJKLMNPQRSTUVWXYZ"


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
    fields: dict[str, Any]  # the managed fields as last synced (the base)
    collections: list[str]  # our collections the item was in
    links: dict[str, LinkRecord] = field(default_factory=dict)


@dataclass
class SyncState:
    library: dict[str, Any]
    version: int = 0
    collections: dict[SectionPath, CollectionRecord] = field(default_factory=dict)
    items: dict[str, ItemRecord] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "library": self.library,
            "version": self.version,
            "collections": [
                {
                    "path": list(path),
                    "key": c.key,
                    "version": c.version,
                    "name": c.name,
                    "parent": c.parent,
                }
                for path, c in sorted(self.collections.items())
            ],
            "items": {
                entry_id: {
                    "key": r.key,
                    "version": r.version,
                    "fields": r.fields,
                    "collections": sorted(r.collections),
                    "links": {
                        label: {"key": link.key, "version": link.version, "url": link.url}
                        for label, link in sorted(r.links.items())
                    },
                }
                for entry_id, r in sorted(self.items.items())
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SyncState:
        if data.get("format") != FORMAT:
            raise ValueError(f"unknown state format {data.get('format')!r}")
        state = cls(library=dict(data["library"]), version=int(data["version"]))
        for c in data.get("collections", []):
            state.collections[tuple(c["path"])] = CollectionRecord(
                c["key"], int(c["version"]), c["name"], c.get("parent")
            )
        for entry_id, r in data.get("items", {}).items():
            state.items[entry_id] = ItemRecord(
                key=r["key"],
                version=int(r["version"]),
                fields=dict(r["fields"]),
                collections=list(r.get("collections", [])),
                links={
                    label: LinkRecord(link["key"], int(link["version"]), link["url"])
                    for label, link in r.get("links", {}).items()
                },
            )
        return state
