"""Rules of the real Zotero dataserver, ported from its API tests into our own code.

Each test names the dataserver test it comes from (zotero/dataserver,
``tests/remote/tests/3/<file>.test.js``, "it(...)") or, where no test states the rule, the
source that does.  Raw HTTP (httpx2) against the sandbox: what api.zotero.org answers.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import httpx2

from conftest import GROUP

ITEMS = f"/groups/{GROUP}/items"
COLLECTIONS = f"/groups/{GROUP}/collections"
SEARCHES = f"/groups/{GROUP}/searches"


def write(http: httpx2.Client, path: str, objects: list[dict[str, Any]]) -> dict[str, Any]:
    response = http.post(path, json=objects)
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


def one(http: httpx2.Client, path: str, obj: dict[str, Any]) -> dict[str, Any]:
    """Create one object; its stored JSON."""
    report = write(http, path, [obj])
    assert report["successful"], report["failed"]
    created: dict[str, Any] = report["successful"]["0"]
    return created


def failure(http: httpx2.Client, path: str, obj: dict[str, Any]) -> dict[str, Any]:
    report = write(http, path, [obj])
    assert not report["successful"], report
    found: dict[str, Any] = report["failed"]["0"]
    return found


# ------------------------------------------------------------------ versions (version.test.js)


def test_a_newer_version_than_stored_passes_an_older_one_is_412(http) -> None:  # type: ignore[no-untyped-def]
    """version.test.js "should reject patch existing object with old version header/property";
    the comparison is "stored > sent" (ApiController::checkSingleObjectWriteVersion), so a
    client that records the batch's Last-Modified-Version for every object may PATCH with it."""
    first = one(http, ITEMS, {"itemType": "book", "title": "A"})
    second = one(http, ITEMS, {"itemType": "book", "title": "B"})
    batch_version = second["version"]
    assert batch_version > first["version"]
    url = f"{ITEMS}/{first['key']}"
    patched = http.patch(url, json={"title": "A2", "version": batch_version})
    assert patched.status_code == 204, patched.text
    stale = http.patch(url, json={"title": "A3", "version": first["version"]})
    assert stale.status_code == 412
    keyed = write(http, ITEMS, [{"key": first["key"], "version": 0, "title": "A4"}])
    assert keyed["failed"]["0"]["code"] == 412


def test_multi_object_delete_needs_no_version_header(http) -> None:  # type: ignore[no-untyped-def]
    """object.test.js "should delete multiple objects"; ItemsController.php checks the header
    only when it is given."""
    keys = [one(http, ITEMS, {"itemType": "book", "title": t})["key"] for t in "XY"]
    gone = http.delete(ITEMS, params={"itemKey": ",".join(keys)})
    assert gone.status_code == 204
    assert http.get(f"{ITEMS}/{keys[0]}").status_code == 404
    library = int(gone.headers["Last-Modified-Version"])
    stale = http.delete(
        ITEMS, params={"itemKey": keys[1]}, headers={"If-Unmodified-Since-Version": "1"}
    )
    assert library > 1 and stale.status_code == 412


def test_put_of_a_whole_downloaded_object_uses_its_data(http) -> None:  # type: ignore[no-untyped-def]
    """version.test.js "should include library version for 412" PUTs the whole JSON;
    API::extractEditableJSON keeps only ``data``."""
    created = one(http, ITEMS, {"itemType": "book", "title": "Whole"})
    whole = http.get(f"{ITEMS}/{created['key']}").json()
    whole["data"]["title"] = "Whole, edited"
    put = http.put(f"{ITEMS}/{created['key']}", json=whole)
    assert put.status_code == 204, put.text
    assert http.get(f"{ITEMS}/{created['key']}").json()["data"]["title"] == "Whole, edited"
    whole["data"]["version"] -= 1
    mismatch = http.put(
        f"{ITEMS}/{created['key']}",
        json=whole,
        headers={"If-Unmodified-Since-Version": str(whole["data"]["version"] - 1)},
    )
    assert mismatch.status_code == 400


# ------------------------------------------------------------------ normalisation on write


def test_fields_are_trimmed_and_names_nfc(http) -> None:  # type: ignore[no-untyped-def]
    """Item::setField trims strings; DataObject.inc.php stores names trimmed and NFC."""
    item = one(http, ITEMS, {"itemType": "book", "title": "  Spaced title \n", "extra": "\tx "})
    assert (item["data"]["title"], item["data"]["extra"]) == ("Spaced title", "x")
    decomposed = unicodedata.normalize("NFD", " Café ")
    collection = one(http, COLLECTIONS, {"name": decomposed})
    assert collection["data"]["name"] == "Café"
    assert unicodedata.is_normalized("NFC", collection["data"]["name"])


def test_empty_tags_are_ignored(http) -> None:  # type: ignore[no-untyped-def]
    """tag.test.js "should ignore empty tag" and "should ignore empty tag with whitespace"."""
    item = one(
        http,
        ITEMS,
        {"itemType": "book", "tags": [{"tag": ""}, {"tag": "   "}, {"tag": " kept "}]},
    )
    assert item["data"]["tags"] == [{"tag": "kept"}]


def test_creator_rules(http) -> None:  # type: ignore[no-untyped-def]
    """creator.test.js "should handle empty creator"; Items::validateJSONItem: author on any
    item type, a single nameless creator of a new item dropped, other nameless ones 400;
    Creator::__set Unicode-trims names."""
    template = {"creatorType": "author", "firstName": "", "lastName": ""}
    item = one(http, ITEMS, {"itemType": "book", "creators": [template]})
    assert item["data"]["creators"] == []
    program = one(
        http,
        ITEMS,
        {
            "itemType": "computerProgram",
            "creators": [{"creatorType": "author", "firstName": "\u00a0Ada ", "lastName": " L"}],
        },
    )
    assert program["data"]["creators"] == [
        {"creatorType": "author", "firstName": "Ada", "lastName": "L"}
    ]
    two = [template, {"creatorType": "author", "name": "X"}]
    assert failure(http, ITEMS, {"itemType": "book", "creators": two})["code"] == 400
    bad_type = [{"creatorType": "director", "name": "X"}]
    assert failure(http, ITEMS, {"itemType": "book", "creators": bad_type})["code"] == 400


def test_dates_are_validated_and_returned_as_iso(http) -> None:  # type: ignore[no-untyped-def]
    """Items::validateJSONItem (accessDate, dateAdded, dateModified); Item::toJSON returns
    them as ISO 8601 UTC."""
    item = one(
        http,
        ITEMS,
        {
            "itemType": "webpage",
            "accessDate": "2020-03-04 05:06:07",
            "dateAdded": "2019-01-02T03:04:05+01:00",
        },
    )
    assert item["data"]["accessDate"] == "2020-03-04T05:06:07Z"
    assert item["data"]["dateAdded"] == "2019-01-02T02:04:05Z"
    day = one(http, ITEMS, {"itemType": "webpage", "accessDate": "2020-03-04"})
    assert day["data"]["accessDate"] == "2020-03-04"
    assert failure(http, ITEMS, {"itemType": "webpage", "accessDate": "last week"})["code"] == 400
    assert failure(http, ITEMS, {"itemType": "book", "dateModified": "yesterday"})["code"] == 400


def test_membership_changes_keep_date_modified(http) -> None:  # type: ignore[no-untyped-def]
    """Items::updateFromJSON skips Date Modified for changes to collections or relations only."""
    collection = one(http, COLLECTIONS, {"name": "C"})
    item = one(
        http, ITEMS, {"itemType": "book", "title": "T", "dateModified": "2001-01-01T00:00:00Z"}
    )
    url = f"{ITEMS}/{item['key']}"
    moved = http.patch(url, json={"collections": [collection["key"]], "version": item["version"]})
    assert moved.status_code == 204
    data = http.get(url).json()["data"]
    assert data["collections"] == [collection["key"]]
    assert data["dateModified"] == "2001-01-01T00:00:00Z"
    edited = http.patch(url, json={"title": "T2", "version": data["version"]})
    assert edited.status_code == 204
    assert http.get(url).json()["data"]["dateModified"] != "2001-01-01T00:00:00Z"


def test_note_length_and_parent_rules(http) -> None:  # type: ignore[no-untyped-def]
    """note.test.js "should reject note that is too long" (500,000 characters);
    Errors.inc.php: a note or attachment cannot be a parent (409), an item cannot be its
    own child (400)."""
    long_note = one(http, ITEMS, {"itemType": "note", "note": "<p>" + "x" * 100_000 + "</p>"})
    too_long = failure(http, ITEMS, {"itemType": "note", "note": "x" * 500_001})
    assert too_long["code"] == 413
    child = failure(http, ITEMS, {"itemType": "note", "note": "n", "parentItem": long_note["key"]})
    assert child["code"] == 409 and child["data"] == {"parentItem": long_note["key"]}
    own = failure(
        http, ITEMS, {"key": "AAAA2222", "version": 0, "itemType": "note", "parentItem": "AAAA2222"}
    )
    assert own["code"] == 400 and "child of itself" in own["message"]


def test_write_report_messages_keep_apostrophes(http) -> None:  # type: ignore[no-untyped-def]
    """Zotero_Results escapes with htmlspecialchars(ENT_COMPAT): quotes, not apostrophes."""
    failed = failure(http, ITEMS, {"itemType": "book", "notAField": "x"})
    assert "'notAField'" in failed["message"] and "&#x27;" not in failed["message"]


# ------------------------------------------------------------------ zotsync under these rules


def test_what_the_server_normalises_is_never_read_back_as_an_edit(group_project, sandbox) -> None:  # type: ignore[no-untyped-def]
    """Entries in the shapes the server normalises (spaces around a title, an NFD heading as
    macOS types it, an empty author, a tag of spaces): after the first sync, the second has
    nothing to do: nothing pulled, nothing sent, no conflict."""
    import json

    from conftest import run

    section = group_project / "entries" / "multimodal-sequence-learning" / "sections"
    path = section / "datasets.yaml"
    text = path.read_text()
    heading = unicodedata.normalize("NFD", "Données é")
    text = text.replace("section:\n- Datasets\n", f'section:\n- "{heading} "\n', 1)
    text = text.replace(
        '  title: "MultiMET: A Multimodal Dataset for Metaphor Understanding"\n',
        '  title: "  MultiMET: A Multimodal Dataset for Metaphor Understanding "\n'
        '  authors:\n  - " "\n  - " Ekaterina Shutova "\n'
        '  tags:\n  - "   "\n  - " metaphor "\n',
        1,
    )
    path.write_text(text)
    first = run("sync", "--json", "--force")  # the empty author is a `check` finding
    assert first.exit_code == 0, first.output
    for _ in range(2):
        before = len(sandbox.requests)
        again = run("sync", "--json")
        assert again.exit_code == 0, again.output
        report = json.loads(again.stdout)
        sent = [r for r in sandbox.requests[before:] if r.method != "GET"]
        assert sent == [], (sent, again.output)
        for listed in report:
            assert not listed["conflicts"] and not listed["pulled"], listed
            assert not listed["changes"] and not listed["written"], listed
        assert "nothing to do" in run("sync").output


def test_object_failures_are_worded_as_the_dataserver_words_them(http) -> None:  # type: ignore[no-untyped-def]
    """The messages item.test.js, relation.test.js, collection.test.js, tag.test.js assert
    with assert400ForObject/assert409ForObject ("should reject invalid linkMode", "... invalid
    content type for embedded image attachment", "should reject unknown predicate", "should
    reject invalid tags"…); the others as Items::validateJSONItem throws them."""
    note = one(http, ITEMS, {"itemType": "note", "note": "n"})["key"]
    book = one(http, ITEMS, {"itemType": "book"})["key"]
    image = {"itemType": "attachment", "linkMode": "embedded_image", "parentItem": note}
    linked = {"itemType": "attachment", "linkMode": "linked_url"}
    external = {"dc:relation": "http://example.com/paper"}
    wrong_uri = {"owl:sameAs": "http://zotero.org/groups/1/items/AAAAAAAA"}
    cases: list[tuple[str, dict[str, Any], str]] = [
        (ITEMS, {**linked, "linkMode": "invalidName"}, "'invalidName' is not a valid linkMode"),
        (ITEMS, {"itemType": "attachment"}, "'linkMode' property not provided"),
        (
            ITEMS,
            {**linked, "md5": "0" * 32},
            "'md5' is valid only for imported and embedded-image attachments",
        ),
        (
            ITEMS,
            {"itemType": "book", "contentType": "text/plain"},
            "'contentType' is valid only for attachment items",
        ),
        (
            ITEMS,
            {**image, "contentType": "application/pdf"},
            "Embedded-image attachment must have an image content type",
        ),
        (
            ITEMS,
            {**image, "contentType": "image/png", "note": "<p>Foo</p>"},
            "'note' property is not valid for embedded images",
        ),
        (ITEMS, {"itemType": "book", "collections": ["AAAAAAAA"]}, "Collection AAAAAAAA not found"),
        (
            ITEMS,
            {"itemType": "book", "relations": {"foo:unknown": "x"}},
            "Unsupported predicate 'foo:unknown'",
        ),
        (
            ITEMS,
            {"itemType": "book", "relations": external},
            "'relations' values currently must be Zotero item URIs",
        ),
        (
            COLLECTIONS,
            {"name": "C", "relations": wrong_uri},
            "'relations' values currently must be Zotero collection URIs",
        ),
        (COLLECTIONS, {"name": "C", "relations": "x"}, "'relations' property must be an object"),
        (COLLECTIONS, {"parentCollection": False}, "'name' property not provided"),
        (ITEMS, {"itemType": "book", "tags": ["a"]}, "Tag must be an object"),
        (
            ITEMS,
            {"itemType": "book", "note": "x"},
            "'note' property is valid only for note and attachment items",
        ),
        (ITEMS, {"itemType": "book", "notAProperty": "x"}, "Invalid property 'notAProperty'"),
        (
            ITEMS,
            {"itemType": "book", "creators": [{"creatorType": "notAType", "name": "x"}]},
            "'notAType' is not a valid creator type",
        ),
        (
            ITEMS,
            {
                "itemType": "book",
                "creators": [{"creatorType": "author", "lastName": "x", "name": "y"}],
            },
            "'firstName' creator field must be set if 'lastName' is set",
        ),
        (
            ITEMS,
            {
                "itemType": "book",
                "creators": [{"creatorType": "author", "name": "y", "lastName": "x"}],
            },
            "'lastName' and 'name' creator fields are mutually exclusive",
        ),
        (
            ITEMS,
            {"itemType": "note", "note": "x", "parentItem": "bad"},
            "'parentItem' must be a valid item key or false",
        ),
        (
            ITEMS,
            {"itemType": "book", "parentItem": book},
            "Child item must be note, attachment, or annotation",
        ),
        (
            ITEMS,
            {"itemType": "note", "note": "x", "parentItem": note},
            "Parent item cannot be a note or attachment",
        ),
    ]
    for path, obj, message in cases:
        assert failure(http, path, obj)["message"] == message, obj
    assert write(http, ITEMS, ["x"])["failed"]["0"]["message"] == (
        "Invalid value for index 0 in uploaded data; expected JSON item object"
    )
    # A link to an outside record is fine where the predicate allows it (Mendeley's).
    assert one(http, ITEMS, {"itemType": "book", "relations": {"mendeleyDB:documentUUID": "u"}})


def test_request_failures_are_worded_as_the_dataserver_words_them(http) -> None:  # type: ignore[no-untyped-def]
    """ApiController's messages: an empty or malformed body, the version preconditions of a
    single-object write and delete (checkSingleObjectWriteVersion), a key that is not the
    URL's (API::processJSONObjectKey)."""
    key = one(http, ITEMS, {"itemType": "book"})["key"]
    url = f"{ITEMS}/{key}"

    def said(response: httpx2.Response) -> tuple[int, str]:
        return response.status_code, response.text

    assert said(http.post(ITEMS, content=b"")) == (400, "POST data not provided")
    assert said(http.post(ITEMS, content=b"[{")) == (
        400,
        "JSON Error: Syntax error, malformed JSON",
    )
    assert said(http.patch(url, json={"title": "T"})) == (
        428,
        "Either If-Unmodified-Since-Version or object version property must be provided for "
        "key-based writes",
    )
    assert said(http.patch(url, json={"key": "AAAAAAAA", "version": 1})) == (
        409,
        "'key' property in JSON does not match item key of request",
    )
    mismatch = http.patch(url, json={"version": 1}, headers={"If-Unmodified-Since-Version": "2"})
    assert said(mismatch) == (
        400,
        "If-Unmodified-Since-Version value does not match JSON 'version' property (2 != 1)",
    )
    assert said(http.delete(url)) == (
        428,
        "If-Unmodified-Since-Version must be provided for delete requests",
    )
    gone = http.delete(f"{ITEMS}/AAAAAAAA", headers={"If-Unmodified-Since-Version": "5"})
    assert said(gone) == (412, "Item not found (expected version 5)")


# ------------------------------------------------------------------ reads


def test_creator_summary_uses_the_primary_creator_type(http) -> None:  # type: ignore[no-untyped-def]
    """creator.test.js "should create correct creator summary in JSON"; Item::getCreatorSummary
    takes the primary type, then editors, then contributors."""
    book = one(
        http,
        ITEMS,
        {
            "itemType": "book",
            "creators": [
                {"creatorType": "editor", "name": "Ed"},
                {"creatorType": "author", "firstName": "A", "lastName": "Test"},
                {"creatorType": "author", "name": "Foo"},
            ],
        },
    )
    meta = http.get(f"{ITEMS}/{book['key']}").json()["meta"]
    assert meta["creatorSummary"] == "Test and Foo"
    edited = one(
        http, ITEMS, {"itemType": "book", "creators": [{"creatorType": "editor", "name": "Ed"}]}
    )
    assert http.get(f"{ITEMS}/{edited['key']}").json()["meta"]["creatorSummary"] == "Ed"


def test_dates_are_read_as_zotero_reads_them(http) -> None:  # type: ignore[no-untyped-def]
    """item.test.js "should handle date", "... date without day", "... date without month",
    "... date unparseable"; the other cases follow Zotero_Date::strToDate (model/Date.inc.php):
    US month/day order, a month over 12 swapped with the day, a year of three or four digits
    read from the text, none read from "12" or "300 BC"."""
    for written, parsed in (
        ("Sept 18, 2012", "2012-09-18"),
        ("Sept 2012", "2012-09"),
        ("2012", "2012"),
        ("n.d.", None),
        ("18 September 2012", "2012-09-18"),
        ("9/18/2012", "2012-09-18"),
        ("2012-18-09", "2012-09-18"),
        ("Spring 2019", "2019"),
        ("12/2020", "2020"),
        ("Sept 18, 12", None),
        ("circa 300 BC", None),
    ):
        key = one(http, ITEMS, {"itemType": "book", "date": written})["key"]
        stored = http.get(f"{ITEMS}/{key}").json()
        assert stored["data"]["date"] == written
        assert stored["meta"].get("parsedDate") == parsed, written


def test_a_date_field_of_base_date_and_a_multipart_date(http) -> None:  # type: ignore[no-untyped-def]
    """Item::toJSON reads getField('date', includeBaseMapped) (a case's dateDecided);
    Item::setField keeps a date already in multipart form and getField returns its user part."""
    case = one(http, ITEMS, {"itemType": "case", "dateDecided": "March 3, 1999"})
    assert http.get(f"{ITEMS}/{case['key']}").json()["meta"]["parsedDate"] == "1999-03-03"
    key = one(http, ITEMS, {"itemType": "book", "date": "2006-11-03 November 3rd, 2006"})["key"]
    stored = http.get(f"{ITEMS}/{key}").json()
    assert (stored["data"]["date"], stored["meta"]["parsedDate"]) == (
        "November 3rd, 2006",
        "2006-11-03",
    )


def test_date_sorting_and_the_quick_search_year_use_the_stored_date(http) -> None:  # type: ignore[no-untyped-def]
    """params.test.js "should perform quicksearch" (q by year, sort=date): Items::search orders by
    the stored multipart date and matches a year against its first four characters."""
    for title, date in (("day", "2012-09-18"), ("year", "2012"), ("month", "Sept 2012")):
        one(http, ITEMS, {"itemType": "book", "title": title, "date": date})
    one(http, ITEMS, {"itemType": "book", "title": "short year", "date": "Sept 18, 12"})
    ordered = http.get(ITEMS, params={"sort": "date", "direction": "asc", "q": "2012"}).json()
    assert [i["data"]["title"] for i in ordered] == ["year", "month", "day"]


def test_top_with_a_child_key_answers_its_parent(http) -> None:  # type: ignore[no-untyped-def]
    """Items::search: /top?itemKey=<child key> shows the parent (the web library's search)."""
    parent = one(http, ITEMS, {"itemType": "book", "title": "Parent"})
    child = one(http, ITEMS, {"itemType": "note", "note": "n", "parentItem": parent["key"]})
    found = http.get(f"{ITEMS}/top", params={"itemKey": child["key"], "format": "keys"})
    assert found.text.split() == [parent["key"]]


def test_quick_search_takes_words_and_phrases(http) -> None:  # type: ignore[no-untyped-def]
    """params.test.js "should perform quicksearch with multiple words": each word (or quoted
    phrase) must match the title, a creator or the year."""
    one(
        http,
        ITEMS,
        {
            "itemType": "book",
            "title": "Deep learning for graphs",
            "creators": [{"creatorType": "author", "firstName": "Ada", "lastName": "Lovelace"}],
            "date": "2020",
        },
    )
    one(http, ITEMS, {"itemType": "book", "title": "Graphs for deep thinkers", "date": "2019"})

    def titles(query: str) -> set[str]:
        answer = http.get(ITEMS, params={"q": query})
        return {i["data"]["title"] for i in answer.json()}

    assert titles("graphs deep") == {"Deep learning for graphs", "Graphs for deep thinkers"}
    assert titles('"deep learning"') == {"Deep learning for graphs"}
    assert titles("graphs lovelace") == {"Deep learning for graphs"}
    assert titles("graphs 2019") == {"Graphs for deep thinkers"}


# ------------------------------------------------------------------ settings (settings.test.js)


def test_settings_rules(http) -> None:  # type: ignore[no-untyped-def]
    """settings.test.js "should add group setting multiple", "should update user setting",
    "should delete user setting", "should reject unsupported setting", "should reject
    overlong setting"; SettingsController.php takes a POST without the header (the JSON
    ``version`` is the precondition) and PUT/DELETE of one setting."""
    path = f"/groups/{GROUP}/settings"
    colours = [{"name": "_READ", "color": "#990000"}]
    added = http.post(path, json={"tagColors": {"value": colours, "version": 0}})
    assert added.status_code == 204, added.text
    one_setting = http.get(f"{path}/tagColors")
    version = int(one_setting.headers["Last-Modified-Version"])
    assert one_setting.json() == {"value": colours, "version": version}
    assert http.post(path, json={"tagColors": {"value": colours}}).status_code == 428
    renamed = [{"name": "_UNREAD", "color": "#000099"}]
    put = http.put(
        f"{path}/tagColors",
        json={"value": renamed},
        headers={"If-Unmodified-Since-Version": str(version)},
    )
    assert put.status_code == 204
    unknown = http.post(path, json={"zotsyncSecret": {"value": "x", "version": 0}})
    assert unknown.status_code == 400 and "Invalid setting" in unknown.text
    overlong = [{"name": "x" * 30_000, "color": "#000000"}]
    assert http.post(path, json={"tagColors": {"value": overlong, "version": 0}}).status_code == 400
    assert http.delete(f"{path}/tagColors").status_code == 428
    latest = http.get(path).headers["Last-Modified-Version"]
    gone = http.delete(f"{path}/tagColors", headers={"If-Unmodified-Since-Version": latest})
    assert gone.status_code == 204 and http.get(f"{path}/tagColors").status_code == 404
    deleted = http.get(f"/groups/{GROUP}/deleted", params={"since": version})
    assert deleted.json()["settings"] == ["tagColors"]


# ------------------------------------------------------------------ tags (tag.test.js)


def test_tags_endpoints_apply_their_parameters(http) -> None:  # type: ignore[no-untyped-def]
    """version.test.js "should handle tags since parameter"; tag.test.js "should handle tag
    search", "should handle tag query", "should handle tags within items"; TagsController
    passes itemQ/itemTag to the items and serves /items/top/tags."""
    first = one(http, ITEMS, {"itemType": "book", "title": "Alpha", "tags": [{"tag": "foo"}]})
    one(
        http,
        ITEMS,
        {"itemType": "note", "note": "n", "parentItem": first["key"], "tags": [{"tag": "child"}]},
    )
    since = int(http.get(ITEMS, params={"limit": 1}).headers["Last-Modified-Version"])
    one(
        http,
        ITEMS,
        {"itemType": "book", "title": "Beta", "tags": [{"tag": "bar"}, {"tag": "foobar"}]},
    )

    def names(path: str, **params: str) -> list[str]:
        answer = http.get(f"/groups/{GROUP}/{path}", params=params)
        assert answer.status_code == 200, answer.text
        return [t["tag"] for t in answer.json()]

    assert names("tags", since=str(since)) == ["bar", "foobar"]
    assert names("tags", tag="foo || bar") == ["bar", "foo"]
    assert names("tags", q="oo") == ["foo", "foobar"]
    assert names("tags", q="foo", qmode="startswith") == ["foo", "foobar"]
    assert names("items/tags", itemQ="alpha") == ["foo"]  # the note is no match
    assert names("items/tags", itemTag="bar") == ["bar", "foobar"]
    assert names("items/top/tags") == ["bar", "foo", "foobar"]


# ------------------------------------------------------------------ sort (sort.test.js)


def test_sorts_take_every_client_field_and_put_empty_values_last(http) -> None:  # type: ignore[no-untyped-def]
    """sort.test.js "should sort top items by creator", "... using order parameter", "should
    handle sort parameter as direction without order", "should sort top level items by item
    type"; API::parseQueryParams accepts the client's sortable fields (extra, callNumber…),
    Items::search puts empty values last (ascending) except for title and date."""
    people = {"B": "Zed", "A": "alpha", "C": ""}
    for title, last in people.items():
        creators = [{"creatorType": "author", "name": last}] if last else []
        one(
            http,
            ITEMS,
            {"itemType": "book", "title": title, "creators": creators, "extra": last, "date": ""},
        )
    one(http, ITEMS, {"itemType": "journalArticle", "title": "D", "date": "Sept 18, 2012"})

    def titles(**params: str) -> list[str]:
        answer = http.get(f"{ITEMS}/top", params=params)
        assert answer.status_code == 200, answer.text
        return [i["data"]["title"] for i in answer.json() if i["data"]["title"] in "ABCD"]

    assert titles(sort="creator") == ["A", "B", "C", "D"]  # alpha, Zed, then empty
    assert titles(order="creator") == titles(sort="creator")
    # descending, the dataserver's IFNULL(x, '') = '' DESC puts empty values first
    assert titles(sort="creator", direction="desc") == ["D", "C", "B", "A"]
    assert titles(sort="extra") == ["A", "B", "C", "D"]
    assert titles(sort="date", direction="desc")[0] == "D"
    assert titles(sort="title", direction="desc") == ["D", "C", "B", "A"]
    assert http.get(ITEMS, params={"sort": "asc", "format": "keys"}).status_code == 200
    types = [
        i["data"]["itemType"] for i in http.get(f"{ITEMS}/top", params={"sort": "itemType"}).json()
    ]
    assert types == sorted(types)
    assert http.get(ITEMS, params={"sort": "notAField"}).status_code == 400


def test_object_lists_default_to_the_newest_first(http) -> None:  # type: ignore[no-untyped-def]
    """API.inc.php's default ``sort`` (dateModified) and ``direction`` (desc) hold for every
    list; Collections::search and Searches::search break ties by version; a
    ``collectionKeyList`` order needs ``collectionKey``; ``version`` is not a sort."""
    keys = [one(http, COLLECTIONS, {"name": name})["key"] for name in ("Alpha", "Beta", "Gamma")]

    def listed(path: str, **params: str) -> list[str]:
        answer = http.get(path, params=params)
        assert answer.status_code == 200, answer.text
        return [c["key"] for c in answer.json() if c["key"] in keys]

    assert listed(COLLECTIONS) == keys[::-1]
    assert listed(COLLECTIONS, sort="title") == keys
    assert listed(COLLECTIONS, direction="asc") == keys
    chosen = [keys[1], keys[2], keys[0]]
    assert listed(COLLECTIONS, collectionKey=",".join(chosen), sort="collectionKeyList") == chosen
    for wrong in ({"sort": "collectionKeyList"}, {"sort": "itemKeyList", "itemKey": keys[0]}):
        assert http.get(COLLECTIONS, params=wrong).status_code == 400
    assert http.get(ITEMS, params={"sort": "version"}).status_code == 400
    condition = {"condition": "title", "operator": "contains", "value": "x"}
    keys = [one(http, SEARCHES, {"name": n, "conditions": [condition]})["key"] for n in "PQ"]
    assert listed(SEARCHES) == keys[::-1]


# ------------------------------------------------------------------ searches (search.test.js)


def test_searches_need_a_name_and_complete_conditions(http) -> None:  # type: ignore[no-untyped-def]
    """search.test.js "should reject new search with no name", "... with no conditions",
    "should handle new search condition errors" (Searches::validateJSONSearch)."""
    good = {"condition": "title", "operator": "contains", "value": "graph"}
    made = one(http, SEARCHES, {"name": " Graphs ", "conditions": [good]})
    assert made["data"]["name"] == "Graphs"
    for bad in (
        {"name": "", "conditions": [good]},
        {"name": "x" * 256, "conditions": [good]},
        {"name": "No conditions", "conditions": []},
        {"name": "Incomplete", "conditions": [{"condition": "title", "operator": "is"}]},
        {"name": "Empty operator", "conditions": [{**good, "operator": ""}]},
        {"name": "Long value", "conditions": [{**good, "value": "v" * 256}]},
    ):
        assert failure(http, SEARCHES, bad)["code"] in (400, 413), bad


def test_embedded_images_keep_their_note_parent(http) -> None:  # type: ignore[no-untyped-def]
    """item.test.js "should reject embedded image attachment without parent", "should reject
    changing parent of embedded image attachment", "should reject clearing parent of
    embedded image attachment"."""
    notes = [one(http, ITEMS, {"itemType": "note", "note": t})["key"] for t in ("a", "b")]
    image = {"itemType": "attachment", "linkMode": "embedded_image", "contentType": "image/png"}
    assert failure(http, ITEMS, image)["code"] == 400
    made = one(http, ITEMS, {**image, "parentItem": notes[0]})
    url = f"{ITEMS}/{made['key']}"
    for parent in (notes[1], False):
        moved = http.patch(url, json={"parentItem": parent, "version": made["version"]})
        assert moved.status_code == 400 and "embedded-image" in moved.text
