"""Export a list's section (or a Zotero collection) as BibTeX, BibLaTeX or CSL-JSON.

Two sources of the same items: the canonical entries through the mapping (what a sync puts in
Zotero: no network needed), or the Zotero library itself (teammates' items not yet pulled
included).  Collection paths are a section's path below the list's root collection
(``Research Areas/Multimodal Fusion``); a path selects its sub-sections too.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from zotsync.bibliography import (
    ExportOptions,
    ZoteroFields,
    bib_entry,
    csl_item,
    render_bib,
    render_csl,
)
from zotsync.citekey import KeyAllocator, base_key
from zotsync.errors import UserError
from zotsync.frame import ReadingList
from zotsync.mapping import Mapping
from zotsync.model import SectionPath
from zotsync.plan import desired_library

FORMATS = ("bibtex", "biblatex", "csljson")


@cache
def zotero_fields() -> ZoteroFields:
    data = resources.files("zotsync").joinpath("data/zotero-fields.json").read_text("utf-8")
    return ZoteroFields.from_dict(json.loads(data))


@dataclass(frozen=True, slots=True)
class Keyed:
    """An item to export and its citation key."""

    key: str
    data: dict[str, Any]


def parse_path(text: str | None) -> SectionPath:
    """``"Research Areas/Multimodal Fusion"`` -> its section path; ``None`` or ``""``: root."""
    if not text:
        return ()
    return tuple(part.strip() for part in text.strip().strip("/").split("/") if part.strip())


def unknown_collection(path: SectionPath, known: Iterable[SectionPath], where: str) -> UserError:
    names = sorted({"/".join(p) for p in known if p})
    wanted = "/".join(path)
    close = difflib.get_close_matches(wanted, names, n=5, cutoff=0.5)
    if not close:
        leaf = path[-1].casefold() if path else ""
        close = [n for n in names if leaf and leaf in n.casefold()][:5]
    hint = f"; did you mean: {', '.join(repr(c) for c in close)}" if close else ""
    return UserError(f"{where}: no collection {wanted!r}{hint} (collections: {len(names)})")


def section_paths(reading_list: ReadingList) -> set[SectionPath]:
    """Every section path and its ancestors (a parent is a collection even if it is empty)."""
    paths: set[SectionPath] = set()
    for section in reading_list.sections:
        for depth in range(1, len(section.path) + 1):
            paths.add(section.path[:depth])
    return paths


def from_entries(
    reading_list: ReadingList,
    mapping: Mapping,
    list_name: str,
    root: str,
    path: SectionPath,
) -> list[Keyed]:
    """The items a sync makes of the entries of ``path`` and its sub-sections (an entry
    listed twice with the same content is one item, exported once)."""
    desired = desired_library(reading_list, mapping, root, list_name)
    chosen = []
    for item in desired.items.values():
        if any(section[: len(path)] == path for section in item.sections):
            chosen.append(Keyed(str(item.fields.get("citationKey", "")), item.fields))
    return chosen


def keyed_items(items: Iterable[dict[str, Any]], taken: Iterable[str] = ()) -> list[Keyed]:
    """Zotero items with their ``citationKey``, or a key made by the default formula when
    they have none (or share one with an earlier item)."""
    items = sorted(items, key=lambda i: (str(i.get("dateAdded", "")), str(i.get("key", ""))))
    allocator = KeyAllocator(taken)
    keyed: list[Keyed] = []
    missing = []
    for data in items:
        key = str(data.get("citationKey", "")).strip()
        if key and allocator.claim(key):
            keyed.append(Keyed(key, data))
        else:
            missing.append(data)
    for data in missing:
        title, date = str(data.get("title", "")), str(data.get("date", ""))
        key = allocator.allocate(base_key(data.get("creators", []), title, date))
        keyed.append(Keyed(key, data))
    return keyed


def render(items: Iterable[Keyed], fmt: str, options: ExportOptions | None = None) -> str:
    """The export file's text: deterministic, sorted by citation key."""
    fields = zotero_fields()
    if fmt == "csljson":
        return render_csl(csl_item(i.data, i.key, fields) for i in items)
    options = options or ExportOptions(format=fmt)
    return render_bib(bib_entry(i.data, i.key, options, fields) for i in items)


def from_zotero(
    collections: list[dict[str, Any]],
    read_items: Any,
    root: str,
    path: SectionPath,
    where: str,
    root_key: str | None = None,
) -> list[Keyed]:
    """The items of the collection at ``path`` below the root collection and of its
    sub-collections.  ``read_items(key)`` reads one collection's top-level items; the root is
    ``root_key`` (from the sync state) when Zotero still has it, else the top-level
    collection named ``root``."""
    children: dict[str, list[dict[str, Any]]] = {}
    by_key = {str(c["key"]): c for c in collections}
    for collection in collections:
        parent = collection.get("parentCollection") or ""
        children.setdefault(str(parent), []).append(collection)
    if root_key not in by_key:
        tops = [c for c in children.get("", []) if c.get("name") == root]
        if not tops:
            raise UserError(f"{where}: no collection {root!r} (run `zotsync sync` first)")
        root_key = str(min(tops, key=lambda c: str(c["key"]))["key"])
    assert root_key is not None

    def paths(key: str, prefix: SectionPath) -> Iterable[tuple[SectionPath, str]]:
        for child in sorted(children.get(key, []), key=lambda c: str(c["key"])):
            child_path = (*prefix, str(child.get("name", "")))
            yield child_path, str(child["key"])
            yield from paths(str(child["key"]), child_path)

    tree = dict(paths(root_key, ()))
    tree[()] = root_key
    if path not in tree:
        raise unknown_collection(path, tree, where)
    selected = [key for p, key in tree.items() if p[: len(path)] == path]
    items: dict[str, dict[str, Any]] = {}
    for key in selected:
        for data in read_items(key):
            items.setdefault(str(data["key"]), data)
    return keyed_items(items.values())
