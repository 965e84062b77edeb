"""The Zotero Web API v3 for group libraries, as a function from request to response.

No sockets here (see ``server.py``): :meth:`Api.handle` takes a :class:`Request` and returns a
:class:`Response`, so the contract can be read, and tested, apart from HTTP plumbing.  The
rules follow Zotero's dataserver (zotero/dataserver, its controllers and its API tests in
``tests/remote/tests/3/``) and the Web API v3 documentation
(https://www.zotero.org/support/dev/web_api/v3/); section numbers (§) below are those of the
project's summary of that contract, kept outside the repository with the design.
"""

from __future__ import annotations

import html
import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from zotsync.sandbox.dates import parsed_date, str_to_multipart
from zotsync.sandbox.objects import (
    KEY_PATTERN,
    ObjectError,
    build_collection,
    build_item,
    build_search,
    item_template,
    note_title,
    timestamp,
)
from zotsync.sandbox.schema import Schema
from zotsync.sandbox.store import Group, KeyInfo, Store, StoredObject, now_iso

KEY_ALPHABET = "23456789ABCDEFGHIJKLMNPQRSTUVWXYZ"
WWW = "https://www.zotero.org"
MAX_WRITE_OBJECTS = 50
DEFAULT_LIMIT = 25
MAX_LIMIT = 100
_KIND_OF = {"items": "item", "collections": "collection", "searches": "search"}
_KEY_PARAM = {"item": "itemKey", "collection": "collectionKey", "search": "searchKey"}
_LABEL = {"item": "Item", "collection": "Collection", "search": "Search"}
_SORTS = {
    "dateModified": ("date_modified", True),
    "dateAdded": ("date_added", True),
    "title": ("title", False),
    "itemType": ("item_type", False),
}
# Every sort API.inc.php accepts for items; those not in _SORTS are sorted here, not in SQL.
_ITEM_SORTS = (
    "title",
    "creator",
    "itemType",
    "date",
    "publisher",
    "publicationTitle",
    "journalAbbreviation",
    "language",
    "accessDate",
    "libraryCatalog",
    "callNumber",
    "rights",
    "extra",
    "dateAdded",
    "dateModified",
    "addedBy",
    "serverDateModified",
    "itemKeyList",
)
_SQL_SORTS = ("dateModified", "dateAdded", "serverDateModified")
_LIST_SORTS = ("title", "dateAdded", "dateModified", "serverDateModified")
_KEY_LISTS = ("itemKeyList", "collectionKeyList", "searchKeyList")
# API::getSortEmptyFirst: these sort empty values as values; others put them last (ascending).
_EMPTY_FIRST = ("title", "date", *_KEY_LISTS)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes = b""

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    # Set on successful writes: the server's fault injection may "lose" this response.
    committed_write: bool = False

    @classmethod
    def json(cls, status: int, payload: Any, *headers: tuple[str, str]) -> Response:
        body = json.dumps(payload, ensure_ascii=False, indent=4).encode("utf-8")
        return cls(status, body, [("Content-Type", "application/json"), *headers])

    @classmethod
    def text(cls, status: int, message: str, *headers: tuple[str, str]) -> Response:
        return cls(status, message.encode("utf-8"), [("Content-Type", "text/plain"), *headers])


class ApiError(Exception):
    def __init__(self, status: int, message: str, *headers: tuple[str, str]) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


def _version_header(version: int) -> tuple[str, str]:
    return ("Last-Modified-Version", str(version))


def _int(value: str | None, name: str) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise ApiError(400, f"Invalid '{name}' value '{value}'") from None


def _version_precondition(request: Request) -> int | None:
    value = request.header("If-Unmodified-Since-Version")
    if value is None:
        return None
    if not value.strip().isdigit():
        raise ApiError(400, f"Invalid If-Unmodified-Since-Version value '{value}'")
    return int(value)


def new_key() -> str:
    return "".join(secrets.choice(KEY_ALPHABET) for _ in range(8))


class Api:
    """One sandbox's API: a store, a schema, and the base URL it is reached at."""

    def __init__(self, store: Store, schema: Schema, base_url: str = "http://127.0.0.1") -> None:
        self.store = store
        self.schema = schema
        self.base_url = base_url.rstrip("/")

    # ------------------------------------------------------------------ entry point

    def handle(self, request: Request) -> Response:
        try:
            with self.store.lock:
                response = self._route(request)
        except ApiError as error:
            response = Response.text(error.status, error.message, *error.headers)
        if response.status < 400 or response.status == 412:
            response.headers.append(("Zotero-API-Version", "3"))
            response.headers.append(("Zotero-Schema-Version", str(self.schema.version)))
        return response

    def _route(self, request: Request) -> Response:
        parts = [p for p in request.path.split("/") if p]
        method = request.method
        if method == "HEAD":
            response = self._route(Request("GET", request.path, request.query, request.headers))
            response.body = b""
            return response
        if request.header("Expect"):
            raise ApiError(417, "Expect header is not supported")
        if not parts:
            raise ApiError(404, "Not found")
        head = parts[0]
        if head in (
            "itemTypes",
            "itemFields",
            "itemTypeFields",
            "itemTypeCreatorTypes",
            "creatorFields",
            "schema",
        ):
            self._allow(method, "GET")
            return self._mapping(head, request)
        if head == "items" and parts[1:] == ["new"]:
            self._allow(method, "GET")
            return self._template(request)
        key = self._api_key(request)
        if head == "keys" and len(parts) == 2:
            self._allow(method, "GET")
            return self._key_response(request, key, parts[1])
        if head == "users" and len(parts) == 3 and parts[2] == "groups":
            self._allow(method, "GET")
            return self._user_groups(request, key, parts[1])
        if head == "users":
            raise ApiError(404, "The zotsync sandbox serves group libraries only")
        if head != "groups" or len(parts) < 2:
            raise ApiError(404, "Not found")
        group = self._group(parts[1])
        if method not in ("GET", "HEAD"):
            self._check_write(key, group)
        self._check_read(key, group)
        rest = parts[2:]
        if not rest:
            self._allow(method, "GET")
            meta = {
                "created": group.created,
                "lastModified": group.created,
                "numItems": self.store.count(group.id, "item"),
            }
            return Response.json(200, self._group_json(group, meta), _version_header(1))
        return self._library(request, key, group, rest)

    @staticmethod
    def _allow(method: str, *allowed: str) -> None:
        if method not in allowed:
            raise ApiError(405, "Method not allowed", ("Allow", ", ".join(allowed)))

    # ------------------------------------------------------------------ auth (§5)

    def _api_key(self, request: Request) -> KeyInfo | None:
        header = request.header("Zotero-API-Key")
        authorization = request.header("Authorization")
        if authorization is not None:
            match = re.match(r"^bearer +([a-z0-9]+)$", authorization.strip(), re.IGNORECASE)
            if match is None:
                raise ApiError(400, "Invalid Authorization header format")
            header = header or match.group(1)
        param = request.param("key")
        if param is not None and header is not None and param != header:
            raise ApiError(400, "Zotero-API-Key header and 'key' parameter differ")
        key = header or param
        if key is None:
            return None
        info = self.store.key_info(key)
        if info is None:
            raise ApiError(403, "Invalid key")
        return info

    def _group(self, text: str) -> Group:
        group_id = _int(text, "groupID")
        group = self.store.group(group_id) if group_id is not None else None
        if group is None:
            raise ApiError(404, "Group not found")
        return group

    @staticmethod
    def _check_read(key: KeyInfo | None, group: Group) -> None:
        if key is None:
            raise ApiError(403, "Forbidden")

    @staticmethod
    def _check_write(key: KeyInfo | None, group: Group) -> None:
        if key is None:
            raise ApiError(403, "An API key is required for write requests.")
        if not key.write:
            raise ApiError(403, "Write access denied")

    def _key_response(self, request: Request, key: KeyInfo | None, which: str) -> Response:
        info = key if which == "current" else self.store.key_info(which)
        if info is None or (which == "current" and key is None):
            raise ApiError(403, "Invalid key" if which != "current" else "Forbidden")
        groups = {"all": {"library": True, "write": info.write}}
        payload = {
            "key": info.key,
            "userID": info.user_id,
            "username": info.username,
            "displayName": info.username,
            "access": {"groups": groups},
        }
        return Response.json(200, payload)

    def _user_groups(self, request: Request, key: KeyInfo | None, user: str) -> Response:
        user_id = _int(user, "userID")
        if key is None or key.user_id != user_id:
            raise ApiError(403, "Forbidden")
        groups = self.store.groups()
        if request.param("format") == "versions":
            return Response.json(200, {str(g.id): 1 for g in groups})
        items = [
            self._group_json(
                g,
                {
                    "created": g.created,
                    "lastModified": g.created,
                    "numItems": self.store.count(g.id, "item"),
                },
            )
            for g in groups
        ]
        return Response.json(200, items, ("Total-Results", str(len(items))))

    def _group_json(self, group: Group, meta: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": group.id,
            "version": 1,
            "links": {
                "self": {"href": f"{self.base_url}/groups/{group.id}", "type": "application/json"},
                "alternate": {"href": f"{WWW}/groups/{group.id}", "type": "text/html"},
            },
            "meta": meta,
            "data": {
                "id": group.id,
                "version": 1,
                "name": group.name,
                "owner": group.owner,
                "type": "Private",
                "description": "",
                "url": "",
                "libraryEditing": "members",
                "libraryReading": "members",
                "fileEditing": "none",
            },
        }

    # ------------------------------------------------------------------ mapping endpoints (§1)

    def _mapping(self, head: str, request: Request) -> Response:
        schema = self.schema
        if head == "schema":
            return Response(200, schema.raw, [("Content-Type", "application/json")])
        if head == "itemTypes":
            types = [t for t in schema.item_types if t != "annotation"]
            return Response.json(
                200, [{"itemType": t, "localized": schema.localized("itemTypes", t)} for t in types]
            )
        if head == "itemFields":
            return Response.json(
                200,
                [
                    {"field": f, "localized": schema.localized("fields", f)}
                    for f in schema.all_fields
                ],
            )
        if head == "creatorFields":
            return Response.json(
                200,
                [
                    {"field": "firstName", "localized": "First"},
                    {"field": "lastName", "localized": "Last"},
                    {"field": "name", "localized": "Name"},
                ],
            )
        item_type = request.param("itemType")
        if item_type is None or item_type not in schema.fields_by_type:
            raise ApiError(400, f"Invalid item type '{item_type}'")
        if head == "itemTypeFields":
            return Response.json(
                200,
                [
                    {"field": f, "localized": schema.localized("fields", f)}
                    for f in schema.fields_by_type[item_type]
                ],
            )
        primary = schema.primary_creator.get(item_type)
        types = sorted(schema.creator_types[item_type], key=lambda c: c != primary)
        return Response.json(
            200,
            [{"creatorType": c, "localized": schema.localized("creatorTypes", c)} for c in types],
        )

    def _template(self, request: Request) -> Response:
        item_type = request.param("itemType")
        if item_type is None or item_type not in self.schema.fields_by_type:
            raise ApiError(400, f"Invalid item type '{item_type}'")
        link_mode = request.param("linkMode")
        if item_type == "attachment" and link_mode not in (
            "imported_file",
            "imported_url",
            "linked_file",
            "linked_url",
            "embedded_image",
        ):
            raise ApiError(400, "linkMode required for attachment templates")
        return Response.json(200, item_template(self.schema, item_type, link_mode))

    # ------------------------------------------------------------------ library routes

    def _library(
        self, request: Request, key: KeyInfo | None, group: Group, rest: list[str]
    ) -> Response:
        method = request.method
        head = rest[0]
        if head in _KIND_OF:
            kind = _KIND_OF[head]
            if len(rest) == 1:
                self._allow(method, "GET", "POST", "DELETE")
                if method == "POST":
                    return self._post(request, key, group, kind)
                if method == "DELETE":
                    return self._delete_many(request, group, kind)
                return self._list(request, group, kind)
            if kind == "item" and rest[1:] in (["top"], ["trash"]):
                self._allow(method, "GET")
                return self._list(
                    request, group, kind, top=rest[1] == "top", trash=rest[1] == "trash"
                )
            if kind == "item" and rest[1:] in (["tags"], ["top", "tags"], ["trash", "tags"]):
                self._allow(method, "GET")
                rows = self._select(
                    _item_query(request),
                    group,
                    "item",
                    top=rest[1] == "top",
                    trash=rest[1] == "trash",
                )
                return self._tags(request, group, items=[key for key, _ in rows])
            if kind == "collection" and rest[1:] == ["top"]:
                self._allow(method, "GET")
                return self._list(request, group, kind, top=True)
            object_key = rest[1]
            if not KEY_PATTERN.match(object_key):
                raise ApiError(404, f"{_LABEL[kind]} not found")
            if len(rest) == 2:
                self._allow(method, "GET", "PUT", "PATCH", "DELETE")
                if method == "GET":
                    return self._get_one(request, group, kind, object_key)
                if method == "DELETE":
                    return self._delete_one(request, group, kind, object_key)
                return self._write_one(request, key, group, kind, object_key)
            self._allow(method, "GET")
            sub = rest[2:]
            if kind == "item" and sub == ["children"]:
                self._require(group, kind, object_key)
                return self._list(request, group, "item", parent=object_key)
            if kind == "item" and sub == ["tags"]:
                self._require(group, kind, object_key)
                return self._tags(request, group, items=[object_key])
            if kind == "collection" and sub == ["collections"]:
                self._require(group, kind, object_key)
                return self._list(request, group, "collection", parent=object_key)
            if kind == "collection" and sub in (["items"], ["items", "top"]):
                self._require(group, kind, object_key)
                return self._list(
                    request, group, "item", collection=object_key, top=sub == ["items", "top"]
                )
            if kind == "collection" and sub in (["items", "tags"], ["items", "top", "tags"]):
                self._require(group, kind, object_key)
                rows = self._select(
                    _item_query(request), group, "item", collection=object_key, top=len(sub) == 3
                )
                return self._tags(request, group, items=[key for key, _ in rows])
            raise ApiError(404, "Not found")
        if head == "tags" and len(rest) == 1:
            self._allow(method, "GET", "DELETE")
            if method == "DELETE":
                return self._delete_tags(request, group)
            return self._tags(request, group, items=None)
        if head == "deleted" and len(rest) == 1:
            self._allow(method, "GET")
            since = _int(request.param("since"), "since")
            if since is None:
                raise ApiError(400, "'since' parameter must be provided")
            found = self.store.deleted_since(group.id, since)
            payload = {
                "collections": found["collection"],
                "items": found["item"],
                "searches": found["search"],
                "tags": found["tag"],
                "settings": found["setting"],
            }
            return Response.json(
                200, payload, _version_header(self.store.library_version(group.id))
            )
        if head == "settings" and len(rest) <= 2:
            return self._settings(request, group, rest[1] if len(rest) == 2 else None)
        raise ApiError(404, "Not found")

    def _require(self, group: Group, kind: str, key: str) -> StoredObject:
        found = self.store.get(group.id, kind, key)
        if found is None:
            raise ApiError(404, f"{_LABEL[kind]} not found")
        return found

    # ------------------------------------------------------------------ reads (§1.1-1.4)

    def _not_modified(self, request: Request, group: Group) -> bool:
        since = _int(request.header("If-Modified-Since-Version"), "If-Modified-Since-Version")
        return since is not None and self.store.library_version(group.id) <= since

    def _select(
        self,
        request: Request,
        group: Group,
        kind: str,
        *,
        top: bool = False,
        trash: bool = False,
        parent: str | None = None,
        collection: str | None = None,
    ) -> list[tuple[str, int]]:
        since = _int(request.param("since") or request.param("newer"), "since")
        keys = None
        key_param = request.param(_KEY_PARAM[kind])
        if key_param is not None:
            keys = [k for k in key_param.split(",") if KEY_PATTERN.match(k)]
            if top and kind == "item":  # /top?itemKey=<child> answers its parent (Items::search)
                found = self.store.get_many(group.id, kind, keys)
                keys = list(
                    dict.fromkeys((found[k].parent or k) if k in found else k for k in keys)
                )
        include_trashed = kind != "item" or request.param("includeTrashed") in ("1", "true")
        if parent is not None or trash:
            include_trashed = True if trash else include_trashed
        sort, descending = _sort_order(request, kind)
        # sorted below, not in SQL
        by_field = (kind == "item" and sort not in _SQL_SORTS) or sort in _KEY_LISTS
        column = "key" if by_field else _SORTS.get(sort, ("date_modified", True))[0]
        item_types = None
        if kind == "item" and request.param("itemType"):
            wanted: list[str] = []
            unwanted: list[str] = []
            for value in (request.param("itemType") or "").split("||"):
                value = value.strip()
                (unwanted if value.startswith("-") else wanted).append(value.lstrip("-"))
            item_types = (wanted, unwanted)
        tags = None
        if kind == "item" and request.query.get("tag"):
            tags = [[t.strip() for t in value.split("||")] for value in request.query["tag"]]
        rows = self.store.select(
            group.id,
            kind,
            since=since,
            keys=keys,
            include_trashed=include_trashed,
            only_trashed=trash,
            top=top and parent is None,
            parent=parent,
            collection=collection,
            collection_with_children=collection is not None and not top,
            item_types=item_types,
            tags=tags,
            order_by=column,
            descending=descending,
        )
        query = request.param("q")
        if query or by_field:
            loaded = self.store.get_many(group.id, kind, [k for k, _ in rows])
            if query:
                parts = search_parts(query)
                rows = [
                    r
                    for r in rows
                    if _quick_match(
                        loaded[r[0]].data, self.schema.date_of(loaded[r[0]].data), parts
                    )
                ]
            if by_field:
                order = {k: i for i, k in enumerate(keys or [])}
                values = {k: self._sort_value(loaded[k], sort, order) for k, _ in rows}
                empty_last = sort not in _EMPTY_FIRST
                rows.sort(
                    key=lambda r: (
                        *((values[r[0]] == "",) if empty_last else ()),
                        values[r[0]],
                        r[1],
                        r[0],
                    ),
                    reverse=descending,
                )
        return rows

    def _sort_value(self, obj: StoredObject, sort: str, order: dict[str, int]) -> Any:
        """An item's sort value (Items::search ORDER BY): case-insensitive strings."""
        data = obj.data
        item_type = str(data.get("itemType"))
        if sort in _KEY_LISTS:
            return f"{order.get(obj.key, len(order)):09d}"
        if sort == "creator":
            primary = self.schema.primary_creator.get(item_type, "author")
            return _creator_summary(data.get("creators", []), primary).casefold()
        if sort == "title":
            title = str(data.get("title") or note_title(str(data.get("note", ""))))
            return _SORT_TITLE.sub("", title).casefold()
        if sort == "date":
            return str_to_multipart(self.schema.date_of(data))  # ORDER BY IDD.value
        if sort == "itemType":
            return self.schema.localized("itemTypes", item_type).casefold()
        if sort == "addedBy":
            return self.store.username(obj.created_by).casefold() if obj.created_by else ""
        return str(data.get(sort, "")).casefold()

    def _list(
        self,
        request: Request,
        group: Group,
        kind: str,
        *,
        top: bool = False,
        trash: bool = False,
        parent: str | None = None,
        collection: str | None = None,
    ) -> Response:
        if self._not_modified(request, group):
            return Response(304)
        version = self.store.library_version(group.id)
        fmt = request.param("format") or "json"
        if fmt not in ("json", "keys", "versions"):
            raise ApiError(400, f"Format '{fmt}' is not supported by the zotsync sandbox")
        rows = self._select(
            request, group, kind, top=top, trash=trash, parent=parent, collection=collection
        )
        total = len(rows)
        start = _int(request.param("start"), "start") or 0
        limit: int | None
        if fmt in ("keys", "versions") and request.param("limit") is None:
            limit = None
        else:
            limit = _int(request.param("limit"), "limit")
            if limit is None or limit <= 0:
                limit = DEFAULT_LIMIT
            limit = min(limit, MAX_LIMIT)
            if request.param(_KEY_PARAM[kind]) is not None and request.param("limit") is None:
                limit = MAX_LIMIT
        page = rows[start:] if limit is None else rows[start : start + limit]
        headers = [_version_header(version), ("Total-Results", str(total))]
        headers.append(("Link", self._links(request, start, limit, total)))
        if fmt == "keys":
            body = "".join(f"{k}\n" for k, _ in page).encode()
            return Response(200, body, [("Content-Type", "text/plain"), *headers])
        if fmt == "versions":
            return Response.json(200, {k: v for k, v in page}, *headers)
        loaded = self.store.get_many(group.id, kind, [k for k, _ in page])
        payload = [self.envelope(group, loaded[k]) for k, _ in page]
        return Response.json(200, payload, *headers)

    def _links(self, request: Request, start: int, limit: int | None, total: int) -> str:
        path = f"{self.base_url}{request.path}"
        params = {k: v[-1] for k, v in request.query.items() if k not in ("start", "key")}

        def url(at: int) -> str:
            query = dict(sorted({**params, **({"start": str(at)} if at else {})}.items()))
            return f"{path}?{urlencode(query)}" if query else path

        links = []
        if limit is not None:
            last = max(0, ((total - 1) // limit) * limit) if total else 0
            if start > 0:
                links.append(f'<{url(0)}>; rel="first"')
                links.append(f'<{url(max(0, start - limit))}>; rel="prev"')
            if start + limit < total:
                links.append(f'<{url(start + limit)}>; rel="next"')
            if last != start:
                links.append(f'<{url(last)}>; rel="last"')
        links.append(f'<{WWW}{request.path}>; rel="alternate"')
        return ", ".join(links)

    def _get_one(self, request: Request, group: Group, kind: str, key: str) -> Response:
        found = self._require(group, kind, key)  # trashed items too, as on the real server
        fmt = request.param("format") or "json"
        if fmt != "json":
            raise ApiError(400, f"Format '{fmt}' is not supported here")
        return Response.json(200, self.envelope(group, found), _version_header(found.version))

    def _tags(self, request: Request, group: Group, items: list[str] | None) -> Response:
        if self._not_modified(request, group):
            return Response(304)
        rows = _tag_filter(
            request,
            self.store.tag_rows(
                group.id, items, _int(request.param("since") or request.param("newer"), "since")
            ),
        )
        total = len(rows)
        start = _int(request.param("start"), "start") or 0
        limit = min(_int(request.param("limit"), "limit") or DEFAULT_LIMIT, MAX_LIMIT)
        page = rows[start : start + limit]
        payload = [
            {
                "tag": tag,
                "links": {
                    "self": {
                        "href": f"{self.base_url}/groups/{group.id}/tags/{tag}",
                        "type": "application/json",
                    },
                    "alternate": {
                        "href": f"{WWW}/groups/{group.id}/tags/{tag}",
                        "type": "text/html",
                    },
                },
                "meta": {"type": kind, "numItems": count},
            }
            for tag, kind, count, _ in page
        ]
        headers = [
            _version_header(self.store.library_version(group.id)),
            ("Total-Results", str(total)),
            ("Link", self._links(request, start, limit, total)),
        ]
        return Response.json(200, payload, *headers)

    def _settings(self, request: Request, group: Group, name: str | None) -> Response:
        """SettingsController.php: GET all or one; POST several (the header is checked when
        given; a JSON ``version`` is each one's precondition); PUT and DELETE one."""
        if request.method == "GET":
            if name is None and self._not_modified(request, group):
                return Response(304)
            found = self.store.settings(group.id, _int(request.param("since"), "since"))
            if name is not None:
                if name not in found:
                    raise ApiError(404, "Setting not found")
                value, v = found[name]
                return Response.json(200, {"value": value, "version": v}, _version_header(v))
            version = _version_header(self.store.library_version(group.id))
            return Response.json(
                200, {k: {"value": v, "version": n} for k, (v, n) in found.items()}, version
            )
        if name is None:
            self._allow(request.method, "GET", "POST", "DELETE")
        else:
            self._allow(request.method, "GET", "PUT", "DELETE")
        if request.method == "DELETE":
            return self._delete_settings(request, group, name)
        payload = self._json_body(request)
        if not isinstance(payload, dict):
            raise ApiError(400, "Uploaded data must be a JSON object")
        header_given = False
        if name is None:
            header_given = self._check_library_version(request, group, required=False) is not None
        else:
            payload = {name: payload}
        stored = self.store.settings(group.id)
        for key, setting in payload.items():
            self._check_setting(key, setting, stored.get(key), header_given or name is not None)
            if name is not None:
                header = request.header("If-Unmodified-Since-Version")
                if header is not None:
                    _stale_setting(_int(header, "If-Unmodified-Since-Version"), stored.get(key))
        changed = {
            k: v["value"]
            for k, v in payload.items()
            if k not in stored or stored[k][0] != v["value"]
        }
        if not changed:
            return Response(204, b"", [_version_header(self.store.library_version(group.id))])
        with self.store.transaction():
            new_version = self.store.bump(group.id)
            for key, value in changed.items():
                self.store.put_setting(group.id, key, value, new_version)
        return Response(204, b"", [_version_header(new_version)], committed_write=True)

    @staticmethod
    def _check_setting(
        key: str, setting: Any, stored: tuple[Any, int] | None, precondition_given: bool
    ) -> None:
        """Settings::validateJSONObject and checkJSONObjectVersion for one setting."""
        check_setting_name(key)
        if not isinstance(setting, dict) or "value" not in setting:
            raise ApiError(400, "'value' property not provided")
        for prop in setting:
            if prop not in ("value", "version"):
                raise ApiError(400, f"Invalid property '{prop}'")
        check_setting_value(key, setting["value"])
        if "version" in setting:
            sent = setting["version"]
            if not isinstance(sent, int) or isinstance(sent, bool):
                raise ApiError(400, "'version' must be an integer")
            _stale_setting(sent, stored)
        elif not precondition_given:
            raise ApiError(
                428, "Either If-Unmodified-Since-Version or 'version' property must be provided"
            )

    def _delete_settings(self, request: Request, group: Group, name: str | None) -> Response:
        if name is None:
            self._check_library_version(request, group, required=False)
            raw = request.param("settingKey")
            if not raw:
                raise ApiError(400, "settingKey parameter not provided")
            names = raw.split(",")
        else:
            header = _int(
                request.header("If-Unmodified-Since-Version"), "If-Unmodified-Since-Version"
            )
            if header is None:
                raise ApiError(
                    428, "If-Unmodified-Since-Version must be provided for delete requests"
                )
            names = [name]
            if name not in self.store.settings(group.id):
                raise ApiError(404, "Setting not found")
        with self.store.transaction():
            version = self.store.bump(group.id)
            for key in names:
                self.store.delete_setting(group.id, key, version)
        return Response(204, b"", [_version_header(version)], committed_write=True)

    # ------------------------------------------------------------------ JSON envelopes (§1.3)

    def _library_json(self, group: Group) -> dict[str, Any]:
        return {
            "type": "group",
            "id": group.id,
            "name": group.name,
            "links": {"alternate": {"href": f"{WWW}/groups/{group.id}", "type": "text/html"}},
        }

    def _user_json(self, user_id: int) -> dict[str, Any]:
        name = self.store.username(user_id)
        return {
            "id": user_id,
            "username": name,
            "name": "",
            "links": {"alternate": {"href": f"{WWW}/{name}", "type": "text/html"}},
        }

    def envelope(self, group: Group, obj: StoredObject) -> dict[str, Any]:
        kind = obj.kind
        plural = {"item": "items", "collection": "collections", "search": "searches"}[kind]
        links: dict[str, Any] = {
            "self": {
                "href": f"{self.base_url}/groups/{group.id}/{plural}/{obj.key}",
                "type": "application/json",
            },
            "alternate": {
                "href": f"{WWW}/groups/{group.id}/{plural}/{obj.key}",
                "type": "text/html",
            },
        }
        meta: dict[str, Any] = {}
        if kind == "item":
            if obj.parent:
                links["up"] = {
                    "href": f"{self.base_url}/groups/{group.id}/items/{obj.parent}",
                    "type": "application/json",
                }
            if obj.created_by is not None:
                meta["createdByUser"] = self._user_json(obj.created_by)
            if obj.modified_by is not None and obj.modified_by != obj.created_by:
                meta["lastModifiedByUser"] = self._user_json(obj.modified_by)
            primary = self.schema.primary_creator.get(str(obj.data.get("itemType")), "author")
            summary = _creator_summary(obj.data.get("creators", []), primary)
            if summary:
                meta["creatorSummary"] = summary
            parsed = parsed_date(self.schema.date_of(obj.data))
            if parsed:
                meta["parsedDate"] = parsed
            if not obj.parent:
                meta["numChildren"] = len(self.store.children(group.id, "item", obj.key))
        elif kind == "collection":
            if obj.parent:
                links["up"] = {
                    "href": f"{self.base_url}/groups/{group.id}/collections/{obj.parent}",
                    "type": "application/json",
                }
            meta["numCollections"] = len(self.store.children(group.id, "collection", obj.key))
            meta["numItems"] = self.store.member_count(group.id, obj.key)
        return {
            "key": obj.key,
            "version": obj.version,
            "library": self._library_json(group),
            "links": links,
            "meta": meta,
            "data": obj.data,
        }

    # ------------------------------------------------------------------ writes (§2-3)

    @staticmethod
    def _json_body(request: Request) -> Any:
        """The request's JSON (ApiController: an empty body, then checkJSONError's wording)."""
        if not request.body:
            raise ApiError(400, f"{request.method} data not provided")
        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError:
            raise ApiError(400, "JSON Error: Malformed UTF-8 characters") from None
        try:
            return json.loads(text)
        except ValueError:
            raise ApiError(400, "JSON Error: Syntax error, malformed JSON") from None

    def _check_library_version(
        self, request: Request, group: Group, *, required: bool
    ) -> int | None:
        header = _version_precondition(request)
        if header is None:
            if required:
                raise ApiError(428, "If-Unmodified-Since-Version not provided")
            return None
        version = self.store.library_version(group.id)
        if version > header:
            raise ApiError(
                412,
                "Library has been modified since specified version "
                f"(expected {header}, found {version})",
                _version_header(version),
            )
        return header

    def _write_token(self, request: Request, key: KeyInfo | None) -> str | None:
        token = request.header("Zotero-Write-Token")
        if token is None:
            return None
        if not 5 <= len(token) <= 32:
            raise ApiError(400, "Write token must be 5-32 characters in length")
        if key is None:
            raise ApiError(400, "Write token cannot be used without an API key")
        if self.store.write_token_used(key.key, token):
            raise ApiError(412, "Write token already used")
        return token

    def _build(
        self,
        group: Group,
        kind: str,
        existing: StoredObject | None,
        incoming: dict[str, Any],
        *,
        replace: bool,
        own_key: str | None = None,
    ) -> dict[str, Any]:
        old = existing.data if existing else None
        if kind == "item":
            for name in ("dateAdded", "dateModified"):
                if incoming.get(name):
                    timestamp(name, incoming[name])

            def item_exists(k: str) -> bool:
                return self.store.get(group.id, "item", k) is not None

            def top_level(k: str) -> bool:
                found = self.store.get(group.id, "item", k)
                return found is not None and found.parent is None

            def collection_exists(k: str) -> bool:
                return self.store.get(group.id, "collection", k) is not None

            def type_of(k: str) -> str | None:
                found = self.store.get(group.id, "item", k)
                return str(found.data.get("itemType")) if found is not None else None

            return build_item(
                self.schema,
                old,
                incoming,
                replace=replace,
                item_exists=item_exists,
                top_level_item=top_level,
                own_key=own_key,
                type_of=type_of,
                collection_exists=collection_exists,
                library_id=group.id,
            )
        if kind == "collection":
            return build_collection(
                old,
                incoming,
                replace=replace,
                collection_exists=lambda k: self.store.get(group.id, "collection", k) is not None,
            )
        return build_search(old, incoming, replace=replace)

    def _save(
        self,
        group: Group,
        kind: str,
        key: str,
        existing: StoredObject | None,
        fields: dict[str, Any],
        user: KeyInfo | None,
        version: int,
        incoming: dict[str, Any],
    ) -> StoredObject:
        data: dict[str, Any] = {"key": key, "version": version, **fields}
        user_id = user.user_id if user else None
        modified_by = user_id
        if kind == "item":
            data["dateAdded"], data["dateModified"] = _item_dates(existing, fields, incoming)
            if existing is not None and _membership_only(existing.data, fields):
                modified_by = existing.modified_by
        obj = StoredObject(
            kind,
            key,
            version,
            data,
            created_by=existing.created_by if existing else user_id,
            modified_by=modified_by,
        )
        if kind == "collection" and obj.parent:
            self._break_cycle(group, key, obj.parent, version)
        self.store.put(group.id, obj)
        return obj

    def _break_cycle(self, group: Group, key: str, parent: str, version: int) -> None:
        """Setting A's parent to its descendant B moves B to the root (collection.test.js)."""
        seen = set()
        current: str | None = parent
        while current is not None and current not in seen:
            seen.add(current)
            found = self.store.get(group.id, "collection", current)
            if found is None:
                return
            if found.parent == key:
                found.data["parentCollection"] = False
                found.data["version"] = version
                found.version = version
                self.store.put(group.id, found)
                return
            current = found.parent

    def _post(self, request: Request, key: KeyInfo | None, group: Group, kind: str) -> Response:
        token = self._write_token(request, key)
        payload = self._json_body(request)
        if not isinstance(payload, list):
            raise ApiError(400, "Uploaded data must be a JSON array")
        if len(payload) > MAX_WRITE_OBJECTS:
            plural = {"item": "items", "collection": "collections", "search": "searches"}[kind]
            raise ApiError(413, f"Cannot add more than {MAX_WRITE_OBJECTS} {plural} at a time")
        header = self._check_library_version(request, group, required=False)
        if header == 0 and self.store.library_version(group.id) > 0:
            raise ApiError(
                412,
                "Library has been modified since specified version "
                f"(expected 0, found {self.store.library_version(group.id)})",
            )
        report: dict[str, dict[str, Any]] = {
            "successful": {},
            "success": {},
            "unchanged": {},
            "failed": {},
        }
        with self.store.transaction():
            for index, raw in enumerate(payload):
                slot = str(index)
                self.store.connection.execute("SAVEPOINT one")
                try:
                    outcome, result = self._post_one(
                        group, key, kind, raw, header is not None, index
                    )
                except ObjectError as error:
                    self.store.connection.execute("ROLLBACK TO one")
                    self.store.connection.execute("RELEASE one")
                    failure: dict[str, Any] = {
                        "code": error.code,
                        "message": html.escape(error.message, quote=False).replace('"', "&quot;"),
                    }
                    object_key = raw.get("key") if isinstance(raw, dict) else None
                    if isinstance(object_key, str):
                        failure = {"key": object_key, **failure}
                    if error.data:
                        failure["data"] = error.data
                    report["failed"][slot] = failure
                    continue
                self.store.connection.execute("RELEASE one")
                if outcome == "unchanged":
                    report["unchanged"][slot] = result
                else:
                    report["successful"][slot] = result
                    report["success"][slot] = result["key"]
            if token is not None and key is not None:
                self.store.remember_write_token(key.key, token)
        version = self.store.library_version(group.id)
        response = Response.json(200, report, _version_header(version))
        response.committed_write = True
        return response

    def _post_one(
        self,
        group: Group,
        user: KeyInfo | None,
        kind: str,
        raw: Any,
        header_given: bool,
        index: int,
    ) -> tuple[str, Any]:
        if not isinstance(raw, dict):
            raise ObjectError(
                400,
                f"Invalid value for index {index} in uploaded data; expected JSON {kind} object",
            )
        incoming: dict[str, Any] = raw["data"] if isinstance(raw.get("data"), dict) else raw
        label = _LABEL[kind]
        key = incoming.get("key")
        existing = None
        if key is not None:
            if problem := _key_problem(key, kind):
                raise ObjectError(400, problem)
            existing = self.store.get(group.id, kind, key)
            has_version = "version" in incoming
            if not has_version and not header_given:
                raise ObjectError(
                    428,
                    "Either If-Unmodified-Since-Version or 'version' property "
                    "must be provided for 'key'-based writes",
                )
            if has_version:
                version = incoming["version"]
                if not isinstance(version, int) or isinstance(version, bool) or version < 0:
                    raise ObjectError(400, "'version' must be an integer")
                # 412 only when the stored version is newer (API.inc.php checkJSONObjectVersion)
                if existing is not None and existing.version > version:
                    raise ObjectError(
                        412,
                        f"{label} has been modified since specified version "
                        f"(expected {version}, found {existing.version})",
                    )
                if existing is None and version > 0:
                    raise ObjectError(
                        404, f"{label} doesn't exist (expected version {version}; use 0 instead)"
                    )
        else:
            key = new_key()
            while self.store.get(group.id, kind, key) is not None:
                key = new_key()
        fields = self._build(group, kind, existing, incoming, replace=False, own_key=key)
        version = self.store.bump(group.id)  # each object its own version, unchanged ones too
        if existing is not None and _same(existing.data, fields):
            return "unchanged", key
        obj = self._save(group, kind, key, existing, fields, user, version, incoming)
        return "successful", self.envelope(group, obj)

    def _write_one(
        self, request: Request, key: KeyInfo | None, group: Group, kind: str, object_key: str
    ) -> Response:
        token = self._write_token(request, key)
        incoming = self._json_body(request)
        if not isinstance(incoming, dict):
            raise ApiError(400, "Uploaded data must be a JSON object")
        if isinstance(incoming.get("data"), dict):  # a whole downloaded object: its data counts
            incoming = incoming["data"]
        if incoming.get("key") is not None:
            if problem := _key_problem(incoming["key"], kind):
                raise ApiError(400, problem)
            if incoming["key"] != object_key:
                raise ApiError(409, f"'key' property in JSON does not match {kind} key of request")
        header = _version_precondition(request)
        json_version = incoming.get("version")
        if json_version is not None and (
            not isinstance(json_version, int) or isinstance(json_version, bool)
        ):
            raise ApiError(400, f"Invalid JSON 'version' property value '{json_version}'")
        if header is not None and json_version is not None and header != json_version:
            raise ApiError(
                400,
                "If-Unmodified-Since-Version value does not match JSON 'version' property "
                f"({header} != {json_version})",
            )
        expected = header if header is not None else json_version
        existing = self.store.get(group.id, kind, object_key)
        label = _LABEL[kind]
        if existing is not None:
            if expected is None:
                raise ApiError(
                    428,
                    "Either If-Unmodified-Since-Version or object version property must be "
                    "provided for key-based writes",
                )
            if existing.version > expected:  # checkSingleObjectWriteVersion
                raise ApiError(
                    412,
                    f"{label} has been modified since specified version "
                    f"(expected {expected}, found {existing.version})",
                    _version_header(existing.version),
                )
        else:
            if expected is not None and expected > 0:
                raise ApiError(412, f"{label} not found (expected version {expected})")
            if request.method == "PATCH" and expected is None:
                raise ApiError(
                    404,
                    f"{label} not found (to create, use If-Unmodified-Since-Version: 0, "
                    "JSON 'version' 0, or PUT method)",
                )
        with self.store.transaction():
            version = self.store.bump(group.id)
            try:
                fields = self._build(
                    group,
                    kind,
                    existing,
                    incoming,
                    replace=request.method == "PUT",
                    own_key=object_key,
                )
            except ObjectError as error:
                raise ApiError(error.code, error.message) from None
            if existing is not None and _same(existing.data, fields):
                result_version = existing.version
            else:
                self._save(group, kind, object_key, existing, fields, key, version, incoming)
                result_version = version
            if token is not None and key is not None:
                self.store.remember_write_token(key.key, token)
        return Response(204, b"", [_version_header(result_version)], committed_write=True)

    def _delete_one(self, request: Request, group: Group, kind: str, object_key: str) -> Response:
        header = _version_precondition(request)
        if header is None:
            raise ApiError(428, "If-Unmodified-Since-Version must be provided for delete requests")
        existing = self.store.get(group.id, kind, object_key)
        label = _LABEL[kind]
        if existing is None:  # checkSingleObjectWriteVersion, then ItemsController's 404
            if header > 0:
                raise ApiError(412, f"{label} not found (expected version {header})")
            raise ApiError(404, f"{label} not found")
        if existing.version > header:
            raise ApiError(
                412,
                f"{label} has been modified since specified version "
                f"(expected {header}, found {existing.version})",
                _version_header(existing.version),
            )
        with self.store.transaction():
            version = self.store.bump(group.id)
            self._remove(group, kind, object_key, version)
        return Response(204, b"", [_version_header(version)], committed_write=True)

    def _delete_many(self, request: Request, group: Group, kind: str) -> Response:
        # The header is checked when given, not required (ItemsController.php).
        self._check_library_version(request, group, required=False)
        raw = request.param(_KEY_PARAM[kind])
        if raw is None:
            raise ApiError(400, f"'{_KEY_PARAM[kind]}' not provided")
        keys = [k for k in raw.split(",") if KEY_PATTERN.match(k)]
        if len(keys) > MAX_WRITE_OBJECTS:
            raise ApiError(413, f"Cannot delete more than {MAX_WRITE_OBJECTS} objects at a time")
        with self.store.transaction():
            version = self.store.bump(group.id)
            for key in keys:
                if self.store.get(group.id, kind, key) is not None:
                    self._remove(group, kind, key, version)
        return Response(204, b"", [_version_header(version)], committed_write=True)

    def _remove(self, group: Group, kind: str, key: str, version: int) -> None:
        """Delete permanently: an item with its children, a collection with its descendants."""
        for child in self.store.children(group.id, kind, key):
            self._remove(group, kind, child, version)
        self.store.remove(group.id, kind, key, version)

    def _delete_tags(self, request: Request, group: Group) -> Response:
        self._check_library_version(request, group, required=True)
        names = [t.strip() for value in request.query.get("tag", []) for t in value.split("||")]
        with self.store.transaction():
            version = self.store.bump(group.id)
            for name in names:
                rows = self.store.connection.execute(
                    "SELECT DISTINCT item FROM tags WHERE grp = ? AND tag = ?", (group.id, name)
                ).fetchall()
                for (item_key,) in rows:
                    item = self.store.get(group.id, "item", item_key)
                    if item is None:
                        continue
                    item.data["tags"] = [t for t in item.data.get("tags", []) if t["tag"] != name]
                    item.data["version"] = version
                    item.version = version
                    self.store.put(group.id, item)
                self.store.connection.execute(
                    "INSERT OR REPLACE INTO deleted_log(grp, kind, key, version) "
                    "VALUES (?, 'tag', ?, ?)",
                    (group.id, name, version),
                )
        return Response(204, b"", [_version_header(version)], committed_write=True)

    # ------------------------------------------------------------------ teammates

    def write_as(
        self, user: KeyInfo, group_id: int, kind: str, objects: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """A write by another user, as if they had POSTed it (for tests and fault injection)."""
        body = json.dumps(objects).encode()
        plural = {"item": "items", "collection": "collections", "search": "searches"}[kind]
        request = Request(
            "POST", f"/groups/{group_id}/{plural}", {}, {"zotero-api-key": user.key}, body
        )
        response = self.handle(request)
        if response.status != 200:
            raise RuntimeError(f"teammate write failed: {response.status} {response.body!r}")
        report: dict[str, Any] = json.loads(response.body)
        return report


_MEMBERSHIP = ("collections", "relations", "inPublications")


_SETTING_NAMES = (
    "attachmentRenameTemplate",
    "autoRenameFiles",
    "autoRenameFilesFileTypes",
    "feeds",
    "tagColors",
    "readerCustomThemes",
)
_SETTING_PATTERNS = (
    re.compile(r"^lastPageIndex_(u|g[0-9]+)_[A-Z0-9]{8}$"),
    re.compile(r"^lastRead_(g[0-9]+)_[A-Z0-9]{8}$"),
    re.compile(r"^lastReadAloudPosition_(u|g[0-9]+)_[A-Z0-9]{8}$"),
)
MAX_SETTING_CHARACTERS = 30_000


def _stale_setting(sent: int | None, stored: tuple[Any, int] | None) -> None:
    """412 when the stored setting is newer than the version sent (checkJSONObjectVersion)."""
    if sent is not None and stored is not None and stored[1] > sent:
        raise ApiError(
            412,
            "Setting has been modified since specified version "
            f"(expected {sent}, found {stored[1]})",
        )


def check_setting_name(name: str) -> None:
    """Settings::checkSettingName: the names Zotero's clients use, nothing else."""
    if name not in _SETTING_NAMES and not any(p.match(name) for p in _SETTING_PATTERNS):
        raise ApiError(400, f"Invalid setting '{name}'")


def check_setting_value(name: str, value: Any) -> None:
    """Settings::checkSettingValue: at most 30,000 characters, the type each setting takes."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if len(text) > MAX_SETTING_CHARACTERS:
        raise ApiError(400, f"'value' cannot be longer than {MAX_SETTING_CHARACTERS} characters")
    base = re.match(r"^[a-z]+", name, re.IGNORECASE)
    kind = base.group(0) if base else name
    if kind in ("tagColors", "readerCustomThemes"):
        if not isinstance(value, list):
            raise ApiError(400, "'value' must be an array")
        if not value:
            raise ApiError(400, "'value' array cannot be empty")
    elif kind in ("feeds", "lastReadAloudPosition"):
        if not isinstance(value, dict):
            raise ApiError(400, "'value' must be an object")
    elif kind == "lastRead":
        if not isinstance(value, int) or isinstance(value, bool):
            raise ApiError(400, "'value' must be an integer")
    elif kind == "autoRenameFiles":
        if not isinstance(value, bool):
            raise ApiError(400, "'value' must be a boolean")
    elif kind == "lastPageIndex":
        if isinstance(value, bool) or not isinstance(value, (int, str, float)) or value == "":
            raise ApiError(400, "'value' must be an integer, string, or decimal")
    elif not isinstance(value, str) or value == "":
        raise ApiError(
            400,
            "'value' must be a string" if not isinstance(value, str) else "'value' cannot be empty",
        )


_SORT_TITLE = re.compile(r"^[\[\](){}\-\"'“‘ ]+")


def _key_problem(key: Any, kind: str) -> str | None:
    """API::processJSONObjectKey: a ``key`` must be a string and a valid key."""
    if not isinstance(key, str):
        return "'key' must be a string"
    return None if KEY_PATTERN.match(key) else f"'{key}' is not a valid {kind} key"


def _sort_order(request: Request, kind: str) -> tuple[str, bool]:
    """(sort, descending) as API::parseQueryParams reads ``sort``, ``order`` (the v2 name,
    or a direction) and ``direction``: by default ``dateModified``, descending; a sort given
    without a direction is descending for date fields (getDefaultDirection)."""
    sort = request.param("sort")
    direction = request.param("direction")
    order = request.param("order")
    if order is not None:
        if order in ("asc", "desc"):
            direction = order
        else:
            if sort in ("asc", "desc"):
                direction = sort
            sort = order
    if sort in ("asc", "desc"):
        direction, sort = sort, None
    if sort is None:
        sort, default_descending = "dateModified", True
    else:
        _check_sort(request, kind, sort)
        default_descending = sort.startswith("date")
    if direction is None:
        return sort, default_descending
    if direction not in ("asc", "desc"):
        raise ApiError(400, f"Invalid 'direction' value '{direction}'")
    return sort, direction == "desc"


def _check_sort(request: Request, kind: str, sort: str) -> None:
    """API::parseQueryParams's sortable fields; a ``…KeyList`` order needs its own request
    and key parameter.  Collections and searches sort by ``title`` or their dates (the
    dataserver passes other item fields to SQL, where they fail)."""
    key_list = f"{kind}KeyList"
    if sort.endswith("KeyList") and sort in _KEY_LISTS:
        if sort != key_list:
            raise ApiError(400, f"order={sort} is not valid for this request")
        if request.param(_KEY_PARAM[kind]) is None:
            raise ApiError(400, f"order={sort} requires the {_KEY_PARAM[kind]} parameter")
        return
    allowed = _ITEM_SORTS if kind == "item" else _LIST_SORTS
    if sort not in allowed:
        raise ApiError(400, f"Invalid 'sort' value '{sort}'")


_ITEM_PARAMS = {
    "itemQ": "q",
    "itemQMode": "qmode",
    "itemTag": "tag",
    "itemKey": "itemKey",
    "itemType": "itemType",
    "includeTrashed": "includeTrashed",
}


def _item_query(request: Request) -> Request:
    """The items a ``…/items/tags`` request asks about (TagsController: ``itemQ`` is the
    items' ``q``, ``itemTag`` their ``tag``…); the tag parameters stay the tags'."""
    query = {new: request.query[old] for old, new in _ITEM_PARAMS.items() if old in request.query}
    return Request(request.method, request.path, query, request.headers, request.body)


def _tag_filter(
    request: Request, rows: list[tuple[str, int, int, int]]
) -> list[tuple[str, int, int, int]]:
    """Tags::search: ``tag=a || b`` (names), ``q`` with ``qmode=contains|startswith``,
    ``tagType``; sorted by name (case-insensitive) or ``sort=numItems``."""
    names = request.query.get("tag")
    if names:
        if len(names) > 1:
            raise ApiError(400, "Cannot specify 'tag' more than once")
        wanted = set(names[0].split(" || "))
        rows = [r for r in rows if r[0] in wanted]
    needle = (request.param("q") or "").casefold()
    mode = (request.param("qmode") or "contains").lower()
    if mode not in ("contains", "startswith"):
        raise ApiError(400, f"Invalid 'qmode' value '{request.param('qmode')}'")
    if needle:
        rows = [
            r
            for r in rows
            if (
                r[0].casefold().startswith(needle)
                if mode == "startswith"
                else needle in r[0].casefold()
            )
        ]
    tag_type = request.param("tagType")
    if tag_type is not None:
        negate = tag_type.startswith("-")
        types = {int(t) for t in tag_type.lstrip("-").split("||") if t.strip().isdigit()}
        rows = [r for r in rows if (r[1] in types) != negate]
    descending = request.param("direction") == "desc"
    if request.param("sort") == "numItems":
        return sorted(rows, key=lambda r: (r[2], r[0].casefold()), reverse=descending)
    return sorted(rows, key=lambda r: r[0].casefold(), reverse=descending)


def _membership_only(old: dict[str, Any], new_fields: dict[str, Any]) -> bool:
    """Only collections or relations changed: not a modification of the item (Items.inc.php
    updateFromJSON skips Date Modified and Modified By for these)."""
    return _same(
        {k: v for k, v in old.items() if k not in _MEMBERSHIP},
        {k: v for k, v in new_fields.items() if k not in _MEMBERSHIP},
    )


def _item_dates(
    existing: StoredObject | None, fields: dict[str, Any], incoming: dict[str, Any]
) -> tuple[str, str]:
    """(dateAdded, dateModified) after a write: a client's dates when it sends new ones,
    the old Date Modified when only membership changed, else now."""
    now = now_iso()
    old = existing.data if existing else {}
    sent_added = incoming.get("dateAdded")
    # Item::setField takes a client's dateAdded on existing items too (the documentation
    # says 400; the code, which we follow, saves it).
    added = timestamp("dateAdded", sent_added) if sent_added else old.get("dateAdded") or now
    sent = incoming.get("dateModified")
    if sent and timestamp("dateModified", sent) != old.get("dateModified"):
        return added, timestamp("dateModified", sent)
    if existing is not None and _membership_only(old, fields):
        return added, str(old.get("dateModified") or now)
    return added, now


def _same(old: dict[str, Any], new_fields: dict[str, Any]) -> bool:
    return {
        k: v for k, v in old.items() if k not in ("key", "version", "dateAdded", "dateModified")
    } == new_fields


def _creator_summary(creators: list[dict[str, str]], primary: str) -> str:
    """Item::getCreatorSummary: the primary creator type's last names, else the editors',
    else the contributors' (one, "A and B", or "A et al.")."""
    for creator_type in (primary, "editor", "contributor"):
        names = [
            c.get("lastName") or c.get("name") or ""
            for c in creators
            if c.get("creatorType") == creator_type
        ][:3]
        if len(names) == 1:
            return names[0]
        if len(names) == 2:
            return f"{names[0]} and {names[1]}"
        if names:
            return f"{names[0]} et al."
    return ""


_SEARCH_PART = re.compile(r'"([^"]*)"|(\S+)')


def search_parts(query: str) -> list[str]:
    """Zotero_Utilities::parseSearchString: quoted phrases and single words."""
    return [
        m.group(1) if m.group(1) is not None else m.group(2)
        for m in _SEARCH_PART.finditer(query)
        if (m.group(1) or m.group(2) or "").strip()
    ]


def _quick_match(data: dict[str, Any], date: str, parts: list[str]) -> bool:
    """Items::search with ``q``: every part in the title (or a note's text), a creator's
    "first last", or equal to the year (``qmode=everything`` adds full text, which the
    sandbox does not index)."""
    titles = [str(data.get("title", "")), str(data.get("note", ""))]
    people = [
        " ".join(p for p in (c.get("firstName", ""), c.get("lastName", ""), c.get("name", "")) if p)
        for c in data.get("creators", [])
    ]
    year = str_to_multipart(date)[:4]  # SUBSTR(IDD.value, 1, 4) = ?
    texts = [t.casefold() for t in (*titles, *people)]
    return all(any(part.casefold() in text for text in texts) or part == year for part in parts)
