"""pyzotero 1.16 talks to the sandbox as to api.zotero.org (only ``endpoint`` differs)."""

from __future__ import annotations

import httpx2
import pytest
from pyzotero import zotero

from conftest import GROUP, KEY


@pytest.fixture
def zot(sandbox):  # type: ignore[no-untyped-def]
    client = zotero.Zotero(GROUP, "group", KEY, client=httpx2.Client(trust_env=False))
    client.endpoint = sandbox.url
    return client


def test_key_info_templates_and_fields(zot) -> None:  # type: ignore[no-untyped-def]
    assert zot.key_info()["username"] == "alice"
    template = zot.item_template("preprint")
    assert template["itemType"] == "preprint" and "archiveID" in template
    assert "conferenceName" in [f["field"] for f in zot.item_type_fields("conferencePaper")]
    assert {"title", "url"} <= {f["field"] for f in zot.item_fields()}


def test_create_read_everything_versions_and_deleted(zot) -> None:  # type: ignore[no-untyped-def]
    template = zot.item_template("preprint")
    template.update(title="Paper", repository="arXiv", archiveID="arXiv:2101.00001")
    template["creators"] = [{"creatorType": "author", "firstName": "Ada", "lastName": "Lovelace"}]
    for _ in range(3):
        report = zot.create_items([dict(template) for _ in range(50)])
        assert len(report["successful"]) == 50 and report["failed"] == {}
    assert len(zot.items()) == 100  # pyzotero asks for limit=100
    everything = zot.everything(zot.items())
    assert len(everything) == 150
    assert {i["data"]["creators"][0]["lastName"] for i in everything} == {"Lovelace"}
    versions = zot.item_versions()
    assert len(versions) == 150
    newest = max(versions.values())
    assert zot.item_versions(since=newest) == {}
    zot.create_items([dict(template)])
    assert len(zot.item_versions(since=newest)) == 1
    key = next(iter(versions))
    item = zot.item(key)
    assert zot.delete_item(item)
    assert zot.deleted(since=newest)["items"] == [key]


def test_collections_and_collection_items(zot) -> None:  # type: ignore[no-untyped-def]
    report = zot.create_collections([{"name": "Research Areas"}])
    root = report["successful"]["0"]["key"]
    child = zot.create_collections([{"name": "Fusion", "parentCollection": root}])
    child_key = child["successful"]["0"]["key"]
    assert {c["data"]["name"] for c in zot.collections()} == {"Research Areas", "Fusion"}
    assert [c["key"] for c in zot.collections_sub(root)] == [child_key]
    template = zot.item_template("conferencePaper")
    template.update(title="A", proceedingsTitle="Proc", collections=[child_key])
    made = zot.create_items([template])
    key = made["successful"]["0"]["key"]
    assert [i["key"] for i in zot.collection_items(child_key)] == [key]
    assert zot.collection_versions()[child_key] > 0


def test_update_item_and_attachment_children(zot) -> None:  # type: ignore[no-untyped-def]
    made = zot.create_items([dict(zot.item_template("journalArticle"), title="Old")])
    key = made["successful"]["0"]["key"]
    item = zot.item(key)
    item["data"]["title"] = "New"
    assert zot.update_item(item)
    assert zot.item(key)["data"]["title"] == "New"
    link = zot.item_template("attachment", "linked_url")
    link.update(title="code", url="https://github.com/x/y", parentItem=key)
    attached = zot.create_items([link])
    assert attached["failed"] == {}
    children = zot.children(key)
    assert [(c["data"]["title"], c["data"]["url"]) for c in children] == [
        ("code", "https://github.com/x/y")
    ]
