"""A section renamed or moved in Zotero, followed in the list (pure).

A teammate who renames one of the list's collections, or drags it under another of them,
changes the list: the section's path (and its sub-sections') follows, its heading line in
the frame is rewritten, and a moved section's part of the list (its heading, entries and
sub-sections, with their headings one level deeper or shallower) goes to the end of its new
parent's part, so that reading the README again finds it where Zotero has it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from zotsync.core.document import FrameLine, ReadingList, SectionMark, Verbatim
from zotsync.core.entries import Section, SectionPath, section_slug
from zotsync.core.escape import markdown_heading

_ATX = re.compile(r"(?P<indent> {0,3})(?P<hashes>#{1,6})(?P<text>[ \t].*?|)(?P<end>\r\n|\r|\n)?\Z")
_SETEXT = re.compile(r" {0,3}(=+|-+)[ \t]*(\r\n|\r|\n)?\Z")


def _blank(line: FrameLine) -> bool:
    return isinstance(line, Verbatim) and not line.text.strip()


def _heading_at(frame: list[FrameLine], mark: int) -> int:
    """The index of the heading line of the section whose mark is at ``mark``."""
    at = mark - 1
    while at > 0 and _blank(frame[at]):
        at -= 1
    line = frame[at] if at >= 0 else None
    if isinstance(line, Verbatim) and _SETEXT.match(line.text) and at > 0:
        at -= 1
    return max(at, 0)


def _within(path: SectionPath, prefix: SectionPath) -> bool:
    return path[: len(prefix)] == prefix


def _region(
    frame: list[FrameLine], paths: dict[str, SectionPath], top: SectionPath
) -> tuple[int, int] | None:
    """Where the part of the list of section ``top`` (sub-sections included) lies."""
    marks = [
        (n, paths.get(line.slug)) for n, line in enumerate(frame) if isinstance(line, SectionMark)
    ]
    start = next((n for n, path in marks if path == top), None)
    if start is None:
        return None
    after = [n for n, path in marks if n > start and not (path and _within(path, top))]
    return _heading_at(frame, start), (_heading_at(frame, after[0]) if after else len(frame))


def _renamed(line: FrameLine, name: str) -> FrameLine:
    if not isinstance(line, Verbatim):
        return line
    match = _ATX.match(line.text)
    if match is None:  # a setext heading: the whole line is its text
        end = line.text[len(line.text.rstrip("\r\n")) :]
        indent = line.text[: len(line.text) - len(line.text.lstrip(" "))]
        return Verbatim(f"{indent}{markdown_heading(name)}{end}")
    end = match.group("end") or ""
    return Verbatim(f"{match.group('indent')}{match.group('hashes')} {markdown_heading(name)}{end}")


def _shifted(line: FrameLine, delta: int) -> FrameLine:
    if not isinstance(line, Verbatim) or (match := _ATX.match(line.text)) is None:
        return line
    level = min(max(len(match.group("hashes")) + delta, 1), 6)
    return Verbatim(match.group("indent") + "#" * level + line.text[match.end("hashes") :])


def _follow(
    reading_list: ReadingList, old: SectionPath, new: SectionPath
) -> tuple[tuple[Section, ...], dict[str, str]]:
    """The sections with ``old`` and its sub-sections at ``new``, their files named as a
    reading of the README will name them (old slug -> new slug)."""
    taken = {s.slug for s in reading_list.sections if not _within(s.path, old)}
    slugs: dict[str, str] = {}
    sections = []
    for section in reading_list.sections:
        if _within(section.path, old):
            path = new + section.path[len(old) :]
            slugs[section.slug] = section_slug(path, taken)
            taken.add(slugs[section.slug])
            section = replace(section, slug=slugs[section.slug], path=path)
        sections.append(section)
    return tuple(sections), slugs


def _moved_part(
    frame: list[FrameLine], part: list[FrameLine], into: tuple[int, int] | None, newline: str
) -> list[FrameLine]:
    """``frame`` with ``part`` at the end of the region ``into`` (or at the end)."""
    at = into[1] if into is not None else len(frame)
    before = frame[at - 1] if at else None
    if isinstance(before, Verbatim) and not before.text.endswith(("\n", "\r")):
        frame[at - 1] = Verbatim(before.text + newline)
    if at and not _blank(frame[at - 1]):
        part.insert(0, Verbatim(newline))
    if at < len(frame) and part and not _blank(part[-1]):
        part.append(Verbatim(newline))
    return frame[:at] + part + frame[at:]


def resection(reading_list: ReadingList, old: SectionPath, new: SectionPath) -> ReadingList:
    """``reading_list`` with section ``old`` (and its sub-sections) at ``new``."""
    sections, slugs = _follow(reading_list, old, new)
    paths = {s.slug: s.path for s in reading_list.sections}
    frame = list(reading_list.frame)
    region = _region(frame, paths, old)
    if region is not None:
        start, end = region
        part = frame[start:end]
        if old[-1] != new[-1]:
            part[0] = _renamed(part[0], new[-1])
        if old[:-1] == new[:-1]:
            frame[start:end] = part
        else:
            part = [_shifted(line, len(new) - len(old)) for line in part]
            rest = frame[:start] + frame[end:]
            into = _region(rest, paths, new[:-1]) if new[:-1] else None
            frame = _moved_part(rest, part, into, reading_list.newline)
    renamed = [
        SectionMark(slugs.get(line.slug, line.slug)) if isinstance(line, SectionMark) else line
        for line in frame
    ]
    return replace(reading_list, frame=tuple(renamed), sections=sections)
