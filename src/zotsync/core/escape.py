"""Text from outside made safe for where it goes (pure): one place, so nothing gets around it.

Everything that reaches the README from Zotero (titles, names, venues, collection names,
attachment titles, URLs, tags) is written by a teammate or a server we do not control.  It
goes through :func:`clean_line` when it enters the list and through :func:`markdown_text`
(or :func:`markdown_heading`, :func:`markdown_destination`) when it is written, so that it
is shown literally: no line break CommonMark knows (``\\n``, ``\\r``, ``\\r\\n``, and the
Unicode ones a renderer may honour), no NUL, no bidirectional override that makes the text
read differently from what it is, no link, emphasis or raw HTML.
"""

from __future__ import annotations

import re
from urllib.parse import quote

# Line and paragraph breaks: CommonMark's (\n, \r, \r\n) and what Unicode or a YAML reader
# also takes for one (VT, FF, NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR).
_BREAKS = re.compile(r"\r\n|[\n\r\x0b\x0c\x85\u2028\u2029]")
# Controls that show nothing but change what a reader sees or a parser does: the other C0
# and C1 controls (NUL included), the bidirectional embeddings, overrides and isolates
# (U+202A-U+202E, U+2066-U+2069, "Trojan Source"), the direction marks, and U+FEFF.
_INVISIBLE = re.compile(
    r"[\x00-\x08\x0e-\x1f\x7f\x80-\x84\x86-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)


def clean_line(text: str) -> str:
    """One line of plain text: every line break a space, a tab a space, controls and
    bidirectional overrides removed.  Text without them is returned as it is."""
    if text.isprintable():
        return text
    text = _BREAKS.sub(" ", text).replace("\t", " ")
    return _INVISIBLE.sub("", text)


def clean_url(url: str) -> str:
    """A URL as one token: whitespace and controls percent-encoded (a browser does the
    same), bidirectional overrides removed."""
    url = _INVISIBLE.sub(lambda m: "" if m.group() > "\x9f" else quote(m.group()), url)
    return re.sub(r"\s", lambda m: quote(m.group()), url)


_ESCAPE_ALWAYS = re.compile(r"([\\\[\]*`<])")
_ESCAPE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_NEEDS_ESCAPE = re.compile(r"[\\\[\]*`<_]")
# What starts a block when it opens a line: a heading, quote, list item, thematic break,
# setext underline, table row, fenced code, HTML block.
_BLOCK_START = re.compile(r"(#{1,6}(?=\s|$)|>|[-+=|~]|\d{1,9}(?=[.)]))")


def markdown_text(text: str) -> str:
    """Escape text so Markdown shows it literally: no links, emphasis or HTML get in."""
    text = clean_line(text)
    if not _NEEDS_ESCAPE.search(text):
        return text
    text = _ESCAPE_ALWAYS.sub(r"\\\1", text)
    return _ESCAPE_UNDERSCORE.sub(r"\\_", text)


def markdown_line_start(text: str) -> str:
    """``markdown_text`` for text that opens a line (a paragraph entry): a leading ``#``,
    ``>``, ``-``, ``1.``… is escaped so it cannot start a heading, quote or list."""
    text = markdown_text(text)
    match = _BLOCK_START.match(text)
    if match is None:
        return text
    marker = match.group()
    if marker[0].isdigit():
        return marker + "\\" + text[len(marker) :]
    return "\\" + text


def markdown_heading(name: str) -> str:
    """A heading's text: escaped as entries are, and no closing ``#`` sequence."""
    text = markdown_text(name).strip() or "Untitled"
    if text.endswith("#"):
        text = text[:-1] + "\\#"
    return text


_PLAIN_URL = re.compile(r"[^\s()<>\\]+")


def markdown_destination(url: str) -> str:
    """A link destination for ``url``; ``<...>`` when it has spaces or unbalanced parens."""
    url = clean_url(url)
    if _PLAIN_URL.fullmatch(url):
        return url
    depth = 0
    balanced = True
    for c in url:
        depth += (c == "(") - (c == ")")
        if depth < 0:
            balanced = False
            break
    if balanced and depth == 0 and not re.search(r"[\s<>\\]", url):
        return url
    return "<" + re.sub(r"([<>\\])", r"\\\1", url) + ">"
