"""Zotero's item schema (``schema.json``), as the sandbox validates and templates with it.

The schema is not shipped with zotsync: its repository (zotero/zotero-schema) carries no
licence, so we read it from where the user has it: ``--schema FILE``, ``ZOTSYNC_SCHEMA``, or a
``zotero-schema.json`` in ``../shared`` (the workplace layout) or the current folder.  Download
it from https://api.zotero.org/schema when none of these exists.
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
        )


def find_schema(explicit: Path | None = None) -> Path:
    """Where the schema is: explicit path, $ZOTSYNC_SCHEMA, ../shared or ./ (see module doc)."""
    candidates: list[Path] = []
    if explicit is not None:
        candidates.append(explicit)
    elif os.environ.get(SCHEMA_ENV):
        candidates.append(Path(os.environ[SCHEMA_ENV]))
    else:
        here = Path.cwd().resolve()
        for folder in (here, *here.parents):
            candidates.append(folder / SCHEMA_NAME)
            candidates.append(folder.parent / "shared" / SCHEMA_NAME)
        package_repo = Path(__file__).resolve().parents[3]
        candidates.append(package_repo.parent / "shared" / SCHEMA_NAME)
    for path in candidates:
        if path.is_file():
            return path
    where = candidates[0] if explicit or os.environ.get(SCHEMA_ENV) else "../shared or ."
    raise UserError(
        f"the sandbox needs Zotero's item schema and found none in {where}: download "
        f"https://api.zotero.org/schema to {SCHEMA_NAME}, then pass --schema FILE or set "
        f"{SCHEMA_ENV}"
    )


def load_schema(explicit: Path | None = None) -> Schema:
    path = find_schema(explicit)
    try:
        return Schema.from_bytes(path.read_bytes())
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise UserError(f"{path}: not a Zotero schema.json ({error})") from None
