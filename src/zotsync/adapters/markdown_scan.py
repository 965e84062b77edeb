"""An entry's Markdown text cut into pieces: text, links, images, bold, italic and code.

:func:`scan` uses markdown-it's own link helpers (``parseLinkLabel``,
``parseLinkDestination``, ``parseLinkTitle``) where a label or destination is not plain, so
nested brackets ``[[code]](url)``, destinations with parentheses, ``<...>`` destinations,
empty ``()`` and escapes follow CommonMark; emphasis opens where CommonMark's flanking rule
lets it.  A full inline parse costs four times more and gives nothing the reader uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

_ENV: dict[str, object] = {}


@cache
def _markdown_it() -> MarkdownIt:
    """markdown-it, imported on first need: rendering entries from their style never needs it."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark")


@dataclass(slots=True)
class Piece:
    """A run of entry text: ``text``, ``link``, ``bold``, ``italic`` or ``code``.

    For a link, ``text`` is the raw label and ``url`` the destination; ``form`` says how an
    extra link was written (see :data:`~zotsync.core.entries.LINK_FORMS`).  For bold and italic,
    ``text`` is the raw inner text and ``children`` its pieces.  ``raw`` is the source.
    """

    kind: str
    text: str
    raw: str
    url: str = ""
    form: str = ""
    children: list[Piece] | None = None


_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\s]*)>")
_ESCAPABLE = re.compile(r"\\([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")


def unescape(text: str) -> str:
    return _ESCAPABLE.sub(r"\1", text) if "\\" in text else text


# Labels and destinations without these characters need none of the helpers' special cases
# (nested brackets, code spans, autolinks, escapes, entities, parentheses), so for them the
# plain scan below gives exactly the helpers' answer, ten times faster.
_SIMPLE_LABEL = re.compile(r"(?:[^\[\]`<\\]|\[[^\[\]`<\\]*\])*\]")
_SIMPLE_DEST = re.compile(r"[^\s()<>\\&\x00-\x1f\x7f]+(?=[)\s])")


def _try_link(src: str, start: int, end: int) -> tuple[int, str, int] | None:
    """If ``src[start]`` opens an inline link: (index after it, destination, label end)."""
    simple = _SIMPLE_LABEL.match(src, start + 1, end)
    if simple is not None:
        label_end = simple.end() - 1
    else:
        from markdown_it.helpers import parseLinkLabel
        from markdown_it.rules_inline import StateInline

        state = StateInline(src, _markdown_it(), _ENV, [])
        state.posMax = end
        label_end = parseLinkLabel(state, start, False)
    if label_end < 0 or label_end + 1 >= end or src[label_end + 1] != "(":
        return None
    pos = label_end + 2
    while pos < end and src[pos] in " \t\n":
        pos += 1
    url = ""
    if pos < end and src[pos] != ")":
        fast = _SIMPLE_DEST.match(src, pos, end)
        if fast is not None:
            url, pos = fast.group(), fast.end()
        else:
            from markdown_it.helpers import parseLinkDestination

            dest = parseLinkDestination(src, pos, end)
            if not dest.ok:
                return None
            url, pos = dest.str, dest.pos
        after_dest = pos
        while pos < end and src[pos] in " \t\n":
            pos += 1
        if pos < end and pos != after_dest and src[pos] in "\"'(":
            from markdown_it.helpers import parseLinkTitle

            title = parseLinkTitle(src, pos, end, None)
            if title.ok:
                pos = title.pos
                while pos < end and src[pos] in " \t\n":
                    pos += 1
    if pos >= end or src[pos] != ")":
        return None
    return pos + 1, url, label_end


_STOPS = {"*": re.compile(r"[\\*]"), "_": re.compile(r"[\\_]")}


def _find_closing(src: str, start: int, end: int, marker: str) -> int:
    """Index of the closing emphasis ``marker`` after ``start``, skipping escapes, or -1."""
    i = start
    n = len(marker)
    stops = _STOPS[marker[0]]
    while i < end:
        stop = stops.search(src, i, end)  # the next escape or marker: nothing else matters
        if stop is None:
            return -1
        i = stop.start()
        if src[i] == "\\":
            i += 2
            continue
        if src.startswith(marker, i) and not src[i - 1].isspace():
            after = src[i + n : i + n + 1]
            if n == 1 and after == marker:  # part of a ** run: not our closer
                i += 2
                continue
            if marker[0] == "_" and after.isalnum():
                i += 1
                continue
            return i
        i += 1
    return -1


def _left_flanking(src: str, i: int, start: int) -> bool:
    """CommonMark's rule for a run of ``*`` or ``_`` that may open emphasis: punctuation
    after it opens only after a blank or punctuation (``Jang*, Devin*`` is plain text)."""
    run_end = i
    while run_end < len(src) and src[run_end] == src[i]:
        run_end += 1
    after = src[run_end : run_end + 1]
    if not after or after.isspace():
        return False
    if not _is_punctuation(after):
        return True
    before = src[i - 1] if i > start else " "
    return before.isspace() or _is_punctuation(before)


def _is_punctuation(char: str) -> bool:
    return not char.isalnum() and not char.isspace()


_SPECIAL = re.compile(r"[\\`\[!<*_]")


def scan(src: str, start: int = 0, end: int | None = None) -> list[Piece]:
    """Cut ``src[start:end]`` into pieces (see :class:`Piece`)."""
    end = len(src) if end is None else end
    if _SPECIAL.search(src, start, end) is None:  # plain text (a title's): one piece
        chunk = src[start:end]
        return [Piece("text", chunk, chunk)] if chunk else []
    pieces: list[Piece] = []
    text_start = i = start
    while i < end:
        special = _SPECIAL.search(src, i, end)  # plain text in between: nothing to look at
        if special is None:
            break
        i = special.start()
        c = src[i]
        if c == "\\":
            i += 2
            continue
        if c == "`":
            run = len(src[i:end]) - len(src[i:end].lstrip("`"))
            close = src.find("`" * run, i + run, end)
            i = close + run if close >= 0 else i + run
            continue
        if c == "[" or (c == "!" and src.startswith("[", i + 1)):
            open_at = i + 1 if c == "!" else i
            found = _try_link(src, open_at, end)
            if found is not None:
                after, url, label_end = found
                _add_text(pieces, src, text_start, i)
                kind = "image" if c == "!" else "link"
                pieces.append(Piece(kind, src[open_at + 1 : label_end], src[i:after], url))
                text_start = i = after
                continue
            i += 1
            continue
        if c == "<":
            auto = _AUTOLINK.match(src, i, end)
            if auto:
                _add_text(pieces, src, text_start, i)
                pieces.append(Piece("link", auto.group(1), auto.group(0), auto.group(1), "auto"))
                text_start = i = auto.end()
                continue
        if c in "*_" and i + 1 < end and not src[i + 1].isspace():
            if c == "_" and i > 0 and src[i - 1].isalnum():
                i += 1
                continue
            if not _left_flanking(src, i, start):  # "Eric Jang*, Coline Devin*": no emphasis
                i += 1
                continue
            double = src.startswith(c * 2, i)
            marker = c * 2 if double else c
            inner_start = i + len(marker)
            if inner_start < end and not src[inner_start].isspace():
                close = _find_closing(src, inner_start, end, marker)
                if close > inner_start:
                    _add_text(pieces, src, text_start, i)
                    kind = "bold" if double else "italic"
                    children = scan(src, inner_start, close)
                    raw = src[i : close + len(marker)]
                    pieces.append(Piece(kind, src[inner_start:close], raw, children=children))
                    text_start = i = close + len(marker)
                    continue
            i += len(marker)
            continue
        i += 1
    _add_text(pieces, src, text_start, end)
    return pieces


def _add_text(pieces: list[Piece], src: str, start: int, end: int) -> None:
    """The plain text ``src[start:end]`` after ``pieces``, joined to a text piece before it."""
    if end > start:
        chunk = src[start:end]
        if pieces and pieces[-1].kind == "text":
            pieces[-1].text += chunk
            pieces[-1].raw += chunk
        else:
            pieces.append(Piece("text", chunk, chunk))


def plain_text(pieces: list[Piece]) -> str:
    """The text a reader sees: link labels, emphasis without its markers, escapes resolved."""
    out = []
    for piece in pieces:
        if piece.kind in ("bold", "italic") and piece.children is not None:
            out.append(plain_text(piece.children))
        elif piece.kind in ("link", "image"):
            out.append(unescape(piece.text))
        else:
            out.append(unescape(piece.raw))
    return "".join(out)
