"""The README and the entries, reconciled three-way against their last agreed form (pure).

Both files of a list are edited: pull requests edit the README by hand, others edit the
YAML entries, a sync pulls teammates' changes into the entries.  The *Markdown base*,
committed with the entries, records each entry's Markdown text (with its section) as
the README showed it when the two last agreed (at a render or an ingest), as a digest.
Against it each entry tells which side changed it:

============================  ==============================================
README text vs base / entries  outcome
============================  ==============================================
README = entries               agree (the entries' version: it keeps the fields
                               the style does not show)
README = base                  the entries changed it: theirs
entries = base                 the README changed it: the README's, with the
                               entries' values of the fields the style does not show
neither                        a conflict (both texts reported), unless preferred
============================  ==============================================

An entry only in the entries is a new one there (not in the base) or one the README
dropped (in it); an entry only in the README is new there.  The frame (headings, prose)
is taken the same way, as a whole.  The README gives the order; entries the YAML added
or moved follow their section's last entry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from zotsync.core.document import ReadingList, SectionMark, Verbatim
from zotsync.core.entries import CONTENT_FIELDS, Entry, Section

EntryText = Callable[[Entry, Section], str]

README, ENTRIES = "readme", "entries"


@dataclass(frozen=True, slots=True)
class MarkdownBase:
    """Digests of each entry's Markdown (with its section) and of the frame, as the README
    last agreed with the entries."""

    entries: Mapping[str, str]
    frame: str


@dataclass(frozen=True, slots=True)
class Disagreement:
    """An entry (or the frame, ``entry_id`` "") changed differently on both sides: its
    README text and its entries' text (None where that side removed it)."""

    entry_id: str
    readme: str | None
    entries: str | None


@dataclass(slots=True)
class Reconciled:
    reading_list: ReadingList
    from_readme: list[str] = field(default_factory=list)  # changed in the README, taken
    from_entries: list[str] = field(default_factory=list)  # changed in the entries, kept
    dropped: list[str] = field(default_factory=list)  # removed in the README
    conflicts: list[Disagreement] = field(default_factory=list)
    base: MarkdownBase | None = None  # the new base: what the two now agree on


def digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()[:16]


def entry_digest(slug: str, text: str) -> str:
    """An entry's Markdown text in its section (a move is a change)."""
    return digest(f"{slug}\n{text}")


def known_texts(base: MarkdownBase) -> Callable[[str, str], list[str]]:
    """(section slug, text) -> the ids of the entries the base says had that text there."""
    by_digest: dict[str, list[str]] = {}
    for entry_id, value in base.entries.items():
        by_digest.setdefault(value, []).append(entry_id)
    return lambda slug, text: by_digest.get(entry_digest(slug, text), [])


def frame_digest(reading_list: ReadingList) -> str:
    """The frame's own lines (headings, prose, section marks) and the sections' paths, not
    where entries sit."""
    parts = [
        line.text if isinstance(line, Verbatim) else f"\x00{line.slug}"
        for line in reading_list.frame
        if isinstance(line, Verbatim | SectionMark)
    ]
    parts += [f"\x01{s.slug}\x02{chr(3).join(s.path)}" for s in reading_list.sections]
    return digest("".join(parts))


def base_of(reading_list: ReadingList, entry_text: EntryText) -> MarkdownBase:
    return MarkdownBase(
        {e.id: entry_digest(s.slug, entry_text(e, s)) for s, e in reading_list.entries()},
        frame_digest(reading_list),
    )


def reconcile(
    readme: ReadingList,
    entries: ReadingList,
    base: MarkdownBase,
    entry_text: EntryText,
    prefer: str | None = None,
) -> Reconciled:
    """One list from both sides (see the module docstring).  ``readme`` is the README read
    and matched to ``entries`` (ids kept); ``prefer`` (README or ENTRIES) settles conflicts."""
    result = Reconciled(readme)
    theirs = {e.id: (s, e) for s, e in entries.entries()}
    chosen: dict[str, tuple[Section, Entry, str]] = {}  # id -> (section, entry, its text)
    for section, mine in readme.entries():
        text = entry_text(mine, section)
        if mine.id not in theirs:
            if mine.id not in base.entries:
                chosen[mine.id] = (section, mine, text)  # new in the README
            elif base.entries[mine.id] != entry_digest(section.slug, text) and (
                _settle(result, mine.id, text, None, prefer) == README
            ):  # edited in the README, removed in the entries
                result.from_readme.append(mine.id)
                chosen[mine.id] = (section, mine, text)
            # else: the entries removed it, the README still has it as it was: it goes
            continue
        their_section, their = theirs[mine.id]
        their_text = entry_text(their, their_section)
        side = _side(
            entry_digest(section.slug, text),
            entry_digest(their_section.slug, their_text),
            base,
            mine.id,
        )
        side = side if side is not None else _settle(result, mine.id, text, their_text, prefer)
        if side == ENTRIES:
            if entry_digest(section.slug, text) != entry_digest(their_section.slug, their_text):
                result.from_entries.append(mine.id)
            chosen[mine.id] = (their_section, their, their_text)
        else:
            result.from_readme.append(mine.id)
            chosen[mine.id] = (section, _keep_unshown(mine, their, section, entry_text), text)
    for their_section, their in entries.entries():
        if their.id in chosen:
            continue
        their_text = entry_text(their, their_section)
        if their.id not in base.entries:  # new in the entries
            result.from_entries.append(their.id)
            chosen[their.id] = (their_section, their, their_text)
        elif base.entries[their.id] == entry_digest(their_section.slug, their_text):
            result.dropped.append(their.id)  # the README removed it
        elif _settle(result, their.id, None, their_text, prefer) == ENTRIES:
            result.from_entries.append(their.id)
            chosen[their.id] = (their_section, their, their_text)
    frame = _frame(readme, entries, base, result, prefer)
    result.reading_list = _assemble(readme, entries, frame, chosen, entry_text)
    # Each entry now writes its chosen text (see _assemble): the base without rendering again.
    homes = {e.id: s.slug for s, e in result.reading_list.entries()}
    result.base = MarkdownBase(
        {i: entry_digest(homes[i], text) for i, (_, _, text) in chosen.items() if i in homes},
        frame_digest(result.reading_list),
    )
    return result


def _side(readme: str, entries: str, base: MarkdownBase, entry_id: str) -> str | None:
    """Which side's version an entry takes, or None for a conflict."""
    if readme == entries or base.entries.get(entry_id) == readme:
        return ENTRIES
    if base.entries.get(entry_id) == entries:
        return README
    return None


def _settle(
    result: Reconciled, entry_id: str, readme: str | None, entries: str | None, prefer: str | None
) -> str:
    if prefer is None:
        result.conflicts.append(Disagreement(entry_id, readme, entries))
        return ENTRIES  # held as the entries have it; nothing is written with a conflict
    return prefer


def _keep_unshown(mine: Entry, their: Entry, section: Section, entry_text: EntryText) -> Entry:
    """The README's version of an entry, with the entries' values of the fields its
    section's style does not show (seed 000's authors, an alias): the README cannot have
    changed what it does not show.  Fields the Markdown never carries (tags, citation
    key, who added it) come from the entries already."""
    plain = replace(mine, markdown="")
    shown = entry_text(plain, section)
    kept: dict[str, Any] = {}
    for name in CONTENT_FIELDS:
        value = getattr(their, name)
        if getattr(mine, name) == value:
            continue
        if entry_text(replace(plain, **{name: value}), section) == shown:
            kept[name] = value
    return replace(mine, **kept) if kept else mine


def _frame(
    readme: ReadingList,
    entries: ReadingList,
    base: MarkdownBase,
    result: Reconciled,
    prefer: str | None,
) -> ReadingList:
    """The list whose frame the result takes."""
    mine, theirs = frame_digest(readme), frame_digest(entries)
    if mine == theirs or base.frame == theirs:
        return readme
    if base.frame == mine:
        return entries
    if prefer is None:
        result.conflicts.append(Disagreement("", None, None))
    return entries if prefer == ENTRIES else readme


def _assemble(
    readme: ReadingList,
    entries: ReadingList,
    frame: ReadingList,
    chosen: dict[str, tuple[Section, Entry, str]],
    entry_text: EntryText,
) -> ReadingList:
    """The chosen entries in the README's order, each in its chosen section; sections the
    entries have and the README does not follow.  An entry keeps its Markdown source only
    where its section's style does not write its chosen text."""
    ids = dict.fromkeys(e.id for _, e in readme.entries() if e.id in chosen)
    ids.update(dict.fromkeys(e.id for _, e in entries.entries() if e.id in chosen))
    placed = [chosen[entry_id] for entry_id in ids]
    # The sections of the side whose frame is taken, then the other side's that hold an
    # entry (a section renamed on one side leaves no empty one behind).
    other = entries if frame is readme else readme
    used = {section.slug for section, _, _ in placed}
    order = list(frame.sections)
    order += [s for s in other.sections if s.slug in used and s.slug not in {o.slug for o in order}]
    by_section: dict[str, list[Entry]] = {s.slug: [] for s in order}
    styles = {s.slug: s for s in order}
    for section, entry, text in placed:
        home = styles[section.slug]
        if home is section and not entry.markdown:  # its text was written in this very style
            by_section[home.slug].append(entry)
            continue
        plain = replace(entry, markdown="")
        by_section[home.slug].append(
            plain if entry_text(plain, home) == text else replace(entry, markdown=text)
        )
    sections = tuple(replace(s, entries=tuple(by_section[s.slug])) for s in order)
    return ReadingList(frame.frame, sections, frame.newline, frame.final_newline)
