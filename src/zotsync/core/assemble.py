"""Turn a parsed Markdown list into canonical entries, matched against the existing ones (pure).

Re-ingesting an edited README must keep ids: each parsed entry is matched to an existing entry
in three passes, each taking existing entries in list order so that repeated papers pair up in
order: (1) same section and same content, (2) same content elsewhere (a move), (3) a shared
identity key, strongest first (arXiv id, DOI, OpenReview id, normalised URL, title + year).
What the Markdown does not carry (tags, citation keys) is kept from the matched entry.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from zotsync.core.document import FrameLine, ReadingList, Slot
from zotsync.core.entries import Entry, EntryContent, IdAllocator, Section, identity_keys

if TYPE_CHECKING:  # the reader's result type only; ingest does no Markdown work itself
    from zotsync.adapters.markdown_list import ParsedItem, ParsedList


@dataclass(slots=True)
class IngestReport:
    added: list[str] = field(default_factory=list)
    changed: list[tuple[str, list[str]]] = field(default_factory=list)
    moved: list[tuple[str, str, str]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def touched(self) -> bool:
        return bool(self.added or self.changed or self.moved or self.removed)

    @property
    def edited(self) -> list[str]:
        """Entries added, changed or removed (a move alone is no edit of an entry)."""
        return [entry_id for entry_id, _ in self.changed] + self.added + self.removed


def build_list(
    parsed: ParsedList,
    existing: ReadingList | None,
    known: Callable[[str, str], list[str]] | None = None,
) -> tuple[ReadingList, IngestReport]:
    """Entries of a parsed list, with the ids of the ``existing`` ones they are.  ``known``
    (section slug, item text) -> entry ids names the items the README has not changed since
    it last agreed with the entries: those are matched first (a text listed twice to its
    entries in list order), whatever the entries now say (a title pulled from Zotero)."""
    report = IngestReport()
    old: list[tuple[Section, Entry]] = list(existing.entries()) if existing else []
    claimed: list[bool] = [False] * len(old)

    by_section_content: dict[tuple[str, EntryContent], deque[int]] = defaultdict(deque)
    by_content: dict[EntryContent, deque[int]] = defaultdict(deque)
    by_key: dict[str, deque[int]] = defaultdict(deque)
    for index, (section, entry) in enumerate(old):
        content = entry.content()
        by_section_content[(section.slug, content)].append(index)
        by_content[content].append(index)
        for key in identity_keys(content):
            by_key[key].append(index)

    def take(queue: deque[int] | None) -> int | None:
        while queue:
            index = queue.popleft()
            if not claimed[index]:
                claimed[index] = True
                return index
        return None

    section_of: dict[int, str] = {}
    for parsed_section in parsed.sections:
        for item in parsed_section.items:
            section_of[id(item)] = parsed_section.slug
    match: dict[int, int] = {}
    items = parsed.items

    def same_place(item: ParsedItem) -> list[deque[int] | None]:
        return [by_section_content.get((section_of[id(item)], item.parsed.content))]

    def same_content(item: ParsedItem) -> list[deque[int] | None]:
        return [by_content.get(item.parsed.content)]

    def same_identity(item: ParsedItem) -> list[deque[int] | None]:
        return [by_key.get(key) for key in identity_keys(item.parsed.content)]

    index_of = {entry.id: n for n, (_, entry) in enumerate(old)}
    gone_ids: dict[int, str] = {}  # items the base knows as entries the list no longer has
    for n, item in enumerate(items if known is not None else ()):
        listed = known(section_of[id(item)], item.text) if known is not None else []
        places = sorted(index_of[i] for i in listed if i in index_of)
        found = next((place for place in places if not claimed[place]), None)
        if found is not None:
            claimed[found] = True
            match[n] = found
        elif (gone := next((i for i in listed if i not in index_of), None)) is not None:
            gone_ids[n] = gone  # keeps its id: the reconciliation sees the entries dropped it

    for candidates in (same_place, same_content, same_identity) if old else ():
        for n, item in enumerate(items):
            if n in match:
                continue
            for queue in candidates(item):
                found = take(queue)
                if found is not None:
                    match[n] = found
                    break

    allocator = IdAllocator(entry.id for _, entry in old)
    ids: list[str] = []
    entries_by_item: dict[int, Entry] = {}
    for n, item in enumerate(items):
        slug = section_of[id(item)]
        content = item.parsed.content
        markdown = item.markdown
        if n in match:
            old_section, old_entry = old[match[n]]
            entry = replace(old_entry.with_content(content), markdown=markdown)
            changed = old_entry.content().changed_fields(content)
            if changed:
                report.changed.append((entry.id, changed))
            if old_section.slug != slug:
                report.moved.append((entry.id, old_section.slug, slug))
            if not changed and old_section.slug == slug:
                report.unchanged.append(entry.id)
        else:
            new_id = gone_ids.get(n)
            if new_id is None or new_id in allocator.taken:
                new_id = allocator.allocate(content.title, content.year)
            allocator.taken.add(new_id)
            entry = Entry.from_content(new_id, content, markdown)
            report.added.append(entry.id)
        ids.append(entry.id)
        entries_by_item[id(item)] = entry
    report.removed = [entry.id for index, (_, entry) in enumerate(old) if not claimed[index]]

    frame: list[FrameLine] = []
    for line in parsed.frame:
        if isinstance(line, Slot):
            frame.append(Slot(line.prefix, ids[int(line.entry_id[1:])], line.terminator))
        else:
            frame.append(line)
    sections = tuple(
        Section(
            slug=section.slug,
            path=section.path,
            entries=tuple(entries_by_item[id(item)] for item in section.items),
            style=section.style,
        )
        for section in parsed.sections
    )
    return (
        ReadingList(tuple(frame), sections, parsed.newline, parsed.final_newline),
        report,
    )
