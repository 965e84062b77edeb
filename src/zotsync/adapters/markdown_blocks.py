"""The block structure of a list in the shapes most lists have, without markdown-it.

markdown-it-py's block parse is most of an ingest's time on a long list (a token object and
a dozen rule calls per line).  Most lists are made of ATX headings, paragraphs of plain
lines and top-level list items of one line, with blank lines between: for those,
:func:`simple_blocks` gives the tokens markdown-it gives (type, tag, map, level, nesting,
heading and paragraph content: all the reader uses), in one pass.  :func:`block_tokens`
cuts the document into regions where no block spans the cut (:func:`regions`) and scans each
here; a region with anything else (an indented or nested line, a fence, HTML, a quote, a
thematic break, a setext underline, a line that could continue or interrupt another block)
goes to markdown-it.  `tests/test_markdown_blocks.py` holds the reading the same both ways.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Protocol

_HEADING = re.compile(r"#{1,6}(?=[ \t]|$)")
_CLOSING_HASHES = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")
_ITEM = re.compile(r"([-*+]|(\d{1,9})([.)]))( {1,4})(?=[^ \t])")
_BREAK = re.compile(r"(?:[-*_][ \t]*){3,}$")
# A paragraph line that can neither start nor end another block: no indent, no quote, HTML,
# fence, heading, list marker, thematic break or setext underline at its start.
_PLAIN = re.compile(r"(?:[^\s>#<`~=\-+*_\d]|\*\*[^*\s]|__[^_\s]|\d+(?![.)\d]))")


@dataclass(slots=True)
class Block:
    """What the reader reads of a markdown-it token."""

    type: str
    tag: str
    map: list[int] | None
    level: int
    nesting: int
    content: str = ""


def _inline(content: str, start: int, end: int, level: int) -> Block:
    return Block("inline", "", [start, end], level, 0, content)


def simple_blocks(lines: list[str]) -> list[Block] | None:
    """markdown-it's block tokens for ``lines`` (with their line ends), or None if the
    document has a shape this scanner does not take."""
    out: list[Block] = []
    n, total = 0, len(lines)
    while n < total:
        line = lines[n].rstrip("\r\n")
        if not line.strip():
            n += 1
            continue
        if line.startswith("#"):
            if _HEADING.match(line) is None:
                return None
            n = _heading(out, line, n)
        elif (item := _ITEM.match(line)) is not None:
            found = _list(out, lines, n, item)
            if found is None:
                return None
            n = found
        elif _PLAIN.match(line):
            found = _paragraph(out, lines, n)
            if found is None:
                return None
            n = found
        else:
            return None
    return out


def _heading(out: list[Block], line: str, n: int) -> int:
    marks = _HEADING.match(line)
    assert marks is not None
    tag = f"h{len(marks.group())}"
    text = line[marks.end() :].strip(" \t")
    text = _CLOSING_HASHES.sub("", text).strip(" \t") if text.endswith("#") else text
    out.append(Block("heading_open", tag, [n, n + 1], 0, 1))
    out.append(_inline(text, n, n + 1, 1))
    out.append(Block("heading_close", tag, None, 0, -1))
    return n + 1


def _paragraph(out: list[Block], lines: list[str], n: int) -> int | None:
    start = n
    texts = []
    while n < len(lines):
        line = lines[n].rstrip("\r\n")
        if not line.strip() or line.startswith("#"):
            break
        if not _PLAIN.match(line) or _ITEM.match(line) or _BREAK.match(line):
            return None  # a marker or underline after a paragraph line: markdown-it's call
        texts.append(line)
        n += 1
    out.append(Block("paragraph_open", "p", [start, n], 0, 1))
    out.append(_inline("\n".join(texts).strip(" \t"), start, n, 1))
    out.append(Block("paragraph_close", "p", None, 0, -1))
    return n


def _item_text(line: str, item: re.Match[str]) -> str | None:
    """The one line of an item's paragraph, or None if it starts a block of its own."""
    text = line[item.end() :].rstrip(" \t")
    if _BREAK.match(line) or not text or text[0] in "#>`~<" or _ITEM.match(text):
        return None
    if text[0] in "*_-+=" and not (text.startswith(("**", "__")) and len(text) > 2):
        return None
    return text


def _list(out: list[Block], lines: list[str], n: int, first: re.Match[str]) -> int | None:
    """A top-level list of one-line items (blank lines between them allowed)."""
    ordered = first.group(2) is not None
    marker = first.group(3) if ordered else first.group(1)
    kind = "ordered_list" if ordered else "bullet_list"
    tag = "ol" if ordered else "ul"
    opened = len(out)
    out.append(Block(f"{kind}_open", tag, [n, n], 0, 1))
    item: re.Match[str] | None = first
    while item is not None:
        text = _item_text(lines[n].rstrip("\r\n"), item)
        if text is None:
            return None
        start = n
        n += 1
        while n < len(lines) and not lines[n].strip():
            n += 1
        if n < len(lines) and n == start + 1 and not _ends_item(lines[n]):
            return None  # a line right under the item: its lazy continuation, or a nested one
        out.append(Block("list_item_open", "li", [start, n], 1, 1))
        out.append(Block("paragraph_open", "p", [start, start + 1], 2, 1))
        out.append(_inline(text, start, start + 1, 3))
        out.append(Block("paragraph_close", "p", None, 2, -1))
        out.append(Block("list_item_close", "li", None, 1, -1))
        item = _ITEM.match(lines[n].rstrip("\r\n")) if n < len(lines) else None
        same = item is not None and (item.group(3) if ordered else item.group(1)) == marker
        if item is not None and not same:
            item = None  # another marker starts another list
        if item is None and n < len(lines) and lines[n][:1] in " \t":
            return None  # an indented line after the list: markdown-it's call
    end = n
    block = out[opened]
    assert block.map is not None
    block.map[1] = end
    out.append(Block(f"{kind}_close", tag, None, 0, -1))
    return end


def _ends_item(line: str) -> bool:
    """Whether a line directly under a one-line item ends it: another item or a heading."""
    text = line.rstrip("\r\n")
    return bool(_ITEM.match(text) or _HEADING.match(text))


_FENCE = re.compile(r"[ \t]*(`{3,}|~{3,})")
_RAW_TAGS = "script|pre|style|textarea"
_HTML_OPEN = (
    (
        re.compile(rf"[ \t]*<(?:{_RAW_TAGS})(?:[\s>]|$)", re.I),
        re.compile(rf"</(?:{_RAW_TAGS})>", re.I),
    ),
    (re.compile(r"[ \t]*<!--"), re.compile(r"-->")),
    (re.compile(r"[ \t]*<\?"), re.compile(r"\?>")),
    (re.compile(r"[ \t]*<![A-Za-z]"), re.compile(r">")),
    (re.compile(r"[ \t]*<!\[CDATA\["), re.compile(r"\]\]>")),
)


def regions(lines: list[str]) -> list[tuple[int, int]]:
    """The document cut where nothing spans the cut: before a line at the left margin that
    follows a blank line, outside a fenced block and a multi-line HTML block (script, pre,
    style, textarea, comment, processing instruction, declaration, CDATA).  A blank line
    ends every other block; a list cut there is two lists, which the reader reads alike."""
    cuts = [0]
    fence: tuple[str, int] | None = None
    html_end: re.Pattern[str] | None = None
    previous_blank = False
    for n, line in enumerate(lines):
        text = line.rstrip("\r\n")
        blank = not text.strip()
        if fence is None and html_end is None and previous_blank and text[:1] not in " \t\r\n":
            cuts.append(n)
        previous_blank = blank
        if fence is not None:
            close = _FENCE.match(text)
            if close and _closes(close, text, fence):
                fence = None
            continue
        if html_end is not None:
            if html_end.search(text):
                html_end = None
            continue
        opened = _FENCE.match(text)
        if opened is not None:
            fence = (opened.group(1)[0], len(opened.group(1)))
            continue
        for start, end in _HTML_OPEN:
            found = start.match(text)
            if found is not None:
                html_end = None if end.search(text, found.end()) else end
                break
    cuts.append(len(lines))
    return [(a, b) for a, b in pairwise(cuts) if b > a]


def _closes(close: re.Match[str], text: str, fence: tuple[str, int]) -> bool:
    marks = close.group(1)
    return marks[0] == fence[0] and len(marks) >= fence[1] and not text[close.end() :].strip()


class BlockToken(Protocol):
    """The part of a markdown-it token the reader reads (a :class:`Block` has it too)."""

    map: list[int] | None

    @property
    def type(self) -> str: ...
    @property
    def tag(self) -> str: ...
    @property
    def level(self) -> int: ...
    @property
    def nesting(self) -> int: ...
    @property
    def content(self) -> str: ...


def block_tokens(
    lines: list[str], parse: Callable[[str], Sequence[BlockToken]]
) -> list[BlockToken]:
    """The document's block tokens: each region (:func:`regions`) this module's scanner takes
    is scanned here, the runs of the others are parsed by ``parse`` (markdown-it), and every
    token's lines are those of the whole document."""
    out: list[BlockToken] = []
    hard_from: int | None = None  # the first line of a run of regions for markdown-it

    def parse_run(end: int) -> None:
        if hard_from is not None:
            out.extend(_shifted(parse("".join(lines[hard_from:end])), hard_from))

    for start, end in regions(lines):
        fast = simple_blocks(lines[start:end])
        if fast is None:
            hard_from = start if hard_from is None else hard_from
            continue
        parse_run(start)
        hard_from = None
        out.extend(_shifted(fast, start))
    parse_run(len(lines))
    return out


def _shifted(tokens: Sequence[BlockToken], offset: int) -> Sequence[BlockToken]:
    if offset:
        for token in tokens:
            if token.map is not None:
                token.map = [token.map[0] + offset, token.map[1] + offset]
    return tokens
