"""The library a list asks for: a collection per section, an item per entry."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from zotsync.core.document import ReadingList, navigation_sections
from zotsync.core.entries import Entry, SectionPath, paper_identity
from zotsync.core.mapping import Mapping, section_item_fields
from zotsync.core.stored import collection_name

ROOT: SectionPath = ()  # the list's root collection


@dataclass(frozen=True)
class DesiredItem:
    entry_id: str
    fields: dict[str, Any]
    sections: tuple[SectionPath, ...]
    links: tuple[tuple[str, str], ...]
    also: tuple[str, ...] = ()  # other listings of the paper (same text or identifier)
    entry: Entry | None = None
    # Every entry of this item and its section, this one first: a paper listed in several
    # sections is one item in several collections.
    members: tuple[tuple[Entry, SectionPath], ...] = ()


@dataclass(frozen=True)
class Desired:
    collections: dict[SectionPath, str]  # path -> name (ROOT: the list's root collection)
    items: dict[str, DesiredItem]
    list_name: str = ""


def desired_library(
    reading_list: ReadingList, mapping: Mapping, root_name: str, list_name: str
) -> Desired:
    """The library the list asks for: a collection per section under the root (not for a
    table of contents), an item per paper: entries with the same text, or the same arXiv
    id, DOI, OpenReview id or URL share one item, whose fields the first of them gives."""
    collections: dict[SectionPath, str] = {ROOT: collection_name(root_name)}
    navigation = navigation_sections(reading_list)
    for section in reading_list.sections:
        if section.slug in navigation:
            continue  # a table of contents: no collection
        for depth in range(1, len(section.path) + 1):
            collections.setdefault(section.path[:depth], collection_name(section.path[depth - 1]))
    items: dict[str, DesiredItem] = {}
    by_content: dict[Any, str] = {}
    by_identity: dict[str, str] = {}
    for section, entry in reading_list.entries():
        content = entry.content()
        identity = paper_identity(content.url)
        # By identifier alone, not also by title: a title edited on one side must not
        # split a paper's entries into two items (``check`` reports titles that differ).
        owner = by_content.get(content) or (by_identity.get(identity) if identity else None)
        if identity is not None:
            by_identity.setdefault(identity, owner or entry.id)
        if owner is not None:
            first = items[owner]
            sections = (
                first.sections
                if section.path in first.sections
                else (*first.sections, section.path)
            )
            items[owner] = replace(
                first,
                sections=sections,
                also=(*first.also, entry.id),
                members=(*first.members, (entry, section.path)),
            )
            continue
        by_content[content] = entry.id
        items[entry.id] = DesiredItem(
            entry.id,
            section_item_fields(entry, section.path, mapping, list_name),
            (section.path,),
            entry.links,
            entry=entry,
            members=((entry, section.path),),
        )
    return Desired(collections, items, list_name)
