"""A Zotero library in memory, behind the same port as Zotero over HTTP.

It keeps the rules the sync depends on (the same contract tests run against it and against
the sandbox over HTTP, ``tests/test_library_contract.py``): one library version, bumped by
every object written; a write refused whole when the library moved since the version sent
(:class:`~zotsync.errors.LibraryChanged`), an object refused (412) when its own version is
not the one sent, or (404) when a version is sent for an object that does not exist; a
partial write keeps the fields it does not name; an item lists every field of its type;
``deleted: 1`` trashes, ``0`` restores; an unchanged object is reported ``unchanged``;
``changes_since`` reports objects and deletions after a version, None when nothing changed.

Fast tests of the planner and the engine (and a state machine with hundreds of examples)
run against it; what it does not model (paging, waits, HTTP faults, the server's own
normalisation) is tested against the sandbox.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from zotsync.errors import LibraryChanged
from zotsync.sync.remote import Changes, RemoteObject, Snapshot
from zotsync.sync.state import KEY_ALPHABET, derived_key

_KEY = re.compile(f"[{KEY_ALPHABET}]{{8}}")

MAX_BATCH = 50
_PROPERTIES = {"itemType", "creators", "tags", "collections", "relations", "deleted"}
_CHILD_PROPERTIES = {"parentItem", "linkMode", "note", "contentType", "charset"}


@dataclass
class _Stored:
    version: int
    data: dict[str, Any]
    meta: dict[str, Any] = field(default_factory=dict)


class ObjectRefused(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class MemoryLibrary:
    """One group library; ``fields_by_type`` is the schema's fields of each item type."""

    def __init__(self, fields_by_type: Mapping[str, Sequence[str]], user: str = "alice") -> None:
        self.fields_by_type = fields_by_type
        self.version = 0
        self.objects: dict[str, dict[str, _Stored]] = {"item": {}, "collection": {}}
        self.deleted: dict[str, dict[str, int]] = {"item": {}, "collection": {}}
        self.user = user
        self._requests = 0
        self._created = itertools.count(1)  # keys for objects written without one

    # ------------------------------------------------------------------ reads (the port)

    @property
    def requests(self) -> int:
        return self._requests

    def _remote(self, key: str, stored: _Stored) -> RemoteObject:
        return RemoteObject(key, stored.version, copy.deepcopy(stored.data), dict(stored.meta))

    def snapshot(self) -> Snapshot:
        self._requests += 1
        snap = Snapshot(self.version)
        for key, stored in self.objects["collection"].items():
            snap.collections[key] = self._remote(key, stored)
        for key, stored in self.objects["item"].items():
            snap.items[key] = self._remote(key, stored)
        return snap

    def changes_since(self, version: int) -> Changes | None:
        self._requests += 1
        if self.version == version:
            return None

        def after(kind: str) -> list[str]:
            return [k for k, s in self.objects[kind].items() if s.version > version]

        def gone(kind: str) -> list[str]:
            return [k for k, v in self.deleted[kind].items() if v > version]

        return Changes(
            self.version, after("item"), after("collection"), gone("item"), gone("collection")
        )

    def fetch(self, kind: str, keys: list[str]) -> list[RemoteObject]:
        self._requests += max(1, -(-len(keys) // MAX_BATCH))
        found = self.objects[kind]
        return [self._remote(key, found[key]) for key in keys if key in found]

    # ------------------------------------------------------------------ writes (the port)

    def post(
        self, kind: str, objects: list[dict[str, Any]], library_version: int
    ) -> tuple[int, dict[str, Any]]:
        self._requests += 1
        if len(objects) > MAX_BATCH:
            raise ValueError("at most 50 objects per write")
        if library_version < self.version:
            raise LibraryChanged(
                f"Library has been modified since specified version "
                f"(expected {library_version}, found {self.version})"
            )
        report: dict[str, Any] = {"successful": {}, "success": {}, "unchanged": {}, "failed": {}}
        for index, incoming in enumerate(objects):
            slot = str(index)
            try:
                outcome, key, stored = self._write_one(kind, incoming, self.user)
            except ObjectRefused as error:
                failure = {"key": incoming.get("key"), "code": error.code}
                report["failed"][slot] = {**failure, "message": error.message}
                continue
            if outcome == "unchanged":
                report["unchanged"][slot] = key
            else:
                envelope = {"key": key, "version": stored.version, "data": stored.data}
                report["successful"][slot] = copy.deepcopy(envelope)
                report["success"][slot] = key
        return self.version, report

    def _write_one(
        self, kind: str, incoming: dict[str, Any], user: str
    ) -> tuple[str, str, _Stored]:
        key = incoming.get("key") or self._new_key(kind)
        if not _KEY.fullmatch(str(key)):
            raise ObjectRefused(400, f"'{key}' is not a valid {kind} key")
        existing = self.objects[kind].get(key)
        if "version" in incoming:
            version = incoming["version"]
            if existing is not None and version != existing.version:
                raise ObjectRefused(
                    412,
                    f"{kind} has been modified since specified version "
                    f"(expected {version}, found {existing.version})",
                )
            if existing is None and version > 0:
                raise ObjectRefused(404, f"{kind} doesn't exist (expected version {version})")
        old = existing.data if existing else None
        data = self._item(old, incoming) if kind == "item" else self._collection(old, incoming)
        self.version += 1  # each object its own version, unchanged ones too
        if (
            existing is not None
            and {"key": key, "version": existing.version, **data} == existing.data
        ):
            return "unchanged", key, existing
        data = {"key": key, "version": self.version, **data}
        meta = dict(existing.meta) if existing else {"createdByUser": {"username": user}}
        if existing is not None and user != meta["createdByUser"]["username"]:
            meta["lastModifiedByUser"] = {"username": user}
        stored = _Stored(self.version, data, meta)
        self.objects[kind][key] = stored
        self.deleted[kind].pop(key, None)
        return "successful", key, stored

    def _new_key(self, kind: str) -> str:
        """A key no object of ``kind`` has (as the server picks one for a keyless write)."""
        while True:
            key = derived_key("memory", str(next(self._created)))
            if key not in self.objects[kind] and key not in self.deleted[kind]:
                return key

    def _collection(self, old: dict[str, Any] | None, incoming: dict[str, Any]) -> dict[str, Any]:
        data = {"name": "", "parentCollection": False, "relations": {}}
        if old:
            data.update({k: v for k, v in old.items() if k not in ("key", "version")})
        data.update({k: v for k, v in incoming.items() if k not in ("key", "version")})
        parent = data.get("parentCollection") or False
        if parent and parent not in self.objects["collection"]:
            raise ObjectRefused(409, f"Parent collection {parent} doesn't exist")
        data["parentCollection"] = parent
        if not str(data.get("name", "")).strip():
            raise ObjectRefused(400, "Collection name cannot be empty")
        return data

    def _item(self, old: dict[str, Any] | None, incoming: dict[str, Any]) -> dict[str, Any]:
        source = {k: v for k, v in (old or {}).items() if k not in ("key", "version")}
        item_type = str(incoming.get("itemType", source.get("itemType")))
        if item_type not in self.fields_by_type:
            raise ObjectRefused(400, f"'{item_type}' is not a valid itemType")
        fields = set(self.fields_by_type[item_type])
        if old is not None and item_type != old.get("itemType"):  # retyped: its fields only
            source = {k: v for k, v in source.items() if k in fields or k in _PROPERTIES}
        source.update({k: v for k, v in incoming.items() if k not in ("key", "version")})
        child = item_type in ("attachment", "note")
        allowed = fields | _PROPERTIES | (_CHILD_PROPERTIES if child else set())
        allowed |= {"dateAdded", "dateModified", "accessDate"}
        for name, value in source.items():
            if name not in allowed and value not in ("", None):
                raise ObjectRefused(400, f"'{name}' is not a valid field for type '{item_type}'")
        parent = source.get("parentItem") or False
        if parent and parent not in self.objects["item"]:
            raise ObjectRefused(409, f"Parent item {parent} doesn't exist")
        for key in source.get("collections", []):
            if key not in self.objects["collection"]:
                raise ObjectRefused(409, f"Collection {key} doesn't exist")
        data: dict[str, Any] = {"itemType": item_type}
        data.update({name: source.get(name, "") for name in self.fields_by_type[item_type]})
        if child:
            data.update({name: source.get(name, "") for name in _CHILD_PROPERTIES - {"parentItem"}})
        if parent:
            data["parentItem"] = parent
        if not child:
            data["creators"] = list(source.get("creators", []))
            data["collections"] = list(source.get("collections", []))
        data["tags"] = [t for t in source.get("tags", []) if str(t.get("tag", "")).strip()]
        data["relations"] = dict(source.get("relations", {}))
        if source.get("deleted") in (1, True, "1"):
            data["deleted"] = 1
        return data

    # ------------------------------------------------------------------ a teammate's hands

    def write_as(self, user: str, kind: str, objects: list[dict[str, Any]]) -> dict[str, Any]:
        """A write by someone else (the web library, a teammate's Zotero): no version check
        of the library, each object's own ``version`` checked if given."""
        report: dict[str, Any] = {"successful": {}, "unchanged": {}, "failed": {}}
        for index, incoming in enumerate(objects):
            try:
                outcome, key, _ = self._write_one(kind, incoming, user)
            except ObjectRefused as error:
                report["failed"][str(index)] = {"code": error.code, "message": error.message}
                continue
            report[outcome][str(index)] = key
        return report

    def delete(self, kind: str, key: str) -> None:
        """Delete for good (emptied from the trash): a collection's sub-collections go too,
        its items leave it without a new version (as the dataserver does)."""
        if key not in self.objects[kind]:
            return
        self.version += 1
        del self.objects[kind][key]
        self.deleted[kind][key] = self.version
        if kind == "collection":
            for stored in self.objects["item"].values():
                if key in stored.data.get("collections", []):
                    stored.data["collections"] = [c for c in stored.data["collections"] if c != key]
            for child, stored in list(self.objects["collection"].items()):
                if stored.data.get("parentCollection") == key:
                    self.delete("collection", child)
        else:
            for child, stored in list(self.objects["item"].items()):
                if stored.data.get("parentItem") == key:
                    self.delete("item", child)

    def top_items(self) -> dict[str, dict[str, Any]]:
        """Key -> data of every top-level item (trashed ones included)."""
        return {
            key: stored.data
            for key, stored in self.objects["item"].items()
            if "parentItem" not in stored.data
        }
