"""Zotero's item schema (``schema.json``), as the sandbox validates and templates with it.

The schema itself is not shipped with zotsync (its repository, zotero/zotero-schema, carries
no licence); the facts of it the sandbox needs are (``data/sandbox-schema.json``: item types,
their fields and base fields, creator types, English names), so the embedded sandbox works
offline from the first run.  A full schema is read where the user has one: ``--schema FILE``,
``ZOTSYNC_SCHEMA`` (a file, or https://api.zotero.org/schema to fetch it once into the user
cache), a ``zotero-schema.json`` in the current folder or a parent (or their ``../shared``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zotsync.errors import UserError

SCHEMA_ENV = "ZOTSYNC_SCHEMA"
SCHEMA_NAME = "zotero-schema.json"

# Properties of attachment and note items that are not schema fields (Items.inc.php).
ATTACHMENT_PROPERTIES = (
    "linkMode",
    "note",
    "contentType",
    "charset",
    "filename",
    "md5",
    "mtime",
    "path",
)
LINK_MODES = ("imported_file", "imported_url", "linked_file", "linked_url", "embedded_image")
FILE_PROPERTIES = ("filename", "md5", "mtime")
ANNOTATION_PROPERTIES = [
    "annotationType",
    "annotationAuthorName",
    "annotationText",
    "annotationComment",
    "annotationColor",
    "annotationPageLabel",
    "annotationSortIndex",
    "annotationPosition",
    "annotationIsExternal",
]
CHILD_TYPES = ("note", "attachment", "annotation")


@dataclass(frozen=True)
class Schema:
    version: int
    item_types: tuple[str, ...]
    fields_by_type: dict[str, tuple[str, ...]]
    base_fields: dict[str, dict[str, str]]  # item type -> field -> base field
    creator_types: dict[str, tuple[str, ...]]
    primary_creator: dict[str, str]
    labels: dict[str, dict[str, str]]  # "itemTypes"/"fields"/"creatorTypes" -> name -> English
    raw: bytes = field(repr=False)
    date_fields: frozenset[str] = frozenset({"date"})  # stored as multipart dates

    def date_of(self, data: dict[str, Any]) -> str:
        """The item's date as typed: ``date`` or its type's field of base ``date``
        (``getField('date', includeBaseMapped)``, as meta.parsedDate and sorting read it)."""
        item_type = str(data.get("itemType", ""))
        for name, base in self.base_fields.get(item_type, {}).items():
            if base == "date":
                return str(data.get(name, ""))
        return str(data.get("date", ""))

    @property
    def all_fields(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for names in self.fields_by_type.values():
            seen.update(dict.fromkeys(names))
        return tuple(seen)

    def localized(self, kind: str, name: str) -> str:
        """English label of an item type, field or creator type (for the mapping endpoints)."""
        return self.labels.get(kind, {}).get(name, name)

    @classmethod
    def from_bytes(cls, raw: bytes) -> Schema:
        data = json.loads(raw)
        fields_by_type: dict[str, tuple[str, ...]] = {}
        base_fields: dict[str, dict[str, str]] = {}
        creator_types: dict[str, tuple[str, ...]] = {}
        primary: dict[str, str] = {}
        for entry in data["itemTypes"]:
            name = entry["itemType"]
            fields_by_type[name] = tuple(f["field"] for f in entry["fields"])
            base_fields[name] = {
                f["field"]: f["baseField"] for f in entry["fields"] if "baseField" in f
            }
            creator_types[name] = tuple(c["creatorType"] for c in entry["creatorTypes"])
            for creator in entry["creatorTypes"]:
                if creator.get("primary"):
                    primary[name] = creator["creatorType"]
        # ItemFields::isDate: a field of base ``date``, or one the schema types as a date.
        dates = {n for t in base_fields.values() for n, b in t.items() if b == "date"} | {"date"}
        typed = data.get("meta", {}).get("fields", {})
        dates |= {name for name, spec in typed.items() if spec.get("type") == "date"}
        english: Any = data.get("locales", {}).get("en-US", {})
        labels = {
            kind: dict(english.get(kind, {})) for kind in ("itemTypes", "fields", "creatorTypes")
        }
        return cls(
            labels=labels,
            version=int(data["version"]),
            item_types=tuple(fields_by_type),
            fields_by_type=fields_by_type,
            base_fields=base_fields,
            creator_types=creator_types,
            primary_creator=primary,
            raw=raw,
            date_fields=frozenset(dates),
        )


def user_cache() -> Path:
    """Where a downloaded schema is kept: ``$XDG_CACHE_HOME/zotsync`` (``~/.cache/zotsync``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "zotsync" / SCHEMA_NAME


def find_schema(
    explicit: Path | None = None,
    *,
    search: list[Path] | None = None,
    cache: Path | None = None,
) -> Path:
    """Where the schema is: explicit path, $ZOTSYNC_SCHEMA (a file, or Zotero's URL to fetch
    the full schema once into the user cache), this folder and its parents (and their
    ``../shared``), the user cache; else the facts of it shipped with zotsync (offline)."""
    if os.environ.get(SCHEMA_ENV, "").startswith(("https://", "http://")) and explicit is None:
        cache = cache or user_cache()
        return cache if cache.is_file() else _download(os.environ[SCHEMA_ENV], cache)
    if explicit is not None or os.environ.get(SCHEMA_ENV):
        path = explicit if explicit is not None else Path(os.environ[SCHEMA_ENV])
        if path.is_file():
            return path
        raise UserError(
            f"{path}: no such file (Zotero's item schema, see `zotsync sandbox serve --help`)"
        )
    cache = cache or user_cache()
    if search is None:
        here = Path.cwd().resolve()
        search = []
        for folder in (here, *here.parents):
            search += [folder / SCHEMA_NAME, folder.parent / "shared" / SCHEMA_NAME]
        package_repo = Path(__file__).resolve().parents[3]
        search.append(package_repo.parent / "shared" / SCHEMA_NAME)
    for path in [*search, cache]:
        if path.is_file():
            return path
    return shipped()


def shipped() -> Path:
    """The facts of the schema the sandbox needs, shipped as package data (derived from
    Zotero's schema by tests/zotero_fields_gen.py --sandbox; a test keeps them equal)."""
    from importlib import resources

    return Path(str(resources.files("zotsync").joinpath("data/sandbox-schema.json")))


def _download(url: str, cache: Path) -> Path:
    import sys
    import urllib.error
    import urllib.request

    from zotsync.adapters.files import atomic_write

    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            data = response.read()
        Schema.from_bytes(data)
    except (OSError, urllib.error.URLError, ValueError, KeyError, TypeError) as error:
        raise UserError(
            f"the sandbox needs Zotero's item schema: none in ../shared or ., and {url} could "
            f"not be read ({error}); download it to {SCHEMA_NAME} in this folder or set "
            f"{SCHEMA_ENV}=FILE (`zotsync sandbox serve` also takes --schema FILE)"
        ) from None
    atomic_write(cache, data)
    sys.stderr.write(f"zotsync: fetched Zotero's item schema from {url} into {cache}\n")
    return cache


def load_schema(explicit: Path | None = None) -> Schema:
    path = find_schema(explicit)
    try:
        return Schema.from_bytes(path.read_bytes())
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise UserError(f"{path}: not a Zotero schema.json ({error})") from None
