"""What Zotero's server stores of what we send: its normalisation on write, applied first.

api.zotero.org trims field values (``Item::setField``), Unicode-trims creator names and
rejects nameless creators (``Items::validateJSONItem``), ignores empty tags and stores
collection names trimmed and NFC (``DataObject.inc.php``).  Sending what it would store
anyway means the item read back is the item sent: a trimmed title or an NFC heading is
never mistaken for a teammate's edit, and a nameless author never fails the write.
"""

from __future__ import annotations

import unicodedata
from typing import Any

# PHP's trim(): the characters Item::setField and the tag code strip.
PHP_TRIM = " \t\n\r\0\x0b"


def _edge(char: str) -> bool:
    # Python's non-printable characters are exactly the categories Z* and C*, bar " ".
    return char == " " or not char.isprintable()


def unicode_trim(text: str) -> str:
    """Zotero_Utilities::unicodeTrim: separators and control/format characters (\\pZ\\pC)."""
    start, end = 0, len(text)
    while start < end and _edge(text[start]):
        start += 1
    while end > start and _edge(text[end - 1]):
        end -= 1
    return text[start:end]


def collection_name(name: str) -> str:
    """A collection name as Zotero stores it: trimmed, NFC (a heading typed on macOS is NFD)."""
    return unicodedata.normalize("NFC", name.strip(PHP_TRIM))


def as_stored(fields: dict[str, Any]) -> dict[str, Any]:
    """An item's fields as the server will store them (a new dict)."""
    stored: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "creators":
            stored[name] = _creators(value)
        elif name == "tags":
            stored[name] = _tags(value)
        elif isinstance(value, str):
            stored[name] = value.strip(PHP_TRIM)
        else:
            stored[name] = value
    return stored


def _creators(creators: list[dict[str, str]]) -> list[dict[str, str]]:
    kept = []
    for creator in creators:
        trimmed = {k: (unicode_trim(v) if k != "creatorType" else v) for k, v in creator.items()}
        if any(trimmed.get(part) for part in ("name", "firstName", "lastName")):
            kept.append(trimmed)
    return kept


def _tags(tags: list[dict[str, Any]]) -> list[dict[str, Any]]:
    kept: list[dict[str, Any]] = []
    seen = set()
    for tag in tags:
        name = str(tag.get("tag", "")).strip(PHP_TRIM)
        if name and (name, tag.get("type", 0)) not in seen:
            seen.add((name, tag.get("type", 0)))
            kept.append({**tag, "tag": name})
    return kept
