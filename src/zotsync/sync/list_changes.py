"""Apply what a sync brings from Zotero to the reading list (pure).

Entries pulled (fields a teammate edited), moved (to the section of the collection a teammate
put the item in), added (items a teammate filed into the list's collections: appended to their
section, so they render after its last entry, in its style), copied or dropped (an item a
teammate filed in several of the list's collections is an entry in each section), removed
(``--prune`` after a deletion in Zotero), and sections added (sub-collections a teammate made).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from zotsync.core.document import ReadingList
from zotsync.core.entries import Entry, EntryStyle, Section, SectionPath, section_slug
from zotsync.core.resection import resection
from zotsync.sync.actions import Change, LocalChange


def apply_changes(reading_list: ReadingList, changes: list[LocalChange]) -> ReadingList:
    sections: dict[SectionPath, list[Entry]] = {
        s.path: list(s.entries) for s in reading_list.sections
    }
    meta = {s.path: s for s in reading_list.sections}
    styles = Counter(s.style for s in reading_list.sections)
    default_style = styles.most_common(1)[0][0] if styles else EntryStyle()
    taken = {s.slug for s in reading_list.sections}

    def ensure(path: SectionPath) -> None:
        if path not in sections:
            slug = section_slug(path, taken)
            taken.add(slug)
            parent = meta.get(path[:-1])
            style = parent.style if parent is not None else default_style
            meta[path] = Section(slug, path, (), style)
            sections[path] = []

    def locate(entry_id: str) -> tuple[SectionPath, int] | None:
        for path, entries in sections.items():
            for n, entry in enumerate(entries):
                if entry.id == entry_id:
                    return path, n
        return None

    for change in changes:
        if change.section is not None:
            ensure(change.section)
        found = locate(change.entry_id) if change.entry_id else None
        if change.action is Change.UPDATE and found and change.entry is not None:
            path, n = found
            old = sections[path][n]
            sections[path][n] = replace(
                old.with_content(change.entry.content()), tags=change.entry.tags
            )
        elif change.action is Change.MOVE and found and change.section is not None:
            path, n = found
            entry = sections[path].pop(n)
            sections[change.section].append(entry)
        elif change.action in (Change.ADD, Change.COPY) and not found and change.entry is not None:
            assert change.section is not None
            sections[change.section].append(change.entry)
        elif change.action in (Change.REMOVE, Change.DROP) and found:
            path, n = found
            sections[path].pop(n)

    ordered = [s.path for s in reading_list.sections] + [
        p for p in sections if p not in {s.path for s in reading_list.sections}
    ]
    new_sections = tuple(
        Section(meta[path].slug, path, tuple(sections[path]), meta[path].style) for path in ordered
    )
    result = ReadingList(
        reading_list.frame, new_sections, reading_list.newline, reading_list.final_newline
    )
    # Last: the other changes name sections by the paths they had before.
    for change in changes:
        renamed = change.action is Change.RESECTION
        if renamed and change.section is not None and change.to is not None:
            result = resection(result, change.section, change.to)
    return result
