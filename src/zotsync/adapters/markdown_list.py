"""A whole Markdown list -> frame, sections and parsed entries (the Markdown reader).

markdown-it-py's block parser (inline parsing switched off: it is most of the cost and the
entry reader does the inline work it needs) gives headings, paragraphs and list items with
their source line ranges.  Candidates for entries are top-level paragraphs and list items; a
list item whose first paragraph is only a bold or short plain title and which holds a nested
list is a *group*: a sub-section named by that title (seed 002's "OpenAI Multimodal Research").
Everything that is not an entry stays in the frame, verbatim.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import cache
from typing import TYPE_CHECKING

from zotsync.adapters.markdown_blocks import BlockToken, block_tokens
from zotsync.adapters.markdown_entry import (
    LABELLED_URL,
    ParsedEntry,
    bold_title_line,
    infer_style,
    parse_entry_text,
    render_entry,
)
from zotsync.adapters.markdown_scan import plain_text, scan
from zotsync.adapters.markdown_table import (
    column_roles,
    is_delimiter,
    parse_row,
    render_row,
    split_row,
    table_style,
)
from zotsync.core.check import holds_unread_link
from zotsync.core.document import (
    EntryText,
    FrameLine,
    ReadingList,
    Rendered,
    SectionMark,
    Slot,
    Verbatim,
    render,
    split_lines,
)
from zotsync.core.entries import Entry, EntryStyle, Section, SectionPath, section_slug

if TYPE_CHECKING:
    from markdown_it import MarkdownIt


@cache
def _block_parser() -> MarkdownIt:
    """markdown-it's block parser, imported on first need (rendering does not need it).

    No inline parse (the entry reader does what it needs); no link reference definitions:
    that rule costs a third of the block parse on lists whose paragraphs start with `[`, and
    a definition line read as a paragraph is not an entry, so it stays in the frame as it is.
    """
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark")
    parser.disable(["inline", "text_join"])
    parser.block.ruler.disable("reference")
    return parser


_BULLET = re.compile(r"^[ \t]*(?:[-+*]|\d{1,9}[.)])(?:[ \t]+|$)")
TOP_SLUG = "top"


@dataclass(slots=True)
class ParsedItem:
    """An entry as read: its exact source text, fields, own style and 1-based line."""

    text: str
    parsed: ParsedEntry
    line: int
    markdown: str = ""  # ``text`` when the section's style does not write it back exactly
    style_checked: bool = False


@dataclass(slots=True)
class ParsedSection:
    slug: str
    path: SectionPath
    items: list[ParsedItem] = field(default_factory=list)
    style: EntryStyle = field(default_factory=EntryStyle)


@dataclass(slots=True)
class ParsedList:
    """The reader's result.  Frame slots name entries ``"#<n>"``, n indexing :attr:`items`."""

    frame: list[FrameLine]
    sections: list[ParsedSection]
    items: list[ParsedItem]
    newline: str
    final_newline: bool
    unread: list[int] = field(default_factory=list)  # 1-based lines with a link, no entry


@dataclass(slots=True)
class _Span:
    start: int
    end: int
    prefix: str
    item: ParsedItem
    section: str


def _heading_text(content: str) -> str:
    text = plain_text(scan(content)).strip()
    return " ".join(text.split()) or "Untitled"


def _entry_at(lines: list[str], start: int, end: int, prefix_len: int) -> str:
    text = lines[start][prefix_len:] + "".join(lines[start + 1 : end])
    return text.rstrip("\r\n")


class _Reader:
    def __init__(self, text: str) -> None:
        self.lines = split_lines(text)
        terminators = Counter(
            line[len(line.rstrip("\r\n")) :] for line in self.lines if line.endswith(("\n", "\r"))
        )
        self.newline = terminators.most_common(1)[0][0] if terminators else "\n"
        self.final_newline = not self.lines or self.lines[-1].endswith(("\n", "\r"))
        if not self.final_newline:
            self.lines[-1] += self.newline
        # The common shapes scanned here, the rest by markdown-it (see markdown_blocks).
        self.tokens = block_tokens(self.lines, lambda part: _block_parser().parse(part))
        self.spans: list[_Span] = []
        self.marks: dict[int, str] = {}
        self.sections: dict[str, ParsedSection] = {}
        self.slug_of_path: dict[SectionPath, str] = {}
        self.current = TOP_SLUG
        self.sections[TOP_SLUG] = ParsedSection(TOP_SLUG, ())
        self.slug_of_path[()] = TOP_SLUG
        self.marks[0] = TOP_SLUG  # entries before the first heading; dropped if there are none
        self.consumed_until = 0  # lines an entry took beyond its own block (a link list)

    # -- sections

    def _section(self, path: SectionPath) -> str:
        slug = self.slug_of_path.get(path)
        if slug is None:
            slug = section_slug(path, self.sections)
            self.slug_of_path[path] = slug
            self.sections[slug] = ParsedSection(slug, path)
        return slug

    def _enter(self, line: int, path: SectionPath) -> None:
        self.current = self._section(path)
        self.marks[line] = self.current

    # -- entries

    def _add(self, start: int, end: int, prefix_len: int, parsed: ParsedEntry, text: str) -> None:
        while end - 1 > start and not self.lines[end - 1].strip():
            end -= 1
        item = ParsedItem(text, parsed, start + 1)
        self.spans.append(_Span(start, end, self.lines[start][:prefix_len], item, self.current))

    def _try_block(self, start: int, end: int, prefix_len: int, full_end: int) -> bool:
        text = _entry_at(self.lines, start, end, prefix_len)
        parsed = parse_entry_text(text)
        if parsed is None:
            return False
        while full_end > end and not self.lines[full_end - 1].strip():
            full_end -= 1  # the blank lines after the item are not its text
        if full_end != end and self._nested_entry(end, full_end):
            full_end = end  # "1. **Dataset** [[Website]](…)" over its papers' own entries
        if full_end != end:
            whole = _entry_at(self.lines, start, full_end, prefix_len)
            parsed_whole = parse_entry_text(whole)
            if parsed_whole is not None:  # else the nested lines stay in the frame as they are
                parsed, text, end = parsed_whole, whole, full_end
        self._add(start, end, prefix_len, parsed, text)
        return True

    def _whole(self, item: list[int]) -> bool:
        """Whether the last entry spans the whole list item at lines ``item``."""
        end = item[1]
        while end - 1 > item[0] and not self.lines[end - 1].strip():
            end -= 1
        return self.spans[-1].end >= end

    def _nested_entry(self, start: int, end: int) -> bool:
        """Whether the first nested list item between lines ``start`` and ``end`` is an
        entry of its own (then the items under an entry are entries, not its text)."""
        for line in self.lines[start:end]:
            if line.strip():
                bullet = _BULLET.match(line)
                nested = line[bullet.end() :].rstrip("\r\n") if bullet else ""
                return bool(nested) and parse_entry_text(nested) is not None
        return False

    def _paragraph(self, start: int, end: int) -> None:
        if self._table(start, end):
            return
        prefix_len = len(self.lines[start]) - len(self.lines[start].lstrip(" "))
        if end - start == 1 and self._link_list(start, prefix_len):
            return
        if self._try_block(start, end, prefix_len, end):
            return
        if end - start < 2:
            return
        # Several one-line entries with no blank line between them form one paragraph.
        singles = []
        for line in range(start, end):
            indent = len(self.lines[line]) - len(self.lines[line].lstrip(" "))
            text = _entry_at(self.lines, line, line + 1, indent)
            parsed = parse_entry_text(text)
            if parsed is None:
                return
            singles.append((line, indent, parsed, text))
        for line, indent, parsed, text in singles:
            self._add(line, line + 1, indent, parsed, text)

    def _link_list(self, start: int, prefix_len: int) -> bool:
        """A bold title line over bullets of bare labelled URLs (``- Code: https://…``): one
        entry over all of them; the bullets' list is then not read again."""
        if bold_title_line(self.lines[start]) is None:
            return False
        last = line = start + 1
        while line < len(self.lines):
            if not self.lines[line].strip():
                line += 1
            elif LABELLED_URL.match(self.lines[line].rstrip("\n")):
                line = last = line + 1
            else:
                break
        if last == start + 1:
            return False
        text = _entry_at(self.lines, start, last, prefix_len)
        parsed = parse_entry_text(text)
        if parsed is None:
            return False
        self._add(start, last, prefix_len, parsed, text)
        self.consumed_until = last
        return True

    def _table(self, start: int, end: int) -> bool:
        """A table whose header names a title column: each row with a title an entry."""
        if end - start < 3 or not is_delimiter(self.lines[start + 1]):
            return False
        header = self.lines[start]
        roles = column_roles(header)
        if roles is None:
            return False
        rows = [split_row(self.lines[line]) for line in range(start + 2, end)]
        style = table_style(header, roles, [row for row in rows if row is not None])
        for line in range(start + 2, end):
            text = self.lines[line].rstrip("\r\n")
            content = parse_row(text, style)
            if content is not None:
                self._add(line, line + 1, 0, ParsedEntry(content, style), text)
        return True

    def read(self) -> ParsedList:
        tokens = self.tokens
        headings: list[tuple[int, str]] = []
        heading_levels = [
            int(tok.tag[1:]) for tok in tokens if tok.type == "heading_open" and tok.level == 0
        ]
        title_level = None
        # A lone first heading of the top level is the list's title, not a section.
        if (
            len(heading_levels) > 1
            and heading_levels.count(heading_levels[0]) == 1
            and heading_levels[0] == min(heading_levels)
        ):
            title_level = heading_levels[0]
        containers: list[str] = []
        groups: list[tuple[int, SectionPath]] = []  # (list item depth, path to return to)
        skip_to_level: int | None = None
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if skip_to_level is not None:
                if tok.type == "list_item_close" and tok.level == skip_to_level:
                    skip_to_level = None
                i += 1
                continue
            if tok.type == "bullet_list_open" and tok.map and tok.map[0] < self.consumed_until:
                i = self._close_of(tokens, i) + 1  # the bullets of an entry's link list
                continue
            if tok.type in ("blockquote_open", "bullet_list_open", "ordered_list_open"):
                containers.append(tok.type)
            elif tok.type in ("blockquote_close", "bullet_list_close", "ordered_list_close"):
                containers.pop()
            elif tok.type == "heading_open" and not containers and tok.map:
                level = int(tok.tag[1:])
                if level == title_level:
                    headings = []
                else:
                    while headings and headings[-1][0] >= level:
                        headings.pop()
                    headings.append((level, _heading_text(tokens[i + 1].content)))
                    self._enter(tok.map[1], tuple(name for _, name in headings))
            elif tok.type == "paragraph_open" and not containers and tok.map:
                self._paragraph(tok.map[0], tok.map[1])
            elif tok.type == "list_item_open" and "blockquote_open" not in containers and tok.map:
                self._list_item(tokens, i, groups)
                if self.spans and self.spans[-1].start == tok.map[0] and self._whole(tok.map):
                    skip_to_level = tok.level  # the entry took the item's nested lines too
            elif tok.type == "list_item_close" and groups and groups[-1][0] == tok.level:
                _, back_to = groups.pop()
                close_line = self._item_end(tokens, i)
                if close_line is not None:
                    self._enter(close_line, back_to)
            i += 1
        return self._result()

    @staticmethod
    def _close_of(tokens: list[BlockToken], open_index: int) -> int:
        """The index of the token that closes the one opened at ``open_index``."""
        depth = 0
        for j in range(open_index, len(tokens)):
            depth += tokens[j].nesting
            if depth == 0:
                return j
        return len(tokens) - 1

    def _item_end(self, tokens: list[BlockToken], close_index: int) -> int | None:
        """The line after the list item closed at ``close_index`` (None at the end)."""
        depth = 0
        for j in range(close_index, -1, -1):
            tok = tokens[j]
            if tok.type == "list_item_close":
                depth += 1
            elif tok.type == "list_item_open":
                depth -= 1
                if depth == 0 and tok.map:
                    end = tok.map[1]
                    while end - 1 > tok.map[0] and not self.lines[end - 1].strip():
                        end -= 1
                    return end if end < len(self.lines) else None
        return None

    def _list_item(
        self, tokens: list[BlockToken], i: int, groups: list[tuple[int, SectionPath]]
    ) -> None:
        tok = tokens[i]
        assert tok.map is not None
        start, end = tok.map
        bullet = _BULLET.match(self.lines[start])
        if bullet is None:
            return
        first = tokens[i + 1] if i + 1 < len(tokens) else None
        if first is None or first.type != "paragraph_open" or first.map is None:
            return
        if self._try_block(start, first.map[1], bullet.end(), end):
            return
        nested = i + 4 < len(tokens) and tokens[i + 4].type in (
            "bullet_list_open",
            "ordered_list_open",
        )
        if not nested:
            return
        title_pieces = scan(tokens[i + 2].content)
        is_title = (
            len([p for p in title_pieces if p.kind != "text" or p.text.strip()]) == 1
            and title_pieces[0].kind in ("bold", "text")
            and first.map[1] - first.map[0] == 1
        )
        if not is_title:
            return
        name = plain_text(title_pieces).strip()
        if not name or len(name) > 120:
            return
        parent = self.sections[self.current].path
        groups.append((tok.level, parent))
        self._enter(first.map[1], (*parent, name))

    def _one_style_of_rows(self) -> None:
        """A section's table rows are entries only if they are all it holds, all under one
        header (rows of another table, or rows beside list items, stay in the frame as
        they are: one section writes one kind of entry)."""
        kinds: dict[str, Counter[EntryStyle | None]] = {}
        for span in self.spans:
            style = span.item.parsed.style
            kinds.setdefault(span.section, Counter())[style if style.columns else None] += 1
        keep = {section: found.most_common(1)[0][0] for section, found in kinds.items()}
        self.spans = [
            span
            for span in self.spans
            if (span.item.parsed.style if span.item.parsed.style.columns else None)
            == keep[span.section]
        ]

    def _result(self) -> ParsedList:
        self._one_style_of_rows()
        frame: list[FrameLine] = []
        items: list[ParsedItem] = []
        unread: list[int] = []
        spans = {span.start: span for span in self.spans}
        slot_sections: dict[str, list[tuple[str, ParsedItem, bool]]] = {}
        line = 0
        total = len(self.lines)
        while line <= total:
            if line in self.marks:
                frame.append(SectionMark(self.marks[line]))
            if line == total:
                break
            span = spans.get(line)
            if span is None:
                frame.append(Verbatim(self.lines[line]))
                if holds_unread_link(self.lines[line]):
                    unread.append(line + 1)
                line += 1
                continue
            last = self.lines[span.end - 1]
            terminator = last[len(last.rstrip("\r\n")) :]
            frame.append(Slot(span.prefix, f"#{len(items)}", terminator))
            items.append(span.item)
            self.sections[span.section].items.append(span.item)
            blank_after = span.end < total and not self.lines[span.end].strip()
            slot_sections.setdefault(span.section, []).append((span.prefix, span.item, blank_after))
            line = span.end
        sections = [s for s in self.sections.values() if s.slug != TOP_SLUG or s.items]
        if not self.sections[TOP_SLUG].items and frame and frame[0] == SectionMark(TOP_SLUG):
            frame.pop(0)
        self._infer_styles(sections, slot_sections)
        return ParsedList(frame, sections, items, self.newline, self.final_newline, unread)

    def _infer_styles(
        self,
        sections: list[ParsedSection],
        slots: dict[str, list[tuple[str, ParsedItem, bool]]],
    ) -> None:
        weights: Counter[EntryStyle] = Counter()
        for section in sections:
            seen = slots.get(section.slug, [])
            if not seen:
                continue
            table = seen[0][1].parsed.style
            if table.columns:  # one table style per section (see _one_style_of_rows)
                section.style = table
                weights[table] += len(seen)
                for _, item, _ in seen:
                    same = render_row(item.parsed.content, table) == item.text
                    item.markdown = "" if same else item.text
                    item.style_checked = True
                continue
            bullet = Counter(prefix for prefix, _, _ in seen).most_common(1)[0][0]
            blank = sum(b for _, _, b in seen) * 2 >= len(seen) if len(seen) > 1 else not bullet
            frame_style = EntryStyle(bullet=bullet, blank_between=blank)
            samples = [(item.text, item.parsed) for _, item, _ in seen]
            section.style, written_back = infer_style(samples, frame_style)
            weights[section.style] += len(seen)
            if written_back is not None:
                for (_, item, _), same in zip(seen, written_back, strict=True):
                    item.markdown = "" if same else item.text
                    item.style_checked = True
        default = weights.most_common(1)[0][0] if weights else EntryStyle()
        for section in sections:
            if section.slug not in slots:
                section.style = replace(default)
            for item in section.items:
                if item.style_checked:
                    continue
                if render_entry(item.parsed.content, section.style) != item.text:
                    item.markdown = item.text


def read_list(text: str) -> ParsedList:
    """Read a Markdown list (already decoded).  Never raises on odd Markdown."""
    return _Reader(text).read()


def entry_markdown(entry: Entry, section: Section) -> str:
    """An entry's Markdown: its kept source while that still says the same, else rendered."""
    if section.style.columns:
        if entry.markdown and parse_row(entry.markdown, section.style) == entry.content():
            return entry.markdown
        return render_row(entry.content(), section.style, entry.markdown)
    if entry.markdown:
        parsed = parse_entry_text(entry.markdown)
        if parsed is not None and parsed.content == entry.content():
            return entry.markdown
    return render_entry(entry, section.style)


def render_list(reading_list: ReadingList, entry_text: EntryText = entry_markdown) -> Rendered:
    return render(reading_list, entry_text)


def remembered_markdown() -> EntryText:
    """:func:`entry_markdown` that writes each (entry, style) once: one reconciliation
    asks for an unchanged entry's text on both sides, for the base and for the README."""
    texts: dict[tuple[Entry, int], str] = {}
    distinct: list[EntryStyle] = []
    # id(style) -> (the style, held so that its id stays its own; its number in ``distinct``).
    # Equal styles of the two sides share texts; hashing a style on every call would cost
    # more than the lookup saves.
    by_id: dict[int, tuple[EntryStyle, int]] = {}

    def style_number(style: EntryStyle) -> int:
        known = by_id.get(id(style))
        if known is None:
            number = next((n for n, s in enumerate(distinct) if s == style), len(distinct))
            if number == len(distinct):
                distinct.append(style)
            known = by_id[id(style)] = (style, number)
        return known[1]

    def entry_text(entry: Entry, section: Section) -> str:
        key = (entry, style_number(section.style))
        found = texts.get(key)
        if found is None:
            found = texts[key] = entry_markdown(entry, section)
        return found

    return entry_text
