"""The remote-library port's contract, run against both of its implementations: Zotero over
HTTP (``ZoteroLibrary``, through pyzotero, against the sandbox) and the in-memory library the
fast tests use (``MemoryLibrary``).  What the sync relies on holds for both."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from conftest import KEY, SCHEMA_FILE
from zotsync.errors import LibraryChanged
from zotsync.sync.memory import MemoryLibrary
from zotsync.sync.ports import RemoteLibrary

_groups = itertools.count(9100)


class Side:
    """A library and a teammate's hands on it."""

    def __init__(self, library: RemoteLibrary, teammate: Any, delete: Any) -> None:
        self.library = library
        self.write = teammate  # (kind, objects) -> report
        self.delete = delete  # (kind, key, version) -> None

    def teammate(self, kind: str, objects: list[dict[str, Any]]) -> dict[str, Any]:
        """A teammate's write, each object at the version it has now (as a client sends)."""
        snap = self.library.snapshot()
        found = snap.items if kind == "item" else snap.collections
        versioned = [
            {**o, "version": found[o["key"]].version} if "key" in o else o for o in objects
        ]
        report: dict[str, Any] = self.write(kind, versioned)
        assert report["failed"] == {}, report
        return report


def fields_by_type() -> dict[str, tuple[str, ...]]:
    from zotsync.sandbox.schema import load_schema

    return load_schema(SCHEMA_FILE).fields_by_type


@pytest.fixture(params=["http", "memory"])
def side(request: pytest.FixtureRequest) -> Iterator[Side]:
    if request.param == "memory":
        memory = MemoryLibrary(fields_by_type())
        yield Side(
            memory,
            lambda kind, objects: memory.write_as("teammate", kind, objects),
            lambda kind, key, version: memory.delete(kind, key),
        )
        return
    import httpx2

    from zotsync.adapters.zotero_http import ZoteroLibrary

    sandbox = request.getfixturevalue("sandbox")
    group = next(_groups)
    sandbox.store.ensure_group(group, f"group {group}", 1)
    library = ZoteroLibrary(sandbox.url, group, KEY, sleep=lambda s: None)
    plural = {"item": "items", "collection": "collections"}

    def delete(kind: str, key: str, version: int) -> None:
        with httpx2.Client(base_url=sandbox.url, trust_env=False) as client:
            answer = client.delete(
                f"/groups/{group}/{plural[kind]}/{key}",
                headers={"Zotero-API-Key": KEY, "If-Unmodified-Since-Version": str(version)},
            )
            assert answer.status_code == 204, answer.text

    yield Side(library, lambda kind, objects: sandbox.teammate_write(group, kind, objects), delete)
    library.close()


COLLECTION = {"key": "AAAACCCC", "version": 0, "name": "Papers", "parentCollection": False}
ITEM = {
    "key": "AAAAIIII",
    "version": 0,
    "itemType": "conferencePaper",
    "title": "Attention",
    "date": "2017",
    "collections": ["AAAACCCC"],
}
LINK = {
    "key": "AAAALLLL",
    "version": 0,
    "itemType": "attachment",
    "linkMode": "linked_url",
    "title": "code",
    "url": "https://github.com/x/y",
    "parentItem": "AAAAIIII",
}


def seeded(side: Side) -> int:
    library = side.library
    version, report = library.post("collection", [COLLECTION], 0)
    assert list(report["successful"]) == ["0"]
    version, report = library.post("item", [ITEM], version)
    version, report = library.post("item", [LINK], version)
    assert list(report["successful"]) == ["0"]
    return version


def test_a_created_item_lists_every_field_of_its_type(side: Side) -> None:
    version = seeded(side)
    snap = side.library.snapshot()
    assert snap.version == version
    item = snap.items["AAAAIIII"].data
    assert item["title"] == "Attention"
    assert item["proceedingsTitle"] == "" and item["DOI"] == ""  # fields it was not given
    assert item["collections"] == ["AAAACCCC"] and item["tags"] == []
    assert snap.items["AAAALLLL"].data["parentItem"] == "AAAAIIII"
    assert [c.key for c in snap.children("AAAAIIII")] == ["AAAALLLL"]
    assert snap.collections["AAAACCCC"].data["name"] == "Papers"


def test_the_write_report_answers_each_object_with_its_new_version(side: Side) -> None:
    version = seeded(side)
    new, report = side.library.post(
        "item", [{"key": "AAAAIIII", "version": 2, "DOI": "10.1/x"}], version
    )
    success = report["successful"]["0"]
    assert new > version and success["version"] == new
    assert success["data"]["DOI"] == "10.1/x" and success["data"]["title"] == "Attention"


def test_a_write_after_the_library_moved_is_refused_whole(side: Side) -> None:
    version = seeded(side)
    side.teammate("item", [{"key": "AAAAIIII", "title": "Attention (Z)"}])
    with pytest.raises(LibraryChanged):
        side.library.post("item", [{"key": "AAAAIIII", "version": 2, "title": "Mine"}], version)
    assert side.library.snapshot().items["AAAAIIII"].data["title"] == "Attention (Z)"


def test_an_object_moved_since_its_version_fails_alone(side: Side) -> None:
    seeded(side)
    side.teammate("item", [{"key": "AAAAIIII", "title": "Attention (Z)"}])
    current = side.library.snapshot()
    stale = {"key": "AAAAIIII", "version": 2, "title": "Mine"}
    fresh = {"key": "AAAALLLL", "version": current.items["AAAALLLL"].version, "title": "repo"}
    _, report = side.library.post("item", [stale, fresh], current.version)
    assert report["failed"]["0"]["code"] == 412
    assert list(report["successful"]) == ["1"]
    after = side.library.snapshot()
    assert after.items["AAAAIIII"].data["title"] == "Attention (Z)"
    assert after.items["AAAALLLL"].data["title"] == "repo"


def test_a_create_of_an_existing_key_fails_and_a_version_of_a_missing_one_too(side: Side) -> None:
    version = seeded(side)
    again = {**ITEM, "title": "Twice"}
    missing = {**ITEM, "key": "AAAAMMMM", "version": 5}
    _, report = side.library.post("item", [again, missing], version)
    assert report["failed"]["0"]["code"] == 412
    assert report["failed"]["1"]["code"] == 404
    assert side.library.snapshot().items["AAAAIIII"].data["title"] == "Attention"


def test_a_write_that_changes_nothing_is_reported_unchanged(side: Side) -> None:
    version = seeded(side)
    item = side.library.snapshot().items["AAAAIIII"]
    same = {"key": "AAAAIIII", "version": item.version, "title": "Attention"}
    _, report = side.library.post("item", [same], version)
    assert list(report["unchanged"]) == ["0"] and report["successful"] == {}


def test_a_missing_parent_or_collection_fails_with_409(side: Side) -> None:
    version = seeded(side)
    orphan = {**LINK, "key": "AAAAQQQQ", "parentItem": "AAAANNNN"}
    lost = {**ITEM, "key": "AAAAPPPP", "collections": ["AAAANNNN"]}
    _, report = side.library.post("item", [orphan, lost], version)
    assert report["failed"]["0"]["code"] == 409 and report["failed"]["1"]["code"] == 409


def test_trash_and_restore_keep_the_item_readable(side: Side) -> None:
    version = seeded(side)
    item = side.library.snapshot().items["AAAAIIII"]
    version, _ = side.library.post(
        "item", [{"key": item.key, "version": item.version, "deleted": 1}], version
    )
    trashed = side.library.snapshot().items["AAAAIIII"]
    assert trashed.trashed
    assert side.library.fetch("item", ["AAAAIIII"])[0].trashed
    side.library.post(
        "item", [{"key": item.key, "version": trashed.version, "deleted": 0}], version
    )
    assert not side.library.snapshot().items["AAAAIIII"].trashed


def test_changes_since_reports_edits_and_deletions_and_none_when_quiet(side: Side) -> None:
    version = seeded(side)
    assert side.library.changes_since(version) is None
    side.teammate("item", [{"key": "AAAAIIII", "title": "Attention (Z)"}])
    link = side.library.snapshot().items["AAAALLLL"]
    side.delete("item", "AAAALLLL", link.version)
    changes = side.library.changes_since(version)
    assert changes is not None and changes.version > version
    assert "AAAAIIII" in changes.items and changes.deleted_items == ["AAAALLLL"]
    assert "AAAALLLL" not in side.library.snapshot().items
    assert [o.data["title"] for o in side.library.fetch("item", changes.items)] == ["Attention (Z)"]


def test_a_deleted_collection_takes_its_items_out_without_a_new_item_version(side: Side) -> None:
    version = seeded(side)
    item = side.library.snapshot().items["AAAAIIII"]
    collection = side.library.snapshot().collections["AAAACCCC"]
    side.delete("collection", "AAAACCCC", collection.version)
    changes = side.library.changes_since(version)
    assert changes is not None and changes.deleted_collections == ["AAAACCCC"]
    after = side.library.snapshot().items["AAAAIIII"]
    assert after.data["collections"] == [] and after.version == item.version


def test_a_teammates_item_names_who_added_it(side: Side) -> None:
    version = seeded(side)
    report = side.teammate("item", [{"itemType": "preprint", "title": "Theirs", "collections": []}])
    (key,) = report["successful"].values() if isinstance(report["successful"], dict) else []
    key = key["key"] if isinstance(key, dict) else key
    changes = side.library.changes_since(version)
    assert changes is not None and key in changes.items
    (found,) = side.library.fetch("item", [key])
    assert found.meta["createdByUser"]["username"]
