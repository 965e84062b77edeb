"""Validating and normalising the JSON ``data`` of items, collections and searches.

The rules follow Zotero's dataserver (zotero/dataserver: ``model/Item.inc.php``, its API tests
``tests/remote/tests/3/``):
fields must belong to the item type (``'x' is not a valid field for type 'y'``), creator
types to the type's creator types, only notes/attachments/annotations can be children, only
top-level items go in collections, missing collections and parents are 409 with ``data``,
over-long tags and names 413.  The result is the object's full ``data`` in the order the real
API writes it, with every field of the type present (empty when unset).
"""

from __future__ import annotations

import copy
import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

# The same rules zotsync applies before it sends (core.stored): one definition of each.
from zotsync.core.stored import PHP_TRIM, collection_name, unicode_trim
from zotsync.sandbox.dates import is_multipart
from zotsync.sandbox.schema import (
    ANNOTATION_PROPERTIES,
    ATTACHMENT_PROPERTIES,
    CHILD_TYPES,
    FILE_PROPERTIES,
    LINK_MODES,
    Schema,
)
from zotsync.sandbox.store import now_iso

KEY_PATTERN = re.compile(r"^[23456789ABCDEFGHIJKLMNPQRSTUVWXYZ]{8}$")
# Zotero_Relations: the predicates objects may carry; the Mendeley ones take any value.
EXTERNAL_PREDICATES = (
    "mendeleyDB:documentUUID",
    "mendeleyDB:remoteDocumentUUID",
    "mendeleyDB:fileHash",
    "mendeleyDB:annotationUUID",
    "mendeleyDB:remoteFolderUUID",
    "mendeleyDB:relatedDocumentUUID",
    "mendeleyDB:relatedRemoteDocumentUUID",
    "mendeleyDB:relatedFileHash",
    "mendeleyDB:notebookUUID",
)
RELATION_PREDICATES = (
    "owl:sameAs",
    "dc:replaces",
    "dc:relation",
    *(p for p in EXTERNAL_PREDICATES if p != "mendeleyDB:remoteFolderUUID"),
)
COLLECTION_PREDICATES = ("owl:sameAs", "mendeleyDB:remoteFolderUUID")
_RELATION_VALUE = re.compile(r"^http://zotero\.org/(users|groups)/\d+/items/[23456789A-Z]{8}$")
_COLLECTION_RELATION = re.compile(
    r"^http://zotero\.org/(users|groups)/\d+/collections/[23456789A-Z]{8}$"
)
MAX_FIELD_BYTES = 65535
MAX_NOTE_CHARACTERS = 500_000  # Zotero_Notes::$MAX_NOTE_LENGTH (mb_strlen)
MAX_NAME = 255


@dataclass
class ObjectError(Exception):
    """A per-object failure: its code, message and optional ``data`` (as in ``failed``)."""

    code: int
    message: str
    data: dict[str, Any] | None = None


Exists = Callable[[str], bool]


def _text(name: str, value: Any, label: str = "", where: str = "") -> str:
    """A field's value as stored: a string, trimmed as Item::setField trims it; over
    65,535 bytes it is Z_ERROR_FIELD_TOO_LONG, worded as Item::save and Errors.inc.php
    word it (``label`` is the field's English name, ``where`` " for item 'lib/KEY'")."""
    if isinstance(value, bool) or value is None:
        raise ObjectError(400, f"'{name}' must be a string")
    if isinstance(value, (int, float)):
        return str(value)
    if not isinstance(value, str):
        raise ObjectError(400, f"Unexpected array for property '{name}'")
    trimmed: str = value.strip(PHP_TRIM)
    if len(trimmed.encode("utf-8")) > MAX_FIELD_BYTES:
        label = label or name
        excerpt = trimmed[:50] + "…"
        raise ObjectError(
            413,
            f"{label} field value '{excerpt}' too long{where}",
            {"field": label, "value": excerpt},
        )
    return trimmed


def _php_type(value: Any) -> str:
    """PHP's gettype() of a decoded JSON value, as the dataserver's messages show it."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "double"
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def note_title(note: str) -> str:
    """A note's title: its first line of text (Zotero_Notes::noteToTitle, roughly)."""
    text = re.sub(r"<[^>]*>", " ", note)
    return html.unescape(text).strip().split("\n")[0][:79]


_SQL_DATE = re.compile(r"^-?\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
_SQL_DATETIME = re.compile(
    r"^-?\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]) ([01]\d|2[0-3]):[0-5]\d:[0-5]\d$"
)
_ISO_8601 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:?\d{2})$")


def iso_utc(text: str) -> str | None:
    """An ISO 8601 or SQL UTC timestamp as the API returns it (``…Z``), else None."""
    if _SQL_DATETIME.match(text):
        return text.replace(" ", "T") + "Z"
    if not _ISO_8601.match(text):
        return None
    try:
        # Python 3.10's fromisoformat wants "Z" as "+00:00" and "+0100" as "+01:00".
        offset = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text.replace("Z", "+00:00"))
        moment = datetime.fromisoformat(offset)
    except ValueError:
        return None
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def timestamp(name: str, value: Any) -> str:
    """``dateAdded``/``dateModified`` sent by a client, validated (validateJSONItem)."""
    found = iso_utc(value) if isinstance(value, str) else None
    if found is None:
        raise ObjectError(
            400, f"'{name}' must be in ISO 8601 or UTC 'YYYY-MM-DD hh:mm:ss' format ({value})"
        )
    return found


def _access_date(value: str, now: str) -> str:
    if value == "" or _SQL_DATE.match(value):
        return value
    if value == "CURRENT_TIMESTAMP":
        return now
    found = iso_utc(value)
    if found is None:
        raise ObjectError(
            400,
            "'accessDate' must be in ISO 8601 or UTC 'YYYY-MM-DD[ hh:mm:ss]' format or "
            f"'CURRENT_TIMESTAMP' ({value})",
        )
    return found


def _note(value: Any, where: str) -> str:
    """A note's HTML: up to 500,000 characters (Item::setNote), stored as sent."""
    if not isinstance(value, str):
        raise ObjectError(400, "'note' must be a string")
    if len(value) > MAX_NOTE_CHARACTERS:
        excerpt = note_title(value).strip() or value.strip()[:79]
        raise ObjectError(413, f"Note '{excerpt}...' too long{where}")
    return value


def _tags(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise ObjectError(400, "'tags' property must be an array")
    tags: list[dict[str, Any]] = []
    seen: set[tuple[str, int]] = set()
    for tag in value:
        if not isinstance(tag, dict):
            raise ObjectError(400, "Tag must be an object")
        if not tag:
            raise ObjectError(400, "Tag object is empty")
        for prop in tag:
            if prop not in ("tag", "type"):
                raise ObjectError(400, f"Invalid tag property '{prop}'")
        name = tag.get("tag", "")
        if isinstance(name, (int, float)) and not isinstance(name, bool):
            name = str(name)
        if not isinstance(name, str):
            raise ObjectError(400, "Invalid tag name")
        name = name.strip(PHP_TRIM)
        if not name:
            continue  # Item::setTags ignores empty and whitespace-only tags
        if len(name) > MAX_NAME:
            raise ObjectError(413, f"Tag '{name[:50]}…' too long", {"tag": name})
        kind = tag.get("type", 0)
        if kind not in (0, 1, "0", "1"):
            raise ObjectError(400, f"Invalid tag type '{kind}'")
        if (name, int(kind)) in seen:
            continue
        seen.add((name, int(kind)))
        tags.append({"tag": name, "type": int(kind)} if int(kind) else {"tag": name})
    return tags


def _relations(value: Any, pattern: re.Pattern[str], predicates: tuple[str, ...]) -> dict[str, Any]:
    """Relations as validateJSONItem/validateJSONCollection check them: an object (or an
    empty array), known predicates, Zotero URIs except for the Mendeley predicates."""
    if value == []:
        return {}
    if not isinstance(value, dict):
        raise ObjectError(400, "'relations' property must be an object")
    noun = "collection" if "collections" in pattern.pattern else "item"
    for predicate, targets in value.items():
        if predicate not in predicates:
            raise ObjectError(400, f"Unsupported predicate '{predicate}'")
        if predicate in EXTERNAL_PREDICATES:
            continue
        for target in targets if isinstance(targets, list) else [targets]:
            if not isinstance(target, str) or not pattern.match(target):
                raise ObjectError(400, f"'relations' values currently must be Zotero {noun} URIs")
    return copy.deepcopy(value)


def _creators(schema: Schema, item_type: str, value: Any, is_new: bool) -> list[dict[str, str]]:
    """Creators as the dataserver keeps them (Items.inc.php validateJSONItem, updateFromJSON).

    ``author`` is allowed on every item type; a nameless creator is an error, except a
    single one in a new item (the template's); names are Unicode-trimmed, and a creator
    whose names trim to nothing ends the list, as the server's loop does.
    """
    if not isinstance(value, list):
        raise ObjectError(400, "'creators' property must be an array")
    allowed = schema.creator_types.get(item_type, ())
    creators: list[dict[str, str]] = []
    known = {kind for kinds in schema.creator_types.values() for kind in kinds}
    for creator in value:
        if not isinstance(creator, dict) or "creatorType" not in creator:
            raise ObjectError(400, "creator object must contain 'creatorType'")
        if _nameless(creator, lambda text: text.strip(PHP_TRIM)):  # PHP trim()
            if len(value) == 1 and is_new:
                continue
            raise ObjectError(400, "creator object must contain 'firstName'/'lastName' or 'name'")
        _check_creator(creator, item_type, allowed, known)
    for creator in value:
        if _nameless(creator, unicode_trim):
            break
        kind = creator["creatorType"]
        if "name" in creator:
            creators.append(
                {"creatorType": kind, "name": unicode_trim(_text("name", creator["name"]))}
            )
        else:
            creators.append(
                {
                    "creatorType": kind,
                    "firstName": unicode_trim(_text("firstName", creator.get("firstName", ""))),
                    "lastName": unicode_trim(_text("lastName", creator.get("lastName", ""))),
                }
            )
    return creators


def _check_creator(
    creator: dict[str, Any], item_type: str, allowed: tuple[str, ...], known: set[str]
) -> None:
    """validateJSONItem's loop over a creator's properties, in the order they were sent
    (so the first problem is the one the dataserver names)."""
    for prop in creator:
        if prop == "creatorType":
            kind = creator[prop]
            if kind not in known:
                raise ObjectError(400, f"'{kind}' is not a valid creator type")
            if kind not in allowed and kind != "author":  # author is allowed everywhere
                raise ObjectError(
                    400, f"'{kind}' is not a valid creator type for item type '{item_type}'"
                )
        elif prop in ("firstName", "lastName"):
            other = "lastName" if prop == "firstName" else "firstName"
            if other not in creator:
                raise ObjectError(400, f"'{other}' creator field must be set if '{prop}' is set")
            if "name" in creator:
                raise ObjectError(400, f"'{prop}' and 'name' creator fields are mutually exclusive")
        elif prop == "name":
            for part in ("firstName", "lastName"):
                if part in creator:
                    raise ObjectError(
                        400, f"'{part}' and 'name' creator fields are mutually exclusive"
                    )
        else:
            raise ObjectError(400, f"Invalid creator property '{prop}'")


def _nameless(creator: dict[str, Any], trim: Callable[[str], str]) -> bool:
    return all(
        trim(str(creator.get(part) or "")) == "" for part in ("name", "firstName", "lastName")
    )


def _deleted(value: Any) -> bool:
    """``deleted``: a boolean, or 0/1 (validateJSONItem "Accept a boolean or 0/1")."""
    if value is None:
        return False
    if isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)):
        return bool(value)
    raise ObjectError(400, "'deleted' must be a boolean")


_ITEM_PROPERTIES = {
    "key",
    "version",
    "itemType",
    "parentItem",
    "creators",
    "tags",
    "collections",
    "relations",
    "deleted",
    "dateAdded",
    "dateModified",
    *ATTACHMENT_PROPERTIES,
    "inPublications",
    *ANNOTATION_PROPERTIES,
}


def build_item(
    schema: Schema,
    existing: dict[str, Any] | None,
    incoming: dict[str, Any],
    *,
    replace: bool,
    item_exists: Exists,
    top_level_item: Exists,
    collection_exists: Exists,
    own_key: str | None = None,
    type_of: Callable[[str], str | None] | None = None,
    library_id: int = 0,
) -> dict[str, Any]:
    """The item's new ``data`` (without key, version and dates), or :class:`ObjectError`."""
    old = existing or {}
    where = f" for item '{library_id}/{own_key}'" if own_key else ""
    item_type = incoming.get("itemType", old.get("itemType"))
    if item_type is None:
        raise ObjectError(400, "'itemType' property not provided")
    if item_type not in schema.fields_by_type:
        raise ObjectError(400, f"'{item_type}' is not a valid itemType")
    retyped = existing is not None and item_type != old.get("itemType")
    if retyped and {item_type, old.get("itemType")} & {"attachment", "note"}:
        raise ObjectError(400, "Cannot change type of note or attachment items")
    source = {} if replace or existing is None else copy.deepcopy(old)
    if retyped and not replace:
        source = _retype(schema, old, item_type)
    for name, value in incoming.items():
        if name in ("key", "version"):
            continue
        source[name] = value

    _check_properties(schema, item_type, source, incoming)
    fields = schema.fields_by_type[item_type]

    data: dict[str, Any] = {}
    parent = source.get("parentItem", False)
    if parent in ("", None):
        parent = False
    if replace and existing is not None:
        _require_whole(incoming, child=parent is not False)
    embedded = item_type == "attachment" and (
        source.get("linkMode", old.get("linkMode")) == "embedded_image"
    )
    if embedded and existing is not None and parent != (old.get("parentItem") or False):
        raise ObjectError(400, "Cannot change parent item of embedded-image attachment")
    if embedded and parent is False:
        raise ObjectError(400, "Embedded-image attachment must have a parent item")
    if parent is not False:
        if not isinstance(parent, str) or not KEY_PATTERN.match(parent):
            raise ObjectError(400, "'parentItem' must be a valid item key or false")
        if parent == own_key:
            raise ObjectError(400, f"Item {parent} cannot be a child of itself{_INTEGRITY_HINT}")
        if item_type not in CHILD_TYPES:
            raise ObjectError(400, "Child item must be note, attachment, or annotation")
        if not item_exists(parent) or not top_level_item(parent):
            raise ObjectError(409, f"Parent item {parent} not found", {"parentItem": parent})
        parent_type = type_of(parent) if type_of else None
        if parent_type in ("note", "attachment") and not (embedded and parent_type == "note"):
            raise ObjectError(
                409, "Parent item cannot be a note or attachment", {"parentItem": parent}
            )
        data["parentItem"] = parent
    data["itemType"] = item_type

    if item_type == "attachment":
        link_mode = source.get("linkMode", old.get("linkMode"))
        if link_mode is None:
            raise ObjectError(400, "'linkMode' property not provided")
        if link_mode not in LINK_MODES:
            raise ObjectError(400, f"'{link_mode}' is not a valid linkMode")
        if existing is not None and old.get("linkMode") and link_mode != old.get("linkMode"):
            raise ObjectError(400, "Cannot change attachment linkMode")
        data["linkMode"] = link_mode

    for name in fields:
        value = source.get(name, "") if source.get(name) is not None else ""
        data[name] = _text(name, value, schema.localized("fields", name), where)
        if name == "accessDate":
            data[name] = _access_date(data[name], now_iso())
        elif name in schema.date_fields and is_multipart(data[name]):
            # Item::setField keeps a client's multipart date; the API returns its user part.
            data[name] = data[name][11:]
        if name == "title" and schema.creator_types.get(item_type):
            data["creators"] = _creators(
                schema, item_type, source.get("creators", []), existing is None
            )
    if "creators" not in data and schema.creator_types.get(item_type):
        data["creators"] = _creators(
            schema, item_type, source.get("creators", []), existing is None
        )
    elif source.get("creators") and not schema.creator_types.get(item_type):
        raise ObjectError(400, f"'creators' is not a valid field for type '{item_type}'")

    if item_type in ("note", "attachment"):
        data["note"] = _note(source.get("note", ""), where)
    if item_type == "attachment":
        data["contentType"] = _text("contentType", source.get("contentType", ""))
        data["charset"] = _text("charset", source.get("charset", ""))
        if data["linkMode"] == "embedded_image":
            _check_embedded_image(data)
        imported = (
            str(data["linkMode"]).startswith("imported") or data["linkMode"] == "embedded_image"
        )
        for name in FILE_PROPERTIES:
            if name in source and source[name] not in ("", None):
                if not imported:
                    raise ObjectError(
                        400, f"'{name}' is valid only for imported and embedded-image attachments"
                    )
                data[name] = source[name]
        if "path" in source and source["path"] not in ("", None):
            if data["linkMode"] != "linked_file":
                raise ObjectError(400, "'path' is valid only for linked file attachment items")
            data["path"] = _text("path", source["path"])
    if item_type == "annotation":
        for name in ANNOTATION_PROPERTIES:
            if name in source:
                data[name] = source[name]

    data["tags"] = _tags(source.get("tags", []))
    collections = source.get("collections", [])
    if not isinstance(collections, list):
        raise ObjectError(400, "'collections' property must be an array")
    if parent is not False:
        if collections:
            raise ObjectError(400, "Child items cannot be assigned to collections")
    else:
        for key in collections:
            if not isinstance(key, str) or not KEY_PATTERN.match(key):
                raise ObjectError(400, f"'{key}' is not a valid collection key")
            if not collection_exists(key):
                raise ObjectError(409, f"Collection {key} not found", {"collection": key})
        data["collections"] = list(dict.fromkeys(collections))
    data["relations"] = _relations(
        source.get("relations", {}), _RELATION_VALUE, RELATION_PREDICATES
    )
    if _deleted(source.get("deleted")):
        data["deleted"] = 1
    if data.get("linkMode") == "embedded_image":
        # An image embedded in a note: the API keeps only what describes the file.
        kept = ("parentItem", "itemType", "linkMode", "contentType", *FILE_PROPERTIES, "deleted")
        return {k: v for k, v in data.items() if k in kept}
    return data


# Errors.inc.php adds this to Z_ERROR_ITEM_PARENT_SET_TO_SELF ("TEMP: Corrected/prevented
# in 5.0.92").
_INTEGRITY_HINT = (
    "\n\nCheck your database integrity from the Advanced → Files and Folders pane of the "
    "Zotero preferences."
)
_ATTACHMENT_ONLY = ("contentType", "charset", "filename", "md5", "mtime", "path", "linkMode")


def _check_properties(
    schema: Schema, item_type: str, source: dict[str, Any], incoming: dict[str, Any]
) -> None:
    """validateJSONItem's checks of property names: type-specific properties on other
    types, unknown names, and fields of another item type (setField)."""
    for name in incoming:
        if name == "note" and item_type not in ("note", "attachment"):
            raise ObjectError(400, "'note' property is valid only for note and attachment items")
        if name in _ATTACHMENT_ONLY and name != "linkMode" and item_type != "attachment":
            raise ObjectError(400, f"'{name}' is valid only for attachment items")
        if name in ANNOTATION_PROPERTIES and item_type != "annotation":
            raise ObjectError(400, f"'{name}' is valid only for annotation items")
    fields = schema.fields_by_type[item_type]
    all_fields = set(schema.all_fields)
    for name, value in source.items():
        if name in _ITEM_PROPERTIES or name in fields:
            continue
        if name not in all_fields:
            raise ObjectError(400, f"Invalid property '{name}'")
        if value not in ("", None):
            raise ObjectError(400, f"'{name}' is not a valid field for type '{item_type}'")


def _check_embedded_image(data: dict[str, Any]) -> None:
    """validateJSONItem and Item::save on an image embedded in a note."""
    if data.get("note"):
        raise ObjectError(400, "'note' property is not valid for embedded images")
    if data.get("charset"):
        raise ObjectError(400, "'charset' is not valid for embedded images")
    if not str(data.get("contentType", "")).startswith("image/"):
        raise ObjectError(400, "Embedded-image attachment must have an image content type")


def _require_whole(incoming: dict[str, Any], *, child: bool) -> None:
    """A PUT replaces an existing item: it must say every list property (validateJSONItem)."""
    required = ("itemType", "tags", "relations", *(() if child else ("collections",)))
    for prop in required:
        if prop not in incoming:
            raise ObjectError(400, f"'{prop}' property not provided")


def _retype(schema: Schema, old: dict[str, Any], new_type: str) -> dict[str, Any]:
    """An item's data moved to another type: base-mapped fields follow, others are dropped."""
    old_type = old["itemType"]
    to_base = schema.base_fields.get(old_type, {})
    from_base = {base: field for field, base in schema.base_fields.get(new_type, {}).items()}
    fields = set(schema.fields_by_type[new_type])
    moved: dict[str, Any] = {}
    for name, value in old.items():
        if name in _ITEM_PROPERTIES and name != "creators":
            moved[name] = copy.deepcopy(value)
        elif name == "creators":
            allowed = schema.creator_types.get(new_type, ())
            moved[name] = [c for c in value if c.get("creatorType") in allowed]
        elif name in fields:
            moved[name] = value
        else:
            target = from_base.get(to_base.get(name, name))
            if target is not None:
                moved[target] = value
    return moved


def _merged_source(
    existing: dict[str, Any] | None,
    incoming: dict[str, Any],
    replace: bool,
    properties: tuple[str, ...],
) -> dict[str, Any]:
    """The object's data after a write: PUT replaces it, POST/PATCH merge into it."""
    source = {} if replace or existing is None else copy.deepcopy(existing)
    for name, value in incoming.items():
        if name in ("key", "version"):
            continue
        if name not in properties:
            raise ObjectError(400, f"Invalid property '{name}'")
        source[name] = value
    return source


def build_collection(
    existing: dict[str, Any] | None,
    incoming: dict[str, Any],
    *,
    replace: bool,
    collection_exists: Exists,
) -> dict[str, Any]:
    source = _merged_source(
        existing, incoming, replace, ("name", "parentCollection", "relations", "deleted")
    )
    _require(incoming, ("name",) if replace or existing is None else ())
    title = _name(source.get("name"), "Collection")
    if len(title) > MAX_NAME:
        excerpt = title[:50] + "…"
        raise ObjectError(413, f"Collection name '{excerpt}' too long", {"value": excerpt})
    parent = source.get("parentCollection", False)
    if parent in ("", None, 0):
        parent = False
    if parent is not False and not isinstance(parent, str):
        raise ObjectError(
            400, f"'parentCollection' must be a collection key or FALSE ({_php_type(parent)})"
        )
    if parent is not False and (not KEY_PATTERN.match(parent) or not collection_exists(parent)):
        raise ObjectError(409, f"Parent collection {parent} not found", {"collection": parent})
    data: dict[str, Any] = {"name": title, "parentCollection": parent}
    data["relations"] = _relations(
        source.get("relations", {}), _COLLECTION_RELATION, COLLECTION_PREDICATES
    )
    if _deleted(source.get("deleted")):
        data["deleted"] = True
    return data


def build_search(
    existing: dict[str, Any] | None, incoming: dict[str, Any], *, replace: bool
) -> dict[str, Any]:
    source = _merged_source(existing, incoming, replace, ("name", "conditions", "deleted"))
    _require(incoming, ("name", "conditions") if replace or existing is None else ())
    title = _name(source.get("name"), "Search")
    if len(title) > MAX_NAME:
        raise ObjectError(413, f"Search name cannot be longer than {MAX_NAME} characters")
    conditions = source.get("conditions", [])
    if not isinstance(conditions, list):
        raise ObjectError(400, f"'conditions' must be an array ({_php_type(conditions)})")
    if not conditions:
        raise ObjectError(400, "'conditions' cannot be empty")
    for condition in conditions:
        _check_condition(condition)
    data: dict[str, Any] = {"name": title, "conditions": copy.deepcopy(conditions)}
    if _deleted(source.get("deleted")):
        data["deleted"] = True
    return data


# Searches::validateJSONSearch: each property of a condition and its longest value.
_CONDITION_LIMITS = {"condition": 50, "operator": 25, "value": 255}


def _require(incoming: dict[str, Any], props: tuple[str, ...]) -> None:
    """validateJSONCollection/validateJSONSearch: what a new object or a PUT must give."""
    for prop in props:
        if incoming.get(prop) is None:
            raise ObjectError(400, f"'{prop}' property not provided")


def _name(value: Any, label: str) -> str:
    """A collection's or search's name: a non-empty string, trimmed and NFC-normalised."""
    if not isinstance(value, str):
        raise ObjectError(400, "'name' must be a string")
    name = collection_name(value)
    if not name:
        raise ObjectError(400, f"{label} name cannot be empty")
    return name


def _check_condition(condition: Any) -> None:
    if not isinstance(condition, dict):
        condition = {}  # PHP's isset($condition->prop) is false on a non-object
    for prop in _CONDITION_LIMITS:
        if prop not in condition:
            raise ObjectError(400, f"'{prop}' property not provided for search condition")
    for prop, value in condition.items():
        if prop not in _CONDITION_LIMITS:
            raise ObjectError(400, f"Invalid property '{prop}' for search condition")
        if not isinstance(value, str):
            raise ObjectError(400, f"'{prop}' must be a string")
        if value == "" and prop != "value":
            raise ObjectError(400, f"Search {prop} cannot be empty")
        if len(value.encode("utf-8")) > _CONDITION_LIMITS[prop]:
            limit = _CONDITION_LIMITS[prop]
            raise ObjectError(400, f"Search {prop} cannot be longer than {limit} characters")


def item_template(schema: Schema, item_type: str, link_mode: str | None) -> dict[str, Any]:
    """What ``GET /items/new?itemType=...`` answers (the editable JSON of a new item)."""
    data: dict[str, Any] = {"itemType": item_type}
    if item_type == "attachment":
        data["linkMode"] = link_mode
    for name in schema.fields_by_type[item_type]:
        data[name] = ""
        if name == "title" and schema.creator_types.get(item_type):
            primary = schema.primary_creator.get(item_type, "author")
            data["creators"] = [{"creatorType": primary, "firstName": "", "lastName": ""}]
    if item_type in ("note", "attachment"):
        data["note"] = ""
    if item_type == "attachment":
        data.update({"contentType": "", "charset": ""})
        if link_mode and (link_mode.startswith("imported") or link_mode == "embedded_image"):
            data.update({"filename": "", "md5": None, "mtime": None})
        if link_mode == "linked_file":
            data["path"] = ""
    data["tags"] = []
    if item_type not in ("attachment", "annotation"):
        data["collections"] = []
    data["relations"] = {}
    return data
