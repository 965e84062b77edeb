"""The sandbox keeps the Web API v3 contract (reference/zotero-web-api-v3.md §1-5).

Raw HTTP (httpx2), not our client: each test states one rule of the real API.
"""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from conftest import GROUP, KEY

ITEMS = f"/groups/{GROUP}/items"
COLLECTIONS = f"/groups/{GROUP}/collections"


def post(http: httpx2.Client, path: str, objects: list[dict[str, Any]], **headers: str) -> Any:
    response = http.post(path, json=objects, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def created(report: dict[str, Any]) -> list[str]:
    return [report["successful"][i]["key"] for i in sorted(report["successful"], key=int)]


def version(http: httpx2.Client) -> int:
    return int(http.get(ITEMS, params={"limit": 1}).headers["Last-Modified-Version"])


def paper(**fields: Any) -> dict[str, Any]:
    return {"itemType": "preprint", "title": "A paper", **fields}


# --------------------------------------------------------------------------- auth (§5)


@pytest.mark.parametrize(
    "how",
    [
        {"headers": {"Zotero-API-Key": KEY}},
        {"headers": {"Authorization": f"Bearer {KEY}"}},
        {"params": {"key": KEY}},
    ],
    ids=["header", "bearer", "query"],
)
def test_all_three_ways_to_give_the_key_work(sandbox, how: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    with httpx2.Client(base_url=sandbox.url, trust_env=False) as client:
        assert client.get(ITEMS, **how).status_code == 200


def test_no_key_wrong_key_and_read_only_key(sandbox, http) -> None:  # type: ignore[no-untyped-def]
    with httpx2.Client(base_url=sandbox.url, trust_env=False) as anonymous:
        assert anonymous.get(ITEMS).status_code == 403
        wrong = anonymous.get(ITEMS, headers={"Zotero-API-Key": "nosuchkey"})
        assert (wrong.status_code, wrong.text) == (403, "Invalid key")
        read_only = {"Zotero-API-Key": "readonlykey"}
        assert anonymous.get(ITEMS, headers=read_only).status_code == 200
        denied = anonymous.post(ITEMS, json=[paper()], headers=read_only)
        assert (denied.status_code, denied.text) == (403, "Write access denied")
        no_key = anonymous.post(ITEMS, json=[paper()])
        assert no_key.status_code == 403 and "API key is required" in no_key.text
        assert anonymous.get("/keys/current").status_code == 403
    assert http.get(ITEMS).json() == []


def test_key_info_and_groups(http) -> None:  # type: ignore[no-untyped-def]
    info = http.get("/keys/current").json()
    assert info["key"] == KEY and info["username"] == "alice"
    assert info["access"]["groups"]["all"] == {"library": True, "write": True}
    assert http.get("/keys/readonlykey").json()["access"]["groups"]["all"]["write"] is False
    groups = http.get(f"/users/{info['userID']}/groups", params={"format": "versions"}).json()
    assert list(groups) == [str(GROUP)]
    group = http.get(f"/groups/{GROUP}")
    assert group.json()["id"] == GROUP and "Last-Modified-Version" in group.headers
    assert http.get("/groups/999").status_code == 404


# --------------------------------------------------------------------------- writes (§3)


def test_write_report_and_per_object_versions(http) -> None:  # type: ignore[no-untyped-def]
    before = version(http)
    response = http.post(ITEMS, json=[paper(), paper(), {"itemType": "nope"}])
    report = response.json()
    assert set(report) == {"successful", "success", "unchanged", "failed"}
    versions = [report["successful"][i]["version"] for i in ("0", "1")]
    assert versions == [before + 1, before + 2]
    assert report["success"] == {i: report["successful"][i]["key"] for i in ("0", "1")}
    assert report["failed"]["2"]["code"] == 400
    assert "nope" in report["failed"]["2"]["message"]
    assert int(response.headers["Last-Modified-Version"]) == before + 2


def test_more_than_50_objects_is_413_and_nothing_is_written(http) -> None:  # type: ignore[no-untyped-def]
    response = http.post(ITEMS, json=[paper() for _ in range(51)])
    assert response.status_code == 413
    assert http.get(ITEMS).json() == []
    assert len(post(http, ITEMS, [paper() for _ in range(50)])["successful"]) == 50


def test_client_keys_with_version_0_make_retries_safe(http) -> None:  # type: ignore[no-untyped-def]
    body = [paper(key="ABCD2345", version=0), paper(key="BCDE3456", version=0)]
    first = post(http, ITEMS, body)
    assert created(first) == ["ABCD2345", "BCDE3456"]
    again = post(http, ITEMS, body)
    assert again["successful"] == {}
    assert {again["failed"][i]["code"] for i in ("0", "1")} == {412}
    assert again["failed"]["0"]["key"] == "ABCD2345"
    assert len(http.get(ITEMS).json()) == 2


def test_bad_keys_and_missing_preconditions_per_object(http) -> None:  # type: ignore[no-untyped-def]
    post(http, ITEMS, [paper(key="ABCD2345", version=0)])
    report = post(
        http,
        ITEMS,
        [
            paper(key="abcd2345", version=0),  # not the key alphabet
            paper(key="ABCD2345"),  # key-based write, no version, no header
            paper(key="CDEF4567", version=5),  # version > 0 for a missing object
            paper(key="ABCD2345", version=0),  # stale version (stored > sent)
        ],
    )
    codes = {i: report["failed"][i]["code"] for i in report["failed"]}
    assert codes == {"0": 400, "1": 428, "2": 404, "3": 412}
    assert "expected 0, found" in report["failed"]["3"]["message"]


def test_post_has_patch_semantics_and_unchanged_still_bumps(http) -> None:  # type: ignore[no-untyped-def]
    key = created(post(http, ITEMS, [paper(date="2020", url="https://x.org")]))[0]
    item = http.get(f"{ITEMS}/{key}").json()
    report = post(http, ITEMS, [{"key": key, "version": item["version"], "title": "New"}])
    data = report["successful"]["0"]["data"]
    assert (data["title"], data["date"], data["url"]) == ("New", "2020", "https://x.org")
    before = version(http)
    same = post(http, ITEMS, [{"key": key, "version": data["version"], "title": "New"}])
    assert same["unchanged"] == {"0": key}
    assert version(http) == before + 1  # an unchanged object consumes a version too
    assert http.get(f"{ITEMS}/{key}").json()["version"] == data["version"]


def test_stale_library_version_is_412_for_the_whole_request(http) -> None:  # type: ignore[no-untyped-def]
    post(http, ITEMS, [paper()])
    stale = version(http) - 1
    response = http.post(ITEMS, json=[paper()], headers={"If-Unmodified-Since-Version": str(stale)})
    assert response.status_code == 412
    assert response.headers["Last-Modified-Version"] == str(stale + 1)
    assert len(http.get(ITEMS).json()) == 1
    fresh = {"If-Unmodified-Since-Version": str(stale + 1)}
    assert len(post(http, ITEMS, [paper(key="ABCD2345")], **fresh)["successful"]) == 1


def test_write_token_reuse_is_412(http) -> None:  # type: ignore[no-untyped-def]
    headers = {"Zotero-Write-Token": "token-0123456789"}
    assert http.post(ITEMS, json=[paper()], headers=headers).status_code == 200
    reused = http.post(ITEMS, json=[paper()], headers=headers)
    assert (reused.status_code, reused.text) == (412, "Write token already used")
    assert len(http.get(ITEMS).json()) == 1
    short = http.post(ITEMS, json=[paper()], headers={"Zotero-Write-Token": "abc"})
    assert short.status_code == 400


def test_single_object_put_patch_delete(http) -> None:  # type: ignore[no-untyped-def]
    key = created(post(http, ITEMS, [paper(date="2020")]))[0]
    url = f"{ITEMS}/{key}"
    current = http.get(url).json()["version"]
    assert http.patch(url, json={"title": "T"}).status_code == 428
    stale = http.patch(url, json={"title": "T"}, headers={"If-Unmodified-Since-Version": "0"})
    assert stale.status_code == 412 and stale.headers["Last-Modified-Version"] == str(current)
    patched = http.patch(url, json={"title": "T", "version": current})
    assert patched.status_code == 204
    data = http.get(url).json()["data"]
    assert (data["title"], data["date"]) == ("T", "2020")
    whole = {"itemType": "preprint", "title": "Only", "version": data["version"]}
    partial = http.put(url, json=whole)  # a PUT says every list property (validateJSONItem)
    assert partial.status_code == 400 and "'tags' property not provided" in partial.text
    put = http.put(url, json={**whole, "tags": [], "relations": {}, "collections": []})
    assert put.status_code == 204
    data = http.get(url).json()["data"]
    assert (data["title"], data["date"]) == ("Only", "")  # PUT replaces: date cleared
    mismatch = http.put(
        url, json={"key": "ZZZZ2222", "itemType": "book", "version": data["version"]}
    )
    assert mismatch.status_code == 409
    missing = http.patch(f"{ITEMS}/WXYZ2345", json={"title": "x"})
    assert missing.status_code == 404 and "to create" in missing.text
    made = http.put(f"{ITEMS}/WXYZ2345", json=paper())
    assert made.status_code == 204 and http.get(f"{ITEMS}/WXYZ2345").status_code == 200
    assert http.delete(url).status_code == 428
    gone = http.delete(url, headers={"If-Unmodified-Since-Version": str(data["version"])})
    assert gone.status_code == 204
    assert http.get(url).status_code == 404


# --------------------------------------------------------------------------- validation (§3.6-3.7)


def test_schema_validation_names_the_field(http) -> None:  # type: ignore[no-untyped-def]
    report = post(
        http,
        ITEMS,
        [
            {"itemType": "notAType"},
            paper(proceedingsTitle="Proc"),  # a conferencePaper field
            paper(creators=[{"creatorType": "director", "lastName": "X"}]),
            paper(tags=[{"tag": "x" * 256}]),
            paper(flavour="sweet"),
        ],
    )
    failed = report["failed"]
    assert failed["0"]["code"] == 400 and "notAType" in failed["0"]["message"]
    assert failed["1"]["code"] == 400
    assert (
        failed["1"]["message"]
        == "'proceedingsTitle' is not a valid field for type 'preprint'"  # ENT_COMPAT
    )
    assert failed["2"]["code"] == 400 and "director" in failed["2"]["message"]
    assert failed["3"]["code"] == 413
    assert failed["4"]["code"] == 400 and "flavour" in failed["4"]["message"]
    empty_other_field = post(http, ITEMS, [paper(proceedingsTitle="")])
    assert len(empty_other_field["successful"]) == 1  # empty values of other types' fields pass


def test_collections_children_and_their_rules(http) -> None:  # type: ignore[no-untyped-def]
    report = post(
        http,
        COLLECTIONS,
        [
            {"name": "Root", "key": "RRRR2222", "version": 0},
            {"name": "Child", "key": "CCCC2222", "version": 0, "parentCollection": "RRRR2222"},
            {"name": "Top", "parentCollection": ""},
            {"name": "Orphan", "parentCollection": "NNNN2222"},
            {"name": "x" * 256},
        ],
    )
    assert [report["successful"][i]["data"]["parentCollection"] for i in ("0", "1", "2")] == [
        False,
        "RRRR2222",
        False,
    ]
    assert report["failed"]["3"]["code"] == 409
    assert report["failed"]["3"]["data"] == {"collection": "NNNN2222"}
    assert report["failed"]["4"]["code"] == 413
    items = post(
        http,
        ITEMS,
        [
            paper(key="PPPP2222", version=0, collections=["CCCC2222"]),
            {
                "itemType": "attachment",
                "linkMode": "linked_url",
                "parentItem": "PPPP2222",
                "title": "code",
                "url": "https://github.com/x/y",
            },
            {"itemType": "note", "parentItem": "PPPP2222", "note": "<p>hi</p>"},
            {"itemType": "note", "parentItem": "PPPP2222", "collections": ["CCCC2222"]},
            paper(collections=["MMMM2222"]),
            {"itemType": "note", "parentItem": "QQQQ2222"},
            paper(parentItem="PPPP2222"),
        ],
    )
    assert sorted(items["failed"]) == ["3", "4", "5", "6"]
    assert items["failed"]["3"]["code"] == 400  # children cannot be in collections
    assert items["failed"]["4"]["data"] == {"collection": "MMMM2222"}
    assert items["failed"]["5"]["data"] == {"parentItem": "QQQQ2222"}
    assert items["failed"]["6"]["code"] == 400  # a preprint cannot be a child
    attachment = items["successful"]["1"]["data"]
    assert attachment["linkMode"] == "linked_url" and "collections" not in attachment
    children = http.get(f"{ITEMS}/PPPP2222/children").json()
    assert {c["data"]["itemType"] for c in children} == {"attachment", "note"}
    assert [i["key"] for i in http.get(f"{ITEMS}/top").json()] == ["PPPP2222"]
    in_collection = http.get(f"{COLLECTIONS}/CCCC2222/items").json()
    assert len(in_collection) == 3  # the member and its children
    assert len(http.get(f"{COLLECTIONS}/CCCC2222/items/top").json()) == 1
    assert [c["key"] for c in http.get(f"{COLLECTIONS}/RRRR2222/collections").json()] == [
        "CCCC2222"
    ]
    assert len(http.get(f"{COLLECTIONS}/top").json()) == 2
    parent_meta = http.get(f"{ITEMS}/PPPP2222").json()["meta"]
    assert parent_meta["numChildren"] == 2


def test_trash_and_permanent_delete(http) -> None:  # type: ignore[no-untyped-def]
    keys = created(post(http, ITEMS, [paper(), paper(), paper()]))
    item = http.get(f"{ITEMS}/{keys[0]}").json()
    post(http, ITEMS, [{"key": keys[0], "version": item["version"], "deleted": True}])
    assert http.get(f"{ITEMS}/{keys[0]}").json()["data"]["deleted"] == 1
    assert len(http.get(ITEMS).json()) == 2
    assert len(http.get(ITEMS, params={"includeTrashed": 1}).json()) == 3
    assert [i["key"] for i in http.get(f"{ITEMS}/trash").json()] == [keys[0]]
    since = version(http)
    assert http.get(f"/groups/{GROUP}/deleted", params={"since": 0}).json()["items"] == []
    child = created(post(http, ITEMS, [{"itemType": "note", "parentItem": keys[1]}]))[0]
    stale = http.delete(
        ITEMS,
        params={"itemKey": f"{keys[1]},{keys[2]}"},
        headers={"If-Unmodified-Since-Version": "1"},
    )
    assert stale.status_code == 412  # without the header it would go (ItemsController.php)
    version_now = version(http)
    gone = http.delete(
        ITEMS,
        params={"itemKey": f"{keys[1]},{keys[2]},NOPE,ZZZZ2222"},
        headers={"If-Unmodified-Since-Version": str(version_now)},
    )
    assert gone.status_code == 204
    assert int(gone.headers["Last-Modified-Version"]) == version_now + 1
    deleted = http.get(f"/groups/{GROUP}/deleted", params={"since": since}).json()
    assert sorted(deleted["items"]) == sorted([keys[1], keys[2], child])
    assert set(deleted) == {"collections", "items", "searches", "tags", "settings"}
    assert http.get(f"/groups/{GROUP}/deleted").status_code == 400


# --------------------------------------------------------------------------- reads (§1)


def test_paging_links_and_totals(http) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        post(http, ITEMS, [paper(title=f"P{n}") for n in range(50)])
    first = http.get(ITEMS)
    assert len(first.json()) == 25 and first.headers["Total-Results"] == "150"
    assert 'rel="next"' in first.headers["Link"] and 'rel="last"' in first.headers["Link"]
    assert 'rel="alternate"' in first.headers["Link"]
    clamped = http.get(ITEMS, params={"limit": 500, "start": 100})
    assert len(clamped.json()) == 50 and 'rel="next"' not in clamped.headers["Link"]
    assert 'rel="prev"' in clamped.headers["Link"]
    seen: list[str] = []
    url: str | None = f"{ITEMS}?limit=40&locale=en-US&timeout=30"
    while url:
        page = http.get(url)
        seen.extend(i["key"] for i in page.json())
        links = dict(
            (part.split('rel="')[1].rstrip('"'), part.split(">")[0].lstrip("<"))
            for part in page.headers["Link"].split(", ")
        )
        url = links.get("next")
    assert len(seen) == len(set(seen)) == 150


def test_formats_since_and_304(http) -> None:  # type: ignore[no-untyped-def]
    keys = created(post(http, ITEMS, [paper(), paper()]))
    v = version(http)
    versions = http.get(ITEMS, params={"format": "versions"}).json()
    assert sorted(versions) == sorted(keys)
    text = http.get(ITEMS, params={"format": "keys"}).text
    assert sorted(text.split("\n")[:-1]) == sorted(keys)
    newer = created(post(http, ITEMS, [paper()]))
    assert list(http.get(ITEMS, params={"format": "versions", "since": v}).json()) == newer
    latest = version(http)
    unchanged = http.get(ITEMS, headers={"If-Modified-Since-Version": str(latest)})
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert "Last-Modified-Version" not in unchanged.headers
    changed = http.get(ITEMS, headers={"If-Modified-Since-Version": str(latest - 1)})
    assert changed.status_code == 200
    listed = http.get(ITEMS, params={"itemKey": f",{keys[0]},bad,{keys[1]},"}).json()
    assert sorted(i["key"] for i in listed) == sorted(keys)
    assert http.get(ITEMS, params={"since": "x"}).status_code == 400


def test_sort_tag_and_item_type_filters(http) -> None:  # type: ignore[no-untyped-def]
    post(
        http,
        ITEMS,
        [
            paper(title="b", tags=[{"tag": "x"}]),
            {"itemType": "book", "title": "a", "tags": [{"tag": "x"}, {"tag": "y"}]},
            {"itemType": "journalArticle", "title": "c"},
        ],
    )
    titles = [i["data"]["title"] for i in http.get(ITEMS, params={"sort": "title"}).json()]
    assert titles == ["a", "b", "c"]
    desc = http.get(ITEMS, params={"sort": "title", "direction": "desc"}).json()
    assert [i["data"]["title"] for i in desc] == ["c", "b", "a"]
    assert len(http.get(ITEMS, params={"tag": "x"}).json()) == 2
    both = http.get(ITEMS, params=[("tag", "x"), ("tag", "y")]).json()
    assert [i["data"]["title"] for i in both] == ["a"]
    assert len(http.get(ITEMS, params={"tag": "x || y"}).json()) == 2
    assert len(http.get(ITEMS, params={"tag": "-y"}).json()) == 2
    books = http.get(ITEMS, params={"itemType": "book"}).json()
    assert [i["data"]["title"] for i in books] == ["a"]
    not_books = http.get(ITEMS, params={"itemType": "-book"}).json()
    assert len(not_books) == 2
    tags = http.get(f"/groups/{GROUP}/tags").json()
    assert {(t["tag"], t["meta"]["numItems"]) for t in tags} == {("x", 2), ("y", 1)}
    assert http.get(ITEMS, params={"sort": "nonsense"}).status_code == 400


def test_created_and_modified_by_user(sandbox, http) -> None:  # type: ignore[no-untyped-def]
    key = created(post(http, ITEMS, [paper()]))[0]
    meta = http.get(f"{ITEMS}/{key}").json()["meta"]
    assert meta["createdByUser"]["username"] == "alice"
    assert "lastModifiedByUser" not in meta
    current = http.get(f"{ITEMS}/{key}").json()["version"]
    sandbox.teammate_write(GROUP, "item", [{"key": key, "version": current, "title": "Edited"}])
    meta = http.get(f"{ITEMS}/{key}").json()["meta"]
    assert meta["lastModifiedByUser"]["username"] == "teammate"
    assert meta["createdByUser"]["username"] == "alice"


def test_mapping_endpoints_and_templates(http) -> None:  # type: ignore[no-untyped-def]
    types = {t["itemType"] for t in http.get("/itemTypes").json()}
    assert {"preprint", "conferencePaper", "journalArticle", "webpage"} <= types
    fields = {f["field"] for f in http.get("/itemFields").json()}
    assert {"title", "archiveID", "proceedingsTitle"} <= fields
    preprint = [
        f["field"] for f in http.get("/itemTypeFields", params={"itemType": "preprint"}).json()
    ]
    assert "repository" in preprint and "proceedingsTitle" not in preprint
    creators = http.get("/itemTypeCreatorTypes", params={"itemType": "preprint"}).json()
    assert creators[0]["creatorType"] == "author"
    assert len(http.get("/creatorFields").json()) == 3
    template = http.get("/items/new", params={"itemType": "attachment", "linkMode": "linked_url"})
    assert template.json()["linkMode"] == "linked_url" and "url" in template.json()
    assert http.get("/items/new", params={"itemType": "attachment"}).status_code == 400
    assert http.get("/itemTypeFields", params={"itemType": "nope"}).status_code == 400


def test_unsupported_export_formats_say_so(http) -> None:  # type: ignore[no-untyped-def]
    response = http.get(ITEMS, params={"format": "bibtex"})
    assert response.status_code == 400 and "not supported" in response.text


def test_the_library_version_only_grows_and_objects_carry_their_write_version(http) -> None:  # type: ignore[no-untyped-def]
    seen = [version(http)]
    for n in range(5):
        report = post(http, ITEMS, [paper(title=str(n)), paper()])
        seen.append(version(http))
        for obj in report["successful"].values():
            assert http.get(f"{ITEMS}/{obj['key']}").json()["version"] == obj["version"]
    assert seen == sorted(seen) and len(set(seen)) == len(seen)


def test_head_version_zero_and_collection_deletes(http) -> None:  # type: ignore[no-untyped-def]
    post(
        http,
        COLLECTIONS,
        [
            {"name": "Root", "key": "RRRR2222", "version": 0},
            {"name": "Child", "key": "CCCC2222", "version": 0, "parentCollection": "RRRR2222"},
        ],
    )
    item = post(http, ITEMS, [paper(collections=["CCCC2222", "RRRR2222"])])["successful"]["0"]
    head = http.head(ITEMS)
    assert head.status_code == 200 and head.headers["Total-Results"] == "1" and head.content == b""
    zero = http.post(ITEMS, json=[paper()], headers={"If-Unmodified-Since-Version": "0"})
    assert zero.status_code == 412
    library = version(http)
    gone = http.delete(
        COLLECTIONS,
        params={"collectionKey": "RRRR2222"},
        headers={"If-Unmodified-Since-Version": str(library)},
    )
    assert gone.status_code == 204
    assert http.get(COLLECTIONS).json() == []  # the sub-collection went with its parent
    after = http.get(f"{ITEMS}/{item['key']}").json()
    assert after["data"]["collections"] == []
    assert after["version"] == item["version"]  # members leave without a version bump
    deleted = http.get(f"/groups/{GROUP}/deleted", params={"since": library}).json()
    assert sorted(deleted["collections"]) == ["CCCC2222", "RRRR2222"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"/groups/{GROUP}/fulltext", 404),
        (f"{ITEMS}/ABCD2345/file", 404),
        ("/users/1/items", 404),
        ("/nothing", 404),
    ],
)
def test_what_is_not_implemented_answers_plainly(http, path: str, status: int) -> None:  # type: ignore[no-untyped-def]
    assert http.get(path).status_code == status
