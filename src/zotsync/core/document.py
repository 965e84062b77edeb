"""The list frame: everything in a list that is not an entry, kept verbatim (pure).

A frame is a sequence of lines of three kinds:

- :class:`Verbatim`, a source line with its own line terminator, re-emitted as it is;
- :class:`Slot`, the place of an entry: the list bullet before it (``"- "``, ``"1. "``, or
  nothing for a paragraph) and the line terminator after it;
- :class:`SectionMark`, "the lines from here on belong to section ``slug``" (emits nothing).

On disk (``frame.md``) a slot is ``PREFIX<!-- zotsync:entry ID -->`` and a mark is
``<!-- zotsync:section SLUG -->`` on a line of its own, so the file reads like the list.
A source line that happens to contain ``<!-- zotsync`` is escaped with one backslash.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import pairwise

from zotsync.core.entries import Entry, Section
from zotsync.core.escape import markdown_heading


@dataclass(frozen=True, slots=True)
class Verbatim:
    text: str


@dataclass(frozen=True, slots=True)
class Slot:
    prefix: str
    entry_id: str
    terminator: str


@dataclass(frozen=True, slots=True)
class SectionMark:
    slug: str


FrameLine = Verbatim | Slot | SectionMark


@dataclass(frozen=True, slots=True)
class ReadingList:
    """A whole list: its frame and its sections (with their entries and styles)."""

    frame: tuple[FrameLine, ...]
    sections: tuple[Section, ...]
    newline: str = "\n"
    final_newline: bool = True

    def entries(self) -> Iterable[tuple[Section, Entry]]:
        for section in self.sections:
            for entry in section.entries:
                yield section, entry


# --------------------------------------------------------------------------- frame.md

LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_SLOT = re.compile(r"^(?P<prefix>.*)<!-- zotsync:entry (?P<id>[^ ]+) -->(?P<end>\r\n|\r|\n)?$")
_MARK = re.compile(r"^<!-- zotsync:section (?P<slug>[^ ]+) -->(?:\r\n|\r|\n)?$")
_NO_FINAL_NEWLINE = "<!-- zotsync:no-final-newline -->\n"
_ESCAPE_PLAIN = re.compile(r"<!-- zotsync(\\*)(?=[ :])")
_UNESCAPE_PLAIN = re.compile(r"<!-- zotsync\\(\\*)(?=[ :])")


_ANCHOR_LINK = re.compile(r"\[[^\[\]]*\]\(#[^()\s]*\)")
_NAV_LEFTOVER = re.compile(r"^[\s\-+*\d.)|:,·•>]*$")


def navigation_sections(reading_list: ReadingList) -> frozenset[str]:
    """Sections that only navigate the list: no entries in them or under them, and their
    own lines, besides blanks and bullets, all links to anchors of the list (a table of
    contents).  They get no collection: a collection of nothing is noise in the group."""
    with_entries = {
        section.path[:depth]
        for section in reading_list.sections
        if section.entries
        for depth in range(1, len(section.path) + 1)
    }
    own: dict[str, list[str]] = {}
    current = ""
    for line in reading_list.frame:
        if isinstance(line, SectionMark):
            current = line.slug
        elif isinstance(line, Verbatim) and line.text.strip():
            own.setdefault(current, []).append(line.text)
    found = set()
    for section in reading_list.sections:
        lines = own.get(section.slug, [])
        if section.path in with_entries:
            continue
        body = [line for line in lines if not line.lstrip().startswith("#")]  # headings
        if body and all(_navigates(line) for line in body):
            found.add(section.slug)
    return frozenset(found)


def _navigates(line: str) -> bool:
    links = _ANCHOR_LINK.search(line)
    return links is not None and _NAV_LEFTOVER.match(_ANCHOR_LINK.sub("", line)) is not None


def split_lines(text: str) -> list[str]:
    """Lines with their terminators (``\\n``, ``\\r\\n`` or ``\\r`` only, as CommonMark)."""
    return LINE.findall(text)


def frame_to_text(reading_list: ReadingList) -> str:
    out: list[str] = []
    for line in reading_list.frame:
        if isinstance(line, Verbatim):
            out.append(_ESCAPE_PLAIN.sub(r"<!-- zotsync\\\1", line.text))
        elif isinstance(line, Slot):
            prefix = _ESCAPE_PLAIN.sub(r"<!-- zotsync\\\1", line.prefix)
            out.append(f"{prefix}<!-- zotsync:entry {line.entry_id} -->{line.terminator}")
        else:
            out.append(f"<!-- zotsync:section {line.slug} -->\n")
    if not reading_list.final_newline:
        out.append(_NO_FINAL_NEWLINE)
    return "".join(out)


def frame_from_text(text: str) -> tuple[tuple[FrameLine, ...], bool]:
    """Parse ``frame.md``; returns the frame and whether the list ends with a newline."""
    lines = split_lines(text)
    final_newline = True
    if lines and lines[-1] == _NO_FINAL_NEWLINE:
        final_newline = False
        lines.pop()
    frame: list[FrameLine] = []
    for line in lines:
        if "<!-- zotsync" not in line:
            frame.append(Verbatim(line))
        elif (mark := _MARK.match(line)) is not None:
            frame.append(SectionMark(mark.group("slug")))
        elif (slot := _SLOT.match(line)) is not None and "<!-- zotsync\\" not in slot.group(
            "prefix"
        ):
            prefix = slot.group("prefix")
            if "<!-- zotsync" in prefix:
                prefix = _UNESCAPE_PLAIN.sub(r"<!-- zotsync\1", prefix)
            frame.append(Slot(prefix, slot.group("id"), slot.group("end") or ""))
        else:
            frame.append(Verbatim(_UNESCAPE_PLAIN.sub(r"<!-- zotsync\1", line)))
    return tuple(frame), final_newline


# --------------------------------------------------------------------------- rendering


@dataclass(slots=True)
class Rendered:
    """A rendered list, with the 1-based output line of each entry and frame line."""

    text: str
    entry_lines: dict[str, int] = field(default_factory=dict)
    frame_lines: dict[int, int] = field(default_factory=dict)


_NUMBERED = re.compile(r"^([^\d\r\n]*?)(\d{1,9})([.)][ \t]*)$")


@dataclass(frozen=True, slots=True)
class _Bullets:
    """How a section's new entries are bulleted: like the section's commonest bullet, with
    its indentation and spacing as written (a tab stays a tab), numbered the way the
    section numbers (counting up, or every item ``1.`` as some lists write them)."""

    shape: tuple[str, str] | str  # (before, after) a number, or a bullet without one
    counting: bool = True
    last_number: int = 0

    def next(self) -> tuple[_Bullets, str]:
        if isinstance(self.shape, str):
            return self, self.shape
        number = self.last_number + 1 if self.counting else max(self.last_number, 1)
        before, after = self.shape
        return _Bullets(self.shape, self.counting, number), f"{before}{number}{after}"


def _shape(prefix: str) -> tuple[tuple[str, str] | str, int | None]:
    match = _NUMBERED.match(prefix)
    if not match:
        return prefix, None
    return (match.group(1), match.group(3)), int(match.group(2))


def number_steps(prefixes: list[str]) -> tuple[int, int]:
    """(times a number counted up, times it repeated) from one bullet to the next."""
    numbers = [_shape(prefix)[1] for prefix in prefixes]
    pairs = list(pairwise(numbers))
    up = sum(1 for a, b in pairs if a is not None and b == a + 1)
    same = sum(1 for a, b in pairs if a is not None and b == a)
    return up, same


def _bullets(style_bullet: str, prefixes: list[str], list_steps: tuple[int, int]) -> _Bullets:
    """The bullets of a section's new entries, from its slots' ``prefixes`` (a section
    whose numbers neither count nor repeat follows the rest of the list)."""
    if not prefixes:
        return _Bullets(_shape(style_bullet)[0])
    shapes = Counter(_shape(prefix)[0] for prefix in prefixes)
    last_shape = _shape(prefixes[-1])[0]
    shape = max(shapes, key=lambda s: (shapes[s], s == last_shape))
    numbers = [n for s, n in map(_shape, prefixes) if s == shape and n is not None]
    up, same = number_steps(prefixes)
    if up == same == 0:
        up, same = list_steps
    return _Bullets(shape, same <= up, numbers[-1] if numbers else 0)


_SETEXT_UNDERLINE = re.compile(r" {0,3}(=+|-+)[ \t]*[\r\n]*\Z")
_ATX = re.compile(r" {0,3}(#{1,6})(?=[ \t\r\n]|\Z)")


def _heading_start(chunks: list[str], mark: int) -> int:
    """The chunk where the heading of the section whose mark is at ``mark`` begins."""
    at = mark - 1
    while at > 0 and not chunks[at].strip():
        at -= 1
    if at > 0 and _SETEXT_UNDERLINE.match(chunks[at]) and chunks[at - 1].strip():
        at -= 1
    return max(at, 0)


def _new_section_place(
    section: Section, reading_list: ReadingList, chunks: list[str], region_start: dict[str, int]
) -> tuple[int, int]:
    """Where a section the frame does not know goes, and its heading level: at the end of its
    parent's part of the list (after the parent's sub-sections), one level below the parent's
    heading, so that reading the list again puts it under the same parent.  A section whose
    parent is not in the frame goes at the end."""
    path = section.path
    marks = sorted(
        (start, s.path)
        for s in reading_list.sections
        if (start := region_start.get(s.slug)) is not None
    )
    parent = next((start for start, p in marks if p == path[:-1] and path[:-1]), None)
    if parent is None:
        return len(chunks), min(len(path) + 1, 6)
    heading = _ATX.match(chunks[_heading_start(chunks, parent)] if parent > 0 else "")
    level = min(len(heading.group(1)) + 1, 6) if heading else min(len(path) + 1, 6)
    after = [start for start, p in marks if start > parent and p[: len(path) - 1] != path[:-1]]
    if not after:
        return len(chunks), level
    at = _heading_start(chunks, after[0])
    while at > 0 and not chunks[at - 1].strip():
        at -= 1
    return at, level


@dataclass
class _Chunks:
    """The output so far: text chunks, and which chunk holds which entry or frame line."""

    texts: list[str] = field(default_factory=list)
    entry_at: dict[int, str] = field(default_factory=dict)  # chunk -> entry id
    frame_at: dict[int, int] = field(default_factory=dict)  # chunk -> frame line index
    placed: set[str] = field(default_factory=set)
    region_start: dict[str, int] = field(default_factory=dict)  # section slug -> chunk
    last_slot: dict[str, int] = field(default_factory=dict)  # section slug -> chunk after it
    prefixes: dict[str, list[str]] = field(default_factory=dict)  # slug -> its slots' bullets


EntryText = Callable[[Entry, Section], str]


def render(reading_list: ReadingList, entry_text: EntryText) -> Rendered:
    """The list's Markdown: the frame with each slot filled in.

    An entry is written at its slot while the slot lies in the entry's section.  Entries with
    no slot there (new, or moved from another section) follow the section's last entry, or its
    heading, in the section's style; a section the frame does not know gets a heading at the
    end.  A slot whose entry is gone takes one of the blank lines around it with it.
    """
    home: dict[str, tuple[Section, Entry]] = {}
    for section, entry in reading_list.entries():
        home.setdefault(entry.id, (section, entry))
    chunks = _fill_slots(reading_list, home, entry_text)
    inserts = _new_entries(reading_list, home, chunks, entry_text)
    if inserts:
        chunks = _with_inserts(chunks, inserts, reading_list.newline)
    result = Rendered("")
    _number_lines(chunks, reading_list.newline, result)
    text = "".join(chunks.texts)
    if not reading_list.final_newline:
        text = text.removesuffix(reading_list.newline)
    result.text = text
    return result


def _fill_slots(
    reading_list: ReadingList, home: dict[str, tuple[Section, Entry]], entry_text: EntryText
) -> _Chunks:
    """The frame's lines with each slot whose entry is still in that section filled in."""
    chunks = _Chunks()
    current = ""
    dropped_blank_pending = False
    for index, line in enumerate(reading_list.frame):
        if isinstance(line, SectionMark):
            current = line.slug
            chunks.region_start.setdefault(current, len(chunks.texts))
            continue
        if isinstance(line, Slot):
            found = home.get(line.entry_id)
            if found and found[0].slug == current and line.entry_id not in chunks.placed:
                section, entry = found
                chunks.entry_at[len(chunks.texts)] = entry.id
                chunks.texts.append(line.prefix + entry_text(entry, section) + line.terminator)
                chunks.placed.add(entry.id)
                chunks.last_slot[current] = len(chunks.texts)
                chunks.prefixes.setdefault(current, []).append(line.prefix)
            elif chunks.texts and not chunks.texts[-1].strip():
                dropped_blank_pending = True
            continue
        if dropped_blank_pending and not line.text.strip():
            dropped_blank_pending = False
            continue
        dropped_blank_pending = False
        chunks.frame_at[len(chunks.texts)] = index
        chunks.texts.append(line.text)
    return chunks


def _new_entries(
    reading_list: ReadingList,
    home: dict[str, tuple[Section, Entry]],
    chunks: _Chunks,
    entry_text: EntryText,
) -> dict[int, list[tuple[str, str]]]:
    """Entries without a slot, after their section's last placed entry (or its heading):
    position -> (entry id or "" for a heading, text)."""
    newline = reading_list.newline
    inserts: dict[int, list[tuple[str, str]]] = {}
    steps = [number_steps(prefixes) for prefixes in chunks.prefixes.values()]
    list_steps = (sum(up for up, _ in steps), sum(same for _, same in steps))
    for section in reading_list.sections:
        new = [e for e in section.entries if e.id not in chunks.placed and home[e.id][0] is section]
        if not new:
            continue
        style = section.style
        gap = newline if style.blank_between else ""
        bullets = _bullets(style.bullet, chunks.prefixes.get(section.slug, []), list_steps)
        if section.slug in chunks.last_slot:
            position = chunks.last_slot[section.slug]
        elif section.slug in chunks.region_start:
            position = chunks.region_start[section.slug]
        else:
            position, level = _new_section_place(
                section, reading_list, chunks.texts, chunks.region_start
            )
            heading = "#" * level + " " + markdown_heading((section.path or ("",))[-1])
            inserts.setdefault(position, []).append(("", f"{newline}{heading}{newline}"))
        for entry in new:
            bullets, bullet = bullets.next()
            text = f"{gap}{bullet}{entry_text(entry, section)}{newline}"
            inserts.setdefault(position, []).append((entry.id, text))
            chunks.placed.add(entry.id)
    return inserts


def _with_inserts(
    chunks: _Chunks, inserts: dict[int, list[tuple[str, str]]], newline: str
) -> _Chunks:
    """The chunks with the inserts at their positions (a chunk that ends without a newline,
    the last line, gets one before an insert)."""
    merged = _Chunks(placed=chunks.placed)
    for i in range(len(chunks.texts) + 1):
        for entry_id, text in inserts.get(i, ()):
            if merged.texts and not merged.texts[-1].endswith(("\n", "\r")):
                merged.texts[-1] += newline
            if entry_id:
                merged.entry_at[len(merged.texts)] = entry_id
            merged.texts.append(text)
        if i < len(chunks.texts):
            if i in chunks.entry_at:
                merged.entry_at[len(merged.texts)] = chunks.entry_at[i]
            if i in chunks.frame_at:
                merged.frame_at[len(merged.texts)] = chunks.frame_at[i]
            merged.texts.append(chunks.texts[i])
    return merged


def _number_lines(chunks: _Chunks, newline: str, result: Rendered) -> None:
    """Where each entry and frame line lands in the output (1-based)."""
    line_no = 1
    for i, chunk in enumerate(chunks.texts):
        if i in chunks.entry_at:
            # An inserted entry may start with the blank line that separates it.
            blank = chunk.startswith(newline) and chunk.strip() != ""
            result.entry_lines[chunks.entry_at[i]] = line_no + (1 if blank else 0)
        elif i in chunks.frame_at:
            result.frame_lines[chunks.frame_at[i]] = line_no
        line_no += chunk.count("\n")
        if "\r" in chunk:
            line_no += chunk.count("\r") - chunk.count("\r\n")
